"""The verdict store: proofs, their first verdict, every attempt, moderation.

The product promises that a proof is never lost and never decided twice, and
that re-verification keeps the first verdict. The store enforces that in the
database rather than in callers, because several worker processes on several
hosts handle the same proof when a job is retried after a crash:

* ``add_proof`` inserts and catches the primary-key violation (no
  check-then-insert window), so the same id submitted twice, even at the same
  instant from two API processes, yields one record.
* ``decide`` always records the attempt, then writes the verdict with
  ``UPDATE ... WHERE decided_at IS NULL``; only the transaction whose UPDATE
  matched a row made the decision, every other one sees ``False``.
* moderation never touches the verifier's verdict: it changes the current
  status and appends to ``moderation_log``.

The same SQLAlchemy Core code runs on SQLite (the default, one file under
``VERIFIER_HOME``) and PostgreSQL (``VERIFIER_DATABASE_URL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, RowMapping, select, update
from sqlalchemy.exc import IntegrityError

from verifier.models import Proof, Verdict
from verifier.store import fingerprints, lookups, migrate
from verifier.store.engine import Database
from verifier.store.fingerprints import ImageSeen
from verifier.store.lookups import (
    UnknownProofError,
    normalise_handle,
    now_utc,
    pending_verdict,
    verdict_of,
)
from verifier.store.marketplaces import MarketplaceStore
from verifier.store.moderators import ModeratorStore
from verifier.store.retention import RetentionStore
from verifier.store.review import ReviewQueries
from verifier.store.schema import attempts, checks, moderation_log, proofs
from verifier.store.webhooks import WebhookStore

AttemptKind = Literal["initial", "reverify"]
ModeratorStatus = Literal["approved", "rejected"]

_VERIFIER_DECISIONS = ("approved", "flagged")
_MODERATABLE = ("flagged", "approved")


__all__ = [
    "AttemptKind", "AttemptRecord", "ModerationEntry", "ModeratorStatus", "ProofConflictError",
    "Store",
    "UnknownProofError", "normalise_handle",
]


@dataclass(frozen=True)
class AttemptRecord:
    """One verification run of a proof, as the review page shows it."""

    id: int
    proof_id: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime
    verdict: Verdict


@dataclass(frozen=True)
class ModerationEntry:
    """One moderator decision: who, when, from which status to which, why."""

    proof_id: str
    moderator: str
    at: datetime
    from_status: str
    to_status: str
    note: str
    # The moderation_log row: one per decision (a webhook's dedupe key).
    id: int | None = None


class ProofConflictError(ValueError):
    """A proof id already stored with different content."""

    def __init__(self, proof_id: str, marketplace: str | None) -> None:
        self.proof_id = proof_id
        self.marketplace = marketplace
        super().__init__(f"proof {proof_id} was already submitted with different content")


class Store:
    """Proofs and verdicts in SQL; safe to share between processes and threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._db = Database(url)
        self.marketplaces = MarketplaceStore(self._db)
        self.webhooks = WebhookStore(self._db)
        self.moderators = ModeratorStore(self._db)
        self.review = ReviewQueries(self._db)
        self.retention = RetentionStore(self._db)

    @property
    def engine(self) -> Engine:
        return self._db.engine

    def create_schema(self) -> None:
        """Make the schema current (a new database in one step, an old one migrated)."""
        migrate.ensure(self._db)

    def check_schema(self, what: str) -> None:
        """Refuse to run on a schema older than this code (``verifier db upgrade``)."""
        migrate.require_current(self._db, what)

    def upgrade_schema(self, revision: str = "head") -> migrate.SchemaState:
        return migrate.upgrade(self._db, revision)

    def schema_state(self) -> migrate.SchemaState:
        return migrate.state(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- proofs ------------------------------------------------------------

    def add_proof(self, proof: Proof) -> tuple[Verdict, bool]:
        """Store a new proof as pending; for a known id return its verdict and False.

        The id is the idempotency key: the same id with other content raises
        ``ProofConflictError`` rather than deciding one proof and keeping another.
        """
        now = now_utc()
        handle = proof.worker.handle
        row = {
            "id": proof.id,
            "marketplace": proof.marketplace,
            "campaign": proof.campaign,
            "worker_id": proof.worker.id,
            "worker_handle": handle,
            "handle_key": normalise_handle(handle) if handle else None,
            "action": proof.task.action,
            "platform": proof.task.platform,
            "target": proof.task.target,
            "callback_url": proof.callback_url,
            "proof": proof.to_json(),
            "created_at": now,
            "status": "pending",
            "attempt_count": 0,
            "queued_at": now,
            "retries": 0,
        }
        try:
            with self._db.write() as conn:
                conn.execute(proofs.insert().values(**row))
        except IntegrityError:
            stored = self._row(proof.id)
            if stored is None:
                raise
            if stored["proof"] != row["proof"]:
                raise ProofConflictError(proof.id, stored["marketplace"]) from None
            return verdict_of(stored), False
        return pending_verdict(proof.id, 0), True

    def _row(self, proof_id: str) -> RowMapping | None:
        with self._db.read() as conn:
            return conn.execute(select(proofs).where(proofs.c.id == proof_id)).mappings().first()

    def get_proof(self, proof_id: str) -> Proof | None:
        row = self._row(proof_id)
        return None if row is None else Proof.model_validate(row["proof"])

    def get_verdict(self, proof_id: str) -> Verdict | None:
        """The current verdict: pending, the first decision, or a moderator's."""
        row = self._row(proof_id)
        return None if row is None else verdict_of(row)

    # -- decisions -----------------------------------------------------------

    def decide(
        self, verdict: Verdict, kind: str = "initial", *, started_at: datetime | None = None
    ) -> bool:
        """Record an attempt; make it the proof's verdict only if none exists yet.

        Returns True when this call made the decision. A ``pending`` verdict (a
        retry) is recorded but decides nothing; ``rejected`` is refused because
        only a moderator may reject.
        """
        if kind not in ("initial", "reverify"):
            raise ValueError(f"kind must be 'initial' or 'reverify', got {kind!r}")
        if verdict.status == "rejected":
            raise ValueError("the verifier never rejects; only a moderator does (moderate())")
        finished = verdict.verified_at or now_utc()
        data = verdict.to_json()
        with self._db.write() as conn:
            # Counting first also locks the proof row (PostgreSQL) and tells
            # us whether the proof exists before anything else is written.
            counted = conn.execute(
                update(proofs)
                .where(proofs.c.id == verdict.proof_id)
                .values(attempt_count=proofs.c.attempt_count + 1)
            )
            if counted.rowcount != 1:
                raise UnknownProofError(verdict.proof_id)
            inserted = conn.execute(
                attempts.insert().values(
                    proof_id=verdict.proof_id, kind=kind, status=verdict.status, verdict=data,
                    started_at=started_at or finished, finished_at=finished,
                )
            ).inserted_primary_key
            assert inserted is not None  # a single-row insert always reports its key
            attempt_id = inserted[0]
            if verdict.checks:
                conn.execute(
                    checks.insert(),
                    [
                        {
                            "attempt_id": attempt_id, "proof_id": verdict.proof_id,
                            "name": c.name, "outcome": c.outcome, "detail": c.detail,
                            "evidence": list(c.evidence),
                        }
                        for c in verdict.checks
                    ],
                )
            if verdict.status not in _VERIFIER_DECISIONS:
                return False
            decided = conn.execute(
                update(proofs)
                .where(proofs.c.id == verdict.proof_id, proofs.c.decided_at.is_(None))
                .values(
                    status=verdict.status, verdict=data, decided_at=finished,
                    decided_attempt_id=attempt_id,
                )
            )
            return decided.rowcount == 1

    def attempt_records(self, proof_id: str) -> list[AttemptRecord]:
        """Every attempt with its kind and timing, oldest first."""
        query = select(attempts).where(attempts.c.proof_id == proof_id).order_by(attempts.c.id)
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        out = []
        for n, m in enumerate(rows, start=1):
            verdict = Verdict.model_validate({**m["verdict"], "attempts": n})
            out.append(
                AttemptRecord(
                    id=m["id"], proof_id=m["proof_id"], kind=m["kind"], status=m["status"],
                    started_at=m["started_at"], finished_at=m["finished_at"], verdict=verdict,
                )
            )
        return out

    def attempts(self, proof_id: str) -> list[Verdict]:
        """Each attempt's verdict in order; ``attempts`` is its 1-based number."""
        return [record.verdict for record in self.attempt_records(proof_id)]

    # -- moderation ----------------------------------------------------------

    def moderate(
        self, proof_id: str, status: ModeratorStatus, moderator: str, note: str = ""
    ) -> Verdict:
        """A moderator approves or rejects a flagged (or auto-approved) proof.

        The verifier's verdict stays as it was (see ``attempts``); the current
        status changes and the change is logged for ``audit``.
        """
        return self.moderate_logged(proof_id, status, moderator, note)[0]

    def moderate_logged(
        self, proof_id: str, status: ModeratorStatus, moderator: str, note: str = ""
    ) -> tuple[Verdict, ModerationEntry]:
        """``moderate``, also returning the log entry it wrote (with its id)."""
        if status not in ("approved", "rejected"):
            raise ValueError(f"a moderator sets 'approved' or 'rejected', not {status!r}")
        if not moderator.strip():
            raise ValueError("moderator must name who decided")
        now = now_utc()
        with self._db.write() as conn:
            current = conn.execute(
                select(proofs.c.status).where(proofs.c.id == proof_id).with_for_update()
            ).scalar_one_or_none()
            if current is None:
                raise UnknownProofError(proof_id)
            if current not in _MODERATABLE:
                raise ValueError(
                    f"proof {proof_id} is {current}; only flagged or approved proofs are moderated"
                )
            conn.execute(
                update(proofs)
                .where(proofs.c.id == proof_id)
                .values(status=status, moderated_by=moderator, moderated_at=now,
                        moderation_note=note)
            )
            logged = conn.execute(
                moderation_log.insert().values(
                    proof_id=proof_id, moderator=moderator, at=now, from_status=current,
                    to_status=status, note=note,
                )
            ).inserted_primary_key
            assert logged is not None
        verdict = self.get_verdict(proof_id)
        assert verdict is not None  # proofs are never deleted
        entry = ModerationEntry(proof_id=proof_id, moderator=moderator, at=now,
                                from_status=current, to_status=status, note=note, id=logged[0])
        return verdict, entry

    def audit(self, proof_id: str) -> list[ModerationEntry]:
        """The moderation log of a proof, oldest first."""
        query = (
            select(moderation_log)
            .where(moderation_log.c.proof_id == proof_id)
            .order_by(moderation_log.c.id)
        )
        with self._db.read() as conn:
            return [
                ModerationEntry(
                    proof_id=m["proof_id"], moderator=m["moderator"], at=m["at"],
                    from_status=m["from_status"], to_status=m["to_status"], note=m["note"],
                    id=m["id"],
                )
                for m in conn.execute(query).mappings()
            ]

    # -- listing -------------------------------------------------------------

    def list_proofs(
        self,
        status: str | None = None,
        action: str | None = None,
        platform: str | None = None,
        campaign: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
        *,
        check: str | None = None,
        check_outcome: str | None = None,
    ) -> list[tuple[Proof, Verdict]]:
        """Proofs with their current verdict, newest first.

        ``since`` compares with the time the store received the proof.
        ``check`` / ``check_outcome`` keep proofs whose deciding attempt has
        that check (with that outcome), e.g. ``check="proof.duplicate",
        check_outcome="fail"`` for the moderator's duplicate queue.
        """
        query = lookups.list_query(
            status=status, action=action, platform=platform, campaign=campaign, since=since,
            limit=limit, offset=offset, check=check, check_outcome=check_outcome,
        )
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [(Proof.model_validate(m["proof"]), verdict_of(m)) for m in rows]

    # -- image fingerprints (see fingerprints.py) ------------------------------

    def record_image(
        self, proof_id: str, worker_id: str, campaign: str | None, handle: str | None,
        sha256: str, phash: str, dhash: str, text_sig: str | None = None,
    ) -> bool:
        """Remember a submitted image; idempotent per (proof_id, sha256)."""
        return fingerprints.record_image(
            self._db, proof_id, worker_id, campaign, handle, sha256, phash, dhash, text_sig
        )

    def find_exact(
        self, sha256: str, exclude_proof: str | None = None, *,
        campaign: str | None = None, limit: int = 100,
    ) -> list[ImageSeen]:
        return fingerprints.find_exact(
            self._db, sha256, exclude_proof, campaign=campaign, limit=limit
        )

    def find_near(
        self, phash: str, max_distance: int, exclude_proof: str | None = None, *,
        campaign: str | None = None, limit: int = 50,
    ) -> list[ImageSeen]:
        return fingerprints.find_near(
            self._db, phash, max_distance, exclude_proof, campaign=campaign, limit=limit
        )

    # -- accounts --------------------------------------------------------------

    def handles_of_worker(
        self, worker_id: str, platform: str, campaign: str | None = None
    ) -> set[str]:
        """Normalised handles a worker id has submitted on a platform."""
        return lookups.handles_of_worker(self._db, worker_id, platform, campaign)

    def workers_of_handle(
        self, handle: str, platform: str, campaign: str | None = None
    ) -> set[str]:
        """Worker ids that submitted this handle (any case, with or without @)."""
        return lookups.workers_of_handle(self._db, handle, platform, campaign)

    def earlier_proofs_of_worker(
        self, proof_id: str, campaign: str, worker_id: str, platform: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The worker's proofs in the campaign on the platform submitted before this one."""
        return lookups.earlier_proofs_of_worker(self._db, proof_id, campaign, worker_id,
                                                platform)

    # -- stuck proofs ------------------------------------------------------------

    def pending_ids(
        self, older_than: timedelta, *, now: datetime | None = None, limit: int = 1000
    ) -> list[str]:
        """Undecided proofs last enqueued more than ``older_than`` ago, oldest first."""
        return lookups.pending_ids(self._db, older_than, now=now, limit=limit)

    def mark_pending_retry(
        self, proof_id: str, *, older_than: timedelta | None = None, now: datetime | None = None
    ) -> bool:
        """Note that a stuck proof is being re-enqueued; False if already decided.

        With ``older_than`` the mark is also a claim: it succeeds only while the
        proof is still stale, so two sweepers never both re-enqueue it.
        """
        return lookups.mark_pending_retry(self._db, proof_id, older_than=older_than, now=now)

    def retries_of(self, proof_id: str) -> int:
        """How often the sweeper re-enqueued this proof."""
        row = self._row(proof_id)
        if row is None:
            raise UnknownProofError(proof_id)
        return int(row["retries"])

    def deferrals_of(self, proof_id: str) -> int:
        """How often a first verification was put off for later (a ``pending`` attempt)."""
        return lookups.deferrals_of(self._db, proof_id)

    def counts_by_status(self) -> dict[str, int]:
        return lookups.counts_by_status(self._db)

    def count(self, status: str | None = None) -> int:
        """Number of proofs (with this current status), for progress and health."""
        return lookups.count(self._db, status)
