"""Web signup and visit end to end: sandbox sites over HTTP, real Chromium.

One sandbox for the module; the verifier learns the sites only from the
``sites.yaml`` that ``write_sessions`` put into the sessions directory, as an
operator's workers would from ``verifier sandbox --sessions``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SandboxWorld
from tests.contract import contract_dir
from verifier.models import Verdict, parse_proof
from verifier.sites import completion_code

pytestmark = pytest.mark.integration

WORLD = """
platforms:
  web:
    sites:
      - {host: shop.example.com, members: [rafi@example.com], code_secret: s3cret}
      - {host: club.example.org, members: [sumi], code_secret: k3y, members_need_login: true}
      - {host: nocode.example.net, members: [karim]}
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    root = tmp_path_factory.mktemp("web")
    (root / "world.yaml").write_text(WORLD)
    with SandboxWorld(root / "world.yaml", root / "sessions") as running:
        yield running


@pytest.fixture
def reset(sandbox: SandboxWorld) -> SandboxWorld:
    httpx.post(f"{sandbox.url}/__admin/world", json={"op": "reset"}).raise_for_status()
    return sandbox


def proof(action: str, target: str, worker: str = "w-31", handle: str | None = None,
          code: str | None = None, campaign: str | None = "shop-2024", pid: str = "p1") -> Any:
    raw: dict[str, Any] = {"id": pid, "task": {"action": action, "platform": "web",
                                               "target": target},
                           "worker": {"id": worker}}
    if campaign:
        raw["campaign"] = campaign
    if handle:
        raw["worker"]["handle"] = handle
    if code is not None:
        raw["evidence"] = {"code": code}
    return parse_proof(raw)


def check(verdict: Verdict, name: str) -> Any:
    return next(c for c in verdict.checks if c.name == name)


def code_for(worker: str = "w-31", campaign: str = "shop-2024", secret: str = "s3cret") -> str:
    return completion_code(secret, campaign, worker)


SIGNUP = "https://shop.example.com/register"
VISIT = "https://shop.example.com/eid-sale"


def test_contract_examples_verify(tmp_path: Path, sandbox_for, make_verifier) -> None:
    verifier = make_verifier(sandbox_for(contract_dir() / "examples" / "world.yaml"))
    for name, live in (("signup-web.json", "pass"), ("visit-web.json", "skipped")):
        raw = (contract_dir() / "examples" / name).read_text()
        verdict = verifier.verify(parse_proof(raw))
        assert check(verdict, "code.valid").outcome == "pass", verdict.checks
        assert check(verdict, f"live.{parse_proof(raw).task.action}").outcome == live
        assert verdict.status == "approved", verdict.reasons


def test_signup_done(reset, make_verifier) -> None:
    verifier = make_verifier(reset)
    verdict = verifier.verify(proof("signup", SIGNUP, handle="rafi@example.com",
                                    code=code_for()))
    live = check(verdict, "live.signup")
    assert live.outcome == "pass", live.detail
    assert "rafi@example.com is a member of shop.example.com" in live.detail
    assert verifier.evidence.read(live.evidence[0]).startswith(b"\x89PNG")
    assert verdict.status == "approved", verdict.reasons


def test_signup_without_code_is_decided_by_the_member_page(reset, make_verifier) -> None:
    verdict = make_verifier(reset).verify(proof("signup", SIGNUP, handle="rafi@example.com"))
    assert check(verdict, "code.valid").outcome == "skipped"
    assert verdict.status == "approved", verdict.reasons


def test_signup_not_done(reset, make_verifier) -> None:
    verdict = make_verifier(reset).verify(proof("signup", SIGNUP, handle="karim@example.com",
                                                code=code_for()))
    live = check(verdict, "live.signup")
    assert live.outcome == "fail" and "has no member karim@example.com" in live.detail
    assert verdict.status == "flagged"


def test_signup_through_the_sites_form_then_verified(reset, make_verifier) -> None:
    """A worker signs up in a browser and copies the code the site shows."""
    verifier = make_verifier(reset)
    with verifier.pool.context(None) as (ctx, _info):
        page = ctx.new_page()
        page.goto(f"{SIGNUP}?campaign=shop-2024&worker=w-77")
        page.fill('input[name="email"]', "tania@example.com")
        page.click('button[type="submit"]')
        shown = page.locator('[data-testid="completion-code"] code').inner_text()
    verdict = verifier.verify(proof("signup", SIGNUP, worker="w-77", handle="tania@example.com",
                                    code=f"  {shown.upper()} "))
    assert check(verdict, "live.signup").outcome == "pass"
    assert check(verdict, "code.valid").outcome == "pass"
    assert verdict.status == "approved", verdict.reasons


def test_visit_with_its_code(reset, make_verifier) -> None:
    verdict = make_verifier(reset).verify(proof("visit", VISIT, code=code_for()))
    live = check(verdict, "live.visit")
    assert live.outcome == "skipped"
    assert live.detail == "a visit leaves no public trace; the completion code decides"
    assert check(verdict, "code.valid").outcome == "pass"
    assert verdict.status == "approved", verdict.reasons


@pytest.mark.parametrize("code, words", [
    (code_for(worker="w-99"), "the code belongs to another worker or campaign"),
    (code_for(campaign="other-campaign"), "the code belongs to another worker or campaign"),
    (code_for(secret="not-the-secret"), "the code belongs to another worker or campaign"),
    ("vc-12345", "the code is malformed"),
    ("", "gives no completion code"),
])
def test_visit_with_a_wrong_code_fails(reset, make_verifier, code: str, words: str) -> None:
    verdict = make_verifier(reset).verify(proof("visit", VISIT, code=code))
    valid = check(verdict, "code.valid")
    assert valid.outcome == "fail" and words in valid.detail
    assert verdict.status == "flagged"


def test_no_secret_for_the_host_is_unknown(reset, make_verifier) -> None:
    verdict = make_verifier(reset).verify(proof("visit", "https://nocode.example.net/",
                                                code=code_for()))
    valid = check(verdict, "code.valid")
    assert valid.outcome == "unknown" and "no code secret" in valid.detail
    assert verdict.status == "flagged"


def test_undeclared_host_is_not_a_target(reset, make_verifier) -> None:
    verdict = make_verifier(reset).verify(proof("visit", "https://evil.example.com/",
                                                code=code_for()))
    target = check(verdict, "task.target")
    assert target.outcome == "fail" and "not a declared web target" in target.detail
    assert verdict.status == "flagged"


def test_operator_sites_file_wins(reset, make_verifier, tmp_path: Path) -> None:
    """VERIFIER_SITES replaces the sandbox's sites.yaml; here it knows no secret."""
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {host: shop.example.com, "
                     "member_url: 'https://shop.example.com/members/{handle}'}\n")
    verdict = make_verifier(reset, VERIFIER_SITES=sites).verify(
        proof("signup", SIGNUP, handle="rafi@example.com", code=code_for()))
    assert check(verdict, "live.signup").outcome == "pass"
    assert check(verdict, "code.valid").outcome == "unknown"
    assert verdict.status == "flagged"


def test_member_pages_behind_the_checker_login(reset, make_verifier) -> None:
    club = "https://club.example.org/join"
    code = code_for(secret="k3y")
    verifier = make_verifier(reset)
    member = verifier.verify(proof("signup", club, handle="sumi", code=code, pid="c1"))
    assert check(member, "live.signup").outcome == "pass", check(member, "live.signup").detail
    stranger = verifier.verify(proof("signup", club, handle="nobody", code=code, pid="c2"))
    assert check(stranger, "live.signup").outcome == "fail"
    # The checker's web session expires: the member page is a login form, never a fail.
    httpx.post(f"{reset.url}/__admin/world",
               json={"op": "expire_sessions", "platform": "web"}).raise_for_status()
    walled = verifier.verify(proof("signup", club, handle="sumi", code=code, pid="c3"))
    live = check(walled, "live.signup")
    assert live.outcome == "unknown" and "log in" in live.detail
    assert walled.status == "flagged"


def test_member_pages_behind_a_login_without_session(reset, make_verifier,
                                                     tmp_path: Path) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text((reset.sessions / "sites.yaml").read_text())
    verifier = make_verifier(reset, sessions=False, VERIFIER_SITES=sites)
    verdict = verifier.verify(proof("signup", "https://club.example.org/", handle="sumi",
                                    code=code_for(secret="k3y")))
    live = check(verdict, "live.signup")
    assert live.outcome == "unknown" and "no checker session for web" in live.detail


def test_a_code_is_cashed_once_per_campaign_worker_and_target(reset, make_verifier) -> None:
    verifier = make_verifier(reset)
    first = verifier.verify(proof("visit", VISIT, code=code_for(), pid="p-first"))
    assert check(first, "code.valid").outcome == "pass" and first.status == "approved"
    again = verifier.verify(proof("visit", VISIT + "/", code=code_for().upper(), pid="p-again"))
    valid = check(again, "code.valid")
    assert valid.outcome == "fail" and again.status == "flagged"
    assert valid.detail == ("the completion code was already cashed by proof p-first of worker "
                            "w-31 for the same target in campaign shop-2024: a code pays once")
    # The first proof keeps its code on re-verification; another target is another task.
    assert check(verifier.verify(proof("visit", VISIT, code=code_for(), pid="p-first"),
                                 kind="reverify"), "code.valid").outcome == "pass"
    other = verifier.verify(proof("visit", "https://shop.example.com/other-page",
                                  code=code_for(), pid="p-other"))
    assert check(other, "code.valid").outcome == "pass"
