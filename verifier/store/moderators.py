"""Moderator accounts, their sign-in sessions, and failed sign-ins.

Passwords are argon2id hashes (argon2-cffi's defaults, RFC 9106's low-memory
profile), so a stolen database does not give the passwords away. Sessions
live server-side: the cookie holds 256 random bits and the table only their
sha256, so sign-out and expiry are real (a deleted row is a dead cookie).
Failed sign-ins are counted per typed name in a sliding window; past the
limit the name is locked for the rest of the window, whatever is typed, so
guessing is slow even for names that do not exist.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from verifier.store.engine import Database
from verifier.store.lookups import now_utc
from verifier.store.schema import login_failures, moderators, review_sessions

SESSION_TTL = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as
# a wrong password and the timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ModeratorExists(ValueError):
    """``add`` for a name already taken."""


@dataclass(frozen=True)
class ReviewSession:
    """A signed-in moderator; ``csrf`` goes into every form the pages render."""

    moderator: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a session token, or why not."""

    token: str | None
    session: ReviewSession | None
    locked_for: timedelta | None = None


class ModeratorStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- accounts --------------------------------------------------------------

    def add(self, name: str, password: str) -> None:
        """Create moderator ``name``; refuses an empty or short password."""
        name = name.strip()
        if not name or len(name) > 128 or any(c.isspace() for c in name):
            raise ValueError("a moderator name is 1 to 128 characters without spaces")
        if len(password) < 8:
            raise ValueError("a moderator's password needs at least 8 characters")
        try:
            with self._db.write() as conn:
                conn.execute(moderators.insert().values(
                    name=name, password_hash=_hasher.hash(password), created_at=now_utc()))
        except IntegrityError:
            raise ModeratorExists(f"moderator {name} already exists") from None

    def create_with_password(self, name: str) -> tuple[str, str]:
        """A moderator with a generated password, for the demo: (name, password)."""
        password = secrets.token_urlsafe(12)
        self.add(name, password)
        return name, password

    def names(self) -> list[str]:
        with self._db.read() as conn:
            return list(conn.execute(select(moderators.c.name).order_by(moderators.c.name))
                        .scalars())

    # -- sign-in -----------------------------------------------------------------

    def locked_for(self, name: str, now: datetime | None = None) -> timedelta | None:
        """How long ``name`` stays locked after too many failures, or None."""
        now = now or now_utc()
        since = now - FAILURE_WINDOW
        query = (select(func.count(), func.min(login_failures.c.at))
                 .where(login_failures.c.username == name.strip().lower(),
                        login_failures.c.at > since))
        with self._db.read() as conn:
            count, first = conn.execute(query).one()
        if count < MAX_FAILURES or first is None:
            return None
        return max(first + FAILURE_WINDOW - now, timedelta(seconds=1))

    def sign_in(self, name: str, password: str, address: str | None = None) -> SignIn:
        """Check the password and open a session; a failure is recorded."""
        name = name.strip()
        locked = self.locked_for(name)
        if locked is not None:
            return SignIn(None, None, locked)
        with self._db.read() as conn:
            row = conn.execute(select(moderators).where(moderators.c.name == name)
                               ).mappings().first()
        ok = False
        try:
            ok = _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row["disabled_at"] is not None:
            with self._db.write() as conn:
                conn.execute(login_failures.insert().values(
                    username=name.lower()[:128], address=(address or "")[:64] or None,
                    at=now_utc()))
            return SignIn(None, None, self.locked_for(name))
        token = secrets.token_urlsafe(32)
        now = now_utc()
        session = ReviewSession(name, secrets.token_urlsafe(24), now + SESSION_TTL)
        with self._db.write() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.username == name.lower()))
            conn.execute(delete(review_sessions).where(review_sessions.c.expires_at <= now))
            conn.execute(review_sessions.insert().values(
                id=_digest(token), moderator=name, csrf_token=session.csrf, created_at=now,
                expires_at=session.expires_at, last_seen_at=now))
            if _hasher.check_needs_rehash(row["password_hash"]):
                conn.execute(update(moderators).where(moderators.c.name == name)
                             .values(password_hash=_hasher.hash(password)))
        return SignIn(token, session)

    def session(self, token: str | None) -> ReviewSession | None:
        """The live session behind a cookie, or None (unknown, expired, disabled)."""
        if not token:
            return None
        now = now_utc()
        query = (select(review_sessions, moderators.c.disabled_at)
                 .join(moderators, moderators.c.name == review_sessions.c.moderator)
                 .where(review_sessions.c.id == _digest(token)))
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or row["expires_at"] <= now or row["disabled_at"] is not None:
            return None
        return ReviewSession(row["moderator"], row["csrf_token"], row["expires_at"])

    def sign_out(self, token: str | None) -> None:
        if token:
            with self._db.write() as conn:
                conn.execute(delete(review_sessions).where(review_sessions.c.id == _digest(token)))
