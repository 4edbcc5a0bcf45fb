"""A worker SIGKILLed mid-proof: its proof comes back and is decided once.

Real processes throughout: ``verifier worker`` subprocesses on a private
redis-server, the sandbox over HTTP and a real Chromium. The proof's member
page takes 10 s, so the kill lands while the live check waits for it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rq.job import JobStatus

from jobs.connections import redis_from_url
from jobs.queues import enqueue_proof, get_queue, job_id_for, live_job
from tests.conftest import SandboxWorld
from tests.hostile_world import HOST, write_world
from verifier.models import parse_proof
from verifier.settings import Settings
from verifier.sites import completion_code
from verifier.store import Store

pytestmark = pytest.mark.integration

ALIVE_TTL = 3


def wait_for(what: str, condition: Callable[[], object], seconds: float) -> object:
    """Poll ``condition`` until it holds; a bounded wait, failing with ``what``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


@pytest.mark.timeout(900)  # whole flows on real processes: minutes, more on a busy machine
def test_worker_killed_mid_proof_its_proof_comes_back_once(tmp_path: Path, sandbox_for,
                                                           redis_server) -> None:
    sandbox: SandboxWorld = sandbox_for(write_world(tmp_path))
    env = {**os.environ, "REDIS_URL": redis_server.url, "VERIFIER_HOME": str(tmp_path / "home"),
           "VERIFIER_SANDBOX": sandbox.url, "VERIFIER_SESSIONS_DIR": str(sandbox.sessions),
           "VERIFIER_QUEUE": f"proofs-{tmp_path.name}",
           "VERIFIER_WEBHOOK_QUEUE": f"hooks-{tmp_path.name}",
           "VERIFIER_WORKER_ALIVE_TTL": str(ALIVE_TTL),
           "VERIFIER_STUCK_AFTER": "1", "VERIFIER_SWEEP_INTERVAL": "1"}
    settings = Settings(REDIS_URL=redis_server.url,  # type: ignore[call-arg]
                        VERIFIER_HOME=tmp_path / "home", VERIFIER_QUEUE=env["VERIFIER_QUEUE"])
    store = Store(settings.db_url)
    store.create_schema()
    queue = get_queue(redis_from_url(redis_server.url), settings)
    proof = parse_proof({"id": "kill-1", "campaign": "c1",
                         "task": {"action": "signup", "platform": "web",
                                  "target": f"https://{HOST}/register"},
                         "worker": {"id": "w1", "handle": "slow-10"},
                         "evidence": {"code": completion_code("s3cret", "c1", "w1")}})
    store.add_proof(proof)
    enqueue_proof(queue, proof.id)
    command = [sys.executable, "-m", "verifier.cli", "worker"]

    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        job = queue.fetch_job(job_id_for(proof.id))
        assert job is not None
        wait_for("the first worker starts the job",
                 lambda: job.get_status(refresh=True) == JobStatus.STARTED, 90)
        time.sleep(2)  # the live check is waiting for the 10 s page
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert store.get_verdict(proof.id).status == "pending"
    # RQ still calls the job started (for the job timeout plus a minute) ...
    assert job.get_status(refresh=True) == JobStatus.STARTED
    # ... but it is not live once the dead worker's alive key lapses.
    wait_for("the killed worker's job is seen as not live",
             lambda: live_job(queue, job.id) is None, ALIVE_TTL * 3)

    # A second worker's sweeper brings the proof back. On a loaded machine its first try
    # may fail (and be retried by RQ after 5 and 20 s): a burst worker then runs again.
    for _ in range(3):
        second = subprocess.run([*command, "--burst"], env=env, capture_output=True,
                                text=True, timeout=240)
        assert second.returncode == 0, second.stderr[-2000:]
        if store.get_verdict(proof.id).status != "pending":
            break
        time.sleep(25)
    verdict = store.get_verdict(proof.id)
    assert verdict.status == "approved", (verdict.reasons, second.stderr[-3000:])
    assert len(store.attempts(proof.id)) == 1  # one decision, by the second worker
    assert store.retries_of(proof.id) == 1  # the sweeper brought it back once

    # RQ's own cleanup of the dead worker's entry, and another worker, change nothing.
    queue.started_job_registry.cleanup(timestamp=time.time() + 10_000)
    third = subprocess.run([*command, "--burst"], env=env, capture_output=True, text=True,
                           timeout=240)
    assert third.returncode == 0, third.stderr[-2000:]
    assert len(store.attempts(proof.id)) == 1
    assert store.get_verdict(proof.id).to_json() == verdict.to_json()
