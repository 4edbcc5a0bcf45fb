"""Facebook checks end to end: the sandbox's m.facebook.com over HTTP, real Chromium.

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
def test_comment_found_on_the_second_page_by_name_or_username(fb, make_verifier, handle):
    verdict = make_verifier(fb, sessions=False).verify(
        proof("comment", POST_URL, handle, comment_text="wallpapers", min_comment_words=5))
    check = live(verdict, "comment")
    assert check.outcome == "pass", check.detail
    assert "These Nintendo wallpapers" in check.detail


def test_comment_missing_fails(fb, make_verifier):
    check = live(make_verifier(fb).verify(proof("comment", POST_URL, "Karim Uddin")), "comment")
    assert check.outcome == "fail", check.detail
    assert "no comment by Karim Uddin" in check.detail


def test_comment_copied_from_another_account_fails_and_the_original_passes(fb, make_verifier):
    """Each comment's ld+json dateCreated says who wrote first: only the later copy fails."""
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


@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit"])
def test_comment_behind_a_wall_is_unknown(fb, make_verifier, wall):
    fb.admin(op="set_wall", platform="facebook", wall=wall)
    verdict = make_verifier(fb).verify(proof("comment", POST_URL, "Ayesha Rahman"))
    check = live(verdict, "comment")
    assert check.outcome == "unknown", check.detail
    assert verdict.status == "flagged"


# -- like (S reactions), share (S sharers), join (S members) -------------------------------


CELLS = [("like", POST_URL), ("share", POST_URL), ("join", GROUP_URL)]


@pytest.mark.parametrize(("action", "url"), CELLS)
def test_list_action_done_passes(fb, make_verifier, action, url):
    verdict = make_verifier(fb).verify(proof(action, url, "Ayesha Rahman"))
    check = live(verdict, action)
    assert check.outcome == "pass", check.detail
    assert "over 2 page(s)" in check.detail  # found after paging past ten fillers
    assert verdict.status == "approved", verdict.reasons


@pytest.mark.parametrize(("action", "url"), CELLS)
def test_list_action_not_done_fails(fb, make_verifier, action, url):
    verdict = make_verifier(fb).verify(proof(action, url, "karim.uddin"))
    check = live(verdict, action)
    assert check.outcome == "fail", check.detail
    assert "karim.uddin is not in the" in check.detail
    assert verdict.status == "flagged"


@pytest.mark.parametrize(("action", "url"), CELLS)
@pytest.mark.parametrize("wall", ["captcha", "rate_limit"])
def test_list_action_behind_a_wall_is_unknown(fb, make_verifier, action, url, wall):
    fb.admin(op="set_wall", platform="facebook", wall=wall)
    check = live(make_verifier(fb).verify(proof(action, url, "Ayesha Rahman")), action)
    assert check.outcome == "unknown", check.detail


@pytest.mark.parametrize(("action", "url"), CELLS)
def test_list_action_with_an_expired_session_meets_the_login_wall(fb, make_verifier, action,
                                                                   url):
    fb.admin(op="expire_sessions", platform="facebook")
    check = live(make_verifier(fb).verify(proof(action, url, "Ayesha Rahman")), action)
    assert check.outcome == "unknown" and "log in" in check.detail, check.detail


def test_list_action_without_a_checker_session_is_unknown(fb, make_verifier):
    check = live(make_verifier(fb, sessions=False).verify(proof("like", POST_URL, "Ayesha Rahman")),
                 "like")
    assert check.outcome == "unknown" and "checker session" in check.detail


def test_unlike_and_leave_are_seen_on_reverification(fb, make_verifier):
    verifier = make_verifier(fb)
    like, join = proof("like", POST_URL, "ayesha.rahman", "p-l"), proof(
        "join", GROUP_URL, "ayesha.rahman", "p-j")
    assert verifier.verify(like).status == "approved"
    assert verifier.verify(join).status == "approved"
    fb.admin(op="unlike", platform="facebook", post=POST, handle="ayesha.rahman")
    fb.admin(op="leave_group", platform="facebook", group=GROUP, handle="ayesha.rahman")
    assert live(verifier.verify(like, kind="reverify"), "like").outcome == "fail"
    assert live(verifier.verify(join, kind="reverify"), "join").outcome == "fail"


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
def test_checks_read_bengali_and_hindi_pages(fb, make_verifier, locale):
    fb.admin(op="set_locale", platform="facebook", locale=locale)
    verifier = make_verifier(fb)
    comment = live(verifier.verify(proof("comment", POST_URL, "Ayesha Rahman", "pc")), "comment")
    assert comment.outcome == "pass", comment.detail
    share = live(verifier.verify(proof("share", POST_URL, "Karim Uddin", "ps")), "share")
    assert share.outcome == "fail", share.detail
    join = live(verifier.verify(proof("join", GROUP_URL, "ayesha.rahman", "pj")), "join")
    assert join.outcome == "pass", join.detail


def test_contract_example_share_proof(make_verifier, sandbox_for):
    from tests.contract import contract_dir

    verifier = make_verifier(sandbox_for(contract_dir() / "examples" / "world.yaml"))
    raw = (contract_dir() / "examples" / "share-facebook.json").read_text()
    verdict = verifier.verify(parse_proof(raw))
    assert live(verdict, "share").outcome == "pass"
