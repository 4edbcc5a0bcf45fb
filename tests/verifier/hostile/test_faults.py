"""Time budgets and a Chromium that crashes or hangs, with the real browser.

The pool here is this module's own (not the session's shared one), since
these tests kill and stop its Chromium. Every test ends with an honest proof
verified normally: a fault costs at most the proof it hit, never the worker.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.conftest import SandboxWorld
from tests.hostile_world import HOST, hostile_sandbox
from verifier.browser.pool import BrowserPool
from verifier.browser.process import state
from verifier.forensics.ocr import OcrEngine
from verifier.models import Check, Verdict, parse_proof
from verifier.settings import Settings
from verifier.verify import Verifier, build_guard

pytestmark = pytest.mark.integration



@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    with hostile_sandbox(tmp_path_factory.mktemp("faults")) as running:
        yield running


@pytest.fixture(scope="module")
def pool() -> Iterator[BrowserPool]:
    settings = Settings(VERIFIER_SANDBOX="http://127.0.0.1:1")  # type: ignore[call-arg]
    with BrowserPool(settings, build_guard(settings)) as own:
        yield own


@pytest.fixture
def verifier_for(tmp_path: Path, sandbox: SandboxWorld, pool: BrowserPool,
                 ocr_engine: OcrEngine) -> Callable[..., Verifier]:
    def make(**extra: Any) -> Verifier:
        settings = Settings(VERIFIER_HOME=tmp_path / "home",  # type: ignore[call-arg]
                            VERIFIER_SANDBOX=sandbox.url,
                            VERIFIER_SESSIONS_DIR=sandbox.sessions, **extra)
        pool.settings = settings
        return Verifier(settings, pool=pool, ocr=ocr_engine)

    return make


def signup(handle: str, pid: str, **evidence: Any) -> Any:
    raw: dict[str, Any] = {"id": pid, "campaign": "c1",
                           "task": {"action": "signup", "platform": "web",
                                    "target": f"https://{HOST}/register"},
                           "worker": {"id": "w1", "handle": handle}}
    if evidence:
        raw["evidence"] = evidence
    return parse_proof(raw)


def check(verdict: Verdict, name: str) -> Check:
    return next(c for c in verdict.checks if c.name == name)


def later(seconds: float, act: Callable[[], object]) -> threading.Timer:
    """Do ``act`` from another thread while the proof runs (the fault lands mid-proof)."""
    timer = threading.Timer(seconds, act)
    timer.start()
    return timer


def honest_proof_passes(verifier: Verifier, pid: str) -> None:
    verdict = verifier.verify(signup("rafi", pid))
    assert check(verdict, "live.signup").outcome == "pass", verdict.checks


def test_live_check_over_its_budget_is_unknown(verifier_for) -> None:
    verifier = verifier_for(VERIFIER_CHECK_BUDGET_S=3)  # the page takes 30 s
    verdict = verifier.verify(signup("slow-30", "b-1"))
    live = check(verdict, "live.signup")
    assert live.outcome == "unknown"
    assert "took longer than 3 s" in live.detail
    assert verdict.status == "flagged"
    honest_proof_passes(verifier_for(), "b-1-after")


def test_cpu_burning_page_is_stopped_by_the_budget(verifier_for, pool: BrowserPool) -> None:
    # Browser timeouts far above the budget: only the budget can end this one.
    verifier = verifier_for(VERIFIER_CHECK_BUDGET_S=4, VERIFIER_NAV_TIMEOUT_MS=60_000,
                            VERIFIER_ACTION_TIMEOUT_MS=60_000)
    verdict = verifier.verify(signup("cpu-loop", "b-2"))
    assert "took longer than 4 s" in check(verdict, "live.signup").detail
    honest_proof_passes(verifier_for(), "b-2-after")


def test_forensics_over_budget_are_unknown(verifier_for) -> None:
    image = Image.new("RGB", (1080, 2400), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, 2400, 40):
        draw.text((20, y), "Welcome rafi to trap.example.com member area", fill="black")
    buf = io.BytesIO()
    image.save(buf, "PNG")
    shot = {"data": base64.b64encode(buf.getvalue()).decode()}
    verifier = verifier_for(VERIFIER_CHECK_BUDGET_S=0.05)  # OCR of a phone screenshot: longer
    verdict = verifier.verify(signup("rafi", "b-3", screenshots=[shot]))
    proof_checks = [c for c in verdict.checks if c.name.startswith("proof.screenshot")
                    or c.name in ("proof.handle", "proof.state")]
    assert proof_checks and all(c.outcome == "unknown" for c in proof_checks), verdict.checks
    assert any("took longer than 0.05 s" in c.detail for c in proof_checks)
    assert verdict.status == "flagged"


def test_browser_killed_between_proofs_is_relaunched(verifier_for, pool: BrowserPool) -> None:
    verifier = verifier_for()
    honest_proof_passes(verifier, "k-1")
    pid, launches = pool.browser_pid, pool.launches
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    honest_proof_passes(verifier, "k-2")
    assert pool.launches == launches + 1 and pool.browser_pid != pid


def test_browser_killed_mid_proof_is_retried_on_a_fresh_one(verifier_for,
                                                            pool: BrowserPool) -> None:
    verifier = verifier_for()
    honest_proof_passes(verifier, "k-3")  # a browser is up
    pid, launches = pool.browser_pid, pool.launches
    assert pid is not None
    timer = later(1.0, lambda: os.kill(pid, signal.SIGKILL))  # while the 3 s page loads
    verdict = verifier.verify(signup("slow-3", "k-4"))
    timer.join()
    # The crash said nothing about the page: the check ran again and saw the member page.
    assert check(verdict, "live.signup").outcome == "pass", verdict.checks
    assert pool.launches == launches + 1


def test_browser_stopped_between_proofs_is_replaced(verifier_for, pool: BrowserPool) -> None:
    verifier = verifier_for()
    honest_proof_passes(verifier, "s-1")
    pid = pool.browser_pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # hung: still "connected", answers nothing
    honest_proof_passes(verifier, "s-2")
    assert pool.browser_pid != pid and state(pid) in (None, "Z")


def test_browser_hanging_mid_proof_is_ended_by_the_watchdog(verifier_for,
                                                            pool: BrowserPool) -> None:
    verifier = verifier_for(VERIFIER_CHECK_BUDGET_S=5)
    honest_proof_passes(verifier, "s-3")
    pid, kills = pool.browser_pid, pool.kills
    assert pid is not None
    timer = later(1.0, lambda: os.kill(pid, signal.SIGSTOP))
    verdict = verifier.verify(signup("slow-3", "s-4"))
    timer.join()
    live = check(verdict, "live.signup")
    assert live.outcome == "unknown" and "took longer than 5 s" in live.detail
    assert pool.kills == kills + 1 and state(pid) in (None, "Z")
    honest_proof_passes(verifier, "s-5")
