"""The politeness state in a real Redis: shared by workers, tripped by the sandbox's walls.

Each test uses its own scope (key prefix), as each sandbox does; the assertions
are on tokens taken, waits asked for and checks refused, never on timings.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from jobs.connections import PrivateRedis, redis_from_url
from jobs.politeness import RedisBackend, redis_politeness, scope_of
from tests.jobs.conftest import X_WORLD, follow_proof
from verifier.politeness import Politeness, Rate, WallRules
from verifier.settings import Settings

pytestmark = pytest.mark.integration


def backend(redis_server: PrivateRedis, scope: str) -> RedisBackend:
    return RedisBackend(redis_from_url(redis_server.url), scope)


def test_two_workers_share_one_budget(redis_server: PrivateRedis) -> None:
    scope = f"test-{uuid.uuid4().hex}"
    rates: dict[str, Rate | None] = {"x": Rate(3, 60.0, 3)}
    slept: list[float] = []
    one, two = (Politeness(rates, WallRules(), backend(redis_server, scope), max_wait_s=0.0,
                           sleep=slept.append) for _ in range(2))
    assert one.admit("x") is None and two.admit("x") is None and one.admit("x") is None
    refused = two.admit("x")
    assert refused is not None and "rate limited by this deployment" in refused
    assert one.counters.taken == {"x": 2} and two.counters.taken == {"x": 1}
    assert two.counters.limited == {"x": 1} and slept == []
    # The next token is about one interval (20 s) away, for either worker.
    wait = backend(redis_server, scope).take("x", rates["x"])  # type: ignore[arg-type]
    assert 0 < wait <= 20.0
    # Another scope (another sandbox, or the real internet) has its own budget.
    other = Politeness(rates, WallRules(), backend(redis_server, f"{scope}-other"))
    assert other.admit("x") is None


def test_a_worker_waits_for_the_shared_token_within_the_bound(redis_server: PrivateRedis
                                                              ) -> None:
    scope = f"test-{uuid.uuid4().hex}"
    rate = Rate(1, 0.2)  # one check per 200 ms
    first = Politeness({"x": rate}, WallRules(), backend(redis_server, scope))
    waits: list[float] = []
    second = Politeness({"x": rate}, WallRules(), backend(redis_server, scope), max_wait_s=5.0,
                        sleep=lambda s: (waits.append(s), time.sleep(s)))
    assert first.admit("x") is None
    assert second.admit("x") is None  # waited for the token the first one left
    assert waits and all(0 < w <= 0.2 for w in waits)
    assert second.counters.taken == {"x": 1} and second.counters.limited == {}


def test_walls_seen_by_different_workers_pause_all_of_them(redis_server: PrivateRedis) -> None:
    scope = f"test-{uuid.uuid4().hex}"
    rules = WallRules(threshold=3, window_s=60.0, pause_s=0.2, max_pause_s=10.0)
    one, two = backend(redis_server, scope), backend(redis_server, scope)
    assert one.record_wall("x", rules, False) == 0
    assert two.record_wall("x", rules, False) == 0
    assert one.record_wall("x", rules, False) == pytest.approx(0.2)
    assert one.paused_for("x") > 0 and two.paused_for("x") > 0
    assert two.paused_for("instagram") == 0
    assert two.record_wall("x", rules, False) == 0  # in the pause: no second pause
    deadline = time.monotonic() + 5
    while one.paused_for("x") > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert one.paused_for("x") == 0
    # Right after a pause a single wall pauses again, for twice as long.
    assert two.record_wall("x", rules, False) == pytest.approx(0.4)


def live(verdict):
    return next(c for c in verdict.checks if c.name == "live.follow")


def test_sandbox_walls_pause_x_for_every_worker(tmp_path: Path, sandbox_for, make_verifier,
                                                redis_server: PrivateRedis) -> None:
    """Captchas from the sandbox trip the backoff; later proofs are unknown, not visited."""
    world = tmp_path / "world.yaml"
    world.write_text(X_WORLD)
    sandbox = sandbox_for(world)
    verifier = make_verifier(sandbox, VERIFIER_WALL_BACKOFF="3/10min,5min,6h")
    settings: Settings = verifier.settings
    assert scope_of(settings).startswith("sandbox=http://127.0.0.1:")
    conn = redis_from_url(redis_server.url)
    workers = [redis_politeness(settings, conn) for _ in range(2)]  # two workers' limiters

    def run(worker: int, pid: str):
        verifier.env.politeness = workers[worker]
        return verifier.verify(follow_proof(pid))

    assert live(run(0, "p-ok")).outcome == "pass"
    httpx.post(f"{sandbox.url}/__admin/world",
               json={"op": "set_wall", "platform": "x", "wall": "captcha"}).raise_for_status()
    for i, worker in enumerate((0, 1, 0)):
        check = live(run(worker, f"p-wall-{i}"))
        assert check.outcome == "unknown" and "captcha" in check.detail, check.detail
    assert workers[0].counters.pauses == [("x", 300.0)]
    httpx.post(f"{sandbox.url}/__admin/world",
               json={"op": "set_wall", "platform": "x", "wall": "none"}).raise_for_status()
    for i, worker in enumerate((1, 0)):
        verdict = run(worker, f"p-paused-{i}")
        check = live(verdict)
        assert check.outcome == "unknown" and "paused after walls" in check.detail
        assert "not opened" in check.detail
        assert verdict.status == "flagged"
    # Visits: one good and three walled; the two paused proofs opened nothing.
    assert workers[0].counters.visits == {"x": 3} and workers[1].counters.visits == {"x": 1}
    assert workers[0].counters.paused == {"x": 1} and workers[1].counters.paused == {"x": 1}
    assert workers[0].counters.walls == {"x": 2} and workers[1].counters.walls == {"x": 1}
    # Another sandbox (another scope) is not paused by this one's walls.
    assert RedisBackend(conn, "sandbox=http://elsewhere").paused_for("x") == 0
    assert RedisBackend(conn, scope_of(settings)).paused_for("x") > 0


def test_rate_limit_from_settings_makes_the_check_unknown(tmp_path: Path, sandbox_for,
                                                          make_verifier,
                                                          redis_server: PrivateRedis) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(X_WORLD)
    verifier = make_verifier(sandbox_for(world), VERIFIER_RATE_LIMITS="x=1/hour",
                             VERIFIER_RATE_WAIT="0")
    limiter = redis_politeness(verifier.settings, redis_from_url(redis_server.url))
    verifier.env.politeness = limiter
    assert live(verifier.verify(follow_proof("r-1"))).outcome == "pass"
    second = verifier.verify(follow_proof("r-2"))
    check = live(second)
    assert check.outcome == "unknown"
    assert check.detail.startswith("rate limited by this deployment"), check.detail
    assert second.status == "flagged"
    assert limiter.counters.taken == {"x": 1} and limiter.counters.limited == {"x": 1}
