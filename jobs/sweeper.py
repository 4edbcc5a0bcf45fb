"""The sweeper: proofs and webhooks whose job was lost come back.

A proof stays ``pending`` in the store until a verdict is written. If its
job is gone (retries exhausted, a worker killed before RQ noticed, Redis
restarted without persistence), nothing else would ever pick it up. The
sweeper, run by workers as an RQ maintenance task, re-enqueues such proofs
(claimed in the store, so two sweepers never both do) and, after
``max_sweeps`` rounds that did not finish, decides them ``flagged`` with a
reason a moderator can act on: unknown never approves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rq import Queue

from jobs.queues import enqueue_proof, live_proof_job
from verifier import __version__
from verifier.models import Check, Verdict
from verifier.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    requeued: list[str]
    flagged: list[str]
    webhooks: int


def _give_up(store: Store, proof_id: str, sweeps: int) -> bool:
    check = Check(name="queue.finished", outcome="unknown", detail=(
        f"verification did not finish after {sweeps} re-queued attempt(s): the worker "
        "crashed, timed out or lost the job each time"))
    verdict = Verdict(proof_id=proof_id, status="flagged", checks=[check],
                      reasons=[check.detail + "; a moderator has to judge the proof"],
                      verified_at=datetime.now(UTC), verifier_version=__version__)
    return store.decide(verdict)


def sweep_proofs(store: Store, queue: Queue, *, stuck_after: timedelta, max_sweeps: int,
                 webhook_queue: Queue | None = None, limit: int = 500) -> SweepReport:
    """Re-enqueue or flag undecided proofs that no live job holds."""
    from jobs.webhooks import notify, sweep

    requeued: list[str] = []
    flagged: list[str] = []
    for proof_id in store.pending_ids(stuck_after, limit=limit):
        if live_proof_job(queue, proof_id, store.deferrals_of(proof_id)) is not None:
            continue  # waiting in the queue or running: not lost
        if not store.mark_pending_retry(proof_id, older_than=stuck_after):
            continue  # decided meanwhile, or another sweeper claimed it
        sweeps = store.retries_of(proof_id)
        if sweeps > max_sweeps:
            if _give_up(store, proof_id, sweeps - 1):
                flagged.append(proof_id)
                log.warning("proof %s flagged: no verdict after %d sweeps", proof_id,
                            sweeps - 1)
                if webhook_queue is not None:
                    notify(store, webhook_queue, proof_id, "verdict.decided")
            continue
        enqueue_proof(queue, proof_id)
        requeued.append(proof_id)
        log.warning("proof %s had no live job; re-enqueued (sweep %d)", proof_id, sweeps)
    webhooks = sweep(store, webhook_queue, grace=stuck_after) if webhook_queue else 0
    return SweepReport(requeued, flagged, webhooks)
