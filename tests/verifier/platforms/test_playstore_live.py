"""Google Play end to end: install is proof-only, but the app page is checked live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SandboxWorld
from verifier.models import Check, Verdict, parse_proof

pytestmark = pytest.mark.integration

APP = "https://play.google.com/store/apps/details?id=com.acme.shop"
WORLD = """
platforms:
  playstore:
    locale: en
    accounts:
      - {handle: acme_dev, name: Acme Bangladesh Ltd}
      - {handle: rafi_bd}
    posts:
      - {id: com.acme.shop, author: acme_dev, text: Acme Shop, liked_by: [rafi_bd]}
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    root: Path = tmp_path_factory.mktemp("playstore")
    path = root / "world.yaml"
    path.write_text(WORLD, encoding="utf-8")
    with SandboxWorld(path, root / "sessions") as running:
        yield running


def admin(sandbox: SandboxWorld, **op: Any) -> None:
    httpx.post(f"{sandbox.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture
def play(sandbox: SandboxWorld, make_verifier: Any) -> Iterator[Any]:
    yield make_verifier(sandbox)
    admin(sandbox, op="reset")


def proof(target: str, action: str = "install") -> Any:
    return parse_proof({"id": "p1", "task": {"action": action, "platform": "playstore",
                                             "target": target},
                        "worker": {"id": "w-rafi", "handle": "rafi_bd"}})


def live(verdict: Verdict, action: str = "install") -> Check:
    return next(c for c in verdict.checks if c.name == f"live.{action}")


@pytest.mark.parametrize("locale", ["en", "bn", "hi"])
def test_install_is_skipped_with_the_app_confirmed(sandbox, play, locale):
    admin(sandbox, op="set_locale", platform="playstore", locale=locale)
    verdict = play.verify(proof(APP + f"&hl={locale}"))
    check = live(verdict)
    assert check.outcome == "skipped", check.detail
    assert check.detail.startswith("installs are invisible to a third party; the app exists: "
                                   "\u201cAcme Shop\u201d")
    assert play.evidence.read(check.evidence[0]).startswith(b"\x89PNG")
    assert verdict.status == "flagged"  # proof forensics and a moderator decide


def test_missing_app_fails(play):
    verdict = play.verify(proof("https://play.google.com/store/apps/details?id=com.acme.gone"))
    check = live(verdict)
    assert check.outcome == "fail", check.detail
    assert "the app page does not exist" in check.detail
    assert verdict.status == "flagged"


@pytest.mark.parametrize(("wall", "says"), [
    ("captcha", "captcha"), ("login", "sign in"), ("rate_limit", "rate-limited")])
def test_walls_give_unknown(sandbox, play, wall, says):
    admin(sandbox, op="set_wall", platform="playstore", wall=wall)
    check = live(play.verify(proof(APP)))
    assert check.outcome == "unknown", check.detail
    assert says in check.detail


def test_foreign_target_fails_the_task(play):
    verdict = play.verify(proof("https://apps.apple.com/app/id686449807"))
    target = next(c for c in verdict.checks if c.name == "task.target")
    assert target.outcome == "fail" and "is not a Google Play URL" in target.detail
