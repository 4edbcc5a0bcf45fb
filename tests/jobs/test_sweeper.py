"""The sweeper on a real Redis and store: a proof whose job was lost comes
back, and one that never finishes is flagged (with its webhook), never left
pending and never approved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.connections import PrivateRedis, redis_from_url
from jobs.queues import get_queue, get_webhook_queue, job_id_for, live_job
from jobs.sweeper import sweep_proofs
from verifier.models import parse_proof
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration


def test_lost_jobs_are_requeued_then_flagged(tmp_path, redis_server: PrivateRedis) -> None:
    settings = Settings(REDIS_URL=redis_server.url, VERIFIER_HOME=tmp_path,  # type: ignore[call-arg]
                        VERIFIER_QUEUE=f"proofs-{tmp_path.name}",
                        VERIFIER_WEBHOOK_QUEUE=f"hooks-{tmp_path.name}")
    conn = redis_from_url(redis_server.url)
    queue, hooks = get_queue(conn, settings), get_webhook_queue(conn, settings)
    store = Store(settings.db_url)
    store.create_schema()
    store.marketplaces.issue_token("mw")
    proof = parse_proof({"id": "lost-1", "marketplace": "mw",
                         "task": {"action": "follow", "platform": "x",
                                  "target": "https://x.com/acme_bd"},
                         "worker": {"id": "w1", "handle": "rafi_bd"},
                         "callback_url": "https://market.example.com/hook"})
    store.add_proof(proof)  # stored, but its job never reached Redis

    def sweep():
        return sweep_proofs(store, queue, stuck_after=timedelta(0), max_sweeps=2,
                            webhook_queue=hooks)

    first = sweep()
    assert first.requeued == ["lost-1"] and first.flagged == []
    assert live_job(queue, job_id_for("lost-1")) is not None
    # While its job waits, the proof is not stuck.
    assert sweep().requeued == []
    queue.empty()  # Redis lost the job again
    assert sweep().requeued == ["lost-1"]
    queue.empty()
    last = sweep()
    assert last.requeued == [] and last.flagged == ["lost-1"]
    verdict = store.get_verdict("lost-1")
    assert verdict is not None and verdict.status == "flagged"
    assert "did not finish after 2" in verdict.reasons[0]
    [delivery] = store.webhooks.find(proof_id="lost-1")
    assert delivery.event == "verdict.decided" and delivery.status == "pending"
    assert hooks.count == 1
    assert sweep() == type(last)([], [], 0)  # decided: nothing more to do


def test_proof_ids_the_contract_allows_make_valid_distinct_job_ids() -> None:
    from rq.job import JOB_ID_PATTERN  # type: ignore[attr-defined]

    ids = ["mw-1", "0.1.0", "a:b", "a_b", "a_2eb", "a.b", "x" * 128]
    from jobs.reverify import batch_job_id, scheduled_job_id

    made = [job_id_for(pid) for pid in ids] + [job_id_for("a.b", "reverify")]
    made += [batch_job_id("b1", "a.b"), scheduled_job_id("a:b", 1)]
    assert all(JOB_ID_PATTERN.fullmatch(job_id) for job_id in made)
    assert len(set(made)) == len(made)
