"""Webhook delivery through its own RQ queue, so deliveries survive restarts.

``notify`` records a delivery (one per proof, event and key: a job that runs
twice sends one webhook) and enqueues its first attempt. ``deliver_webhook``
sends it once; on anything but a 2xx it records the attempt and schedules
the next one after the configured delay, until the delays run out. Every
attempt is in the store for ``verifier webhooks list``; a delivery whose job
Redis lost is found again by ``sweep`` from its ``next_attempt_at``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from rq import Queue

from jobs import tasks
from jobs.queues import DELIVER_FUNC, get_webhook_queue, live_job
from verifier import logs, metrics
from verifier.settings import Settings
from verifier.store import Store
from verifier.store.webhooks import Delivery
from verifier.webhooks import CallbackRefused, check_callback, headers_for

log = logging.getLogger(__name__)


def _job_id(delivery_id: str, attempt: int) -> str:
    return f"webhook-{delivery_id}-{attempt}"


def _enqueue(queue: Queue, delivery: Delivery, delay_s: float = 0) -> bool:
    """Enqueue the delivery's next attempt unless a live job holds it already."""
    job_id = _job_id(delivery.id, delivery.attempts)
    if live_job(queue, job_id) is not None:
        return False
    options: dict[str, Any] = {"job_id": job_id, "result_ttl": 86400, "failure_ttl": 7 * 86400}
    if delay_s > 0:
        queue.enqueue_in(timedelta(seconds=delay_s), DELIVER_FUNC, delivery.id, **options)
    else:
        queue.enqueue(DELIVER_FUNC, delivery.id, **options)
    return True


def notify(store: Store, queue: Queue, proof_id: str, event: str, *,
           payload: dict[str, Any] | None = None, dedupe_key: str = "") -> Delivery | None:
    """Record and enqueue the webhook for an event, if the proof asked for callbacks."""
    proof = store.get_proof(proof_id)
    if proof is None or not proof.callback_url:
        return None
    if payload is None:
        verdict = store.get_verdict(proof_id)
        assert verdict is not None
        payload = verdict.to_json()
    delivery, created = store.webhooks.create(
        proof_id, proof.marketplace, event, proof.callback_url, payload, dedupe_key)
    if created:
        market = store.marketplaces.get(proof.marketplace) if proof.marketplace else None
        if market is None:
            store.webhooks.fail_now(delivery.id, (
                f"marketplace {proof.marketplace!r} has no webhook secret: register it with "
                f"`verifier token create {proof.marketplace or 'NAME'}`"))
            return store.webhooks.get(delivery.id)
    if delivery.status == "pending":
        _enqueue(queue, delivery)
    return delivery


def send(delivery: Delivery, secret: str, settings: Settings) -> tuple[int | None, str | None]:
    """POST the stored body once; (status code, error). Redirects are not followed."""
    body = delivery.body.encode("utf-8")
    try:
        check_callback(delivery.url, settings.callback_host_set)
        with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False,
                          trust_env=False) as client:
            response = client.post(delivery.url, content=body,
                                   headers=headers_for(delivery.id, delivery.event, body, secret))
    except CallbackRefused:
        raise
    except (httpx.HTTPError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver_webhook(delivery_id: str) -> str:
    """One attempt at a delivery; schedules the next on failure. Returns its status."""
    with logs.bound(delivery_id=delivery_id):
        status = _deliver(delivery_id)
    metrics.WEBHOOK_ATTEMPTS.labels(status).inc()
    return status


def _deliver(delivery_id: str) -> str:
    store, settings = tasks.get_store(), tasks.get_settings()
    delivery = store.webhooks.get(delivery_id)
    if delivery is None:
        raise LookupError(f"webhook delivery {delivery_id} is not in the store")
    if delivery.status != "pending":
        return delivery.status
    market = store.marketplaces.get(delivery.marketplace) if delivery.marketplace else None
    if market is None:
        store.webhooks.fail_now(delivery_id, f"marketplace {delivery.marketplace!r} is unknown")
        return "failed"
    started = time.monotonic()
    try:
        code, error = send(delivery, market.webhook_secret, settings)
    except CallbackRefused as exc:
        store.webhooks.record_attempt(
            delivery_id, status_code=None, error=f"refused: {exc}",
            duration_ms=int((time.monotonic() - started) * 1000), delivered=False,
            next_attempt_at=None)
        return "failed"
    delays = settings.retry_delays
    attempt = delivery.attempts + 1  # this one
    delay = delays[attempt - 1] if error is not None and attempt <= len(delays) else None
    next_at = datetime.now(UTC) + timedelta(seconds=delay) if delay is not None else None
    updated = store.webhooks.record_attempt(
        delivery_id, status_code=code, error=error,
        duration_ms=int((time.monotonic() - started) * 1000), delivered=error is None,
        next_attempt_at=next_at)
    if error is not None:
        log.warning("webhook %s to %s, attempt %d: %s%s", delivery_id, delivery.url, attempt,
                    error, f"; next in {delay}s" if delay is not None else "; giving up")
    if updated.status == "pending" and delay is not None:
        _enqueue(tasks.get_webhook_queue(), updated, delay)
    return updated.status


def redeliver(store: Store, queue: Queue, delivery_id: str) -> Delivery:
    """An operator sends a delivery again now (same id and body); one more attempt."""
    delivery = store.webhooks.reopen(delivery_id)
    if delivery is None:
        raise LookupError(f"no webhook delivery {delivery_id}")
    _enqueue(queue, delivery)
    return delivery


def sweep(store: Store, queue: Queue, grace: timedelta = timedelta(minutes=10)) -> int:
    """Re-enqueue pending deliveries overdue by ``grace``: their job was lost with Redis."""
    return sum(_enqueue(queue, delivery)
               for delivery in store.webhooks.due(datetime.now(UTC) - grace))


def webhook_queue(settings: Settings) -> Queue:
    from jobs.connections import redis_from_url

    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is needed to deliver webhooks")
    return get_webhook_queue(redis_from_url(settings.redis_url), settings)
