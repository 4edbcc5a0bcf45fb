"""Re-verification on the queue: batches, scheduled re-checks, the job that runs one.

Re-checks travel on their own queue (``VERIFIER_REVERIFY_QUEUE``, default
``reverify``), which the worker listens to after the proofs queue: a batch
over thousands of old proofs never delays a new one. They run in the same
warm worker, through the same adapters, as first verifications.

After an approval, ``schedule_after_approval`` puts re-checks in RQ's
scheduler at the configured delays (``VERIFIER_RETENTION_DAYS``, default 1, 7
and 14 days; ``VERIFIER_RETENTION_DELAYS`` in seconds); a worker started with
the scheduler (every ``verifier worker``) moves them to the queue when due.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from rq import Queue

from jobs import tasks
from jobs.queues import RECHECK_FUNC, get_reverify_queue, live_job, rq_safe
from verifier.settings import Settings
from verifier.store import Store
from verifier.store.retention import BatchProgress, Filters, RetentionState

log = logging.getLogger(__name__)

_TTL: dict[str, Any] = {"result_ttl": 86400, "failure_ttl": 7 * 86400}


def batch_job_id(batch_id: str, proof_id: str) -> str:
    return f"reverify-{batch_id}-{rq_safe(proof_id)}"


def scheduled_job_id(proof_id: str, n: int) -> str:
    return f"retention-{rq_safe(proof_id)}-{n}"


def start_batch(store: Store, queue: Queue, filters: Filters) -> BatchProgress:
    """Record a batch over the matching decided proofs and enqueue their re-checks."""
    batch, ids = store.retention.create_batch(filters)
    if ids:
        queue.enqueue_many([
            Queue.prepare_data(RECHECK_FUNC, (proof_id, batch.id),
                               job_id=batch_job_id(batch.id, proof_id), result_ttl=86400,
                               failure_ttl=7 * 86400)
            for proof_id in ids])
    log.info("re-verification batch %s: %d proofs, %d to re-check", batch.id, batch.total,
             len(ids))
    return batch


def schedule_rechecks(store: Store, queue: Queue, settings: Settings, proof_id: str) -> int:
    """Schedule the retention re-checks of an approved proof; returns how many.

    Nothing is scheduled for a proof with nothing re-checkable (proof-only
    cells). Job ids are per proof and delay, so scheduling twice is harmless.
    """
    delays = settings.retention_schedule
    if not delays or not store.retention.is_checkable(proof_id):
        return 0
    for n, delay in enumerate(delays, start=1):
        job_id = scheduled_job_id(proof_id, n)
        if live_job(queue, job_id) is not None:
            continue
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), RECHECK_FUNC, proof_id, None,
                             job_id=job_id, **_TTL)
        else:
            queue.enqueue(RECHECK_FUNC, proof_id, None, job_id=job_id, **_TTL)
    return len(delays)


def schedule_after_approval(proof_id: str) -> None:
    """Called by ``verify_proof`` once a proof is approved (the stored status, not the
    attempt's: a lost race to decide must not schedule anything)."""
    store, settings = tasks.get_store(), tasks.get_settings()
    current = store.get_verdict(proof_id)
    if current is None or current.status != "approved":
        return
    schedule_rechecks(store, get_reverify_queue(tasks.get_connection(), settings), settings,
                      proof_id)


def recheck_proof(proof_id: str, batch_id: str | None = None) -> str:
    """Re-check one decided proof and record its retention; returns the state.

    A new drop sends one signed ``retention.dropped`` webhook (the verdict with
    its retention). An error in the check is ``unknown``, recorded, so a batch
    never waits on an item forever.
    """
    from jobs.webhooks import notify
    from verifier.retention import recheck

    verifier = tasks.get_verifier()
    store = verifier.store
    current = store.get_verdict(proof_id)
    proof = store.get_proof(proof_id)
    if current is None or proof is None:
        raise LookupError(f"proof {proof_id} is not in the store")
    if current.status == "pending":
        log.info("proof %s is not decided yet; nothing to re-check", proof_id)
        return "pending"
    state: RetentionState
    try:
        result = recheck(verifier, proof)
        state, detail = result.state, result.detail
    except Exception as exc:
        log.exception("re-check of %s failed", proof_id)
        state, detail = "unknown", f"the re-check stopped with an error: {exc}"
    attempt_id = store.retention.last_reverify_attempt(proof_id)
    new_drop = store.retention.record(proof_id, state, attempt_id=attempt_id,
                                      batch_id=batch_id, detail=detail)
    log.info("proof %s re-checked: %s (%s)", proof_id, state, detail)
    if new_drop:
        notify(store, tasks.get_webhook_queue(), proof_id, "retention.dropped",
               dedupe_key=f"drop-{attempt_id}")
    return state
