"""YouTube's formats of today (2023-2026), read in place from ``realdata/current/youtube``.

Every file there parses to the ground truth MANIFEST.md states; a shape the
parsers do not know is "layout changed", never a false "no comment"; and the
sandbox's answers carry the same key paths as the real ones for everything the
parsers read, so the sandbox cannot drift away from the real site unnoticed.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest

from fixtures.sandbox import youtube_json as yj
from fixtures.sandbox.world import parse_world
from fixtures.sandbox.youtube_pages import labels
from tests.realdata import realdata_dir
from verifier.platforms import youtube_data as yd
from verifier.platforms.base import load_platform_data
from verifier.platforms.youtube_comments import _layout_problem

SPEC = load_platform_data("youtube")
JS = SPEC["json"]


@cache
def _text(name: str) -> str:
    path = realdata_dir() / "current" / "youtube" / name
    assert path.is_file(), f"realdata file missing: {path}"
    return path.read_text(encoding="utf-8")


def current(name: str) -> Any:
    return json.loads(_text(name))


def comments(payload: Any) -> yd.CommentPage:
    return yd.parse_comments(payload, JS["comments_key"], JS["comment_renderer"],
                             JS["thread_renderer"], JS["comment_view_model"],
                             JS["comment_entity"])


# -- every current file, against MANIFEST.md -----------------------------------------------


def test_every_current_youtube_file_is_covered() -> None:
    names = {p.name for p in (realdata_dir() / "current" / "youtube").iterdir()}
    assert names == set(COVERED), names ^ set(COVERED)


def _pinned() -> None:
    page = comments(current("npe_next_comments_bjFtFMilb34.json"))
    assert page.announced == 5145 and len(page.comments) == 20 and page.unread == 0
    first = page.comments[0]
    assert first.author == "@lemondefr" and first.author_channel_id == "UCYpRDnhk5H8h16jpS84uqsA"
    assert first.text.startswith("Pour retrouver toutes nos vidéos d'explication sur le "
                                 "Covid-19, c'est par ici 👉")
    assert first.published == "5 years ago"
    assert any(c.author == "@leflashx" and c.text.startswith('0:21 "contre LE covid 19"')
               for c in page.comments)
    assert any(c.author == "@abcrater9744" and c.published == "5 years ago (edited)"
               for c in page.comments)
    assert page.continuation and page.continuation.startswith("Eg0SC2JqRnRGTWlsYjM0GAYy6gIK")
    assert _layout_problem(page, first_page=True, keys=JS) == ""


def _edited() -> None:
    page = comments(current("npe_next_comments_VsFjP58j5i8.json"))
    assert page.announced == 2146 and len(page.comments) == 20
    first = page.comments[0]
    assert (first.author, first.author_channel_id, first.published) == (
        "@zngpooo", "UCYQnUFnBY5ol-BLH39rV9lA", "3 months ago")
    assert first.text == ("Dear stranger, you have a great taste in music see you after "
                          "30 years.")
    assert sum(c.published.endswith("(edited)") for c in page.comments) == 5
    assert any(c.author == "@tanyasingh316" and c.published == "9 months ago (edited)"
               for c in page.comments)
    last = page.comments[-1]
    assert last.author == "@devilunknown5519" and last.text.startswith(
        "Jan 17th 2026\n\nDekho unke chehre,")
    assert first.by("zngpooo") and first.by("@ZNGPOOO")


def _channel_owner() -> None:
    page = comments(current("npe_next_comments_bem4adjGKjE.json"))
    assert page.announced == 105 and len(page.comments) == 20
    first = page.comments[0]
    assert (first.author, first.author_channel_id) == ("@UndineAlmani",
                                                       "UCGc7D1dcbCWHzh3SfDhSFhw")
    assert first.text.startswith("I hate ads, but I'd watch them in support of creators")
    authors = {c.author for c in page.comments}
    assert {"@RonJackSilver4816", "@jacksonmacd", "@creepynoia7810"} <= authors


def _collaboration_watch() -> None:
    watch = yd.parse_watch(current("npe_next_watch_3sbYbckT1VY.json"))
    assert watch is not None
    assert watch.owner == "CrunchLabs and Mark Rober"
    assert watch.likes == "like this video along with 31,009 other people"
    assert watch.like_status == "INDIFFERENT"
    # '"subscribed":true' is in the page (the unsubscribe button's variant): the entity says no.
    assert '"subscribed": true' in _text("npe_next_watch_3sbYbckT1VY.json").replace(
        '"subscribed":true', '"subscribed": true')
    assert watch.subscribed is False
    assert watch.comments_token


def _mrbeast_watch() -> None:
    watch = yd.parse_watch(current("npe_next_watch_kX3nB4PpJko.json"))
    assert watch is not None
    assert (watch.owner, watch.owner_channel_id, watch.owner_url) == (
        "MrBeast", "UCX6OQ3DkcsbYNE6H8uQQuVA", "/@MrBeast")
    assert watch.subscribers == "497 million subscribers"
    assert watch.likes == "like this video along with 4,961,170 other people"
    assert watch.like_status == "INDIFFERENT" and watch.subscribed is False
    assert "সেরা চ্যালেঞ্জ" in _text("npe_next_watch_kX3nB4PpJko.json")


def _captain() -> None:
    channel = yd.parse_channel(current("npe_browse_channel_CaptainDisillusion.json"))
    assert channel is not None
    assert (channel.channel_id, channel.title) == ("UCEOXxzW2vU0P-0THehuIIeg",
                                                   "Captain Disillusion")
    assert channel.matches("@CaptainDisillusion")
    assert channel.subscribers == "2.52m subscribers"


def _shemp() -> None:
    channel = yd.parse_channel(current("npe_browse_channel_ShempOfficial.json"))
    assert channel is not None
    assert (channel.channel_id, channel.title) == ("UCEAXWzgcuF6XEiJcszhikQA", "Shemp")
    assert channel.matches("@ShempOfficial") and channel.subscribers == "7.78k subscribers"


def _ted() -> None:
    body = current("pyyoutube_subscriptions_list_TED_forChannelId.json")
    spec = SPEC["data_api"]
    tedx = yd.read_subscriptions(200, body, "UCsT0YIqwnpJCM-mx7-gSA4Q", spec)
    assert (tedx.state, tedx.title, tedx.since) == ("subscribed", "TEDx Talks",
                                                    "2011-11-11T14:00:19.000Z")
    residency = yd.read_subscriptions(200, body, "UCtC8aQzdEHAmuw8YvtH1CcQ", spec)
    assert residency.state == "subscribed" and residency.title == "TED Residency"
    assert yd.read_subscriptions(200, body, "UCX6OQ3DkcsbYNE6H8uQQuVA", spec).state \
        == "not_subscribed"


def _empty() -> None:
    body = current("pyyoutube_subscriptions_list_empty.json")
    answer = yd.read_subscriptions(200, body, "UCsT0YIqwnpJCM-mx7-gSA4Q", SPEC["data_api"])
    assert answer.state == "not_subscribed"


COVERED = {
    "npe_next_comments_bjFtFMilb34.json": _pinned,
    "npe_next_comments_VsFjP58j5i8.json": _edited,
    "npe_next_comments_bem4adjGKjE.json": _channel_owner,
    "npe_next_watch_3sbYbckT1VY.json": _collaboration_watch,
    "npe_next_watch_kX3nB4PpJko.json": _mrbeast_watch,
    "npe_browse_channel_CaptainDisillusion.json": _captain,
    "npe_browse_channel_ShempOfficial.json": _shemp,
    "pyyoutube_subscriptions_list_TED_forChannelId.json": _ted,
    "pyyoutube_subscriptions_list_empty.json": _empty,
}


@pytest.mark.parametrize("name", sorted(COVERED))
def test_current_file_parses_to_its_ground_truth(name: str) -> None:
    COVERED[name]()


# -- "fail" only on an understood page -------------------------------------------------------


def _renamed(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {(new if k == old else k): _renamed(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, old, new) for v in node]
    return node


@pytest.mark.parametrize(("old", "new"), [
    ("commentViewModel", "commentViewModelV2"),  # threads in an unknown shape
    ("commentThreadRenderer", "commentThreadViewModel"),  # header says 105, nothing parsed
    ("commentEntityPayload", "commentEntity"),  # the keys point at entities not understood
])
def test_a_comment_shape_the_parser_does_not_know_is_layout_changed(old: str, new: str) -> None:
    payload = _renamed(current("npe_next_comments_bem4adjGKjE.json"), old, new)
    page = comments(payload)
    assert page.comments == []
    problem = _layout_problem(page, first_page=True, keys=JS)
    assert problem, "a page announcing 105 comments with none read must not be a fail"


def test_an_empty_comment_section_is_understood() -> None:
    payload = copy.deepcopy(current("npe_next_comments_bem4adjGKjE.json"))
    body = payload["onResponseReceivedEndpoints"][1]["reloadContinuationItemsCommand"]
    body["continuationItems"] = []
    header = yd.first(payload, "commentsHeaderRenderer")
    header["countText"] = {"runs": [{"text": "0"}, {"text": " Comments"}]}
    page = comments(payload)
    assert page.announced == 0 and page.comments == []
    assert _layout_problem(page, first_page=True, keys=JS) == ""


@pytest.mark.parametrize(("status", "body", "state"), [
    (403, {"error": {"code": 403, "errors": [{"reason": "subscriptionForbidden"}]}}, "private"),
    (403, {"error": {"code": 403, "message": "Forbidden"}}, "private"),
    (403, {"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}]}}, "quota"),
    (429, None, "quota"),
    (400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                     "errors": [{"reason": "badRequest"}]}}, "key"),
    (200, {"items": []}, "unknown"),  # no kind: not a subscription list we know
    (500, None, "unknown"),
])
def test_data_api_answers_other_than_a_list(status: int, body: Any, state: str) -> None:
    assert yd.read_subscriptions(status, body, "UCx", SPEC["data_api"]).state == state


# -- the sandbox speaks the same shapes -------------------------------------------------------


def key_paths(node: Any, leaves: set[str], path: str = "") -> set[str]:
    """Every path (``a.b[].c``) from the root to a key in ``leaves``."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if key in leaves:
                found.add(here)
            found |= key_paths(value, leaves, here)
    elif isinstance(node, list):
        for value in node:
            found |= key_paths(value, leaves, path + "[]")
    return found


WORLD = parse_world({"platforms": {"youtube": {
    "accounts": [{"handle": "@AcmeBD", "name": "Acme"},
                 {"handle": "rafi_bd", "follows": ["AcmeBD"]}],
    "posts": [{"id": "dQw4w9WgXcQ", "author": "AcmeBD", "text": "Eid sale",
               "comments": [{"author": f"u{i:02d}", "text": f"c {i}"} for i in range(25)]}],
}}}).require("youtube")

# The keys the comment parser reads, from the response's root to the comment's text.
COMMENT_LEAVES = {
    "onResponseReceivedEndpoints", "reloadContinuationItemsCommand", "continuationItems",
    "commentsHeaderRenderer", "countText", "commentThreadRenderer", "commentViewModel",
    "commentKey", "frameworkUpdates", "entityBatchUpdate", "mutations", "entityKey",
    "payload", "commentEntityPayload", "properties", "commentId", "publishedTime",
    "displayName", "channelId", "channelCommand", "browseEndpoint", "canonicalBaseUrl",
    "continuationItemRenderer", "continuationEndpoint", "continuationCommand", "token",
}
WATCH_LEAVES = {
    "videoOwnerRenderer", "segmentedLikeDislikeButtonViewModel", "likeButtonViewModel",
    "toggleButtonViewModel", "defaultButtonViewModel", "buttonViewModel", "accessibilityText",
    "likeStatusEntityKey", "likeStatusEntity", "likeStatus", "subscribeButtonRenderer",
    "subscribedEntityKey", "subscriptionStateEntity", "subscribed", "itemSectionRenderer",
    "sectionIdentifier", "frameworkUpdates", "entityBatchUpdate", "mutations", "entityKey",
}
API_LEAVES = {"kind", "pageInfo", "totalResults", "items", "snippet", "resourceId",
              "channelId", "title", "publishedAt"}


def _compare(sandbox: Any, real: Any, leaves: set[str], must: set[str]) -> None:
    """Everything the sandbox writes on these keys is where the real site writes it, and
    every path the parsers need (``must``, leaf names) is in both."""
    ours, theirs = key_paths(sandbox, leaves), key_paths(real, leaves)
    assert ours - theirs == set(), f"the sandbox invents paths: {sorted(ours - theirs)}"
    for leaf in must:
        needed = {p for p in theirs if p.endswith("." + leaf)}
        assert needed & ours, f"the sandbox lacks the real paths to {leaf}: {sorted(needed)}"


def test_sandbox_comments_have_the_real_key_paths() -> None:
    """The first comments page (later pages wrap the same items in
    ``appendContinuationItemsAction``; no real capture of one is in realdata)."""
    post = WORLD.post("dQw4w9WgXcQ")
    assert post is not None
    ours = yj.comments_response(WORLD, post, 0, labels("en"))
    _compare(ours, current("npe_next_comments_bem4adjGKjE.json"), COMMENT_LEAVES,
             {"countText", "commentKey", "entityKey", "publishedTime", "displayName",
              "canonicalBaseUrl", "token"})


def test_sandbox_watch_page_has_the_real_key_paths() -> None:
    post = WORLD.post("dQw4w9WgXcQ")
    ours = yj.watch_data(WORLD, post, None, labels("en"))
    _compare(ours, current("npe_next_watch_kX3nB4PpJko.json"), WATCH_LEAVES,
             {"likeStatus", "accessibilityText", "subscribedEntityKey", "subscribed",
              "sectionIdentifier"})


def test_sandbox_data_api_has_the_real_key_paths() -> None:
    from fixtures.sandbox import youtube_api
    from fixtures.sandbox.state import SandboxRequest

    request = SandboxRequest(method="GET", host="www.googleapis.com",
                             path=youtube_api.SUBSCRIPTIONS_PATH,
                             query={"part": "snippet", "key": "k",
                                    "channelId": yj.channel_id("rafi_bd"),
                                    "forChannelId": yj.channel_id("AcmeBD")},
                             cookies={}, headers={})
    ours = json.loads(bytes(youtube_api.handle(request, WORLD).body))
    _compare(ours, current("pyyoutube_subscriptions_list_TED_forChannelId.json"), API_LEAVES,
             {"kind", "totalResults", "channelId", "title", "publishedAt"})
