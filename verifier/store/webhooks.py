"""Webhook deliveries and every attempt to send them.

A delivery is one event about one proof (its decision, a moderation, a
drop), unique per (proof, event, dedupe key), so a job that runs twice never
creates a second webhook. Its body is serialised once and stored: every
retry sends the same bytes under the same ``X-Verifier-Delivery`` id.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.exc import IntegrityError

from verifier.store.engine import Database
from verifier.store.lookups import now_utc
from verifier.store.schema import webhook_attempts, webhook_deliveries

Event = Literal["verdict.decided", "verdict.moderated", "retention.dropped"]
EVENTS: tuple[str, ...] = ("verdict.decided", "verdict.moderated", "retention.dropped")


@dataclass(frozen=True)
class Delivery:
    id: str
    proof_id: str
    marketplace: str | None
    event: str
    url: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class DeliveryAttempt:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


def _delivery(m: RowMapping) -> Delivery:
    return Delivery(**{k: m[k] for k in Delivery.__dataclass_fields__})


def body_of(payload: dict[str, Any]) -> str:
    """The bytes a webhook signs: compact, stable key order, UTF-8 kept."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class WebhookStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self, proof_id: str, marketplace: str | None, event: str, url: str,
        payload: dict[str, Any], dedupe_key: str = "",
    ) -> tuple[Delivery, bool]:
        """The delivery for this (proof, event, key): made now (True) or found (False)."""
        if event not in EVENTS:
            raise ValueError(f"unknown webhook event {event!r}")
        now = now_utc()
        row = {
            "id": uuid.uuid4().hex, "proof_id": proof_id, "marketplace": marketplace,
            "event": event, "dedupe_key": dedupe_key, "url": url, "body": body_of(payload),
            "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
        }
        try:
            with self._db.write() as conn:
                conn.execute(webhook_deliveries.insert().values(**row))
            created = True
        except IntegrityError:
            created = False
        query = select(webhook_deliveries).where(
            webhook_deliveries.c.proof_id == proof_id, webhook_deliveries.c.event == event,
            webhook_deliveries.c.dedupe_key == dedupe_key)
        with self._db.read() as conn:
            found = conn.execute(query).mappings().one()
        return _delivery(found), created

    def fail_now(self, delivery_id: str, error: str) -> None:
        """A delivery that cannot be sent at all (no secret, a refused URL)."""
        with self._db.write() as conn:
            conn.execute(update(webhook_deliveries)
                         .where(webhook_deliveries.c.id == delivery_id)
                         .values(status="failed", last_error=error, next_attempt_at=None))

    def get(self, delivery_id: str) -> Delivery | None:
        with self._db.read() as conn:
            m = conn.execute(select(webhook_deliveries)
                             .where(webhook_deliveries.c.id == delivery_id)).mappings().first()
        return None if m is None else _delivery(m)

    def record_attempt(
        self, delivery_id: str, *, status_code: int | None, error: str | None,
        duration_ms: int, delivered: bool, next_attempt_at: datetime | None,
    ) -> Delivery:
        """Log one attempt and move the delivery on: delivered, retried later, or failed."""
        now = now_utc()
        values: dict[str, Any] = {
            "attempts": webhook_deliveries.c.attempts + 1, "last_status_code": status_code,
            "last_error": error, "next_attempt_at": None if delivered else next_attempt_at,
        }
        if delivered:
            values.update(status="delivered", delivered_at=now)
        elif next_attempt_at is None:
            values.update(status="failed")
        with self._db.write() as conn:
            conn.execute(webhook_attempts.insert().values(
                delivery_id=delivery_id, at=now, status_code=status_code, error=error,
                duration_ms=duration_ms))
            conn.execute(update(webhook_deliveries)
                         .where(webhook_deliveries.c.id == delivery_id).values(**values))
        found = self.get(delivery_id)
        assert found is not None
        return found

    def reopen(self, delivery_id: str) -> Delivery | None:
        """An operator's redelivery: pending again, attempts kept in the log."""
        with self._db.write() as conn:
            conn.execute(update(webhook_deliveries)
                         .where(webhook_deliveries.c.id == delivery_id)
                         .values(status="pending", next_attempt_at=now_utc()))
        return self.get(delivery_id)

    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]:
        query = (select(webhook_attempts).where(webhook_attempts.c.delivery_id == delivery_id)
                 .order_by(webhook_attempts.c.id))
        with self._db.read() as conn:
            return [DeliveryAttempt(m["at"], m["status_code"], m["error"], m["duration_ms"])
                    for m in conn.execute(query).mappings()]

    def find(
        self, *, status: str | None = None, proof_id: str | None = None,
        marketplace: str | None = None, limit: int = 100,
    ) -> list[Delivery]:
        query = select(webhook_deliveries).order_by(webhook_deliveries.c.created_at.desc())
        if status is not None:
            query = query.where(webhook_deliveries.c.status == status)
        if proof_id is not None:
            query = query.where(webhook_deliveries.c.proof_id == proof_id)
        if marketplace is not None:
            query = query.where(webhook_deliveries.c.marketplace == marketplace)
        with self._db.read() as conn:
            return [_delivery(m) for m in conn.execute(query.limit(limit)).mappings()]

    def counts_by_status(self) -> dict[str, int]:
        query = (select(webhook_deliveries.c.status, func.count())
                 .group_by(webhook_deliveries.c.status))
        with self._db.read() as conn:
            found = {str(status): int(n) for status, n in conn.execute(query)}
        return {status: found.get(status, 0) for status in ("pending", "delivered", "failed")}

    def due(self, before: datetime, limit: int = 500) -> list[Delivery]:
        """Pending deliveries whose attempt is overdue: their job was lost (a sweeper's list)."""
        query = (select(webhook_deliveries)
                 .where(webhook_deliveries.c.status == "pending",
                        webhook_deliveries.c.next_attempt_at < before)
                 .order_by(webhook_deliveries.c.next_attempt_at).limit(limit))
        with self._db.read() as conn:
            return [_delivery(m) for m in conn.execute(query).mappings()]
