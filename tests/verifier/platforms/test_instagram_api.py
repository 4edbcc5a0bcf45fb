"""Instagram parsers on the real v1 API captures, and the target URL forms.

The ground truths are those MANIFEST.md states for shared/realdata/instagram;
the sandbox's JSON is parsed by the same functions.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from fixtures.sandbox import instagram_json as j
from fixtures.sandbox.world import parse_world
from tests.contract import CONTRACT
from verifier.platforms import TargetError
from verifier.platforms import instagram_api as ia
from verifier.platforms.base import load_platform_data
from verifier.platforms.instagram import InstagramAdapter

INSTAGRAM = CONTRACT.parent / "realdata" / "instagram"


@cache
def spec() -> dict[str, Any]:
    return load_platform_data("instagram")


def real(name: str) -> Any:
    path = INSTAGRAM / f"igapi_v1_{name}.json"
    assert path.is_file(), f"realdata file missing: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_follows_of_mikeyk() -> None:
    page = ia.parse_user_list(real("follows"), spec())
    assert page.users[0].username == "heartsf"
    assert page.find("garyvee") and page.find("bizstone")
    assert page.find("nobody_in_this_list") is None
    assert len(page.users) == 50
    assert page.next_cursor == "10906239"  # from paging.next's cursor parameter


def test_followed_by_mikeyk() -> None:
    page = ia.parse_user_list(real("followed_by"), spec())
    assert page.users[0].username == "bojieyang"


def test_relationships_keep_pending_apart_from_following() -> None:
    rel = ia.parse_relationship(real("relationship"), spec())
    assert rel is not None and rel.outgoing == "none" and rel.incoming == "requested_by"
    assert not rel.viewer_follows and rel.requested_by and not rel.followed_by
    requested = ia.parse_relationship(real("follow_user"), spec())
    assert requested is not None and requested.viewer_pending and not requested.viewer_follows
    unfollowed = ia.parse_relationship(real("unfollow_user"), spec())
    assert unfollowed is not None and not unfollowed.viewer_follows
    assert not unfollowed.viewer_pending


def test_requested_by_list() -> None:
    assert [u.username for u in ia.parse_user_list(real("requested_by"), spec()).users] == [
        "shayne"]


def test_likers_of_media_777() -> None:
    page = ia.parse_user_list(real("media_likes"), spec())
    assert [u.username for u in page.users] == ["chris", "kevin", "mikeyk", "nicole"]
    assert page.next_cursor is None


def test_liked_media_by_self() -> None:
    media = [ia.parse_media({"data": m}, spec()) for m in real("liked_media")["data"]]
    clove = next(m for m in media if m and m.media_id.startswith("84455030"))
    assert clove.owner == "clove" and clove.user_has_liked is True


def test_media_comments() -> None:
    page = ia.parse_comments(real("media_comments"), spec())
    assert [(c.username, c.text) for c in page.comments][:2] == [
        ("doug", "Vet visit"), ("kevin", "Oh noes!")]
    assert page.comments[2].username == "diane"
    assert [c.created for c in page.comments] == [1281045379, 1281046691, 1281048012]


def test_media_by_shortcode() -> None:
    media = ia.parse_media(real("media_shortcode"), spec())
    assert media is not None
    assert media.like_count == 52 and media.owner == "mikeyk" and media.user_has_liked is False
    assert media.sample_likers == ("bailey", "bill", "juss0445", "mimidea")
    assert media.sample_comments[0].username == "newyorkcity"
    assert media.sample_comments[0].text == "Nice"
    assert {c.username for c in media.sample_comments} >= {"abelnation", "jasonsposa"}


def test_profile() -> None:
    user = ia.parse_profile(real("mikeyk"), spec())
    assert user is not None and (user.username, user.user_id, user.full_name) == (
        "mikeyk", "4", "Mike Krieger")


def test_walls_and_errors() -> None:
    walls = spec()["walls"]
    rate = {"message": "Please wait a few minutes before you try again.", "status": "fail"}
    assert ia.api_wall(429, rate, walls)[0] == "rate_limit"  # type: ignore[index]
    assert ia.api_wall(401, j.ERR_LOGIN, walls)[0] == "login"  # type: ignore[index]
    assert ia.api_wall(400, j.ERR_CHALLENGE, walls)[0] == "captcha"  # type: ignore[index]
    assert ia.api_wall(200, real("follows"), walls) is None
    assert ia.api_error_type(j.NOT_ALLOWED, spec()) == "APINotAllowedError"
    assert not ia.parse_user_list({"oops": 1}, spec()).layout_ok


def test_sandbox_json_parses_like_the_real_shapes() -> None:
    world = parse_world({"platforms": {"instagram": {"accounts": [
        {"handle": "shop", "protected": True},
        {"handle": "fan", "follows": ["requested:shop"]},
        *[{"handle": f"u{i}", "follows": ["shop"]} for i in range(14)]]}}})
    platform = world.require("instagram")
    page = ia.parse_user_list(j.user_page(platform, j.followers_of(platform, "shop"), 0,
                                          "/api/v1/friendships/1/followers/"), spec())
    assert len(page.users) == 12 and page.next_cursor == "12"
    assert "fan" not in j.followers_of(platform, "shop")  # a request is not a follow
    seen_by_shop = ia.parse_relationship(j.relationship(platform, "shop", "fan"), spec())
    assert seen_by_shop is not None and seen_by_shop.requested_by
    seen_by_fan = ia.parse_relationship(j.relationship(platform, "fan", "shop"), spec())
    assert seen_by_fan is not None and seen_by_fan.viewer_pending
    assert not j.can_see_lists(platform, "shop", "fan")
    assert j.can_see_lists(platform, "shop", "u3")


@pytest.mark.parametrize(("url", "kind", "key"), [
    ("https://www.instagram.com/mikeyk/", "account", "mikeyk"),
    ("https://instagram.com/cafe.dhanmondi", "account", "cafe.dhanmondi"),
    ("https://www.instagram.com/p/BG9It/", "post", "BG9It"),
    ("https://www.instagram.com/reel/C9xYz12AbCd/?igsh=abc", "post", "C9xYz12AbCd"),
    ("https://www.instagram.com/reels/C9xYz12AbCd/", "post", "C9xYz12AbCd"),
    ("https://www.instagram.com/tv/B1a2C3d4E5/", "post", "B1a2C3d4E5"),
    ("https://www.instagram.com/mikeyk/p/BG9It/", "post", "BG9It"),
    ("http://instagr.am/p/FCK52/", "post", "FCK52"),
    ("https://m.instagram.com/nusrat.jahan/", "account", "nusrat.jahan"),
])
def test_parse_target(url: str, kind: str, key: str) -> None:
    target = InstagramAdapter().parse_target(url)
    assert (target.platform, target.kind, target.key) == ("instagram", kind, key)
    assert target.url.startswith("https://www.instagram.com/")


@pytest.mark.parametrize("url", [
    "https://www.facebook.com/mikeyk",
    "https://www.instagram.com/",
    "https://www.instagram.com/explore/tags/foss/",
    "https://www.instagram.com/accounts/login/",
    "https://www.instagram.com/bad name!/",
    "https://instagram.com.evil.example/mikeyk/",
])
def test_refused_urls(url: str) -> None:
    with pytest.raises(TargetError):
        InstagramAdapter().parse_target(url)


def test_foreign_url_message() -> None:
    with pytest.raises(TargetError, match="is not an Instagram URL"):
        InstagramAdapter().parse_target("https://www.tiktok.com/@someone")
