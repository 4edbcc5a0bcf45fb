"""The queries behind the review pages: the flagged queue with its facet
counts, a worker's history, the audit log and the dashboard's numbers.

Each is one or a few SQL statements over indexed columns, run on the
server, so the queue stays fast with tens of thousands of flagged proofs
(``bench/review_queue.py`` measures it): the page never loads more rows
than it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from verifier.store.engine import Database
from verifier.store.lookups import now_utc
from verifier.store.schema import attempts, checks, moderation_log, proofs

# Check outcomes that put a proof in front of a moderator.
FLAG_OUTCOMES = ("fail", "unknown")
FACETS = ("marketplace", "campaign", "platform", "action", "check", "worker")


def _day(text: str | None) -> datetime | None:
    """A ``YYYY-MM-DD`` from a form as midnight UTC; anything else is no filter."""
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class QueueFilters:
    """What the moderator narrowed the queue to (all optional, as in the URL)."""

    marketplace: str = ""
    campaign: str = ""
    platform: str = ""
    action: str = ""
    check: str = ""
    worker: str = ""
    since: str = ""
    until: str = ""
    order: str = "oldest"

    @classmethod
    def from_query(cls, query: Any) -> QueueFilters:
        values = {f.name: str(query.get(f.name, "") or "").strip()[:128] for f in fields(cls)}
        if values["order"] not in ("oldest", "newest"):
            values["order"] = "oldest"
        return cls(**values)

    def params(self, **change: str) -> dict[str, str]:
        """The non-empty filters as URL parameters, with ``change`` applied."""
        merged = replace(self, **change)
        out = {f.name: getattr(merged, f.name) for f in fields(merged)}
        return {k: v for k, v in out.items() if v and not (k == "order" and v == "oldest")}

    def where(self, skip: str = "") -> list[ColumnElement[bool]]:
        """Conditions of every filter but ``skip`` (a facet counts without itself)."""
        where: list[ColumnElement[bool]] = [proofs.c.status == "flagged"]
        for name, column in (("marketplace", proofs.c.marketplace),
                             ("campaign", proofs.c.campaign),
                             ("platform", proofs.c.platform), ("action", proofs.c.action),
                             ("worker", proofs.c.worker_id)):
            value = getattr(self, name)
            if value and name != skip:
                where.append(column == value)
        if self.check and skip != "check":
            where.append(exists().where(checks.c.attempt_id == proofs.c.decided_attempt_id,
                                        checks.c.name == self.check,
                                        checks.c.outcome.in_(FLAG_OUTCOMES)))
        since, until = _day(self.since), _day(self.until)
        if since is not None:
            where.append(proofs.c.created_at >= since)
        if until is not None:
            where.append(proofs.c.created_at < until + timedelta(days=1))
        return where


@dataclass(frozen=True)
class QueueRow:
    id: str
    created_at: datetime
    marketplace: str | None
    campaign: str | None
    platform: str
    action: str
    worker_id: str
    worker_handle: str | None
    target: str
    reasons: list[str]


def _order(filters: QueueFilters) -> list[Any]:
    if filters.order == "newest":
        return [proofs.c.created_at.desc(), proofs.c.id.desc()]
    return [proofs.c.created_at.asc(), proofs.c.id.asc()]


class ReviewQueries:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the queue -------------------------------------------------------------

    def queue(self, filters: QueueFilters, page: int = 1,
              per_page: int = 50) -> tuple[list[QueueRow], int]:
        """One page of flagged proofs (oldest first by default) and the total."""
        where = filters.where()
        cols = [proofs.c.id, proofs.c.created_at, proofs.c.marketplace, proofs.c.campaign,
                proofs.c.platform, proofs.c.action, proofs.c.worker_id, proofs.c.worker_handle,
                proofs.c.target, proofs.c.verdict]
        query = (select(*cols).where(*where).order_by(*_order(filters))
                 .limit(per_page).offset(max(page - 1, 0) * per_page))
        with self._db.read() as conn:
            total = int(conn.execute(select(func.count()).select_from(proofs).where(*where))
                        .scalar_one())
            rows = conn.execute(query).mappings().all()
        return [QueueRow(
            id=m["id"], created_at=m["created_at"], marketplace=m["marketplace"],
            campaign=m["campaign"], platform=m["platform"], action=m["action"],
            worker_id=m["worker_id"], worker_handle=m["worker_handle"], target=m["target"],
            reasons=list((m["verdict"] or {}).get("reasons", [])),
        ) for m in rows], total

    def facets(self, filters: QueueFilters, limit: int = 30) -> dict[str, list[tuple[str, int]]]:
        """Per filter, its values among the flagged proofs the *other* filters keep,
        with counts, largest first: what choosing that value would leave."""
        out: dict[str, list[tuple[str, int]]] = {}
        columns = {"marketplace": proofs.c.marketplace, "campaign": proofs.c.campaign,
                   "platform": proofs.c.platform, "action": proofs.c.action,
                   "worker": proofs.c.worker_id}
        with self._db.read() as conn:
            for name, column in columns.items():
                n = func.count().label("n")
                query: Select[Any] = (select(column, n).where(*filters.where(skip=name),
                                                             column.is_not(None))
                                      .group_by(column).order_by(n.desc(), column).limit(limit))
                out[name] = [(str(v), int(c)) for v, c in conn.execute(query)]
            n = func.count(func.distinct(checks.c.proof_id)).label("n")
            query = (select(checks.c.name, n)
                     .select_from(proofs.join(checks,
                                              checks.c.attempt_id == proofs.c.decided_attempt_id))
                     .where(*filters.where(skip="check"), checks.c.outcome.in_(FLAG_OUTCOMES))
                     .group_by(checks.c.name).order_by(n.desc(), checks.c.name).limit(limit))
            out["check"] = [(str(v), int(c)) for v, c in conn.execute(query)]
        return out

    def neighbours(self, proof_id: str, filters: QueueFilters) -> tuple[str | None, str | None]:
        """The flagged proofs before and after ``proof_id`` in the queue's order (j/k),
        found by position, so they are right even after this proof was decided."""
        with self._db.read() as conn:
            at = conn.execute(select(proofs.c.created_at).where(proofs.c.id == proof_id)
                              ).scalar_one_or_none()
            if at is None:
                return None, None
            c, i = proofs.c.created_at, proofs.c.id
            later = or_(c > at, and_(c == at, i > proof_id))
            earlier = or_(c < at, and_(c == at, i < proof_id))
            after, before = (later, earlier) if filters.order == "oldest" else (earlier, later)
            asc = [proofs.c.created_at.asc(), proofs.c.id.asc()]
            desc = [proofs.c.created_at.desc(), proofs.c.id.desc()]
            fwd, back = (asc, desc) if filters.order == "oldest" else (desc, asc)
            nxt = conn.execute(select(proofs.c.id).where(*filters.where(), after)
                               .order_by(*fwd).limit(1)).scalar_one_or_none()
            prev = conn.execute(select(proofs.c.id).where(*filters.where(), before)
                                .order_by(*back).limit(1)).scalar_one_or_none()
        return prev, nxt

    # -- a worker's history -------------------------------------------------------

    def worker_history(self, worker_id: str, exclude: str,
                       limit: int = 20) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """The worker's other proofs (newest first) and their counts per status."""
        with self._db.read() as conn:
            rows = conn.execute(
                select(proofs.c.id, proofs.c.created_at, proofs.c.platform, proofs.c.action,
                       proofs.c.status, proofs.c.campaign)
                .where(proofs.c.worker_id == worker_id, proofs.c.id != exclude)
                .order_by(proofs.c.created_at.desc(), proofs.c.id.desc()).limit(limit)
            ).mappings().all()
            counts = {str(s): int(c) for s, c in conn.execute(
                select(proofs.c.status, func.count()).where(proofs.c.worker_id == worker_id)
                .group_by(proofs.c.status))}
        return [dict(r) for r in rows], counts

    # -- the audit log ---------------------------------------------------------------

    def audit(self, *, moderator: str = "", decision: str = "", proof_id: str = "",
              campaign: str = "", since: str = "", until: str = "", limit: int = 100,
              offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Moderation decisions, newest first, with what each proof was."""
        where: list[ColumnElement[bool]] = []
        if moderator:
            where.append(moderation_log.c.moderator == moderator)
        if decision:
            where.append(moderation_log.c.to_status == decision)
        if proof_id:
            where.append(moderation_log.c.proof_id == proof_id)
        if campaign:
            where.append(proofs.c.campaign == campaign)
        start, end = _day(since), _day(until)
        if start is not None:
            where.append(moderation_log.c.at >= start)
        if end is not None:
            where.append(moderation_log.c.at < end + timedelta(days=1))
        joined = moderation_log.join(proofs, proofs.c.id == moderation_log.c.proof_id)
        query = (select(moderation_log, proofs.c.marketplace, proofs.c.campaign,
                        proofs.c.platform, proofs.c.action, proofs.c.worker_id)
                 .select_from(joined).where(*where)
                 .order_by(moderation_log.c.id.desc()).limit(limit).offset(offset))
        with self._db.read() as conn:
            total = int(conn.execute(select(func.count()).select_from(joined).where(*where))
                        .scalar_one())
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return rows, total

    def moderator_names(self) -> list[str]:
        with self._db.read() as conn:
            return [str(x) for x in conn.execute(
                select(moderation_log.c.moderator).distinct().order_by(moderation_log.c.moderator)
            ).scalars()]

    # -- the dashboard -----------------------------------------------------------------

    def dashboard(self, days: int = 14) -> dict[str, Any]:
        """Everything the dashboard draws, each figure one grouped query."""
        now = now_utc()
        start = datetime.combine(now.date() - timedelta(days=days - 1), time(), tzinfo=UTC)
        with self._db.read() as conn:
            status = {str(s): int(c) for s, c in conn.execute(
                select(proofs.c.status, func.count()).group_by(proofs.c.status))}
            n = func.count().label("n")
            cells = [(f"{p} {a}", int(c)) for p, a, c in conn.execute(
                select(proofs.c.platform, proofs.c.action, n)
                .group_by(proofs.c.platform, proofs.c.action).order_by(n.desc()).limit(40))]
            # Why the verifier flagged: failing or unknown checks of flagged first verdicts.
            m = func.count(func.distinct(checks.c.proof_id)).label("n")
            reasons = [(str(name), int(c)) for name, c in conn.execute(
                select(checks.c.name, m)
                .select_from(checks.join(attempts, attempts.c.id == checks.c.attempt_id)
                             .join(proofs, proofs.c.decided_attempt_id == attempts.c.id))
                .where(attempts.c.status == "flagged", checks.c.outcome.in_(FLAG_OUTCOMES))
                .group_by(checks.c.name).order_by(m.desc()).limit(12))]
            day = func.date(moderation_log.c.at)
            throughput: dict[str, dict[str, int]] = {}
            for who, d, c in conn.execute(
                    select(moderation_log.c.moderator, day, func.count())
                    .where(moderation_log.c.at >= start)
                    .group_by(moderation_log.c.moderator, day)):
                throughput.setdefault(str(who), {})[str(d)] = int(c)
            flagged_at = func.coalesce(proofs.c.decided_at, proofs.c.created_at)
            waiting = conn.execute(
                select(func.count(), func.min(proofs.c.created_at))
                .where(proofs.c.status == "flagged")).one()
            new_flags = {str(d): int(c) for d, c in conn.execute(
                select(func.date(flagged_at), func.count())
                .select_from(proofs.join(attempts, attempts.c.id == proofs.c.decided_attempt_id))
                .where(attempts.c.status == "flagged", flagged_at >= start)
                .group_by(func.date(flagged_at)))}
            cleared = {str(d): int(c) for d, c in conn.execute(
                select(day, func.count()).where(moderation_log.c.at >= start,
                                                moderation_log.c.from_status == "flagged")
                .group_by(day))}
        day_keys = [(start.date() + timedelta(days=i)).isoformat() for i in range(days)]
        return {
            "status": status, "cells": cells, "reasons": reasons, "days": day_keys,
            "throughput": {who: [per.get(k, 0) for k in day_keys]
                           for who, per in sorted(throughput.items())},
            "queue_depth": int(waiting[0]), "oldest_flagged": waiting[1],
            "new_flags": [new_flags.get(k, 0) for k in day_keys],
            "cleared": [cleared.get(k, 0) for k in day_keys],
        }
