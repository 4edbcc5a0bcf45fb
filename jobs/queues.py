"""The RQ queues proofs and webhooks travel on.

The RQ job id is derived from the proof id, so a proof submitted twice (or
re-enqueued by a sweeper while its first job still waits) is one job.

Jobs are JSON (never pickle) and a worker runs only the functions listed in
``ALLOWED_FUNCS``: write access to Redis must not be code execution on the
workers.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from verifier.settings import Settings

VERIFY_FUNC = "jobs.tasks.verify_proof"
DELIVER_FUNC = "jobs.webhooks.deliver_webhook"
RECHECK_FUNC = "jobs.reverify.recheck_proof"
ALLOWED_FUNCS = frozenset({VERIFY_FUNC, DELIVER_FUNC, RECHECK_FUNC})
LIVE_STATES = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)
ALIVE_KEY = "verifier:alive:{name}"  # renewed by a running VerifierWorker (jobs.worker)


class JobNotAllowed(RuntimeError):
    """A job naming a function outside the allow-list (someone wrote to Redis)."""


class AllowedJob(Job):
    """A job that runs only allow-listed functions."""

    def _execute(self) -> Any:
        if self.func_name not in ALLOWED_FUNCS:
            raise JobNotAllowed(f"job {self.id} names {self.func_name!r}, which is not one of "
                                "the verifier's job functions; refused")
        return super()._execute()


def rq_safe(proof_id: str) -> str:
    """Proof ids may hold ``.`` and ``:``, RQ job ids may not: escape them (and ``_``,
    the escape character, so two ids never map to one job id)."""
    return re.sub(r"[^A-Za-z0-9-]", lambda m: f"_{ord(m.group()):02x}", proof_id)


def job_id_for(proof_id: str, kind: str = "initial") -> str:
    return f"{'proof' if kind == 'initial' else kind}-{rq_safe(proof_id)}"


def _queue(name: str, conn: Redis, timeout: int) -> Queue:
    return Queue(name, connection=conn, default_timeout=timeout, serializer=JSONSerializer,
                 job_class=AllowedJob)


def get_queue(conn: Redis, settings: Settings) -> Queue:
    return _queue(settings.queue_name, conn, settings.job_timeout_s)


def get_webhook_queue(conn: Redis, settings: Settings) -> Queue:
    return _queue(settings.webhook_queue_name, conn, int(settings.webhook_timeout_s * 3) + 30)


def get_reverify_queue(conn: Redis, settings: Settings) -> Queue:
    """Re-checks: the worker listens to this queue last, so new proofs always go first."""
    return _queue(settings.reverify_queue_name, conn, settings.job_timeout_s)


def worker_alive(conn: Redis, name: str | None) -> bool:
    """Whether the worker named ``name`` renewed its alive key lately."""
    return bool(name) and bool(conn.exists(ALIVE_KEY.format(name=name)))


def live_job(queue: Queue, job_id: str) -> Job | None:
    """The job with this id if it is still waiting, or running on a worker that is alive.

    RQ keeps a job STARTED until its registry entry expires (a SimpleWorker sets it to
    the job timeout plus a minute and sends no heartbeat while it works) and a
    maintenance pass notices: minutes after a SIGKILL. The worker's own alive key
    says it within ``VERIFIER_WORKER_ALIVE_TTL``.
    """
    try:
        existing = AllowedJob.fetch(job_id, connection=queue.connection,
                                    serializer=JSONSerializer)
    except NoSuchJobError:
        return None
    status = existing.get_status(refresh=True)
    if status == JobStatus.STARTED and not worker_alive(queue.connection, existing.worker_name):
        return None
    return existing if status in LIVE_STATES else None


def again_job_id(proof_id: str, n: int) -> str:
    """The job of the ``n``-th later look at a proof whose checks were unknown."""
    return f"again{n}-{rq_safe(proof_id)}"


def live_proof_job(queue: Queue, proof_id: str, deferrals: int) -> Job | None:
    """The proof's first job, or its latest later look, while waiting or running."""
    ids = [job_id_for(proof_id)] + ([again_job_id(proof_id, deferrals)] if deferrals else [])
    return next((job for job in map(lambda i: live_job(queue, i), ids) if job), None)


def enqueue_again(queue: Queue, proof_id: str, n: int, delay_s: int) -> Job:
    """Verify the proof again in ``delay_s`` (the worker's scheduler moves it to the queue)."""
    return queue.enqueue_in(
        timedelta(seconds=delay_s), VERIFY_FUNC, proof_id, "initial",
        job_id=again_job_id(proof_id, n), retry=Retry(max=2, interval=[5, 20]),
        result_ttl=86400, failure_ttl=7 * 86400,
    )


def enqueue_proof(queue: Queue, proof_id: str, kind: str = "initial") -> Job:
    """Enqueue unless a live job for this proof already exists."""
    job_id = job_id_for(proof_id, kind)
    existing = live_job(queue, job_id)
    if existing is not None:
        return existing
    return queue.enqueue(
        VERIFY_FUNC, proof_id, kind,
        job_id=job_id,
        retry=Retry(max=2, interval=[5, 20]),
        result_ttl=86400,
        failure_ttl=7 * 86400,
    )
