"""Fault injection: proofs keep flowing while workers are SIGKILLed and Redis
restarts (without persistence: the worst case), and at the end every proof is
decided exactly once and every verdict's webhook delivered.

CI runs a short soak; ``VERIFIER_SOAK_PROOFS=300 pytest tests/jobs/test_faults.py``
the long one (its figures go in the README's reliability section).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from redis.exceptions import RedisError

from fixtures.services import WebhookReceiver
from jobs.connections import PrivateRedis, free_port, redis_from_url
from jobs.queues import enqueue_proof, get_queue
from verifier.models import parse_proof
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration

PROOFS = int(os.environ.get("VERIFIER_SOAK_PROOFS", "40"))


def world_yaml() -> str:
    """One X account per proof (one account per worker, as the account checks want);
    every third never followed."""
    lines = ["platforms:", "  x:", "    accounts:", "      - {handle: acme_bd}"]
    for i in range(PROOFS):
        follows = "" if i % 3 == 0 else ", follows: [acme_bd]"
        lines.append(f"      - {{handle: soak{i:04d}{follows}}}")
    return "\n".join(lines) + "\n"


class Workers:
    """Worker processes a supervisor keeps at ``count``, as compose's restart policy does."""

    def __init__(self, env: dict[str, str], logs: Path, count: int) -> None:
        self.env, self.logs, self.count = env, logs, count
        self.procs: list[subprocess.Popen[bytes]] = []
        self.started = 0

    def _start(self) -> None:
        self.started += 1
        log = (self.logs / f"worker-{self.started}.log").open("w")
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "verifier.cli", "worker"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True))

    def supervise(self) -> None:
        self.procs = [p for p in self.procs if p.poll() is None]
        while len(self.procs) < self.count:
            self._start()

    def kill_one(self, rng: random.Random) -> None:
        victim = rng.choice(self.procs)
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and its Chromium, mid-whatever
        victim.wait()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.mark.timeout(900)  # whole flows on real processes: minutes, more on a busy machine
def test_every_proof_decided_once_and_every_webhook_delivered_under_faults(
        tmp_path: Path, sandbox_for) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(world_yaml())
    sandbox = sandbox_for(world)
    port = free_port()
    redis = PrivateRedis(port=port).start()
    rng = random.Random(20261207)
    with WebhookReceiver() as receiver:
        env = {**os.environ, "REDIS_URL": redis.url, "VERIFIER_HOME": str(tmp_path / "home"),
               "VERIFIER_SANDBOX": sandbox.url, "VERIFIER_SESSIONS_DIR": str(sandbox.sessions),
               "VERIFIER_CALLBACK_HOSTS": receiver.host_port,
               "VERIFIER_WEBHOOK_RETRY_DELAYS": "1,1,2,2,3,3,5,5,5,5,5,5,5,5",
               "VERIFIER_STUCK_AFTER": "4", "VERIFIER_SWEEP_INTERVAL": "2",
               "VERIFIER_WORKER_ALIVE_TTL": "3", "VERIFIER_MAX_SWEEPS": "20",
               "VERIFIER_RETRY_UNKNOWN_DELAYS": "1,2"}
        settings = Settings(**{k: v for k, v in env.items()  # type: ignore[arg-type]
                               if k.startswith(("VERIFIER_", "REDIS_"))})
        store = Store(settings.db_url)
        store.create_schema()
        store.marketplaces.issue_token("soak")
        workers = Workers(env, tmp_path, count=2)
        ids = [f"soak-{i:04d}" for i in range(PROOFS)]
        kills = restarts = 0
        max_faults = 3 + PROOFS // 20  # spread over the run, not a kill every few seconds
        try:
            workers.supervise()
            next_fault = time.monotonic() + rng.uniform(2, 6)
            pending = list(ids)
            deadline = time.monotonic() + 240 + 3 * PROOFS
            while time.monotonic() < deadline:
                # Submit a few at a time, as a marketplace does, whatever Redis is doing.
                for pid in pending[:4]:
                    handle = f"soak{pid[-4:]}"
                    proof = parse_proof({
                        "id": pid, "marketplace": "soak", "campaign": "soak",
                        "task": {"action": "follow", "platform": "x",
                                 "target": "https://x.com/acme_bd"},
                        "worker": {"id": f"w-{pid}", "handle": handle},
                        "callback_url": receiver.url(f"/{pid}")})
                    store.add_proof(proof)
                    # Stored; when Redis is away the sweeper queues it once Redis is back.
                    with contextlib.suppress(RedisError):
                        enqueue_proof(get_queue(redis_from_url(redis.url), settings), pid)
                pending = pending[4:]
                if time.monotonic() >= next_fault and kills + restarts < max_faults:
                    if restarts < 1 + PROOFS // 150 and rng.random() < 0.3:
                        redis.stop()  # everything queued or scheduled in Redis is gone
                        time.sleep(rng.uniform(0.5, 2))
                        redis = PrivateRedis(port=port).start()
                        restarts += 1
                    else:
                        workers.kill_one(rng)
                        kills += 1
                    next_fault = time.monotonic() + rng.uniform(5, 15)
                workers.supervise()
                if not pending and store.count("pending") == 0 and all(
                        d.status == "delivered" for d in store.webhooks.find(limit=10 * PROOFS)):
                    break
                time.sleep(0.5)
        finally:
            workers.stop()
            redis.stop()
        decided = {pid: store.get_verdict(pid) for pid in ids}
        statuses = Counter(v.status if v else "missing" for v in decided.values())
        deliveries = store.webhooks.find(limit=10 * PROOFS)
        hooks = {pid: {r.headers["X-Verifier-Delivery"] for r in receiver.for_path(f"/{pid}")}
                 for pid in ids}
        report = (f"{PROOFS} proofs, {kills} worker kills, {restarts} Redis restarts, "
                  f"{workers.started} worker starts: {dict(statuses)}; deliveries "
                  f"{Counter(d.status for d in deliveries)}")
        print(report)
        assert kills >= 1 and restarts >= 1, report
        # Every proof decided, by the verifier, once: one decision each, and right.
        assert statuses["pending"] == 0 and statuses["missing"] == 0, report
        for pid, verdict in decided.items():
            assert verdict is not None
            expected = "flagged" if int(pid[-4:]) % 3 == 0 else "approved"
            lost = any(c.name == "queue.finished" for c in verdict.checks)
            assert verdict.status == expected or (lost and verdict.status == "flagged"), (
                pid, verdict.reasons)
        # Every verdict's webhook delivered: one delivery per proof, received.
        assert len(deliveries) == PROOFS and all(d.status == "delivered" for d in deliveries)
        assert all(len(got) == 1 for got in hooks.values()), report
