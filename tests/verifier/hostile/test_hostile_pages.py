"""Hostile target pages through ``Verifier.verify`` with the real browser.

A web signup's member page is opened live, and the worker picks its last
part (the handle), so every behaviour of ``fixtures.sandbox.web_hostile`` is
reachable by an untrusted person. Each must end bounded, ``unknown`` with a
sentence saying what the page did, the proof flagged, and the next honest
proof must verify normally on the same worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fixtures.sandbox.web_hostile import BEHAVIOURS
from tests.conftest import SandboxWorld
from tests.hostile_world import HOST, hostile_sandbox
from verifier.models import Check, Verdict, parse_proof

pytestmark = pytest.mark.integration

# Short browser timeouts keep the run short; the behaviour is the same at the defaults.
FAST = {"VERIFIER_NAV_TIMEOUT_MS": 4000, "VERIFIER_ACTION_TIMEOUT_MS": 3000}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    with hostile_sandbox(tmp_path_factory.mktemp("hostile")) as running:
        yield running


def signup(handle: str, pid: str | None = None) -> Any:
    return parse_proof({"id": pid or f"h-{handle}", "campaign": "c1",
                        "task": {"action": "signup", "platform": "web",
                                 "target": f"https://{HOST}/register"},
                        "worker": {"id": "w1", "handle": handle}})


def live(verdict: Verdict) -> Check:
    return next(c for c in verdict.checks if c.name == "live.signup")


# What each page must be reported as: a phrase of the live check's sentence.
EXPECTED = {
    "redirect-loop": "more than 5 redirects",
    "redirect-chain": "more than 5 redirects",
    "never-loads": "did not finish sending",
    "huge-dom": "over the 33554432 byte cap",
    "dom-bomb": "did not finish sending",
    "download": "it is a file download",
    "popup": "opened a pop-up",
    "alert": "showed a dialog (alert: 'You won a prize!')",
    "confirm": "showed a dialog (confirm",
    "prompt": "showed a dialog (prompt",
    "beforeunload": None,  # never asked: the checker closes pages without unload handlers
    "navigate-away": "navigated away to https://trap.example.com/members/somewhere-else",
    "cpu-loop": "did not finish sending",
    "cpu-after-load": "never let itself be captured",
}


def test_every_behaviour_is_listed() -> None:
    assert set(EXPECTED) == set(BEHAVIOURS)


@pytest.mark.parametrize("behaviour", list(BEHAVIOURS))
def test_hostile_member_page_is_bounded_and_explained(behaviour: str, sandbox: SandboxWorld,
                                                      make_verifier) -> None:
    verifier = make_verifier(sandbox, **FAST)
    verdict = verifier.verify(signup(behaviour))
    check = live(verdict)
    phrase = EXPECTED[behaviour]
    if phrase is None:
        assert check.outcome == "pass", check
    else:
        assert check.outcome == "unknown", check
        assert phrase in check.detail, check.detail
        assert verdict.status == "flagged"
        assert any(phrase in r for r in verdict.reasons)
    # The same worker's next honest proof is read normally.
    after = verifier.verify(signup("rafi", pid=f"after-{behaviour}"))
    assert live(after).outcome == "pass", live(after)
