"""Retention in the store: batches of re-checks, each proof's retention state, drops.

Re-verification never touches a proof's first verdict (``core.decide`` keeps
it); what a re-check found lives in the ``retention_*`` columns of ``proofs``
(so ``verdict_of`` adds ``retention`` without another query) and, for a
batch, in ``reverify_items``. A proof is re-checkable only if its deciding
attempt had a live check of its action that was not ``skipped``: proof-only
cells (installs, private likes) have nothing a third party can look at again,
so they are counted as ``skipped``, never as held.

A *new* drop (the first one, or one after the action was seen held again) is
what ``record`` reports, so a drop found by every later re-check sends one
``retention.dropped`` webhook, not one per re-check.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, case, func, literal, select, update
from sqlalchemy.sql.elements import ColumnElement

from verifier.store.engine import Database
from verifier.store.lookups import now_utc
from verifier.store.schema import attempts, checks, proofs, reverify_batches, reverify_items

RetentionState = Literal["held", "dropped", "unknown"]
RETENTION_STATES: tuple[str, ...] = ("held", "dropped", "unknown")
ITEM_STATES: tuple[str, ...] = ("queued", "held", "dropped", "unknown", "skipped")
# Statuses a batch may select; "any" is every decided proof.
BATCH_STATUSES: tuple[str, ...] = ("approved", "flagged", "rejected", "any")
RATE_GROUPS = {"campaign": proofs.c.campaign, "worker": proofs.c.worker_id,
               "platform": proofs.c.platform}
NOT_CHECKABLE = ("not re-checkable: the decision had no live check of this action a third "
                 "party can run (proof-only)")


@dataclass(frozen=True)
class Filters:
    """Which decided proofs a batch, a drop report or a rate covers.

    ``since`` is the decision time for batches and the drop time for reports;
    ``status`` defaults to ``approved``: retention is about what was paid for.
    """

    since: datetime | None = None
    action: str | None = None
    platform: str | None = None
    campaign: str | None = None
    status: str = "approved"
    marketplace: str | None = None

    def __post_init__(self) -> None:
        if self.status not in BATCH_STATUSES:
            raise ValueError(f"status must be one of {', '.join(BATCH_STATUSES)}, "
                             f"not {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        return {k: v for k, v in data.items() if v is not None}

    def where(self, since_column: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [proofs.c.decided_at.is_not(None)]
        if self.status != "any":
            where.append(proofs.c.status == self.status)
        for column, value in ((proofs.c.action, self.action), (proofs.c.platform, self.platform),
                              (proofs.c.campaign, self.campaign),
                              (proofs.c.marketplace, self.marketplace)):
            if value is not None:
                where.append(column == value)
        if self.since is not None:
            where.append(since_column >= self.since)
        return where


@dataclass(frozen=True)
class BatchProgress:
    """A batch with its counts; ``checked`` is held + dropped + unknown."""

    id: str
    marketplace: str | None
    filters: dict[str, Any]
    created_at: datetime
    total: int
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def checked(self) -> int:
        return sum(self.count(s) for s in RETENTION_STATES)

    @property
    def done(self) -> int:
        return self.total - self.count("queued")

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.id, "total": self.total, "done": self.done,
            "queued": self.count("queued"), "checked": self.checked,
            "held": self.count("held"), "dropped": self.count("dropped"),
            "unknown": self.count("unknown"), "skipped": self.count("skipped"),
            "finished": self.finished, "created_at": self.created_at.isoformat(),
            "filters": self.filters,
        }


@dataclass(frozen=True)
class Drop:
    """One proof whose action was found undone after approval (``report drops``)."""

    proof_id: str
    marketplace: str | None
    campaign: str | None
    worker_id: str
    platform: str
    action: str
    target: str
    approved_at: datetime | None
    dropped_at: datetime
    state: str  # the last re-check's state: a drop may since have been redone


@dataclass(frozen=True)
class DropRate:
    """Drops among the re-checked proofs of one campaign, worker or platform.

    ``dropped`` counts proofs ever found dropped; ``held`` the others seen
    held; ``unknown`` those never seen either way (walls, expired sessions),
    left out of ``rate`` = dropped / (held + dropped).
    """

    key: str | None
    checked: int
    held: int
    dropped: int
    unknown: int

    @property
    def rate(self) -> float | None:
        seen = self.held + self.dropped
        return self.dropped / seen if seen else None


def _checkable() -> ColumnElement[bool]:
    """The deciding attempt had a live check of the proof's action that was not skipped."""
    return (
        select(checks.c.id)
        .where(checks.c.attempt_id == proofs.c.decided_attempt_id,
               checks.c.name == literal("live.") + proofs.c.action,
               checks.c.outcome != "skipped")
        .exists()
    )


class RetentionStore:
    """Batches, retention states, drops and drop rates (``Store.retention``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- batches ----------------------------------------------------------------

    def create_batch(self, filters: Filters) -> tuple[BatchProgress, list[str]]:
        """Record a batch over the matching proofs; returns it and the ids to re-check.

        Proofs with nothing re-checkable are items too, ``skipped`` at once, so
        the batch says how many it could not look at.
        """
        query = (select(proofs.c.id, _checkable().label("checkable"))
                 .where(*filters.where(proofs.c.decided_at))
                 .order_by(proofs.c.decided_at, proofs.c.id))
        batch_id = uuid.uuid4().hex
        now = now_utc()
        with self._db.write() as conn:
            rows = conn.execute(query).all()
            conn.execute(reverify_batches.insert().values(
                id=batch_id, marketplace=filters.marketplace, filters=filters.to_json(),
                created_at=now, total=len(rows)))
            if rows:
                conn.execute(reverify_items.insert(), [
                    {"batch_id": batch_id, "proof_id": r.id,
                     "state": "queued" if r.checkable else "skipped",
                     "checked_at": None if r.checkable else now,
                     "detail": "" if r.checkable else NOT_CHECKABLE}
                    for r in rows])
        batch = self.batch(batch_id)
        assert batch is not None
        return batch, [r.id for r in rows if r.checkable]

    def batch(self, batch_id: str) -> BatchProgress | None:
        with self._db.read() as conn:
            row = conn.execute(select(reverify_batches)
                               .where(reverify_batches.c.id == batch_id)).mappings().first()
            if row is None:
                return None
            counts = conn.execute(
                select(reverify_items.c.state, func.count())
                .where(reverify_items.c.batch_id == batch_id)
                .group_by(reverify_items.c.state)).all()
        return BatchProgress(id=row["id"], marketplace=row["marketplace"],
                             filters=dict(row["filters"]), created_at=row["created_at"],
                             total=row["total"], counts={s: int(n) for s, n in counts})

    def items(self, batch_id: str) -> dict[str, str]:
        """Each proof of the batch with its item state."""
        with self._db.read() as conn:
            rows = conn.execute(
                select(reverify_items.c.proof_id, reverify_items.c.state)
                .where(reverify_items.c.batch_id == batch_id)).all()
        return {proof_id: state for proof_id, state in rows}

    # -- one re-check -------------------------------------------------------------

    def is_checkable(self, proof_id: str) -> bool:
        with self._db.read() as conn:
            return bool(conn.execute(
                select(_checkable()).where(proofs.c.id == proof_id)).scalar())

    def last_reverify_attempt(self, proof_id: str) -> int | None:
        with self._db.read() as conn:
            return conn.execute(
                select(func.max(attempts.c.id))
                .where(attempts.c.proof_id == proof_id, attempts.c.kind == "reverify")
            ).scalar()

    def record(self, proof_id: str, state: RetentionState, *, at: datetime | None = None,
               attempt_id: int | None = None, batch_id: str | None = None,
               detail: str = "") -> bool:
        """Store what a re-check found; True when it is a new drop (send the webhook).

        A drop is new the first time, or when the action was seen held after
        the last drop; an ``unknown`` in between changes nothing about that.
        """
        if state not in RETENTION_STATES:
            raise ValueError(f"retention state must be one of {RETENTION_STATES}, not {state!r}")
        at = at or now_utc()
        with self._db.write() as conn:
            row = conn.execute(
                select(proofs.c.retention_dropped_at, proofs.c.retention_held_at)
                .where(proofs.c.id == proof_id).with_for_update()).first()
            if row is None:
                raise LookupError(f"proof {proof_id} is not in the store")
            dropped_at, held_at = row
            new_drop = state == "dropped" and (
                dropped_at is None or (held_at is not None and held_at > dropped_at))
            values: dict[str, Any] = {"retention_state": state, "retention_checked_at": at,
                                      "retention_checks": proofs.c.retention_checks + 1}
            if new_drop:
                values["retention_dropped_at"] = at
            if state == "held":
                values["retention_held_at"] = at
            conn.execute(update(proofs).where(proofs.c.id == proof_id).values(**values))
            if batch_id is not None:
                conn.execute(
                    update(reverify_items)
                    .where(reverify_items.c.batch_id == batch_id,
                           reverify_items.c.proof_id == proof_id)
                    .values(state=state, attempt_id=attempt_id, checked_at=at, detail=detail))
        return new_drop

    # -- reports --------------------------------------------------------------------

    def drops(self, filters: Filters, limit: int = 10_000) -> list[Drop]:
        """Proofs found dropped (``since`` is the drop time), latest drop first."""
        query: Select[Any] = (
            select(proofs)
            .where(proofs.c.retention_dropped_at.is_not(None),
                   *filters.where(proofs.c.retention_dropped_at))
            .order_by(proofs.c.retention_dropped_at.desc(), proofs.c.id)
            .limit(limit))
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Drop(proof_id=m["id"], marketplace=m["marketplace"], campaign=m["campaign"],
                 worker_id=m["worker_id"], platform=m["platform"], action=m["action"],
                 target=m["target"],
                 approved_at=m["moderated_at"] if m["moderated_by"] else m["decided_at"],
                 dropped_at=m["retention_dropped_at"], state=m["retention_state"])
            for m in rows
        ]

    def drop_rates(self, by: str, filters: Filters | None = None) -> list[DropRate]:
        """Drop rates per campaign, worker or platform over the re-checked proofs."""
        if by not in RATE_GROUPS:
            raise ValueError(f"by must be one of {', '.join(RATE_GROUPS)}, not {by!r}")
        key = RATE_GROUPS[by]
        ever_dropped = proofs.c.retention_dropped_at.is_not(None)
        seen_held = and_(proofs.c.retention_dropped_at.is_(None),
                         proofs.c.retention_held_at.is_not(None))
        never_seen = and_(proofs.c.retention_dropped_at.is_(None),
                          proofs.c.retention_held_at.is_(None))

        def tally(condition: ColumnElement[bool]) -> Any:
            return func.sum(case((condition, 1), else_=0))

        query = (select(key, func.count(), tally(seen_held), tally(ever_dropped),
                        tally(never_seen))
                 .where(proofs.c.retention_checks > 0,
                        *(filters or Filters()).where(proofs.c.decided_at))
                 .group_by(key).order_by(key))
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [DropRate(key=k, checked=int(n), held=int(h or 0), dropped=int(d or 0),
                         unknown=int(u or 0)) for k, n, h, d, u in rows]
