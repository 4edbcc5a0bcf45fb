"""Facebook checks end to end: the sandbox's www.facebook.com over HTTP, real Chromium.

One sandbox serves the whole module; each test resets the world and may set
a wall or a locale through the admin endpoint, as an operator's world would
change under a running worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from fixtures.sandbox.server import SandboxServer
from fixtures.sandbox.sessions import write_sessions
from fixtures.sandbox.world import load_world
from verifier.models import Check, Verdict, parse_proof

pytestmark = pytest.mark.integration

POST = "3065154550235644"
PHOTO = "3065146500236449"
GROUP = "117507531664134"
FILLERS = [f"filler.{i:02d}" for i in range(14)]
LONG = "3065154550235699"  # a post with more comments than its page carries


def world() -> dict[str, object]:
    comments = [{"author": f, "text": f"Nice wallpapers number {i}"}
                for i, f in enumerate(FILLERS * 3)][:35]
    comments.append({"author": "ayesha.rahman",
                     "text": "These Nintendo wallpapers look great on my phone"})
    return {"platforms": {"facebook": {
        "locale": "en",
        "accounts": [
            {"handle": "Nintendo", "name": "Nintendo"},
            {"handle": "ayesha.rahman", "name": "Ayesha Rahman"},
            {"handle": "karim.uddin", "name": "Karim Uddin"},
            {"handle": "copy.cat", "name": "Copy Cat"},
            *[{"handle": f, "name": f"Filler {f[-2:]}"} for f in FILLERS],
        ],
        "posts": [
            {"id": POST, "author": "Nintendo", "text": "Check out these themed wallpapers",
             "liked_by": [*FILLERS, "ayesha.rahman"], "shared_by": [*FILLERS, "ayesha.rahman"],
             "comments": comments},
            {"id": PHOTO, "author": "Nintendo", "text": "Nintendo added a new photo.",
             "comments": [
                 {"author": "karim.uddin", "text": "Bowser again, love it"},
                 {"author": "copy.cat", "text": "Bowser again, love it"}]},
            {"id": LONG, "author": "Nintendo", "text": "Tell us your favourite game",
             "comments": [*[{"author": FILLERS[i % 14], "text": f"Mario Kart {i}"}
                            for i in range(50)],
                          {"author": "ayesha.rahman", "text": "Zelda, every single time"}]},
        ],
        "groups": [{"id": GROUP, "name": "South Americans in Computing",
                    "members": [*FILLERS, "ayesha.rahman"]}],
    }}}


@dataclass
class Running:
    url: str
    sessions: Path

    def admin(self, **op: object) -> None:
        httpx.post(f"{self.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("facebook")
    path = root / "world.yaml"
    path.write_text(yaml.safe_dump(world(), allow_unicode=True), encoding="utf-8")
    with SandboxServer(path) as server:
        write_sessions(root / "sessions", load_world(path))
        yield Running(server.url, root / "sessions")


@pytest.fixture
def fb(running: Running) -> Running:
    running.admin(op="reset")
    return running


def proof(action: str, target: str, handle: str, pid: str = "p1",
          **task: object) -> object:
    return parse_proof({"id": pid, "task": {"action": action, "platform": "facebook",
                                            "target": target, **task},
                        "worker": {"id": f"w-{handle}", "handle": handle}})


def live(verdict: Verdict, action: str) -> Check:
    return next(c for c in verdict.checks if c.name == f"live.{action}")


POST_URL = f"https://www.facebook.com/Nintendo/posts/{POST}"
GROUP_URL = f"https://www.facebook.com/groups/{GROUP}"


# -- comment (L) -------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["Ayesha Rahman", "ayesha.rahman"])
def test_comment_found_by_name_or_username_without_a_session(fb, make_verifier, handle):
    verdict = make_verifier(fb, sessions=False).verify(
        proof("comment", POST_URL, handle, comment_text="wallpapers", min_comment_words=5))
    check = live(verdict, "comment")
    assert check.outcome == "pass", check.detail
    assert "These Nintendo wallpapers" in check.detail


def test_comment_missing_fails(fb, make_verifier):
    check = live(make_verifier(fb).verify(proof("comment", POST_URL, "Karim Uddin")), "comment")
    assert check.outcome == "fail", check.detail
    assert "no comment by Karim Uddin" in check.detail


def test_comment_past_what_the_page_carries_is_unknown_not_fail(fb, make_verifier):
    url = f"https://www.facebook.com/Nintendo/posts/{LONG}"
    verdict = make_verifier(fb).verify(proof("comment", url, "Ayesha Rahman"))
    check = live(verdict, "comment")
    assert check.outcome == "unknown" and "more than the page carries" in check.detail, \
        check.detail
    assert verdict.status == "flagged"


def test_comment_copied_from_another_account_fails_and_the_original_passes(fb, make_verifier):
    """Each comment's created_time says who wrote first: only the later copy fails."""
    url = f"https://www.facebook.com/photo.php?fbid={PHOTO}"
    verifier = make_verifier(fb)
    check = live(verifier.verify(proof("comment", url, "copy.cat")), "comment")
    assert check.outcome == "fail" and "repeats the comment by Karim Uddin" in check.detail, \
        check.detail
    first = live(verifier.verify(proof("comment", url, "Karim Uddin", "p-first")), "comment")
    assert first.outcome == "pass", first.detail


def test_comment_without_required_words_fails(fb, make_verifier):
    check = live(make_verifier(fb).verify(
        proof("comment", POST_URL, "Ayesha Rahman", comment_text="giveaway")), "comment")
    assert check.outcome == "fail" and "giveaway" in check.detail, check.detail


def test_deleted_comment_fails_on_reverification(fb, make_verifier):
    verifier = make_verifier(fb)
    first = proof("comment", POST_URL, "ayesha.rahman", pid="p-del")
    assert live(verifier.verify(first), "comment").outcome == "pass"
    fb.admin(op="delete_comment", platform="facebook", post=POST, author="ayesha.rahman")
    assert live(verifier.verify(first, kind="reverify"), "comment").outcome == "fail"


def test_comment_through_an_fb_watch_link(fb, make_verifier):
    check = live(make_verifier(fb).verify(
        proof("comment", f"https://fb.watch/{POST}/", "Ayesha Rahman")), "comment")
    assert check.outcome == "pass", check.detail


@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit"])
def test_comment_behind_a_wall_is_unknown(fb, make_verifier, wall):
    fb.admin(op="set_wall", platform="facebook", wall=wall)
    verdict = make_verifier(fb).verify(proof("comment", POST_URL, "Ayesha Rahman"))
    check = live(verdict, "comment")
    assert check.outcome == "unknown", check.detail
    assert verdict.status == "flagged"


# -- like (S), share (S), join (S): format not confirmed ------------------------------------


@pytest.mark.parametrize(("action", "counted"), [("like", "15 reaction(s)"),
                                                 ("share", "15 share(s)")])
@pytest.mark.parametrize("handle", ["Ayesha Rahman", "karim.uddin"])
def test_like_and_share_confirm_the_post_then_say_format_not_confirmed(
        fb, make_verifier, action, counted, handle):
    """Done or not, the check cannot tell: no real capture shows who reacted or shared."""
    verdict = make_verifier(fb).verify(proof(action, POST_URL, handle))
    check = live(verdict, action)
    assert check.outcome == "unknown", check.detail
    assert counted in check.detail and "format not confirmed" in check.detail
    assert check.evidence  # the page's screenshot and counters, for the moderator
    assert verdict.status == "flagged"


@pytest.mark.parametrize("handle", ["Ayesha Rahman", "karim.uddin"])
def test_join_says_format_not_confirmed(fb, make_verifier, handle):
    verdict = make_verifier(fb).verify(proof("join", GROUP_URL, handle))
    check = live(verdict, "join")
    assert check.outcome == "unknown" and "format not confirmed" in check.detail
    assert verdict.status == "flagged"


@pytest.mark.parametrize("action", ["like", "share"])
@pytest.mark.parametrize("wall", ["captcha", "rate_limit"])
def test_like_and_share_behind_a_wall_are_unknown(fb, make_verifier, action, wall):
    fb.admin(op="set_wall", platform="facebook", wall=wall)
    check = live(make_verifier(fb).verify(proof(action, POST_URL, "Ayesha Rahman")), action)
    assert check.outcome == "unknown" and "format not confirmed" not in check.detail, \
        check.detail


def test_like_without_a_checker_session_is_unknown(fb, make_verifier):
    check = live(make_verifier(fb, sessions=False).verify(proof("like", POST_URL, "Ayesha Rahman")),
                 "like")
    assert check.outcome == "unknown" and "checker session" in check.detail


# -- follow (P) and wrong targets ----------------------------------------------------------


def test_follow_is_skipped_and_left_to_the_proof(fb, make_verifier):
    verdict = make_verifier(fb).verify(
        proof("follow", "https://www.facebook.com/Nintendo", "Ayesha Rahman"))
    check = live(verdict, "follow")
    assert check.outcome == "skipped"
    assert "does not show who follows" in check.detail
    assert verdict.status == "flagged"


def test_join_needs_a_group_url(fb, make_verifier):
    check = live(make_verifier(fb).verify(proof("join", POST_URL, "Ayesha Rahman")), "join")
    assert check.outcome == "unknown" and "group URL" in check.detail


# -- locales -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["bn", "hi"])
def test_comments_read_on_bengali_and_hindi_pages(fb, make_verifier, locale):
    fb.admin(op="set_locale", platform="facebook", locale=locale)
    verifier = make_verifier(fb)
    comment = live(verifier.verify(proof("comment", POST_URL, "Ayesha Rahman", "pc")), "comment")
    assert comment.outcome == "pass", comment.detail
    missing = live(verifier.verify(proof("comment", POST_URL, "Karim Uddin", "pk")), "comment")
    assert missing.outcome == "fail", missing.detail


def test_contract_example_share_proof_is_flagged_format_not_confirmed(make_verifier,
                                                                      sandbox_for):
    from tests.contract import contract_dir

    verifier = make_verifier(sandbox_for(contract_dir() / "examples" / "world.yaml"))
    raw = (contract_dir() / "examples" / "share-facebook.json").read_text()
    verdict = verifier.verify(parse_proof(raw))
    check = live(verdict, "share")
    assert check.outcome == "unknown" and "1 share(s)" in check.detail, check.detail
    assert verdict.status == "flagged"
