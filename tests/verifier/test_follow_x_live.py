"""The X follow check end to end: real sandbox over HTTP, real Chromium."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from verifier.models import parse_proof

pytestmark = pytest.mark.integration

WORLD = """
platforms:
  x:
    locale: {locale}
    wall: {wall}
    accounts:
      - {{handle: acme_bd, name: Acme Bangladesh}}
      - {{handle: rafi_bd, follows: [acme_bd]}}
      - {{handle: karim_bd, follows: []}}
      - {{handle: busy_bd, follows: [{many}]}}
{fillers}
"""


def world(tmp_path: Path, locale: str = "en", wall: str = "none", fillers: int = 0,
          busy_follows_acme_last: bool = True) -> Path:
    names = [f"filler{i:03d}" for i in range(fillers)]
    follows = ", ".join(names + (["acme_bd"] if busy_follows_acme_last else []))
    lines = "\n".join(f"      - {{handle: {n}}}" for n in names)
    path = tmp_path / f"world-{locale}-{wall}-{fillers}.yaml"
    path.write_text(WORLD.format(locale=locale, wall=wall, many=follows, fillers=lines))
    return path


def follow_proof(worker: str, pid: str = "p1", target: str = "https://x.com/acme_bd"):
    return parse_proof({"id": pid, "task": {"action": "follow", "platform": "x",
                                            "target": target},
                        "worker": {"id": f"w-{worker}", "handle": worker}})


def live(verdict):
    return next(c for c in verdict.checks if c.name == "live.follow")


@pytest.mark.parametrize("locale", ["en", "bn", "hi"])
def test_genuine_follow_passes_and_approves(tmp_path, sandbox_for, make_verifier, locale):
    verifier = make_verifier(sandbox_for(world(tmp_path, locale=locale)))
    verdict = verifier.verify(follow_proof("rafi_bd"))
    check = live(verdict)
    assert check.outcome == "pass", check.detail
    assert "@rafi_bd follows @acme_bd" in check.detail
    assert verdict.status == "approved", verdict.reasons
    png = verifier.evidence.read(check.evidence[0])
    assert png.startswith(b"\x89PNG")


def test_not_following_fails(tmp_path, sandbox_for, make_verifier):
    verifier = make_verifier(sandbox_for(world(tmp_path)))
    verdict = verifier.verify(follow_proof("karim_bd"))
    assert live(verdict).outcome == "fail"
    assert verdict.status == "flagged"
    assert "does not follow @acme_bd" in verdict.reasons[0]


def test_follow_found_after_scrolling_several_pages(tmp_path, sandbox_for, make_verifier):
    verifier = make_verifier(sandbox_for(world(tmp_path, fillers=45)))
    check = live(verifier.verify(follow_proof("busy_bd")))
    assert check.outcome == "pass", check.detail
    assert "over 3 page(s)" in check.detail


def test_page_limit_gives_unknown_not_fail(tmp_path, sandbox_for, make_verifier):
    verifier = make_verifier(sandbox_for(world(tmp_path, fillers=45)),
                             VERIFIER_MAX_LIST_PAGES=2)
    check = live(verifier.verify(follow_proof("busy_bd")))
    assert check.outcome == "unknown", check.detail


@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit"])
def test_walls_give_unknown(tmp_path, sandbox_for, make_verifier, wall):
    verifier = make_verifier(sandbox_for(world(tmp_path, wall=wall)))
    verdict = verifier.verify(follow_proof("rafi_bd"))
    check = live(verdict)
    assert check.outcome == "unknown", check.detail
    assert verdict.status == "flagged"


def test_rate_limit_says_so(tmp_path, sandbox_for, make_verifier):
    """429 code 88 with ``x-rate-limit-remaining: 0``: "rate limited", never a fail."""
    verifier = make_verifier(sandbox_for(world(tmp_path, wall="rate_limit")))
    check = live(verifier.verify(follow_proof("rafi_bd")))
    assert check.outcome == "unknown" and "rate-limited" in check.detail, check.detail


@pytest.mark.parametrize("wall", ["locked", "suspended"])
def test_locked_checker_account_is_unknown_and_warned(tmp_path, sandbox_for, make_verifier,
                                                      caplog, wall):
    """Code 326, or a bare 403: the checker account is locked. That is neither a protected
    list (no second list is tried as if it were) nor a "no"; the operator is warned."""
    verifier = make_verifier(sandbox_for(world(tmp_path, wall=wall)))
    with caplog.at_level("WARNING", logger="verifier.platforms.x"):
        verdict = verifier.verify(follow_proof("rafi_bd"))
    check = live(verdict)
    assert check.outcome == "unknown", check.detail
    assert "checker account for x is locked" in check.detail
    assert "protected" not in check.detail and "closed" not in check.detail
    assert verdict.status == "flagged"
    assert any("locked" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_without_checker_session_the_check_is_unknown(tmp_path, sandbox_for, make_verifier):
    verifier = make_verifier(sandbox_for(world(tmp_path)), sessions=False)
    check = live(verifier.verify(follow_proof("rafi_bd")))
    assert check.outcome == "unknown"
    assert "checker session" in check.detail


def test_expired_session_is_a_login_wall(tmp_path, sandbox_for, make_verifier):
    sandbox = sandbox_for(world(tmp_path))
    httpx.post(f"{sandbox.url}/__admin/world",
               json={"op": "expire_sessions", "platform": "x"}).raise_for_status()
    check = live(make_verifier(sandbox).verify(follow_proof("rafi_bd")))
    assert check.outcome == "unknown", check.detail


def test_unknown_worker_account_fails(tmp_path, sandbox_for, make_verifier):
    verifier = make_verifier(sandbox_for(world(tmp_path)))
    check = live(verifier.verify(follow_proof("nobody_here")))
    assert check.outcome == "fail"
    assert "does not exist" in check.detail


def test_unfollow_after_approval_is_seen_on_reverification(tmp_path, sandbox_for,
                                                           make_verifier):
    sandbox = sandbox_for(world(tmp_path))
    verifier = make_verifier(sandbox)
    proof = follow_proof("rafi_bd")
    assert verifier.verify(proof).status == "approved"
    httpx.post(f"{sandbox.url}/__admin/world",
               json={"op": "unfollow", "platform": "x", "handle": "rafi_bd",
                     "target": "acme_bd"}).raise_for_status()
    again = verifier.verify(proof, kind="reverify")
    assert again.status == "flagged"
    assert verifier.store.get_verdict(proof.id).status == "approved"  # first verdict kept
    assert again.attempts == 2


def test_contract_example_world_and_proof(sandbox_for, make_verifier):
    from tests.contract import contract_dir

    verifier = make_verifier(sandbox_for(contract_dir() / "examples" / "world.yaml"))
    raw = (contract_dir() / "examples" / "follow-x.json").read_text()
    verdict = verifier.verify(parse_proof(raw))
    assert live(verdict).outcome == "pass"
    # The example's screenshot sits on a CDN host nobody declared: never fetched.
    shot = next(c for c in verdict.checks if c.name == "proof.screenshot")
    assert shot.outcome == "unknown" and "cdn.marketplace.example" in shot.detail
    assert verdict.status == "flagged"
