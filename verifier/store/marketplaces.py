"""Marketplaces and their API tokens.

A token is 256 random bits shown once; only its sha256 is stored, so a stolen
database yields no usable token. Several tokens per marketplace let one be
rotated while the other still works; a revoked token stays in the table so
the operator can see when it was revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from verifier.store.engine import Database
from verifier.store.lookups import now_utc
from verifier.store.schema import api_tokens, marketplaces

TOKEN_PREFIX = "mv_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Marketplace:
    name: str
    webhook_secret: str
    created_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    id: int
    marketplace: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """What ``verifier token create`` prints: the token once, and a new secret if made."""

    token: str
    marketplace: Marketplace
    secret_generated: bool


class MarketplaceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, name: str) -> Marketplace | None:
        with self._db.read() as conn:
            m = conn.execute(select(marketplaces).where(marketplaces.c.name == name)
                             ).mappings().first()
        return None if m is None else Marketplace(m["name"], m["webhook_secret"], m["created_at"])

    def issue_token(self, name: str, webhook_secret: str | None = None) -> IssuedToken:
        """Register ``name`` if new (with ``webhook_secret`` or a generated one) and
        give it a new token; an existing marketplace keeps its secret unless one is given."""
        name = name.strip()
        if not name or len(name) > 64:
            raise ValueError("a marketplace name is 1 to 64 characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = now_utc()
        generated = False
        with self._db.write() as conn:
            exists = conn.execute(
                select(marketplaces.c.name).where(marketplaces.c.name == name)
            ).first()
            if exists is None:
                generated = webhook_secret is None
                conn.execute(marketplaces.insert().values(
                    name=name, webhook_secret=webhook_secret or secrets.token_hex(32),
                    created_at=now))
            elif webhook_secret is not None:
                conn.execute(update(marketplaces).where(marketplaces.c.name == name)
                             .values(webhook_secret=webhook_secret))
            conn.execute(api_tokens.insert().values(
                marketplace=name, token_sha256=token_digest(token), prefix=token[:10],
                created_at=now))
        market = self.get(name)
        assert market is not None
        return IssuedToken(token, market, generated)

    def authenticate(self, token: str) -> str | None:
        """The marketplace a live token belongs to, else None (constant-time compare)."""
        digest = token_digest(token)
        with self._db.read() as conn:
            row = conn.execute(
                select(api_tokens.c.marketplace, api_tokens.c.token_sha256).where(
                    api_tokens.c.token_sha256 == digest, api_tokens.c.revoked_at.is_(None))
            ).first()
        if row is None or not hmac.compare_digest(row.token_sha256, digest):
            return None
        return str(row.marketplace)

    def revoke(self, token_or_prefix: str) -> int:
        """Revoke a token given whole or by its printed prefix; returns how many."""
        value = token_or_prefix.strip()
        where = (api_tokens.c.token_sha256 == token_digest(value)
                 if len(value) > 16 else api_tokens.c.prefix == value)
        with self._db.write() as conn:
            done = conn.execute(update(api_tokens).where(where, api_tokens.c.revoked_at.is_(None))
                                .values(revoked_at=now_utc()))
        return int(done.rowcount)

    def tokens(self, name: str | None = None) -> list[TokenInfo]:
        query = select(api_tokens).order_by(api_tokens.c.id)
        if name is not None:
            query = query.where(api_tokens.c.marketplace == name)
        with self._db.read() as conn:
            return [TokenInfo(m["id"], m["marketplace"], m["prefix"], m["created_at"],
                              m["revoked_at"]) for m in conn.execute(query).mappings()]

