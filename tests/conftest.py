"""Real parts for integration tests: a private redis-server, the sandbox
served over HTTP, a real Chromium and a real Tesseract. Nothing here skips:
a missing binary is a failing test, as it must be in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.sandbox.server import SandboxServer
from fixtures.sandbox.sessions import write_sessions
from fixtures.sandbox.world import load_world
from jobs.connections import PrivateRedis
from tests.pg import PrivatePostgres
from verifier.browser.pool import BrowserPool
from verifier.forensics.ocr import OcrEngine
from verifier.settings import Settings
from verifier.verify import Verifier, build_guard

ROOT = Path(__file__).resolve().parents[1]
DEMO_WORLD = ROOT / "fixtures" / "worlds" / "demo.yaml"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[PrivateRedis]:
    with PrivateRedis() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """VERIFIER_TEST_POSTGRES_URL when given, else a private server for the session."""
    given = os.environ.get("VERIFIER_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    server = PrivatePostgres().start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def ocr_engine() -> Iterator[OcrEngine]:
    engine = OcrEngine()
    yield engine
    engine.close()


class SandboxWorld:
    """A running sandbox plus the checker sessions it accepts."""

    def __init__(self, world: Path, sessions: Path) -> None:
        self.world_path = world
        self.server = SandboxServer(world)
        self.sessions = sessions

    def __enter__(self) -> SandboxWorld:
        self.server.start()
        write_sessions(self.sessions, load_world(self.world_path))
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def sandbox_for(tmp_path: Path) -> Iterator[object]:
    """Factory: ``sandbox_for(world_path)`` starts a sandbox for that world."""
    started: list[SandboxWorld] = []

    def start(world: Path) -> SandboxWorld:
        sw = SandboxWorld(world, tmp_path / f"sessions{len(started)}")
        started.append(sw.__enter__())
        return sw

    yield start
    for sw in started:
        sw.__exit__(None, None, None)


@pytest.fixture(scope="session")
def shared_pool() -> Iterator[BrowserPool]:
    """One warm browser for the whole session, as a worker keeps one.

    The pool reads the sandbox address from its settings on every request,
    so tests point it at their own sandbox through ``make_verifier``.
    """
    settings = Settings(VERIFIER_SANDBOX="http://127.0.0.1:1")  # type: ignore[call-arg]
    pool = BrowserPool(settings, build_guard(settings))
    pool.start()
    yield pool
    pool.close()


@pytest.fixture
def make_verifier(tmp_path: Path, shared_pool: BrowserPool, ocr_engine: OcrEngine):
    made: list[Verifier] = []

    def make(sandbox: SandboxWorld, sessions: bool = True, **extra: object) -> Verifier:
        settings = Settings(  # type: ignore[call-arg]
            VERIFIER_HOME=tmp_path / "home",
            VERIFIER_SANDBOX=sandbox.url,
            VERIFIER_SESSIONS_DIR=sandbox.sessions if sessions else None,
            **extra,
        )
        shared_pool.settings = settings
        verifier = Verifier(settings, pool=shared_pool, ocr=ocr_engine)
        made.append(verifier)
        return verifier

    yield make
