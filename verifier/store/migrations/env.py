"""Alembic environment: runs on the connection the store hands over.

``verifier db upgrade`` and ``Store.create_schema`` pass their own connection
(``config.attributes["connection"]``) inside a write transaction, so SQLite's
write lock or PostgreSQL's advisory lock is already held while migrating.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from verifier.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
