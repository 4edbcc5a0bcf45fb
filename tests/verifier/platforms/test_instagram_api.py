"""Instagram parsers on today's real captures, and the target URL forms.

The ground truths are those MANIFEST.md states for
shared/realdata/current/instagram (web_profile_info, v1 media items,
comments, the timeline); the sandbox's JSON is parsed by the same functions,
and the key paths the parsers read are compared between the two.
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

CURRENT = CONTRACT.parent / "realdata" / "current" / "instagram"


@cache
def spec() -> dict[str, Any]:
    return load_platform_data("instagram")


def real(name: str) -> Any:
    path = CURRENT / f"{name}.json"
    assert path.is_file(), f"realdata file missing: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_web_profile_info_robertdowneyjr() -> None:
    profile = ia.parse_profile(real("pgrimaud_web_profile_info_robertdowneyjr"), spec())
    assert profile is not None
    assert (profile.user.username, profile.user.user_id) == ("robertdowneyjr", "1518284433")
    assert profile.user.private is False and profile.followers == 52979346
    assert profile.followed_by_viewer is False and profile.follows_viewer is False
    assert profile.requested_viewer is False


def test_mobile_user_info_robertdowneyjr() -> None:
    profile = ia.parse_profile(real("pgrimaud_v1_user_info_robertdowneyjr"), spec())
    assert profile is not None and profile.user.user_id == "1518284433"
    assert profile.followers == 50857062
    assert profile.follows_viewer is None  # this endpoint carries no relationship: not "no"


def test_media_info_CAnqPB_Jzcj() -> None:
    media = ia.parse_media(real("pgrimaud_v1_media_info_CAnqPB-Jzcj"), spec())
    assert media is not None
    assert (media.code, media.media_id, media.owner) == (
        "CAnqPB-Jzcj", "2317006284167526179", "jlo")
    assert (media.like_count, media.comment_count, media.viewer_has_liked) == (
        820750, 4647, False)
    first = media.preview_comments[0]
    assert (first.username, first.text, first.created) == (
        "johnrussophoto", "\u2764\ufe0f\u2764\ufe0f\u2764\ufe0f\u2764\ufe0f Yesssssssss",
        1590450181)
    assert any(c.username == "charbelzoecouture" and c.text.startswith("Lets get loud")
               for c in media.preview_comments)
    # The media answer pages its comments as the comments endpoint does.
    page = ia.parse_comments(real("pgrimaud_v1_media_info_CAnqPB-Jzcj")["items"][0], spec())
    assert page.layout_ok and page.next_cursor == "17886263176571229"
    assert page.count == 4647


def test_timeline_friendship_is_the_viewers_and_a_suggestion_says_false() -> None:
    items = [f["media_or_ad"] for f in real("pgrimaud_v1_feed_timeline")["feed_items"]
             if "media_or_ad" in f]
    media = {m.code: m for m in (ia.parse_media_item(i, spec()) for i in items) if m}
    assert all(m.viewer_has_liked is False for m in media.values())
    assert media["Ccqn-Uyv0Gu"].owner == "marvelstudios"
    assert media["Ccqn-Uyv0Gu"].like_count == 660599
    following = {i["user"]["username"]: i["user"]["friendship_status"]["following"]
                 for i in items}
    assert following["styledbymarvel"] is False and following["robertdowneyjr"] is True
    assert "friendship_status" not in spec()["json"].values()  # never read as the worker's


def test_graphql_comments_of_CIvZJcurJaW() -> None:
    page = ia.parse_comments(real("pgrimaud_graphql_shortcode_media_comments"), spec())
    assert page.layout_ok and page.count == 45 and len(page.comments) == 12
    assert (page.comments[0].username, page.comments[0].text,
            page.comments[0].created) == ("myself_walker", "Good themw", 1607919868)
    assert page.comments[-1].username == "givemeface_"
    assert page.next_cursor is not None and page.next_cursor.startswith("QVFCbnROamtGemh0")


def test_walls_and_errors() -> None:
    walls = spec()["walls"]
    rate = {"message": "Please wait a few minutes before you try again.", "status": "fail"}
    assert ia.api_wall(429, rate, walls)[0] == "rate_limit"  # type: ignore[index]
    assert ia.api_wall(401, j.ERR_LOGIN, walls)[0] == "login"  # type: ignore[index]
    assert ia.api_wall(400, j.ERR_CHALLENGE, walls)[0] == "captcha"  # type: ignore[index]
    assert ia.api_wall(200, real("pgrimaud_web_profile_info_robertdowneyjr"), walls) is None
    assert ia.api_error(j.NOT_ALLOWED) in spec()["errors"]["not_allowed"]


@pytest.mark.parametrize("payload", [
    {"data": [{"username": "old_v1_list"}]},  # the 2011 API's data[] list
    {"users": [{"name": "no_username_key"}]},
    {"users": "not a list"},
])
def test_unknown_list_shapes_are_not_read_as_empty(payload: Any) -> None:
    assert not ia.parse_user_list(payload, spec()).layout_ok


@pytest.mark.parametrize("payload", [
    {"data": [{"from": {"username": "x"}, "text": "2011 shape"}]},
    {"comments": [{"author": "x", "body": "someone else's shape"}]},
])
def test_unknown_comment_shapes_are_not_read_as_empty(payload: Any) -> None:
    assert not ia.parse_comments(payload, spec()).layout_ok


def test_unknown_media_and_profile_shapes_are_none() -> None:
    assert ia.parse_media({"data": {"id": "1", "user": {"username": "x"}}}, spec()) is None
    assert ia.parse_profile({"data": {"username": "mikeyk", "id": "4"}}, spec()) is None


def test_sandbox_json_parses_like_the_real_shapes() -> None:
    world = parse_world({"platforms": {"instagram": {"accounts": [
        {"handle": "shop", "protected": True},
        {"handle": "fan", "follows": ["requested:shop"]},
        *[{"handle": f"u{i}", "follows": ["shop"]} for i in range(14)]]}}})
    platform = world.require("instagram")
    page = ia.parse_user_list(j.user_page(platform, j.followers_of(platform, "shop"), 0),
                              spec())
    assert page.layout_ok and len(page.users) == 12 and page.next_cursor == "12"
    assert "fan" not in j.followers_of(platform, "shop")  # a request is not a follow
    fan_seen_by_shop = ia.parse_profile(j.profile(platform, "fan", "shop"), spec())
    assert fan_seen_by_shop is not None and fan_seen_by_shop.requested_viewer
    assert fan_seen_by_shop.follows_viewer is False
    u3_seen_by_shop = ia.parse_profile(j.profile(platform, "u3", "shop"), spec())
    assert u3_seen_by_shop is not None and u3_seen_by_shop.follows_viewer
    assert not j.can_see_lists(platform, "shop", "fan")
    assert j.can_see_lists(platform, "shop", "u3")


def _paths(node: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value, list items folded into ``[]``."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(prefix + k)
            out |= _paths(v, prefix + k + ".")
    elif isinstance(node, list):
        for v in node[:3]:
            out |= _paths(v, prefix + "[].")
    return out


# The key paths the parsers read (data/instagram.yaml), per answer.
PARSED_PATHS = {
    "profile": ["data.user.id", "data.user.username", "data.user.full_name",
                "data.user.is_private", "data.user.edge_followed_by.count",
                "data.user.followed_by_viewer", "data.user.follows_viewer",
                "data.user.has_requested_viewer"],
    "media": ["items.[].pk", "items.[].code", "items.[].user.username", "items.[].like_count",
              "items.[].comment_count", "items.[].has_liked", "items.[].comments.[].text",
              "items.[].comments.[].created_at", "items.[].comments.[].user.username",
              "items.[].user.friendship_status.following"],
}


def test_the_sandbox_serves_the_key_paths_of_todays_captures() -> None:
    """If either side drifts (a real capture or the sandbox), this names the path."""
    world = parse_world({"platforms": {"instagram": {
        "accounts": [{"handle": "shop"}, {"handle": "fan", "follows": ["shop"]}],
        "posts": [{"id": "Cabc123", "author": "shop", "liked_by": ["fan"],
                   "comments": [{"author": "fan", "text": "nice"}]}]}}})
    platform = world.require("instagram")
    post = platform.post("Cabc123")
    assert post is not None
    pairs = {
        "profile": (real("pgrimaud_web_profile_info_robertdowneyjr"),
                    j.profile(platform, "shop", "fan")),
        "media": (real("pgrimaud_v1_media_info_CAnqPB-Jzcj"), j.media(platform, post, "fan")),
    }
    for kind, (theirs, ours) in pairs.items():
        real_paths, our_paths = _paths(theirs), _paths(ours)
        for path in PARSED_PATHS[kind]:
            assert path in real_paths, f"{kind}: {path} not in the real capture"
            assert path in our_paths, f"{kind}: {path} not in the sandbox's answer"
    # Lists and comment pages: the same user and comment objects as the media answer.
    real_user = set(real("pgrimaud_v1_media_info_CAnqPB-Jzcj")["items"][0]["comments"][0]
                    ["user"])
    assert {"pk", "username", "full_name", "is_private"} <= real_user
    assert {"pk", "username", "full_name", "is_private"} <= set(
        j.user_page(platform, ["fan"], 0)["users"][0])
    real_comment = set(real("pgrimaud_v1_media_info_CAnqPB-Jzcj")["items"][0]["comments"][0])
    our_page = j.comments(platform, post, 0)
    assert {"pk", "text", "created_at", "user"} <= real_comment
    assert {"pk", "text", "created_at", "user"} <= set(our_page["comments"][0])
    assert "next_max_id" in real("pgrimaud_v1_media_info_CAnqPB-Jzcj")["items"][0]
    assert ia.parse_comments(our_page, spec()).comments[0].text == "nice"



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
