"""Instagram checks end to end: the sandbox's instagram.com over HTTP, real Chromium.

One sandbox serves the module; each test resets the world and may set a
wall or a locale through the admin endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from fixtures.sandbox.server import SandboxServer
from fixtures.sandbox.sessions import user_token, write_session_file, write_sessions
from fixtures.sandbox.world import load_world
from verifier.models import Check, Proof, Verdict, parse_proof

pytestmark = pytest.mark.integration

FILLERS = [f"filler_{i:02d}" for i in range(26)]
POST = "C9xYz12AbCd"


def world() -> dict[str, object]:
    comments = [{"author": f, "text": f"Looks tasty number {i}"} for i, f in enumerate(FILLERS)]
    comments.append({"author": "nusrat.jahan", "text": "Opening day coffee was excellent"})
    return {"platforms": {"instagram": {
        "locale": "en",
        "accounts": [
            {"handle": "cafe.dhanmondi", "name": "Cafe Dhanmondi"},
            {"handle": "nusrat.jahan", "name": "Nusrat Jahan",
             "follows": [*FILLERS, "cafe.dhanmondi"]},
            {"handle": "karim_uddin", "follows": ["filler_00"]},
            {"handle": "secret.rafi", "protected": True, "follows": ["cafe.dhanmondi"]},
            {"handle": "private.shop", "name": "Private Shop", "protected": True},
            {"handle": "tanvir_bd", "follows": ["requested:private.shop"]},
            {"handle": "sumi_bd", "follows": ["private.shop"]},
            *[{"handle": f} for f in FILLERS],
        ],
        "posts": [{"id": POST, "author": "cafe.dhanmondi", "text": "Opening day",
                   "liked_by": [*FILLERS, "nusrat.jahan"], "comments": comments}],
    }}}


@dataclass
class Running:
    url: str
    sessions: Path

    def admin(self, **op: object) -> None:
        httpx.post(f"{self.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("instagram")
    path = root / "world.yaml"
    path.write_text(yaml.safe_dump(world()), encoding="utf-8")
    with SandboxServer(path) as server:
        write_sessions(root / "sessions", load_world(path))
        yield Running(server.url, root / "sessions")


@pytest.fixture
def ig(running: Running) -> Running:
    running.admin(op="reset")
    return running


def proof(action: str, target: str, handle: str, pid: str = "p1", **task: object) -> Proof:
    return parse_proof({"id": pid, "task": {"action": action, "platform": "instagram",
                                            "target": target, **task},
                        "worker": {"id": f"w-{handle}", "handle": handle}})


def live(verdict: Verdict, action: str) -> Check:
    return next(c for c in verdict.checks if c.name == f"live.{action}")


PROFILE = "https://www.instagram.com/cafe.dhanmondi/"
POST_URL = f"https://www.instagram.com/p/{POST}/"


# -- follow (S) --------------------------------------------------------------------------


def test_follow_found_after_paging_the_following_list(ig, make_verifier):
    verdict = make_verifier(ig).verify(proof("follow", PROFILE, "nusrat.jahan"))
    check = live(verdict, "follow")
    assert check.outcome == "pass", check.detail
    assert "over 3 page(s)" in check.detail
    assert verdict.status == "approved", verdict.reasons


def test_not_following_fails(ig, make_verifier):
    check = live(make_verifier(ig).verify(proof("follow", PROFILE, "karim_uddin")), "follow")
    assert check.outcome == "fail" and "does not follow" in check.detail, check.detail


def test_private_worker_is_found_in_the_targets_followers(ig, make_verifier):
    check = live(make_verifier(ig).verify(proof("follow", PROFILE, "secret.rafi")), "follow")
    assert check.outcome == "pass", check.detail
    assert "followers list" in check.detail


def test_pending_request_is_not_a_follow(ig, make_verifier, tmp_path):
    """With the private target's own session (handed over by the employer)."""
    owner = tmp_path / "owner-sessions"
    write_session_file(owner / "instagram.json", "instagram", user_token("private.shop"))
    verifier = make_verifier(Running(ig.url, owner))
    url = "https://www.instagram.com/private.shop/"
    pending = live(verifier.verify(proof("follow", url, "tanvir_bd", "p-pend")), "follow")
    assert pending.outcome == "fail", pending.detail
    assert pending.detail.startswith("follow request pending")
    approved = live(verifier.verify(proof("follow", url, "sumi_bd", "p-ok")), "follow")
    assert approved.outcome == "pass", approved.detail


def test_pending_request_seen_by_the_checker_is_not_a_follow(ig, make_verifier):
    url = "https://www.instagram.com/private.shop/"
    check = live(make_verifier(ig).verify(proof("follow", url, "tanvir_bd")), "follow")
    assert check.outcome == "fail", check.detail


@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit"])
def test_follow_behind_a_wall_is_unknown(ig, make_verifier, wall):
    ig.admin(op="set_wall", platform="instagram", wall=wall)
    verdict = make_verifier(ig).verify(proof("follow", PROFILE, "nusrat.jahan"))
    assert live(verdict, "follow").outcome == "unknown", live(verdict, "follow").detail
    assert verdict.status == "flagged"


def test_follow_without_a_checker_session_is_unknown(ig, make_verifier):
    check = live(make_verifier(ig, sessions=False).verify(
        proof("follow", PROFILE, "nusrat.jahan")), "follow")
    assert check.outcome == "unknown" and "checker session" in check.detail


def test_expired_session_is_unknown(ig, make_verifier):
    ig.admin(op="expire_sessions", platform="instagram")
    check = live(make_verifier(ig).verify(proof("follow", PROFILE, "nusrat.jahan")), "follow")
    assert check.outcome == "unknown" and "log in" in check.detail, check.detail


def test_missing_worker_account_fails(ig, make_verifier):
    check = live(make_verifier(ig).verify(proof("follow", PROFILE, "nobody.here")), "follow")
    assert check.outcome == "fail" and "does not exist" in check.detail


# -- like (S) ------------------------------------------------------------------------------


def test_like_passes(ig, make_verifier):
    check = live(make_verifier(ig).verify(proof("like", POST_URL, "nusrat.jahan")), "like")
    assert check.outcome == "pass", check.detail


def test_like_missing_fails_and_unlike_is_seen(ig, make_verifier):
    verifier = make_verifier(ig)
    assert live(verifier.verify(proof("like", POST_URL, "karim_uddin")), "like").outcome == "fail"
    ig.admin(op="unlike", platform="instagram", post=POST, handle="nusrat.jahan")
    check = live(verifier.verify(proof("like", POST_URL, "nusrat.jahan", "p2")), "like")
    assert check.outcome == "fail", check.detail


@pytest.mark.parametrize("wall", ["captcha", "rate_limit"])
def test_like_behind_a_wall_is_unknown(ig, make_verifier, wall):
    ig.admin(op="set_wall", platform="instagram", wall=wall)
    check = live(make_verifier(ig).verify(proof("like", POST_URL, "nusrat.jahan")), "like")
    assert check.outcome == "unknown", check.detail


# -- comment (L) ---------------------------------------------------------------------------


def test_comment_found_after_loading_more(ig, make_verifier):
    verifier = make_verifier(ig, sessions=False)
    check = live(verifier.verify(proof("comment", POST_URL, "@nusrat.jahan",
                                       comment_text="coffee", min_comment_words=4)), "comment")
    assert check.outcome == "pass", check.detail


def test_comment_missing_fails(ig, make_verifier):
    check = live(make_verifier(ig).verify(proof("comment", POST_URL, "karim_uddin")), "comment")
    assert check.outcome == "fail" and "no comment by karim_uddin" in check.detail


def test_copied_comment_fails_the_copier_not_the_first_author(ig, make_verifier):
    """Comments carry created_time: only an earlier comment can have been copied."""
    ig.admin(op="add_comment", platform="instagram", post=POST, author="karim_uddin",
             text="Opening day coffee was excellent")
    verifier = make_verifier(ig)
    first = live(verifier.verify(proof("comment", POST_URL, "nusrat.jahan", "p-first")),
                 "comment")
    assert first.outcome == "pass", first.detail
    copier = live(verifier.verify(proof("comment", POST_URL, "karim_uddin", "p-copy")),
                  "comment")
    assert copier.outcome == "fail" and "repeats the comment by nusrat.jahan" in copier.detail


@pytest.mark.parametrize("wall", ["login", "rate_limit"])
def test_comment_behind_a_wall_is_unknown(ig, make_verifier, wall):
    ig.admin(op="set_wall", platform="instagram", wall=wall)
    check = live(make_verifier(ig).verify(proof("comment", POST_URL, "nusrat.jahan")), "comment")
    assert check.outcome == "unknown", check.detail


# -- share (P), locales ----------------------------------------------------------------------


def test_share_is_skipped(ig, make_verifier):
    verdict = make_verifier(ig).verify(proof("share", POST_URL, "nusrat.jahan"))
    assert live(verdict, "share").outcome == "skipped"
    assert verdict.status == "flagged"


@pytest.mark.parametrize("locale", ["bn", "hi"])
def test_bengali_and_hindi_pages(ig, make_verifier, locale):
    ig.admin(op="set_locale", platform="instagram", locale=locale)
    verifier = make_verifier(ig)
    follow = live(verifier.verify(proof("follow", PROFILE, "nusrat.jahan", "pf")), "follow")
    assert follow.outcome == "pass", follow.detail
    like = live(verifier.verify(proof("like", POST_URL, "karim_uddin", "pl")), "like")
    assert like.outcome == "fail", like.detail


def test_contract_example_like_proof(make_verifier, sandbox_for):
    from tests.contract import contract_dir

    verifier = make_verifier(sandbox_for(contract_dir() / "examples" / "world.yaml"))
    raw = (contract_dir() / "examples" / "like-instagram.json").read_text()
    assert live(verifier.verify(parse_proof(raw)), "like").outcome == "pass"
