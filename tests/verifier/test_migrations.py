"""Alembic migrations on SQLite and PostgreSQL: they build the schema the code
declares, a pre-Alembic database is adopted, and long-running commands refuse
an old schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.pg import emptied
from verifier.store import Store, metadata
from verifier.store.migrate import SchemaOutOfDate, head_revision

BACKENDS = ["sqlite", "postgres"]


def pre_alembic(url: str) -> None:
    """A database as ``create_all`` made it before migrations existed: the 0001 tables
    (built by the 0001 migration, since today's models have grown) and no version row."""
    store = Store(url)
    store.upgrade_schema("0001")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    store.close()


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return emptied(url)


def test_migrations_build_the_declared_schema(empty_db: str) -> None:
    store = Store(empty_db)
    state = store.upgrade_schema()
    assert state.current is None and state.head == head_revision()
    assert store.schema_state().up_to_date
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []
    store.close()


def test_downgrade_to_the_baseline_and_back(empty_db: str) -> None:
    store = Store(empty_db)
    store.upgrade_schema()
    store.upgrade_schema("head")  # at head already: nothing to do
    from alembic import command

    from verifier.store.migrate import alembic_config

    with store.engine.begin() as conn:
        cfg = alembic_config(empty_db)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert not inspect(store.engine).has_table("webhook_deliveries")
    with pytest.raises(SchemaOutOfDate, match="verifier db upgrade"):
        store.check_schema("verifier worker")
    store.upgrade_schema()
    assert inspect(store.engine).has_table("webhook_deliveries")
    store.close()


def test_a_database_from_before_migrations_is_adopted(empty_db: str) -> None:
    """create_all of the 0001 tables, no alembic_version: stamped, then upgraded."""
    pre_alembic(empty_db)
    store = Store(empty_db)
    with pytest.raises(SchemaOutOfDate, match="no schema version"):
        store.check_schema("verifier serve")
    store.upgrade_schema()
    store.check_schema("verifier serve")
    assert inspect(store.engine).has_table("api_tokens")
    store.close()


def test_create_schema_on_a_fresh_database_is_at_head(empty_db: str) -> None:
    store = Store(empty_db)
    store.create_schema()
    store.create_schema()
    assert store.schema_state().up_to_date
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.close()


def test_serve_and_worker_refuse_an_old_schema(tmp_path: Path) -> None:
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'verifier.sqlite3'}"
    home.mkdir()
    pre_alembic(url)
    env = {**os.environ, "VERIFIER_HOME": str(home), "REDIS_URL": "redis://127.0.0.1:1/0"}
    env.pop("VERIFIER_DATABASE_URL", None)
    for command in (["serve"], ["worker", "--burst"]):
        out = subprocess.run([sys.executable, "-m", "verifier.cli", *command], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode != 0
        assert "verifier db upgrade" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "verifier.cli", "db", "upgrade"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"-> {head_revision()}" in out.stdout
    out = subprocess.run([sys.executable, "-m", "verifier.cli", "db", "current"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and f"current {head_revision()}" in out.stdout
