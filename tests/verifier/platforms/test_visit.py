"""The one wall matcher and the stop vocabulary every adapter's visit uses."""

from __future__ import annotations

from verifier.models import Check
from verifier.platforms.schema import platform_model, platforms
from verifier.platforms.visit import LayoutChanged, NotFound, Refused, Seen, Stop, Wall, Walls
from verifier.politeness import wall_kind


def test_walls_match_in_the_files_order_on_what_the_page_showed() -> None:
    walls = Walls(platform_model("youtube").walls)
    assert walls.match(Seen(urls=["https://consent.youtube.com/m?x"])) == (
        "consent", platform_model("youtube").walls["consent"].reason)
    assert walls.match(Seen(status=429))[0] == "rate_limit"  # type: ignore[index]
    assert walls.match(Seen(player_reason="Sign in to confirm you're not a bot"))[0] == "login"  # type: ignore[index]
    assert walls.match(Seen(status=200, text="<html>a video</html>")) is None


def test_a_selector_and_a_title_are_walls_too() -> None:
    web = Walls(platform_model("web").walls)
    assert web.match(Seen(status=200, has=lambda s: "password" in s))[0] == "login"  # type: ignore[index]
    assert web.match(Seen(status=200, has=lambda s: False)) is None

    def broken(_selector: str) -> bool:
        raise RuntimeError("page closed")

    assert web.match(Seen(status=200, has=broken)) is None
    fb = Walls(platform_model("facebook").walls)
    assert fb.match(Seen(title="log in to facebook"))[0] == "login"  # type: ignore[index]


def test_every_wall_sentence_is_one_politeness_recognises() -> None:
    for platform in platforms():
        for kind, spec in platform_model(platform).walls.items():
            hit = Wall(kind, spec.reason)
            check = Check(name="live.x", outcome=hit.outcome,
                          detail=f"{hit.detail}; the check could not be checked")
            assert wall_kind(platform, check) == kind


def test_stops_carry_their_outcome_and_sentence() -> None:
    assert Wall("login", "asked to log in").outcome == "unknown"
    assert LayoutChanged("no list").detail == "layout changed: no list"
    assert NotFound("no such account").outcome == "fail"
    assert Refused("could not be opened").outcome == "unknown"
    assert all(issubclass(c, Stop) for c in (Wall, LayoutChanged, NotFound, Refused))


def test_actions_are_registered_per_platform_by_decorator() -> None:
    from verifier.platforms.playstore import PlayStoreAdapter
    from verifier.platforms.telegram import TelegramAdapter
    from verifier.platforms.web import WebAdapter

    assert set(TelegramAdapter.handlers) == {"join", "comment"}
    assert TelegramAdapter.handlers["comment"].kinds == ("post",)
    assert set(WebAdapter.handlers) == {"visit", "signup"}
    assert set(PlayStoreAdapter.handlers) == {"install"}
    assert not any(h.session for h in TelegramAdapter.handlers.values())


def test_api_level_wall_signals_keep_the_files_order() -> None:
    """A platform's API answers (X's GraphQL codes) are matched per wall with the page's
    own signals, so the first wall of the file wins whichever kind of signal showed it."""
    from verifier.platforms.x_graphql import graphql_wall

    walls = Walls(platform_model("x").walls)
    locked = [("Following", 200, {"errors": [{"code": 326}]})]
    assert walls.match(Seen(), lambda spec: graphql_wall(spec, locked, False))[0] == "locked"  # type: ignore[index]
    # The login page's text comes before the locked account's code in x.yaml.
    assert walls.match(Seen(text="Sign in to X"),
                       lambda spec: graphql_wall(spec, locked, False))[0] == "login"  # type: ignore[index]
    spent = [("Following", 429, None)]
    assert walls.match(Seen(), lambda spec: graphql_wall(spec, spent, True))[0] == "rate_limit"  # type: ignore[index]
    fine = [("Following", 200, {"data": {}})]
    assert walls.match(Seen(text="a list"), lambda spec: graphql_wall(spec, fine, True)) is None
    try:
        walls.check(Seen(), lambda spec: graphql_wall(spec, locked, False))
    except Wall as wall:
        assert wall.kind == "locked"
    else:
        raise AssertionError("a locked checker account is a wall")


def test_x_tiktok_and_instagram_register_their_actions() -> None:
    """Which actions need the checker session is declared once, on the handler."""
    from verifier.platforms.instagram import InstagramAdapter
    from verifier.platforms.tiktok import TikTokAdapter
    from verifier.platforms.x import XAdapter

    needs = {platform: {act for act, h in cls.handlers.items() if h.session}
             for platform, cls in (("x", XAdapter), ("tiktok", TikTokAdapter),
                                   ("instagram", InstagramAdapter))}
    assert needs == {"x": {"follow", "subscribe", "comment", "share"},
                     "tiktok": {"follow", "subscribe"},
                     "instagram": {"follow", "subscribe", "like"}}
    assert set(XAdapter.handlers) == {"like", "comment", "share", "follow", "subscribe"}
    assert set(TikTokAdapter.handlers) == {"like", "share", "follow", "subscribe", "comment"}
    assert set(InstagramAdapter.handlers) == {"share", "follow", "subscribe", "like", "comment"}
    assert XAdapter.handlers["share"].kinds == ("post",)
    assert InstagramAdapter.handlers["comment"].kinds == ("post",)


def test_walls_may_find_their_text_in_any_case() -> None:
    reddit = platform_model("reddit").walls
    page = Seen(status=200, text="<h1>WHOA THERE, PARDNER!</h1>")
    assert Walls(reddit).match(page) is None
    assert Walls(reddit, any_case=True).match(page) == ("rate_limit", reddit["rate_limit"].reason)
    assert Walls(reddit, any_case=True).match(Seen(status=200, text="a post")) is None
    assert Walls(reddit, any_case=True).walls["login"].reason == reddit["login"].reason


def test_youtube_reddit_github_facebook_register_their_actions() -> None:
    from verifier.platforms.facebook import FacebookAdapter
    from verifier.platforms.github import GitHubAdapter
    from verifier.platforms.reddit import RedditAdapter
    from verifier.platforms.youtube import YouTubeAdapter

    assert set(YouTubeAdapter.handlers) == {"like", "comment", "subscribe", "follow"}
    assert YouTubeAdapter.handlers["like"].kinds == ("post",)
    assert set(RedditAdapter.handlers) == {"comment", "signup", "follow", "subscribe", "like",
                                           "join"}
    assert set(GitHubAdapter.handlers) == {"follow", "subscribe", "like", "comment", "join",
                                           "signup"}
    assert GitHubAdapter.handlers["like"].kinds == ("repo",)
    assert set(FacebookAdapter.handlers) == {"follow", "subscribe", "comment", "join", "like",
                                             "share"}
    assert not any(h.session for a in (YouTubeAdapter, RedditAdapter, GitHubAdapter,
                                       FacebookAdapter) for h in a.handlers.values())
