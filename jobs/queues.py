"""The RQ queue proofs travel on.

The RQ job id is derived from the proof id, so a proof submitted twice (or
re-enqueued by a sweeper while its first job still waits) is one job.
"""

from __future__ import annotations

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from verifier.settings import Settings

VERIFY_FUNC = "jobs.tasks.verify_proof"


def job_id_for(proof_id: str) -> str:
    return f"proof-{proof_id}"


def get_queue(conn: Redis, settings: Settings) -> Queue:
    return Queue(settings.queue_name, connection=conn, default_timeout=settings.job_timeout_s)


def enqueue_proof(queue: Queue, proof_id: str, kind: str = "initial") -> Job:
    """Enqueue unless a live job for this proof already exists."""
    job_id = job_id_for(proof_id) if kind == "initial" else f"{kind}-{proof_id}"
    try:
        existing = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        existing = None
    if existing is not None and existing.get_status(refresh=True) in (
        JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED,
    ):
        return existing
    return queue.enqueue(
        VERIFY_FUNC, proof_id, kind,
        job_id=job_id,
        retry=Retry(max=2, interval=[5, 20]),
        result_ttl=86400,
        failure_ttl=7 * 86400,
    )
