"""Schema versions under Alembic: upgrade, stamp, and the check that refuses
to run on an old schema.

Long-running processes (``verifier serve``, ``verifier worker``) never
migrate by themselves: several of them share one database across hosts, so
an operator runs ``verifier db upgrade`` once and the processes check the
revision at start. One-shot commands on a fresh database (``verify``,
``demo``, the tests) create it in one step: ``create_all`` and a stamp at
head, as Alembic's cookbook recommends for new databases; a test keeps that
path and the migrations producing the same schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from verifier.store.engine import Database
from verifier.store.schema import metadata

# The revision a database made by create_all before migrations existed is at.
BASELINE = "0001"
_PG_LOCK_KEY = 0x5645524946  # "VERIF": serialises migrations across processes


class SchemaOutOfDate(RuntimeError):
    """The database is not at the revision this code needs; the message says what to run."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "verifier.store:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _lock(conn: Connection) -> None:
    """Serialise migrations: SQLite's write transaction already does; PostgreSQL
    takes a transaction-scoped advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def state(db: Database) -> SchemaState:
    with db.read() as conn:
        return SchemaState(_current(conn), head_revision())


def upgrade(db: Database, revision: str = "head") -> SchemaState:
    """Upgrade to ``revision``; a pre-Alembic database is stamped at the baseline first."""
    cfg = alembic_config(str(db.engine.url))
    with db.write() as conn:
        _lock(conn)
        cfg.attributes["connection"] = conn
        before = _current(conn)
        if before is None and inspect(conn).has_table("proofs"):
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, revision)
        return SchemaState(before, head_revision())


def ensure(db: Database) -> None:
    """Make the schema current: a new database in one step, an old one by migrating."""
    cfg = alembic_config(str(db.engine.url))
    with db.write() as conn:
        _lock(conn)
        current = _current(conn)
        if current == head_revision():
            return
        if current is None and not inspect(conn).has_table("proofs"):
            metadata.create_all(conn)
            cfg.attributes["connection"] = conn
            command.stamp(cfg, "head")
            return
    upgrade(db)


def require_current(db: Database, what: str) -> None:
    """Raise ``SchemaOutOfDate`` naming the command to run, for serve and worker."""
    found = state(db)
    if not found.up_to_date:
        at = found.current or "no schema version"
        raise SchemaOutOfDate(
            f"{what} needs database schema {found.head}, but {db.engine.url!r} is at {at}: "
            "run `verifier db upgrade` first"
        )
