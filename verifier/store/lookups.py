"""Read-side helpers of the store: verdicts from rows, lists, accounts, sweeps.

Kept apart from ``core`` so the module that enforces the decide-once rules
stays short enough to audit in one sitting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, Select, exists, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from verifier.models import Verdict
from verifier.store.engine import Database
from verifier.store.schema import attempts, checks, proofs

STATUSES = ("pending", "approved", "flagged", "rejected")


class UnknownProofError(LookupError):
    """The proof id is not in the store."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def normalise_handle(handle: str) -> str:
    """Handles compare case-insensitively and with or without a leading ``@``."""
    return handle.strip().lstrip("@").strip().lower()


def pending_verdict(proof_id: str, count: int) -> Verdict:
    """Not decided yet: no checks, and a reason saying so (the contract allows
    empty reasons only on an approval)."""
    reason = (
        "Queued for verification; no decision yet."
        if count == 0
        else f"No decision yet after {count} attempt(s)."
    )
    return Verdict(proof_id=proof_id, status="pending", reasons=[reason], attempts=count)


def verdict_of(m: RowMapping) -> Verdict:
    """The current verdict of a ``proofs`` row, without another query.

    The verifier's first verdict with the current status (a moderator's, if
    any, whose decision is added as the last reason), the attempt count and,
    once re-checked, what re-verification found (``retention``).
    """
    count = m["attempt_count"]
    if m["verdict"] is None:
        return pending_verdict(m["id"], count)
    data: dict[str, Any] = dict(m["verdict"])
    data["status"] = m["status"]
    data["attempts"] = count
    if m["moderated_by"] is not None:
        word = "Approved" if m["status"] == "approved" else "Rejected"
        note = m["moderation_note"] or ""
        reason = f"{word} by moderator {m['moderated_by']}" + (f": {note}" if note else ".")
        data["reasons"] = [*data.get("reasons", []), reason]
        data["moderation"] = {"moderator": m["moderated_by"], "decision": m["status"],
                              "note": note, "decided_at": m["moderated_at"]}
    if m.get("retention_state") is not None:
        data["retention"] = {"state": m["retention_state"],
                             "checked_at": m["retention_checked_at"],
                             "dropped_at": m["retention_dropped_at"],
                             "checks": m["retention_checks"]}
    return Verdict.model_validate(data)


def list_query(
    *,
    status: str | None,
    action: str | None,
    platform: str | None,
    campaign: str | None,
    since: datetime | None,
    limit: int,
    offset: int,
    check: str | None,
    check_outcome: str | None,
) -> Select[Any]:
    """The ``list_proofs`` query; every filter maps to an indexed column."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
    where: list[ColumnElement[bool]] = []
    if status is not None:
        where.append(proofs.c.status == status)
    if action is not None:
        where.append(proofs.c.action == action)
    if platform is not None:
        where.append(proofs.c.platform == platform)
    if campaign is not None:
        where.append(proofs.c.campaign == campaign)
    if since is not None:
        where.append(proofs.c.created_at >= since)
    if check is not None or check_outcome is not None:
        match = [checks.c.attempt_id == proofs.c.decided_attempt_id]
        if check is not None:
            match.append(checks.c.name == check)
        if check_outcome is not None:
            match.append(checks.c.outcome == check_outcome)
        where.append(exists().where(*match))
    return (
        select(proofs)
        .where(*where)
        .order_by(proofs.c.created_at.desc(), proofs.c.id.desc())
        .limit(limit)
        .offset(offset)
    )


def handles_of_worker(
    db: Database, worker_id: str, platform: str, campaign: str | None
) -> set[str]:
    where = [
        proofs.c.worker_id == worker_id,
        proofs.c.platform == platform,
        proofs.c.handle_key.is_not(None),
    ]
    if campaign is not None:
        where.append(proofs.c.campaign == campaign)
    with db.read() as conn:
        return set(conn.execute(select(proofs.c.handle_key).where(*where).distinct()).scalars())


def workers_of_handle(db: Database, handle: str, platform: str, campaign: str | None) -> set[str]:
    where = [proofs.c.handle_key == normalise_handle(handle), proofs.c.platform == platform]
    if campaign is not None:
        where.append(proofs.c.campaign == campaign)
    with db.read() as conn:
        return set(conn.execute(select(proofs.c.worker_id).where(*where).distinct()).scalars())


def earlier_proofs_of_worker(
    db: Database, proof_id: str, campaign: str, worker_id: str, platform: str
) -> list[tuple[str, dict[str, Any]]]:
    """(id, proof JSON) of the worker's proofs in a campaign on a platform that were
    submitted before ``proof_id`` (all of them when it is not stored), oldest first."""
    with db.read() as conn:
        own = conn.execute(
            select(proofs.c.created_at).where(proofs.c.id == proof_id)).scalar_one_or_none()
        where = [proofs.c.campaign == campaign, proofs.c.worker_id == worker_id,
                 proofs.c.platform == platform, proofs.c.id != proof_id]
        rows = conn.execute(select(proofs.c.id, proofs.c.created_at, proofs.c.proof)
                            .where(*where).order_by(proofs.c.created_at, proofs.c.id)).all()
    return [(row.id, row.proof) for row in rows
            if own is None or (row.created_at, row.id) < (own, proof_id)]


def pending_ids(
    db: Database, older_than: timedelta, *, now: datetime | None, limit: int
) -> list[str]:
    cutoff = (now or now_utc()) - older_than
    query = (
        select(proofs.c.id)
        .where(proofs.c.decided_at.is_(None), proofs.c.queued_at <= cutoff)
        .order_by(proofs.c.queued_at, proofs.c.id)
        .limit(limit)
    )
    with db.read() as conn:
        return list(conn.execute(query).scalars())


def mark_pending_retry(
    db: Database, proof_id: str, *, older_than: timedelta | None, now: datetime | None
) -> bool:
    at = now or now_utc()
    where = [proofs.c.id == proof_id, proofs.c.decided_at.is_(None)]
    if older_than is not None:
        where.append(proofs.c.queued_at <= at - older_than)
    with db.write() as conn:
        result = conn.execute(
            update(proofs).where(*where).values(queued_at=at, retries=proofs.c.retries + 1)
        )
        return result.rowcount == 1


def count(db: Database, status: str | None) -> int:
    query = select(func.count()).select_from(proofs)
    if status is not None:
        query = query.where(proofs.c.status == status)
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def deferrals_of(db: Database, proof_id: str) -> int:
    query = (select(func.count()).select_from(attempts)
             .where(attempts.c.proof_id == proof_id, attempts.c.kind == "initial",
                    attempts.c.status == "pending"))
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def counts_by_status(db: Database) -> dict[str, int]:
    """Proofs per current status, every status present (zero included) for gauges."""
    query = select(proofs.c.status, func.count()).group_by(proofs.c.status)
    with db.read() as conn:
        found = {str(status): int(n) for status, n in conn.execute(query)}
    return {status: found.get(status, 0) for status in STATUSES}
