"""Retention in the store: the migration, new drops counted once, batches, reports, rates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from tests.verifier.test_store import db_url  # noqa: F401  (the backend fixture)
from verifier.models import Check, Verdict, parse_proof
from verifier.settings import Settings
from verifier.store import Store
from verifier.store.retention import Filters


def proof(pid: str, *, campaign: str = "c1", worker: str = "w1", platform: str = "x",
          action: str = "follow"):
    return parse_proof({"id": pid, "marketplace": "m1", "campaign": campaign,
                        "task": {"action": action, "platform": platform,
                                 "target": "https://x.com/acme_bd"},
                        # a handle every platform's rules accept
                        "worker": {"id": worker, "handle": "rafi-dev" if platform == "github"
                                   else "rafi_bd"}})


def decide(store: Store, pid: str, live: str = "pass", status: str = "approved",
           **kw: str) -> None:
    p = proof(pid, **kw)
    store.add_proof(p)
    store.decide(Verdict(proof_id=pid, status=status,  # type: ignore[arg-type]
                         checks=[Check(name=f"live.{p.task.action}", outcome=live)],  # type: ignore[arg-type]
                         reasons=[] if status == "approved" else ["x"],
                         verified_at=datetime.now(UTC)))


@pytest.fixture
def store(db_url):  # noqa: F811  (the imported fixture, by name)
    """The same SQL on SQLite and PostgreSQL (``db_url`` from test_store)."""
    s = Store(db_url)
    s.create_schema()
    yield s
    s.close()


def test_migration_from_0002_matches_create_all(tmp_path):
    old = Store(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    old.upgrade_schema("0002")
    with old.engine.begin() as conn:  # a proof stored before the migration, in the old columns
        conn.execute(text(
            "INSERT INTO proofs (id, worker_id, action, platform, target, proof, created_at, "
            "status, attempt_count, queued_at, retries) VALUES ('before', 'w1', 'follow', 'x', "
            "'https://x.com/acme_bd', :proof, '2024-05-01 00:00:00', 'pending', 0, "
            "'2024-05-01 00:00:00', 0)"), {"proof": json.dumps(proof("before").to_json())})
    old.upgrade_schema()
    new = Store(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    new.create_schema()
    for table in ("proofs", "reverify_batches", "reverify_items"):
        cols = {c["name"] for c in inspect(old.engine).get_columns(table)}
        assert cols == {c["name"] for c in inspect(new.engine).get_columns(table)}, table
        assert {i["name"] for i in inspect(old.engine).get_indexes(table)} == \
            {i["name"] for i in inspect(new.engine).get_indexes(table)}, table
    assert old.get_verdict("before").retention is None
    old.retention.record("before", "held")
    with old.engine.connect() as conn:
        assert conn.execute(text("SELECT retention_state, retention_checks FROM proofs")) \
            .one() == ("held", 1)


def test_a_drop_is_new_once_until_seen_held_again(store):
    decide(store, "p1")
    t = datetime(2024, 5, 1, tzinfo=UTC)
    assert store.retention.record("p1", "held", at=t) is False
    assert store.retention.record("p1", "dropped", at=t + timedelta(days=1)) is True
    assert store.retention.record("p1", "unknown", at=t + timedelta(days=2)) is False
    assert store.retention.record("p1", "dropped", at=t + timedelta(days=3)) is False
    retention = store.get_verdict("p1").retention
    assert retention.state == "dropped" and retention.checks == 4
    assert retention.dropped_at == t + timedelta(days=1)
    assert store.get_verdict("p1").status == "approved"  # the first decision stays
    assert store.retention.record("p1", "held", at=t + timedelta(days=4)) is False
    assert store.retention.record("p1", "dropped", at=t + timedelta(days=5)) is True


def test_batch_counts_skipped_proof_only_cells_and_scopes(store):
    decide(store, "live-1")
    decide(store, "live-2", platform="github")
    decide(store, "like-p", action="like", live="skipped")  # proof-only: nothing to re-check
    decide(store, "flag-1", status="flagged", live="fail")
    batch, ids = store.retention.create_batch(Filters(marketplace="m1"))
    assert sorted(ids) == ["live-1", "live-2"]
    assert (batch.total, batch.count("skipped"), batch.count("queued")) == (3, 1, 2)
    store.retention.record("live-1", "held", batch_id=batch.id)
    store.retention.record("live-2", "dropped", batch_id=batch.id)
    done = store.retention.batch(batch.id)
    assert done.finished and done.to_json()["checked"] == 2
    assert (done.count("held"), done.count("dropped")) == (1, 1)
    _, ids = store.retention.create_batch(Filters(platform="github"))
    assert ids == ["live-2"]
    assert store.retention.create_batch(Filters(marketplace="other"))[0].total == 0
    with pytest.raises(ValueError):
        Filters(status="pending")


def test_drops_report_and_rates(store):
    decide(store, "a", campaign="c1", worker="w1")
    decide(store, "b", campaign="c1", worker="w2")
    decide(store, "c", campaign="c2", worker="w1")
    decide(store, "d", campaign="c2", worker="w3")
    store.retention.record("a", "dropped")
    store.retention.record("b", "held")
    store.retention.record("c", "held")
    store.retention.record("d", "unknown")
    drops = store.retention.drops(Filters())
    assert [d.proof_id for d in drops] == ["a"]
    assert drops[0].approved_at is not None and drops[0].dropped_at is not None
    rates = {r.key: r for r in store.retention.drop_rates("campaign")}
    assert (rates["c1"].dropped, rates["c1"].held, rates["c1"].rate) == (1, 1, 0.5)
    assert (rates["c2"].unknown, rates["c2"].rate) == (1, 0.0)
    workers = {r.key: r.rate for r in store.retention.drop_rates("worker")}
    assert workers == {"w1": 0.5, "w2": 0.0, "w3": None}
    assert [r.key for r in store.retention.drop_rates("platform")] == ["x"]


def test_retention_schedule_settings():
    assert Settings().retention_schedule == (86400.0, 7 * 86400.0, 14 * 86400.0)
    assert Settings(VERIFIER_RETENTION_DAYS="0.5").retention_schedule == (43200.0,)
    assert Settings(VERIFIER_RETENTION_DAYS="1", VERIFIER_RETENTION_DELAYS="2,1") \
        .retention_schedule == (1.0, 2.0)
    assert Settings(VERIFIER_RETENTION_DAYS="").retention_schedule == ()
    with pytest.raises(ValueError, match="VERIFIER_RETENTION_DELAYS"):
        _ = Settings(VERIFIER_RETENTION_DELAYS="soon").retention_schedule


def test_since_takes_dates_times_and_ages():
    from verifier.cli_reverify import parse_since

    now = datetime(2024, 5, 15, 12, tzinfo=UTC)
    assert parse_since("14d", now) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_since("1.5h", now) == datetime(2024, 5, 15, 10, 30, tzinfo=UTC)
    assert parse_since("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_since("2024-05-01T10:00+06:00", now) == datetime(2024, 5, 1, 4, tzinfo=UTC)
    assert parse_since(None) is None
    with pytest.raises(ValueError, match="--since"):
        parse_since("last week")
