"""The Facebook adapter's reading of www pages: comment outcomes on the real
relay captures (current/facebook, July/Aug 2023), a shape it does not know,
walls, and the target URL forms it opens on www.facebook.com."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from fixtures.sandbox import facebook_pages as pages
from tests.contract import CONTRACT
from verifier.models import parse_proof
from verifier.platforms import TargetError
from verifier.platforms import facebook_relay as fr
from verifier.platforms.base import load_platform_data
from verifier.platforms.facebook import FacebookAdapter, detect_wall, judge_post_comments

CURRENT = CONTRACT.parent / "realdata" / "current" / "facebook"
SPEC = load_platform_data("facebook")


def real(name: str) -> Any:
    path = CURRENT / f"forki_comet_{name}.json"
    assert path.is_file(), f"realdata file missing: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def feedback_of(objects: Any, key: str) -> fr.RelayFeedback:
    feedback = fr.read_relay(objects)
    found = fr.target_feedback(objects, feedback, key)
    assert found is not None
    return feedback[found]


def outcome(objects: Any, key: str, handle: str, **task: object) -> tuple[str, str]:
    proof = parse_proof({"id": "p", "task": {"action": "comment", "platform": "facebook",
                                             "target": f"https://www.facebook.com/x/videos/{key}",
                                             **task},
                         "worker": {"id": "w", "handle": handle}})
    check = judge_post_comments("live.comment", handle, feedback_of(objects, key), proof, key)
    return check.outcome, check.detail


# -- real captures ------------------------------------------------------------------------


def test_the_target_post_is_found_by_video_and_reel_ids() -> None:
    video = feedback_of(real("video_page_588866298398729"), "588866298398729")
    assert (video.reactions, video.shares, video.comments) == (58, 485, 46)
    assert video.more_comments is False and len(video.comment_nodes) == 25
    reel = feedback_of(real("reel_809749953859034"), "809749953859034")
    assert (reel.reactions, reel.comments, reel.more_comments) == (2636, 401, True)
    watch = feedback_of(real("watch_video_394367115960503"), "394367115960503")
    assert (watch.reactions, watch.comments, watch.comment_nodes) == (630, 173, [])


@pytest.mark.parametrize("handle", ["James DeCosta", "PlandemicMovie"])
def test_a_comment_on_the_real_video_page_passes_by_name_or_username(handle: str) -> None:
    state, detail = outcome(real("video_page_588866298398729"), "588866298398729", handle)
    assert state == "pass", detail


def test_no_comment_on_a_whole_real_list_fails() -> None:
    """has_next_page is false there: the page carries every top-level comment."""
    state, detail = outcome(real("video_page_588866298398729"), "588866298398729",
                            "Ayesha Rahman")
    assert state == "fail" and "no comment by Ayesha Rahman" in detail, detail


def test_no_comment_on_a_list_that_goes_on_is_unknown() -> None:
    state, detail = outcome(real("reel_809749953859034"), "809749953859034", "Ayesha Rahman")
    assert state == "unknown" and "format not confirmed" in detail, detail


def test_counted_comments_that_the_page_does_not_carry_are_a_changed_layout() -> None:
    """The watch capture counts 173 comments and carries none (they load later)."""
    state, detail = outcome(real("watch_video_394367115960503"), "394367115960503", "Anyone")
    assert state == "unknown" and "layout changed" in detail and "173" in detail, detail


def test_a_comment_shape_the_adapter_does_not_know_is_unknown_never_fail() -> None:
    objects = copy.deepcopy(real("video_page_588866298398729"))
    for node in _walk(objects):  # Facebook renames the type and moves the text
        if node.get("__typename") == "Comment":
            node["__typename"] = "UFI2Comment"
            node["message"] = node.pop("body")
    state, detail = outcome(objects, "588866298398729", "Ayesha Rahman")
    assert state == "unknown" and "layout changed" in detail and "46" in detail, detail


def test_a_page_without_the_posts_relay_data_is_not_read_as_an_empty_post() -> None:
    objects = real("video_page_588866298398729")
    feedback = fr.read_relay(objects)
    assert fr.target_feedback(objects, feedback, "1234567890") is None


def test_the_later_of_two_same_comments_fails_and_the_first_passes() -> None:
    objects = copy.deepcopy(real("video_page_588866298398729"))
    edges = _comment_edges(objects)
    copycat = copy.deepcopy(edges[2])  # James DeCosta "I call bullshit!!" at 1589582725
    copycat["node"].update(id="copy", author={"name": "Copy Cat", "id": "1"},
                           created_time=1589582725 + 60)
    copycat["node"]["body"]["text"] = edges[2]["node"]["body"]["text"] = \
        "Nice video about the masks, thank you"
    edges.append(copycat)
    later = outcome(objects, "588866298398729", "Copy Cat")
    assert later[0] == "fail" and "repeats the comment by James DeCosta" in later[1], later
    assert outcome(objects, "588866298398729", "James DeCosta")[0] == "pass"


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _comment_edges(objects: Any) -> list[Any]:
    story = objects[6]["node"]["comet_sections"]["feedback"]["story"]
    feedback = story["feedback_context"]["feedback_target_with_context"]["ufi_renderer"]
    edges: list[Any] = feedback["feedback"]["comment_list_renderer"]["feedback"][
        "display_comments"]["edges"]
    return edges


# -- walls ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("markup", "kind"), [
    (pages.login_page("https://www.facebook.com/"), "login"),
    (pages.checkpoint_page("https://www.facebook.com/"), "captcha"),
    (pages.blocked_page(), "rate_limit"),
])
def test_walls(markup: str, kind: str) -> None:
    found = detect_wall(markup, SPEC["walls"])
    assert found is not None and found[0] == kind


def test_words_inside_the_relay_data_are_no_wall() -> None:
    markup = ('<html><head><title>Post | Facebook</title><script type="application/json">'
              '{"s":"You must log in to continue."}</script></head><body>Hi</body></html>')
    assert detect_wall(markup, SPEC["walls"]) is None
    assert fr.relay_objects(markup) == []


# -- targets --------------------------------------------------------------------------------

POST_ID = "3065154550235644"


@pytest.mark.parametrize(("url", "kind", "key", "opens"), [
    (f"https://www.facebook.com/Nintendo/posts/{POST_ID}", "post", POST_ID,
     f"https://www.facebook.com/Nintendo/posts/{POST_ID}"),
    (f"https://m.facebook.com/story.php?story_fbid={POST_ID}&id=119240841493711", "post",
     POST_ID, f"https://www.facebook.com/story.php?story_fbid={POST_ID}&id=119240841493711"),
    (f"https://www.facebook.com/permalink.php?story_fbid={POST_ID}&id=119240841493711",
     "post", POST_ID, None),
    ("https://www.facebook.com/groups/117507531664134", "group", "117507531664134",
     "https://www.facebook.com/groups/117507531664134"),
    ("https://www.facebook.com/groups/117507531664134/permalink/1629606003787605/", "post",
     "1629606003787605",
     "https://www.facebook.com/groups/117507531664134/posts/1629606003787605/"),
    ("https://www.facebook.com/photo.php?fbid=3065146500236449&set=a.1&type=3", "post",
     "3065146500236449", "https://www.facebook.com/photo/?fbid=3065146500236449"),
    ("https://www.facebook.com/watch/?v=394367115960503", "post", "394367115960503",
     "https://www.facebook.com/watch/?v=394367115960503"),
    ("https://www.facebook.com/PlandemicMovie/videos/588866298398729/", "post",
     "588866298398729", "https://www.facebook.com/PlandemicMovie/videos/588866298398729/"),
    ("https://www.facebook.com/reel/809749953859034/", "post", "809749953859034",
     "https://www.facebook.com/reel/809749953859034/"),
    ("https://fb.watch/aBcD12/", "post", "aBcD12", "https://fb.watch/aBcD12/"),
    ("https://www.facebook.com/Nintendo", "account", "Nintendo", None),
    ("https://www.facebook.com/profile.php?id=100004071004949", "account", "100004071004949",
     None),
    (f"https://mbasic.facebook.com/Nintendo/posts/{POST_ID}", "post", POST_ID, None),
    (f"https://web.facebook.com/Nintendo/posts/{POST_ID}", "post", POST_ID, None),
    ("https://m.facebook.com/ayesha.rahman", "account", "ayesha.rahman", None),
])
def test_parse_target(url: str, kind: str, key: str, opens: str | None) -> None:
    target = FacebookAdapter().parse_target(url)
    assert (target.platform, target.kind, target.key) == ("facebook", kind, key)
    if opens:
        assert target.url == opens


@pytest.mark.parametrize("url", [
    "https://x.com/Nintendo",
    "https://www.facebook.com.evil.example/Nintendo/posts/1",
    "ftp://www.facebook.com/Nintendo",
    "https://www.facebook.com/",
    "https://www.facebook.com/login/",
    "https://www.facebook.com/story.php?story_fbid=1",
])
def test_foreign_or_incomplete_urls_are_refused(url: str) -> None:
    with pytest.raises(TargetError) as info:
        FacebookAdapter().parse_target(url)
    assert url in str(info.value) or "Facebook" in str(info.value)


def test_foreign_url_message_says_what_is_expected() -> None:
    with pytest.raises(TargetError, match="is not a Facebook URL"):
        FacebookAdapter().parse_target("https://www.instagram.com/p/BG9It/")
