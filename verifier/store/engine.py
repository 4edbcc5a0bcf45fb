"""One SQLAlchemy engine per store, set up so many worker processes can share it.

SQLite needs care to be a multi-process store:

* WAL journal, so readers never block the writer and vice versa;
* a busy timeout, so a writer waits for the lock instead of failing at once;
* ``BEGIN IMMEDIATE`` for transactions that will write. A deferred transaction
  that reads first and writes later must *upgrade* its lock, and in WAL mode a
  failed upgrade returns "database is locked" immediately without consulting
  the busy handler. Taking the write lock up front makes writers queue politely.
  This needs SQLAlchemy to emit BEGIN itself (the sqlite3 module's implicit
  transactions are switched off), as the SQLAlchemy SQLite docs describe.
* ``synchronous`` stays at its default (FULL): the product promises a proof is
  never lost, so a commit must survive a power cut.

PostgreSQL needs nothing special: row locks and read-committed semantics make
the store's conditional UPDATEs race-safe there too.

RQ forks a work-horse process per job; pooled connections must not cross a
fork, so :class:`Database` notices a new pid and drops the inherited pool
(without closing the parent's sockets) before handing out a connection.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_S = 30.0
_WRITE_OPTION = "verifier_write"


def _sqlite_file(database: str | None) -> Path | None:
    """The file behind a SQLite URL's database part, or None for in-memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and its directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    path = _sqlite_file(parsed.database)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_S}}
    if path is None:
        # One shared in-memory database for every thread of this process.
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # SQLAlchemy emits BEGIN itself (see the "begin" hook below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if path is not None:
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """An engine plus read and write transaction helpers that are fork-safe."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._pid = os.getpid()

    def _check_fork(self) -> None:
        if os.getpid() != self._pid:
            # Forget the parent's pooled connections; the parent still owns them.
            self.engine.dispose(close=False)
            self._pid = os.getpid()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction that only reads (a consistent snapshot)."""
        self._check_fork()
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that writes; on SQLite it takes the write lock up front."""
        self._check_fork()
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITE_OPTION: True})
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()
