"""Job functions RQ runs, and the worker context they share.

The warm ``Verifier`` (browser, OCR engine, store) lives in the worker
process and is built once, on the worker's start-up (``set_context``) or
lazily on the first job; jobs only carry ids, the proof itself is read from
the store so nothing large sits in Redis.
"""

from __future__ import annotations

import logging
import time

from redis import Redis
from rq import Queue

from verifier import logs, metrics
from verifier.settings import Settings
from verifier.settings import get_settings as load_settings
from verifier.store import Store
from verifier.verify import Verifier

log = logging.getLogger(__name__)

_verifier: Verifier | None = None
_settings: Settings | None = None
_conn: Redis | None = None


def set_context(verifier: Verifier | None, conn: Redis | None = None) -> None:
    global _verifier, _settings, _conn
    _verifier = verifier
    _settings = verifier.settings if verifier is not None else None
    _conn = conn


def get_settings() -> Settings:
    """The worker's settings (read once), so every job sees the same configuration."""
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def get_verifier(settings: Settings | None = None) -> Verifier:
    global _verifier
    if _verifier is None:
        settings = settings or get_settings()
        politeness = None
        if settings.redis_url:
            from jobs.connections import redis_from_url
            from jobs.politeness import redis_politeness

            politeness = redis_politeness(settings, _conn or redis_from_url(settings.redis_url))
        _verifier = Verifier(settings, politeness=politeness)
    return _verifier


def get_store() -> Store:
    return get_verifier().store


def get_connection() -> Redis:
    global _conn
    if _conn is None:
        from jobs.connections import redis_from_url

        url = get_settings().redis_url
        if not url:
            raise RuntimeError("REDIS_URL is needed by queue jobs")
        _conn = redis_from_url(url)
    return _conn


def get_webhook_queue() -> Queue:
    from jobs.queues import get_webhook_queue as queue_for

    return queue_for(get_connection(), get_settings())


def verify_proof(proof_id: str, kind: str = "initial") -> str:
    """Verify one stored proof; returns the resulting status.

    A proof whose first verdict already exists is not decided again: a job
    that ran twice (worker killed after deciding, before RQ recorded the
    result) returns the kept status, and makes sure its webhook exists.
    """
    with logs.bound(proof_id=proof_id, job=kind):
        return _verify_proof(proof_id, kind)


def _verify_proof(proof_id: str, kind: str) -> str:
    from jobs.webhooks import notify

    verifier = get_verifier()
    current = verifier.store.get_verdict(proof_id)
    if current is None:
        raise LookupError(f"proof {proof_id} is not in the store")
    if kind == "initial" and current.status != "pending":
        log.info("proof %s already decided (%s); not deciding again", proof_id, current.status)
        notify(verifier.store, get_webhook_queue(), proof_id, "verdict.decided")
        return current.status
    proof = verifier.store.get_proof(proof_id)
    assert proof is not None
    started = time.monotonic()
    delays = verifier.settings.unknown_retry_delays
    deferred = verifier.store.deferrals_of(proof_id) if kind == "initial" else len(delays)
    verdict = verifier.verify(proof, kind=kind, may_defer=deferred < len(delays))
    metrics.observe_verdict(verdict, kind, proof.task.platform, time.monotonic() - started)
    log.info("proof %s: %s %s", proof_id, verdict.status, "; ".join(verdict.reasons))
    if verdict.status == "pending":
        from jobs.queues import enqueue_again, get_queue

        enqueue_again(get_queue(get_connection(), get_settings()), proof_id, deferred + 1,
                      delays[deferred])
        log.info("proof %s: checked again in %d s (later look %d of %d)", proof_id,
                 delays[deferred], deferred + 1, len(delays))
    if kind == "initial" and verdict.status in ("approved", "flagged"):
        notify(verifier.store, get_webhook_queue(), proof_id, "verdict.decided")
    if kind == "initial" and verdict.status == "approved":
        from jobs.reverify import schedule_after_approval

        try:  # the decision is made; failing now would only retry a decided proof
            schedule_after_approval(proof_id)
        except Exception:
            log.exception("could not schedule the retention re-checks of %s", proof_id)
    return verdict.status
