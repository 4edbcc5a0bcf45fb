"""Reddit parsers and targets, against the cassettes PRAW recorded.

The betamax cassettes in ``shared/realdata/reddit`` hold each exchange's
request and response, the body as ``response.body.string``; ``cassette``
reads them so MANIFEST.md's ground truths come out of the adapter's parsers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.contract import CONTRACT
from verifier.platforms.base import TargetError
from verifier.platforms.reddit import RedditAdapter, earlier_only, reddit_user
from verifier.platforms.reddit_api import (
    HttpReply,
    LayoutChanged,
    RedditComment,
    account_missing,
    error_reason,
    in_time_order,
    parse_about,
    parse_thread,
    parse_username_available,
    wall_of,
)

REALDATA = CONTRACT.parent / "realdata" / "reddit"


def cassette(name: str) -> list[dict[str, Any]]:
    """(uri, status, body) of every exchange in a betamax cassette."""
    path = REALDATA / name
    assert path.is_file(), f"realdata file missing: {path}"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for item in data.get("interactions") or data.get("http_interactions") or []:
        response = item["response"]
        out.append({"uri": item["request"]["uri"], "status": response["status"]["code"],
                    "body": response["body"].get("string", "")})
    assert out, f"no exchanges in {path}"
    return out


def answer(name: str, uri_part: str) -> dict[str, Any]:
    return next(e for e in cassette(name) if uri_part in e["uri"])


# -- ground truths ---------------------------------------------------------------------


def test_comment_tree_of_2gmzqe():
    found = answer("praw_TestSubmission.test_comments.json", "/comments/2gmzqe")
    thread = parse_thread(json.loads(found["body"]))
    assert (thread.post_id, thread.author, thread.subreddit) == ("2gmzqe", "bboe", "redditdev")
    assert thread.title == "[PRAW] HTTPS enabled PRAW testing needed"
    assert thread.num_comments == 2 and thread.hidden == 0
    assert [(c.id, c.author, c.depth, c.parent_id) for c in thread.comments] == [
        ("cklfmye", "paneer_burrito", 0, "t3_2gmzqe"),
        ("cklhv0f", "bboe", 1, "t1_cklfmye"),  # a reply, found inside "replies"
    ]
    assert thread.by("PANEER_BURRITO")[0].body.startswith("Quick question")
    assert thread.by("someone_else") == []


def test_bboe_exists_and_the_free_name_does_not():
    taken = answer("praw_TestReddit.test_username_available__unavailable.json", "user=bboe")
    assert parse_username_available(json.loads(taken["body"])) is False  # taken: exists
    free = answer("praw_TestReddit.test_username_available__available.json", "user=")
    assert parse_username_available(json.loads(free["body"])) is True  # not registered


def test_user_doesnt_exist_from_trophies():
    found = answer("praw_TestRedditor.test_trophies__user_not_exist.json", "/trophies")
    body = json.loads(found["body"])
    assert found["status"] == 400 and error_reason(body) == "USER_DOESNT_EXIST"
    assert account_missing(found["status"], body)
    assert account_missing(404, {"message": "Not Found", "error": 404})
    assert not account_missing(200, {"kind": "t2"})


def test_about_of_an_existing_account():
    found = answer("praw_TestRedditor.test_friend_info.json", "/user/PyAPITestUser3/about")
    account = parse_about(json.loads(found["body"]))
    assert (account.name, account.id, account.suspended) == ("PyAPITestUser3", "6c1xj", False)
    suspended = parse_about({"kind": "t2", "data": {"name": "gone", "is_suspended": True}})
    assert suspended.suspended


def test_votes_only_show_in_the_voters_own_listing():
    """Why like is proof-only: the vote is visible only as ``likes`` to the voter."""
    found = answer("praw_TestRedditorListings.test_upvoted.json", "/upvoted")
    assert "oauth.reddit.com/user/<USERNAME>/upvoted" in found["uri"]
    posts = json.loads(found["body"])["data"]["children"]
    voted = next(p["data"] for p in posts if p["data"]["id"] == "3mrx9n")
    assert voted["likes"] is True and voted["author"] == "PyAPITestUser2"
    with pytest.raises(LayoutChanged):  # a listing of posts is not a thread
        parse_thread(json.loads(found["body"]))


# -- trees, stubs and reshaped answers -------------------------------------------------------


def _t1(ident: str, author: str, replies: Any = "", created: float | None = None) -> dict:
    data = {"id": ident, "author": author, "body": f"text {ident}", "parent_id": "t3_p",
            "replies": replies}
    if created is not None:
        data["created_utc"] = created
    return {"kind": "t1", "data": data}


def _thread(children: list[dict]) -> list[dict]:
    post = {"kind": "t3", "data": {"id": "p", "author": "op", "title": "T", "subreddit": "s",
                                   "num_comments": 9}}
    return [{"kind": "Listing", "data": {"children": [post]}},
            {"kind": "Listing", "data": {"children": children}}]


def test_more_stubs_are_counted_not_read():
    more = {"kind": "more", "data": {"count": 7, "children": ["a", "b"]}}
    nested = {"kind": "Listing", "data": {"children": [_t1("c2", "deep"), more]}}
    thread = parse_thread(_thread([_t1("c1", "top", nested)]))
    assert [c.author for c in thread.comments] == ["top", "deep"]
    assert thread.comments[1].depth == 1 and thread.hidden == 7


@pytest.mark.parametrize("payload", [
    {"kind": "Listing"}, [], [{"kind": "Listing", "data": {"children": []}}] * 2,
    _thread([{"kind": "t1", "data": {"id": "x", "body": "no author"}}]),
    _thread([_t1("c1", "a", replies=["not", "a", "listing"])]),
    _thread([{"kind": "t9", "data": {}}]),
])
def test_reshaped_threads_raise_layout_changed(payload):
    with pytest.raises(LayoutChanged):
        parse_thread(payload)


def test_time_order_and_earlier_only():
    comments = [RedditComment("b", "copier", "x", "t3_p", 0, 20.0),
                RedditComment("a", "worker", "x", "t3_p", 0, 10.0),
                RedditComment("c", "later", "x", "t1_a", 1, 30.0)]
    ordered = in_time_order(comments)
    assert [c.id for c in ordered] == ["a", "b", "c"]
    assert [c.id for c in earlier_only(ordered, "WORKER")] == ["a"]
    assert [c.id for c in earlier_only(ordered, "copier")] == ["a", "b"]
    assert earlier_only(ordered, "nobody") == ordered


@pytest.mark.parametrize("body", ["yes", None, {"available": True}])
def test_username_available_must_be_a_boolean(body):
    with pytest.raises(LayoutChanged):
        parse_username_available(body)


# -- walls --------------------------------------------------------------------------------

WALLS = RedditAdapter().walls


@pytest.mark.parametrize(("reply", "kind"), [
    (HttpReply(429, text="<html><h1>whoa there, pardner!</h1></html>"), "rate_limit"),
    (HttpReply(429, text="<html>Too Many Requests</html>"), "rate_limit"),
    (HttpReply(403, text="<h1>You've been blocked by network security.</h1>"), "captcha"),
    (HttpReply(200, text="<title>Log in to Reddit</title>"), "login"),
])
def test_walls_are_recognised(reply, kind):
    found = wall_of(reply, WALLS)
    assert found is not None and found[0] == kind


def test_json_is_never_a_wall():
    quoted = HttpReply(200, text=json.dumps(_thread([_t1("c", "x")])).replace(
        "text c", "whoa there, pardner! Log in to Reddit"))
    assert wall_of(quoted, WALLS) is None
    assert wall_of(HttpReply(404, text='{"message": "Not Found", "error": 404}'), WALLS) is None


# -- targets and handles ----------------------------------------------------------------------

ADAPTER = RedditAdapter()


@pytest.mark.parametrize(("url", "kind", "key"), [
    ("https://www.reddit.com/r/redditdev/comments/2gmzqe/praw_https_enabled_praw_testing/",
     "post", "2gmzqe"),
    ("https://www.reddit.com/r/redditdev/comments/2gmzqe/", "post", "2gmzqe"),
    ("https://www.reddit.com/r/redditdev/comments/2gmzqe/slug/cklfmye/", "post", "2gmzqe"),
    ("https://old.reddit.com/r/redditdev/comments/2GMZQE/slug/", "post", "2gmzqe"),
    ("https://reddit.com/comments/2gmzqe", "post", "2gmzqe"),
    ("https://np.reddit.com/user/bboe/comments/2gmzqe/slug/", "post", "2gmzqe"),
    ("https://redd.it/2gmzqe", "post", "2gmzqe"),
    ("https://www.reddit.com/r/redditdev", "group", "redditdev"),
    ("https://old.reddit.com/r/redditdev/top/?t=week", "group", "redditdev"),
    ("https://www.reddit.com/user/bboe", "account", "bboe"),
    ("https://www.reddit.com/u/bboe/", "account", "bboe"),
    ("https://m.reddit.com/user/paneer_burrito/submitted/", "account", "paneer_burrito"),
    ("https://www.reddit.com/register/", "site", "reddit.com"),
    ("https://www.reddit.com/", "site", "reddit.com"),
])
def test_parse_target(url, kind, key):
    target = ADAPTER.parse_target(url)
    assert (target.platform, target.kind, target.key) == ("reddit", kind, key)
    assert target.url.startswith("https://www.reddit.com/")


@pytest.mark.parametrize(("url", "says"), [
    ("https://github.com/bboe", "is not a Reddit URL"),
    ("https://reddit.com.evil.example/r/x", "is not a Reddit URL"),
    ("https://www.reddit.com/r/redditdev/s/AbCdEf123", "share link"),
    ("https://www.reddit.com/settings/profile", "is a Reddit page"),
    ("https://www.reddit.com/r/a/", "not a valid subreddit name"),
    ("https://www.reddit.com/user/x!/", "not a valid Reddit username"),
    ("https://www.reddit.com/comments/not-an-id/", "not a Reddit post id"),
    ("https://redd.it/", "not a redd.it post link"),
    ("https://www.reddit.com/whatever", "does not name a Reddit post"),
])
def test_foreign_or_wrong_urls_are_refused(url, says):
    with pytest.raises(TargetError, match=says):
        ADAPTER.parse_target(url)


@pytest.mark.parametrize(("handle", "name"), [
    ("bboe", "bboe"), ("u/bboe", "bboe"), ("/u/bboe", "bboe"), ("@bboe", "bboe"),
    (" /user/bboe/ ", "bboe"), (None, None), ("  ", None)])
def test_worker_handles(handle, name):
    assert reddit_user(handle) == name


# -- today's OAuth answers (realdata/current/reddit, 2025) ------------------------------

CURRENT = CONTRACT.parent / "realdata" / "current" / "reddit"


def current(name: str) -> Any:
    path = CURRENT / name
    assert path.is_file(), f"realdata file missing: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_oauth_thread_1kh35wk_2025():
    thread = parse_thread(current("praw_oauth_comments_1kh35wk_2025.json"))
    assert (thread.post_id, thread.title, thread.num_comments) == ("1kh35wk", "Test Title", 0)
    assert thread.author == "<USERNAME>" and thread.comments == [] and thread.hidden == 0


def test_oauth_about_Lil_SpazBot_2025():
    account = parse_about(current("praw_oauth_user_about_Lil_SpazBot_2025.json"))
    assert (account.name, account.id, account.suspended) == ("Lil_SpazBot", "3ebyblla", False)


def test_an_oauth_permission_403_is_json_not_the_block_page():
    data = current("praw_TestInbox.test_message__unauthorized.json")
    last = data["interactions"][-1]["response"]
    reply = HttpReply(last["status"]["code"], text=last["body"]["string"])
    assert reply.status == 403 and reply.json() == {"message": "Forbidden", "error": 403}
    assert wall_of(reply, WALLS) is None  # the adapter says "Reddit answered 403": unknown


def test_any_html_403_is_the_network_block_wall():
    found = wall_of(HttpReply(403, text="<html><body>Access denied</body></html>"), WALLS)
    assert found is not None and "network security" in found[1]


def test_a_counted_comment_that_cannot_be_read_is_a_changed_layout():
    """A header of 20 comments over an answer with none parsed: not "no comment"."""
    payload = _thread([])
    payload[0]["data"]["children"][0]["data"]["num_comments"] = 20
    with pytest.raises(LayoutChanged, match="counts 20 comments"):
        parse_thread(payload)
