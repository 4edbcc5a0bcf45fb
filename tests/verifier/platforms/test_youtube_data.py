"""YouTube parsers on real youtube.com pages, and the target URL forms.

The real pages (shared/realdata/youtube, pytube's logged-out captures) are
read in place; the ground truths asserted are the ones MANIFEST.md states.
The sandbox's JSON is parsed by the same functions, so a drift between the
sandbox and the real shapes shows up here first.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from fixtures.sandbox import youtube_json as yj
from fixtures.sandbox.world import parse_world
from fixtures.sandbox.youtube_pages import labels
from tests.contract import CONTRACT
from verifier.platforms import TargetError
from verifier.platforms import youtube_data as yd
from verifier.platforms.base import load_platform_data
from verifier.platforms.comment_times import relative_time
from verifier.platforms.youtube import YouTubeAdapter

YOUTUBE = CONTRACT.parent / "realdata" / "youtube"


@cache
def real(name: str) -> str:
    path: Path = YOUTUBE / name
    assert path.is_file(), f"realdata file missing: {path}"
    return path.read_text(encoding="utf-8")


# -- real pages ----------------------------------------------------------------------------


def test_real_watch_page_player() -> None:
    player = yd.parse_player(yd.extract_var(real("yt_watch_2lAe1cqCOXo.html"),
                                            "ytInitialPlayerResponse"))
    assert player is not None and player.exists
    assert player.video_id == "2lAe1cqCOXo"
    assert player.view_count == 115965063
    assert player.author == "YouTube"
    assert player.status == "OK"
    assert player.title.startswith("YouTube Rewind 2019: For the Record")


def test_real_watch_page_data() -> None:
    page = real("yt_watch_2lAe1cqCOXo.html")
    data = yd.extract_var(page, "ytInitialData")
    player = yd.extract_var(page, "ytInitialPlayerResponse")
    watch = yd.parse_watch(data, player)
    assert watch is not None
    assert watch.likes == "3,485,266 likes"
    assert watch.owner == "YouTube"
    assert watch.subscribers == "31.5 million subscribers"
    assert watch.like_status == "INDIFFERENT"
    assert watch.subscribed is False
    assert watch.owner_channel_id == "UCBR8-60-B28hp2BmDPdntcQ"
    # The comments are not in the page: a continuation token loads them.
    assert watch.comments_token == (
        "Eg0SCzJsQWUxY3FDT1hvGAYyJyIRIgsybEFlMWNxQ09YbzAAeAIwAEIQY29tbWVudHMtc2VjdGlvbg%3D%3D")


def test_real_channel_page() -> None:
    data = yd.extract_var(real("yt_channel_ProgrammingKnowledge_videos.html"), "ytInitialData")
    channel = yd.parse_channel(data)
    assert channel is not None
    assert channel.channel_id == "UCs6nmQViDpUw0nuIx9c_WvA"
    assert channel.title == "ProgrammingKnowledge"
    assert channel.subscribers == "1.38 million subscribers"
    assert channel.matches("c/ProgrammingKnowledge")
    assert channel.matches("channel/UCs6nmQViDpUw0nuIx9c_WvA")
    assert not channel.matches("@SomeoneElse")


def test_real_videos_tab_lists_no_channels() -> None:
    data = yd.extract_var(real("yt_channel_ProgrammingKnowledge_videos.html"), "ytInitialData")
    listed = yd.parse_channel_list(data)
    assert listed.channels == []
    assert listed.find("@ProgrammingKnowledge") is None


def test_missing_variables_and_layout_drift() -> None:
    assert yd.extract_var("<html>no state</html>", "ytInitialData") is None
    assert yd.parse_player({"videoDetails": {}}) is None
    assert yd.parse_watch({"contents": {}}) is None
    assert yd.parse_channel({"responseContext": {}}) is None
    assert yd.parse_comments({"unexpected": []}).layout_ok is False
    assert yd.extract_var('window["ytInitialData"] = {"a": 1};', "ytInitialData") == {"a": 1}


# -- sandbox JSON through the same parsers ---------------------------------------------------

WORLD = parse_world({"platforms": {"youtube": {
    "accounts": [
        {"handle": "AcmeBD", "name": "Acme Bangladesh"},
        {"handle": "rafi_bd", "follows": ["AcmeBD", *[f"c{i:02d}" for i in range(35)]]},
        {"handle": "hidden_bd", "follows": ["AcmeBD"], "protected": True},
    ],
    "posts": [{"id": "dQw4w9WgXcQ", "author": "AcmeBD", "text": "Eid sale",
               "comments": [{"author": f"u{i:02d}", "text": f"comment {i}"} for i in range(25)]}],
}}})
PLATFORM = WORLD.require("youtube")
WORDS = labels("en")


def test_sandbox_watch_page_parses_like_the_real_one() -> None:
    post = PLATFORM.post("dQw4w9WgXcQ")
    player = yd.parse_player(yj.player_response(PLATFORM, post, None))
    watch = yd.parse_watch(yj.watch_data(PLATFORM, post, None, WORDS))
    assert player is not None and player.title == "Eid sale"
    assert player.channel_id == yj.channel_id("AcmeBD")
    assert watch is not None and watch.owner == "Acme Bangladesh"
    assert watch.subscribed is False and watch.like_status == "INDIFFERENT"
    assert watch.subscribers == "2 subscribers"
    assert watch.comments_token is not None


def test_sandbox_comment_pages_chain_by_continuation() -> None:
    post = PLATFORM.post("dQw4w9WgXcQ")
    assert post is not None
    first = yd.parse_comments(yj.comments_response(PLATFORM, post, 0, WORDS))
    assert first.layout_ok and len(first.comments) == 20
    assert first.comments[0].author == "@u00" and first.comments[0].text == "comment 0"
    assert first.comments[0].by("u00") and first.comments[0].by("@U00")
    parsed = yj.parse_token(first.continuation)
    assert parsed == ("comments", "dQw4w9WgXcQ", 20)
    second = yd.parse_comments(yj.comments_response(PLATFORM, post, 20, WORDS))
    assert [c.author for c in second.comments] == [f"@u{i:02d}" for i in range(20, 25)]
    assert second.continuation is None


@pytest.mark.parametrize(("lang", "oldest", "newest"), [
    ("en", "25 days ago", "1 day ago"), ("bn", "২৫ দিন আগে", "১ দিন আগে"),
    ("hi", "25 दिन पहले", "1 दिन पहले")])
def test_sandbox_comment_ages_follow_the_world_order(lang: str, oldest: str,
                                                     newest: str) -> None:
    """The world lists comments oldest first; each page shows their age in its language."""
    post = PLATFORM.post("dQw4w9WgXcQ")
    assert post is not None
    words = labels(lang)
    pages = [yd.parse_comments(yj.comments_response(PLATFORM, post, at, words)) for at in (0, 20)]
    read = [c for page in pages for c in page.comments]
    assert (read[0].published, read[-1].published) == (oldest, newest)
    spec = load_platform_data("youtube")["published_time"]
    times = [relative_time(c.published, spec, 1_700_000_000) for c in read]
    assert all(t is not None for t in times)
    ends = [t[0] for t in times if t is not None]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)  # strictly later each time


def test_sandbox_subscriptions_public_private_and_paged() -> None:
    rafi, hidden = PLATFORM.account("rafi_bd"), PLATFORM.account("hidden_bd")
    assert rafi is not None and hidden is not None
    page = yd.parse_channel_list(yj.channel_data(PLATFORM, rafi, "channels", None, WORDS))
    assert page.listed and len(page.channels) == 30 and page.continuation
    assert page.find("", yj.channel_id("AcmeBD")) is not None
    assert page.find("@AcmeBD") is not None
    more = yd.parse_channel_list(yj.browse_response(
        yj.subscriptions_items(PLATFORM, rafi, 30, WORDS), "t"))
    assert more.listed and len(more.channels) == 6 and more.continuation is None
    private = yd.parse_channel_list(yj.channel_data(PLATFORM, hidden, "channels", None, WORDS))
    assert not private.listed and private.channels == []
    assert private.message == "This channel doesn't feature any other channels."


def test_logged_in_viewer_sees_own_state() -> None:
    post = PLATFORM.post("dQw4w9WgXcQ")
    watch = yd.parse_watch(yj.watch_data(PLATFORM, post, "rafi_bd", labels("bn")))
    assert watch is not None and watch.subscribed is True


# -- comment text requirements ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wanted", "minimum", "problem"), [
    ("Great offer, ordered two!", "great offer", 3, None),
    ("Great offer!", None, 3, "has 2 word(s), fewer than the 3"),
    ("Nice video", "great offer", None, "lacks the required word(s) 'great', 'offer'"),
    ("দারুণ অফার, আমি দুটো কিনেছি", "দারুণ অফার", 4, None),
    ("बहुत अच्छा वीडियो", "अच्छा", 2, None),
])
def test_comment_text_problem(text: str, wanted: str | None, minimum: int | None,
                              problem: str | None) -> None:
    got = yd.comment_text_problem(text, wanted, minimum)
    if problem is None:
        assert got is None
    else:
        assert got is not None and got.startswith(problem)


# -- targets --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def adapter() -> YouTubeAdapter:
    return YouTubeAdapter()


@pytest.mark.parametrize(("url", "kind", "key"), [
    ("https://www.youtube.com/watch?v=2lAe1cqCOXo", "post", "2lAe1cqCOXo"),
    ("https://www.youtube.com/watch?v=2lAe1cqCOXo&t=42s&list=PL1", "post", "2lAe1cqCOXo"),
    ("https://m.youtube.com/watch?v=2lAe1cqCOXo", "post", "2lAe1cqCOXo"),
    ("https://youtube.com/watch?feature=share&v=2lAe1cqCOXo", "post", "2lAe1cqCOXo"),
    ("https://youtu.be/2lAe1cqCOXo", "post", "2lAe1cqCOXo"),
    ("https://youtu.be/2lAe1cqCOXo?si=abc", "post", "2lAe1cqCOXo"),
    ("https://www.youtube.com/shorts/2lAe1cqCOXo", "post", "2lAe1cqCOXo"),
    ("https://www.youtube.com/live/2lAe1cqCOXo", "post", "2lAe1cqCOXo"),
    ("https://www.youtube.com/@ProgrammingKnowledge", "account", "@ProgrammingKnowledge"),
    ("https://www.youtube.com/@acme.bd/videos", "account", "@acme.bd"),
    ("https://m.youtube.com/@acme_bd", "account", "@acme_bd"),
    ("https://www.youtube.com/channel/UCs6nmQViDpUw0nuIx9c_WvA", "account",
     "channel/UCs6nmQViDpUw0nuIx9c_WvA"),
    ("https://www.youtube.com/c/ProgrammingKnowledge/videos", "account",
     "c/ProgrammingKnowledge"),
    ("https://www.youtube.com/user/ProgrammingKnowledge", "account",
     "user/ProgrammingKnowledge"),
])
def test_target_forms(adapter: YouTubeAdapter, url: str, kind: str, key: str) -> None:
    target = adapter.parse_target(url)
    assert (target.platform, target.kind, target.key) == ("youtube", kind, key)
    if kind == "post":
        assert target.url == f"https://www.youtube.com/watch?v={key}"
    else:
        assert target.url == f"https://www.youtube.com/{key}"


@pytest.mark.parametrize(("url", "says"), [
    ("https://x.com/acme_bd", "is not a YouTube URL"),
    ("https://www.youtube.com.evil.example/watch?v=2lAe1cqCOXo", "is not a YouTube URL"),
    ("ftp://www.youtube.com/watch?v=2lAe1cqCOXo", "is not a YouTube URL"),
    ("https://www.youtube.com/watch?v=short", "valid YouTube video id"),
    ("https://www.youtube.com/watch", "valid YouTube video id"),
    ("https://youtu.be/", "valid YouTube video id"),
    ("https://www.youtube.com/feed/subscriptions", "does not name a YouTube video or channel"),
    ("https://www.youtube.com/channel/not-a-channel-id", "does not name"),
    ("https://www.youtube.com/", "does not name"),
])
def test_foreign_or_wrong_urls_are_refused(adapter: YouTubeAdapter, url: str, says: str) -> None:
    with pytest.raises(TargetError, match=says):
        adapter.parse_target(url)
