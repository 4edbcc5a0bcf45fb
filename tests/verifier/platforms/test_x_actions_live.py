"""X like, comment and share end to end: real sandbox over HTTP, real Chromium.

One sandbox for the module; each test starts from the world file again
(``reset``) and may change it through the admin endpoint (a wall, a locale,
an expired checker session).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SandboxWorld
from verifier.models import Check, Verdict, parse_proof

pytestmark = pytest.mark.integration

POST = "1861000000000000001"
BUSY = "1861000000000000002"
FANS = [f"fan{i:02d}" for i in range(25)]


def _world() -> str:
    fans = "\n".join(f"      - {{handle: {f}}}" for f in FANS)
    fan_comments = "\n".join(f'          - {{author: {f}, text: "Nice one number {i}"}}'
                             for i, f in enumerate(FANS))
    return f"""
platforms:
  x:
    accounts:
      - {{handle: acme_bd, name: Acme Bangladesh}}
      - {{handle: rafi_bd, name: Rafi Ahmed}}
      - {{handle: sumi_bd, name: Sumi Akter}}
      - {{handle: karim_bd, name: Karim Uddin}}
      - {{handle: tanvir_bd, name: Tanvir Hossain}}
{fans}
    posts:
      - id: "{POST}"
        author: acme_bd
        text: Eid sale starts today
        liked_by: [rafi_bd]
        shared_by: [sumi_bd]
        comments:
          - {{author: tanvir_bd, text: "Is delivery free in Dhaka?"}}
          - {{author: rafi_bd, text: "Great offer, ordered two!"}}
          - {{author: karim_bd, text: "Is delivery free in Dhaka?"}}
      - id: "{BUSY}"
        author: acme_bd
        text: Win a gift card
        shared_by: [rafi_bd, {", ".join(FANS)}]
        comments:
{fan_comments}
          - {{author: sumi_bd, text: "I want the gift card please"}}
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    root = tmp_path_factory.mktemp("x-actions")
    (root / "world.yaml").write_text(_world())
    with SandboxWorld(root / "world.yaml", root / "sessions") as running:
        yield running


def admin(sandbox: SandboxWorld, **op: str) -> None:
    httpx.post(f"{sandbox.url}/__admin/world", json=op).raise_for_status()


@pytest.fixture
def world(sandbox: SandboxWorld) -> SandboxWorld:
    admin(sandbox, op="reset")
    return sandbox


def proof(action: str, worker: str, post: str = POST, **task: Any) -> Any:
    return parse_proof({"id": f"{action}-{worker}-{post}", "task": {
        "action": action, "platform": "x", "target": f"https://x.com/acme_bd/status/{post}",
        **task}, "worker": {"id": f"w-{worker}", "handle": worker}})


def live(verdict: Verdict) -> Check:
    return next(c for c in verdict.checks if c.name.startswith("live."))


# -- like: proof-only --------------------------------------------------------------------


def test_like_is_skipped_and_left_to_a_moderator(world, make_verifier) -> None:
    verdict = make_verifier(world).verify(proof("like", "rafi_bd"))
    check = live(verdict)
    assert check.name == "live.like" and check.outcome == "skipped"
    assert "since 2024" in check.detail
    assert verdict.status == "flagged" and "moderator" in verdict.reasons[0]


# -- comment -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "hi"])
def test_comment_done(world, make_verifier, locale: str) -> None:
    admin(world, op="set_locale", platform="x", locale=locale)
    verifier = make_verifier(world)
    verdict = verifier.verify(proof("comment", "rafi_bd"))
    check = live(verdict)
    assert check.outcome == "pass", check.detail
    assert "Great offer, ordered two!" in check.detail
    assert verifier.evidence.read(check.evidence[0]).startswith(b"\x89PNG")
    assert verdict.status == "approved", verdict.reasons


def test_comment_not_done(world, make_verifier) -> None:
    verdict = make_verifier(world).verify(proof("comment", "sumi_bd"))
    check = live(verdict)
    assert check.outcome == "fail"
    assert "no comment by @sumi_bd among the 3 comment(s)" in check.detail
    assert verdict.status == "flagged"


def test_copied_comment_fails_and_its_original_passes(world, make_verifier) -> None:
    verifier = make_verifier(world)
    check = live(verifier.verify(proof("comment", "karim_bd")))
    assert check.outcome == "fail" and "repeats the comment by tanvir_bd" in check.detail
    # Reply ids are time-ordered: tanvir_bd wrote it first, so tanvir_bd is no copier.
    assert live(verifier.verify(proof("comment", "tanvir_bd"))).outcome == "pass"


def test_comment_without_the_required_words_fails(world, make_verifier) -> None:
    check = live(make_verifier(world).verify(proof("comment", "rafi_bd",
                                                   comment_text="Eid Mubarak")))
    assert check.outcome == "fail" and "lacks the required word(s) eid, mubarak" in check.detail


def test_comment_found_on_a_later_page_of_replies(world, make_verifier) -> None:
    check = live(make_verifier(world).verify(proof("comment", "sumi_bd", post=BUSY)))
    assert check.outcome == "pass", check.detail


def test_comment_beyond_the_page_limit_is_unknown(world, make_verifier) -> None:
    verifier = make_verifier(world, VERIFIER_MAX_LIST_PAGES=1)
    check = live(verifier.verify(proof("comment", "sumi_bd", post=BUSY)))
    assert check.outcome == "unknown" and "past the page limit" in check.detail


def test_deleted_comment_is_seen_on_reverification(world, make_verifier) -> None:
    verifier = make_verifier(world)
    first = proof("comment", "rafi_bd")
    assert verifier.verify(first).status == "approved"
    admin(world, op="delete_comment", platform="x", post=POST, author="rafi_bd")
    again = verifier.verify(first, kind="reverify")
    assert live(again).outcome == "fail" and again.status == "flagged"


def test_expired_session_shows_a_logged_out_post_and_is_unknown(world, make_verifier) -> None:
    admin(world, op="expire_sessions", platform="x")
    check = live(make_verifier(world).verify(proof("comment", "rafi_bd")))
    assert check.outcome == "unknown" and "logged-out" in check.detail


# -- share -------------------------------------------------------------------------------


def test_share_done_bn(world, make_verifier) -> None:
    admin(world, op="set_locale", platform="x", locale="bn")
    verifier = make_verifier(world)
    verdict = verifier.verify(proof("share", "sumi_bd"))
    check = live(verdict)
    assert check.outcome == "pass", check.detail
    assert "@sumi_bd reposted @acme_bd's post" in check.detail
    assert verdict.status == "approved", verdict.reasons


def test_share_not_done(world, make_verifier) -> None:
    verdict = make_verifier(world).verify(proof("share", "rafi_bd"))
    check = live(verdict)
    assert check.outcome == "fail" and "has not reposted" in check.detail
    assert verdict.status == "flagged"


def test_share_found_on_a_later_page(world, make_verifier) -> None:
    check = live(make_verifier(world).verify(proof("share", "rafi_bd", post=BUSY)))
    assert check.outcome == "pass" and "over 2 page(s)" in check.detail, check.detail


def test_unshare_is_seen_on_reverification(world, make_verifier) -> None:
    verifier = make_verifier(world)
    shared = proof("share", "sumi_bd")
    assert verifier.verify(shared).status == "approved"
    admin(world, op="unshare", platform="x", post=POST, handle="sumi_bd")
    assert live(verifier.verify(shared, kind="reverify")).outcome == "fail"


# -- both: walls and what cannot be checked --------------------------------------------------


@pytest.mark.parametrize("action", ["comment", "share"])
@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit", "locked", "suspended"])
def test_walls_give_unknown(world, make_verifier, action: str, wall: str) -> None:
    admin(world, op="set_wall", platform="x", wall=wall)
    verdict = make_verifier(world).verify(proof(action, "rafi_bd" if action == "comment"
                                                else "sumi_bd"))
    check = live(verdict)
    assert check.outcome == "unknown", check.detail
    assert verdict.status == "flagged"


@pytest.mark.parametrize("action", ["comment", "share"])
def test_without_checker_session_unknown(world, make_verifier, action: str) -> None:
    check = live(make_verifier(world, sessions=False).verify(proof(action, "rafi_bd")))
    assert check.outcome == "unknown" and "checker session" in check.detail


@pytest.mark.parametrize("action", ["comment", "share"])
def test_missing_post_is_unknown(world, make_verifier, action: str) -> None:
    check = live(make_verifier(world).verify(proof(action, "rafi_bd", post="1861000000000000009")))
    assert check.outcome == "unknown" and "does not exist" in check.detail


def test_account_url_is_not_a_post(world, make_verifier, tmp_path: Path) -> None:
    raw = {"id": "acct", "task": {"action": "comment", "platform": "x",
                                  "target": "https://x.com/acme_bd"},
           "worker": {"id": "w1", "handle": "rafi_bd"}}
    check = live(make_verifier(world).verify(parse_proof(raw)))
    assert check.outcome == "unknown" and "needs a post URL" in check.detail


def test_reposts_page_renders_in_the_worlds_language(world, make_verifier) -> None:
    """What the share check's capture shows a moderator: the reposts list, in bn."""
    admin(world, op="set_locale", platform="x", locale="bn")
    verifier = make_verifier(world)
    with verifier.pool.context("x") as (ctx, _info):
        page = ctx.new_page()
        page.goto(f"https://x.com/acme_bd/status/{POST}/retweets")
        page.locator('[data-testid="UserCell"]').first.wait_for()
        assert page.locator('[data-testid="UserCell"]').all_inner_texts()[0].count("@sumi_bd")
        assert "রিপোস্ট করেছেন" in page.title()
        admin(world, op="unshare", platform="x", post=POST, handle="sumi_bd")
        page.reload()
        page.get_by_text("এখনও কোনো রিপোস্ট নেই").wait_for()
