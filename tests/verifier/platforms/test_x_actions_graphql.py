"""The real X captures behind the comment and share checks parse to MANIFEST.md's
ground truths, and the sandbox's answers parse the same way."""

from __future__ import annotations

import json
from typing import Any

from fixtures.sandbox import x_reposts, x_tweets
from fixtures.sandbox.sessions import Viewer
from fixtures.sandbox.world import parse_world
from tests.contract import CONTRACT
from verifier.platforms.x_graphql import parse_timeline, parse_tweet_detail, replies_to

TWITTER = CONTRACT.parent / "realdata" / "twitter"
TWEET = "1649191520250245121"


def load(name: str) -> dict[str, Any]:
    path = TWITTER / name
    assert path.is_file(), f"realdata file missing: {path}"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_tweet_detail_replies() -> None:
    conversation = parse_tweet_detail(load(f"twscrape_tweet_details_{TWEET}.json"))
    assert conversation is not None
    focal = conversation.get(TWEET)
    assert focal is not None and focal.screen_name == "XDevelopers"
    assert (focal.favorite_count, focal.reply_count) == (426, 93)
    assert focal.text.startswith("Today, we are deprecating our Premium v1.1 API")
    replies = replies_to(TWEET, conversation.tweets)
    authors = {t.screen_name for t in replies}
    assert {"ashevat", "MattEason", "_andrewlyons"} <= authors
    assert focal not in replies
    ids = {t.screen_name: t.rest_id for t in replies}
    assert ids["ashevat"] == "1649263296434806785" and ids["MattEason"] == "1649193341454524424"
    matt = next(t for t in replies if t.screen_name == "MattEason")
    assert matt.text.startswith("You're not deprecating them")  # "@TwitterDev " is cut off
    assert conversation.bottom_cursor  # 93 replies: more than this page holds
    assert "jessicagarson" not in authors  # a follower of the author, not a replier


def test_replies_follow_the_reply_chain_only() -> None:
    conversation = parse_tweet_detail(load(f"twscrape_tweet_details_{TWEET}.json"))
    assert conversation is not None
    # Seen from one of the author's thread tweets, the other replies are not its comments.
    thread = replies_to("1649191522485817345", conversation.tweets)
    assert [t.rest_id for t in thread] == ["1649191523697979392"]
    assert parse_tweet_detail({"data": {}, "errors": [{"code": 144}]}) is None


def test_retweeters_page() -> None:
    page = parse_timeline(load(f"twscrape_retweeters_of_{TWEET}.json"))
    assert len(page.users) == 19  # the 20th entry is an unavailable user
    assert page.find("alibdor99") is not None
    assert page.find("gentle_jenkins") is not None  # handles compare case-insensitively
    assert page.find("MattEason") is None  # a replier, not a reposter
    assert page.bottom_cursor == "HBamqvqz09L8szEAAA=="


WORLD = parse_world({"platforms": {"x": {"accounts": [{"handle": "acme_bd"}], "posts": [
    {"id": "1861000000000000001", "author": "acme_bd", "text": "Eid sale",
     "shared_by": ["rafi_bd", "sumi_bd"],
     "comments": [{"author": f"fan{i:02d}", "text": f"comment {i}"} for i in range(25)]},
]}}})
CHECKER = Viewer(handle="sandbox_checker", is_checker=True)


def test_sandbox_retweeters_have_the_real_shape() -> None:
    real = load(f"twscrape_retweeters_of_{TWEET}.json")
    ours = x_reposts.retweeters(WORLD.require("x"), "1861000000000000001", CHECKER, None, 20)
    assert set(ours["data"]["retweeters_timeline"]["timeline"]) \
        == set(real["data"]["retweeters_timeline"]["timeline"])
    real_entry = real["data"]["retweeters_timeline"]["timeline"]["instructions"][0]["entries"][0]
    entry = ours["data"]["retweeters_timeline"]["timeline"]["instructions"][0]["entries"][0]
    assert set(entry["content"]) == set(real_entry["content"])
    page = parse_timeline(ours)
    assert [u.screen_name for u in page.users] == ["sumi_bd", "rafi_bd"]  # newest first
    rest = parse_timeline(x_reposts.retweeters(WORLD.require("x"), "1861000000000000001",
                                               CHECKER, page.bottom_cursor, 20))
    assert rest.users == []  # the page past the end: how a client knows the list ended
    assert x_reposts.retweeters(WORLD.require("x"), "1", CHECKER, None, 20)["errors"][0][
        "code"] == 144


def test_sandbox_replies_page_like_x() -> None:
    first = parse_tweet_detail(x_tweets.tweet_detail(WORLD.require("x"), "1861000000000000001",
                                                     CHECKER, with_replies=True))
    assert first is not None and first.bottom_cursor
    assert len(replies_to("1861000000000000001", first.tweets)) == x_tweets.REPLY_PAGE
    second = parse_tweet_detail(x_tweets.tweet_detail(
        WORLD.require("x"), "1861000000000000001", CHECKER, with_replies=True,
        cursor=first.bottom_cursor))
    assert second is not None and second.bottom_cursor is None
    assert first.get("1861000000000000001") is not None
    assert second.get("1861000000000000001") is None  # a cursor page holds only replies
    both = replies_to("1861000000000000001", first.tweets + second.tweets)
    assert [t.screen_name for t in both] == [f"fan{i:02d}" for i in range(25)]
