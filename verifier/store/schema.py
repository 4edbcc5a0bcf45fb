"""Tables of the verdict store, one definition for SQLite and PostgreSQL.

Why the layout looks the way it does:

* ``proofs`` holds the proof exactly as sent (``proof`` JSON) plus the columns
  that lists and duplicate lookups filter on. Its *first* verifier verdict
  (``verdict``, ``decided_at``, ``decided_attempt_id``) is written once, by a
  conditional UPDATE, and never overwritten: re-verification and moderation
  live in their own tables, so the original decision stays explainable.
* ``attempts`` / ``checks`` record every verification run, including the ones
  that lost the race to decide; ``checks`` is a real table so a moderator can
  ask "every proof whose ``proof.duplicate`` check failed" in SQL.
* ``moderation_log`` is append-only: who changed what, when, and why.
* ``images`` stores fingerprints with the 64-bit perceptual hash split into four
  16-bit bands (see ``fingerprints.py`` for the search this enables).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names: PostgreSQL error messages and future
# migrations can then refer to them by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# An integer primary key that is BIGINT on PostgreSQL (attempts and checks grow
# without bound) but stays INTEGER on SQLite, where only INTEGER PRIMARY KEY is
# the auto-incrementing rowid alias.
_Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are
    normalised to naive UTC on the way in (which also keeps its text form
    sortable) and get ``tzinfo=UTC`` back on the way out. Naive inputs are
    taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - driver quirk guard
            value = datetime.fromisoformat(str(value))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


proofs = Table(
    "proofs",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("marketplace", String(64)),
    Column("campaign", String(128)),
    Column("worker_id", String(128), nullable=False),
    Column("worker_handle", String(256)),
    # Normalised handle (lower case, no leading "@") for account lookups.
    Column("handle_key", String(256)),
    Column("action", String(32), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("target", String(2048), nullable=False),
    Column("callback_url", String(2048)),
    Column("proof", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Current status: pending until decided, then the verifier's or a moderator's.
    Column("status", String(16), nullable=False),
    Column("verdict", JSON),
    Column("decided_at", UTCDateTime()),
    Column("decided_attempt_id", _Id),
    Column("attempt_count", Integer, nullable=False, default=0),
    # Last time the proof was (re-)enqueued; the stuck-job sweeper reads it.
    Column("queued_at", UTCDateTime(), nullable=False),
    Column("retries", Integer, nullable=False, default=0),
    Column("moderated_by", String(128)),
    Column("moderated_at", UTCDateTime()),
    Column("moderation_note", Text),
    # Retention (re-verification after the decision; see retention.py): the last
    # re-check's state, when it ran, when a drop was last found, when the action
    # was last seen held, and how many re-checks ran. The first verdict never changes.
    Column("retention_state", String(16)),
    Column("retention_checked_at", UTCDateTime()),
    Column("retention_dropped_at", UTCDateTime()),
    Column("retention_held_at", UTCDateTime()),
    Column("retention_checks", Integer, nullable=False, default=0, server_default="0"),
    Index(None, "created_at"),
    Index(None, "status", "created_at"),
    Index(None, "campaign", "created_at"),
    Index(None, "platform", "action", "created_at"),
    Index(None, "platform", "handle_key"),
    Index(None, "platform", "worker_id"),
    Index(None, "decided_at", "queued_at"),
    Index(None, "retention_dropped_at"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("proof_id", String(128), ForeignKey("proofs.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("verdict", JSON, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=False),
)

checks = Table(
    "checks",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("attempt_id", _Id, ForeignKey("attempts.id"), nullable=False, index=True),
    Column("proof_id", String(128), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("evidence", JSON, nullable=False),
    Index(None, "name", "outcome"),
)

moderation_log = Table(
    "moderation_log",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("proof_id", String(128), ForeignKey("proofs.id"), nullable=False, index=True),
    Column("moderator", String(128), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

images = Table(
    "images",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("proof_id", String(128), ForeignKey("proofs.id"), nullable=False),
    Column("worker_id", String(128), nullable=False),
    Column("campaign", String(128)),
    Column("handle", String(256)),
    Column("sha256", String(64), nullable=False, index=True),
    Column("phash", String(16), nullable=False),
    Column("dhash", String(16), nullable=False),
    # The words OCR read in the image: two screenshots of one page taken by
    # different accounts look alike to a perceptual hash and differ only here.
    Column("text_sig", Text),
    # phash split into four 16-bit bands, most significant first.
    Column("band0", Integer, nullable=False, index=True),
    Column("band1", Integer, nullable=False, index=True),
    Column("band2", Integer, nullable=False, index=True),
    Column("band3", Integer, nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("proof_id", "sha256"),
)

BAND_COLUMNS = (images.c.band0, images.c.band1, images.c.band2, images.c.band3)

# -- marketplaces, their API tokens and webhook deliveries (the HTTP API) -----

marketplaces = Table(
    "marketplaces",
    metadata,
    Column("name", String(64), primary_key=True),
    # Kept in clear: every webhook body is signed with it (HMAC needs the key).
    Column("webhook_secret", String(256), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("marketplace", String(64), ForeignKey("marketplaces.name"), nullable=False,
           index=True),
    # sha256 of the token: tokens are 256 random bits, so a fast hash is enough
    # and lets every request be checked with one indexed lookup.
    Column("token_sha256", String(64), nullable=False, unique=True),
    # The first characters, so an operator can tell tokens apart when revoking.
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("proof_id", String(128), ForeignKey("proofs.id"), nullable=False, index=True),
    Column("marketplace", String(64)),
    Column("event", String(32), nullable=False),
    # What makes two deliveries the same: one per decision, per moderation, per drop.
    Column("dedupe_key", String(64), nullable=False),
    Column("url", String(2048), nullable=False),
    # The exact bytes signed and sent, so every retry carries the same body.
    Column("body", Text, nullable=False),
    # pending (more attempts to come), delivered, failed (gave up or cannot send)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime()),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime()),
    UniqueConstraint("proof_id", "event", "dedupe_key"),
    Index(None, "status", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), ForeignKey("webhook_deliveries.id"), nullable=False,
           index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
)

# -- moderators of the review pages (verifier/review) --------------------------

moderators = Table(
    "moderators",
    metadata,
    Column("name", String(128), primary_key=True),
    # argon2id, with its parameters and salt inside the string.
    Column("password_hash", String(256), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime()),
)

review_sessions = Table(
    "review_sessions",
    metadata,
    # sha256 of the cookie's token: a stolen database yields no usable session.
    Column("id", String(64), primary_key=True),
    Column("moderator", String(128), ForeignKey("moderators.name"), nullable=False, index=True),
    # Every form of the session carries it; a POST without it is refused.
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("last_seen_at", UTCDateTime(), nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    # As typed (lower-cased): failures for names that do not exist count too.
    Column("username", String(128), nullable=False),
    Column("address", String(64)),
    Column("at", UTCDateTime(), nullable=False),
    Index(None, "username", "at"),
)

# -- re-verification batches (verifier reverify, POST /v1/reverify) ------------

reverify_batches = Table(
    "reverify_batches",
    metadata,
    Column("id", String(36), primary_key=True),
    # The marketplace whose token started it (its proofs only); NULL: an operator's batch.
    Column("marketplace", String(64), index=True),
    Column("filters", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("total", Integer, nullable=False),
)

reverify_items = Table(
    "reverify_items",
    metadata,
    Column("batch_id", String(36), ForeignKey("reverify_batches.id"), primary_key=True),
    Column("proof_id", String(128), ForeignKey("proofs.id"), primary_key=True),
    # queued, then held / dropped / unknown; skipped: nothing a third party can re-check.
    Column("state", String(16), nullable=False),
    Column("attempt_id", _Id),
    Column("checked_at", UTCDateTime()),
    Column("detail", Text, nullable=False, default=""),
    Index(None, "batch_id", "state"),
)
