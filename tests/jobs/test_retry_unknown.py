"""A proof whose live check met a rate limit stays pending and is checked again later
(policy ``retry_unknown``, VERIFIER_RETRY_UNKNOWN_DELAYS), on a real Redis, worker and
sandbox."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from rq.registry import ScheduledJobRegistry

from jobs import tasks
from jobs.connections import redis_from_url
from jobs.queues import again_job_id, enqueue_proof, get_queue
from jobs.sweeper import sweep_proofs
from jobs.worker import run_worker
from tests.jobs.conftest import follow_proof
from verifier.settings import Settings

pytestmark = pytest.mark.integration

@pytest.fixture
def env(queue_env):
    tasks.set_context(None)
    yield queue_env(VERIFIER_RETRY_UNKNOWN_DELAYS="1")
    tasks.set_context(None)


def set_wall(sandbox, wall: str) -> None:
    httpx.post(f"{sandbox.url}/__admin/world",
               json={"op": "set_wall", "platform": "x", "wall": wall}).raise_for_status()


def run_after_delay(settings: Settings) -> None:
    time.sleep(1.2)  # the delay has passed: the burst worker's scheduler moves the job
    tasks.set_context(None)
    run_worker(settings, burst=True)


def test_rate_limited_proof_waits_then_is_decided_by_the_later_look(env) -> None:
    sandbox, settings, store = env
    conn = redis_from_url(settings.redis_url)
    queue = get_queue(conn, settings)
    set_wall(sandbox, "rate_limit")
    store.add_proof(follow_proof("r-1"))
    enqueue_proof(queue, "r-1")
    run_worker(settings, burst=True)

    pending = store.get_verdict("r-1")
    assert pending is not None and pending.status == "pending"
    first = store.attempts("r-1")[0]
    assert first.status == "pending"
    assert first.reasons and first.reasons[0].startswith("to be checked again later (rate_limit)")
    scheduled = ScheduledJobRegistry(queue=queue)
    assert again_job_id("r-1", 1) in scheduled.get_job_ids()
    # The sweeper sees the scheduled look as the proof's live job: nothing re-queued.
    report = sweep_proofs(store, queue, stuck_after=timedelta(0),
                          max_sweeps=2)
    assert report.requeued == [] and report.flagged == []

    set_wall(sandbox, "none")
    run_after_delay(settings)
    decided = store.get_verdict("r-1")
    assert decided is not None and decided.status == "approved", decided.reasons
    assert [a.status for a in store.attempts("r-1")] == ["pending", "approved"]


def test_still_limited_after_the_last_delay_is_flagged_with_the_reason(env) -> None:
    sandbox, settings, store = env
    queue = get_queue(redis_from_url(settings.redis_url), settings)
    set_wall(sandbox, "rate_limit")
    store.add_proof(follow_proof("r-2"))
    enqueue_proof(queue, "r-2")
    run_worker(settings, burst=True)
    run_after_delay(settings)

    decided = store.get_verdict("r-2")
    assert decided is not None and decided.status == "flagged"
    assert any("could not be checked" in r and "rate" in r.lower() for r in decided.reasons), (
        decided.reasons)
    assert [a.status for a in store.attempts("r-2")] == ["pending", "flagged"]
    assert store.deferrals_of("r-2") == 1
