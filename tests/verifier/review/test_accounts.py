"""Moderator accounts, sessions and lockout against a real SQLite store; the
`moderator add` command; migration 0003 against the tables; every review
path refused without a session over real HTTP; one webhook per decision."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, select, update

from jobs.connections import PrivateRedis, redis_from_url
from jobs.queues import get_webhook_queue
from tests.verifier.review.seed import Served, seed_flagged, settings_for
from verifier.api import create_app
from verifier.cli import main
from verifier.evidence import EvidenceStore
from verifier.review import create_moderator
from verifier.review.decisions import moderate
from verifier.store import Store, metadata
from verifier.store.moderators import MAX_FAILURES
from verifier.store.schema import moderators, review_sessions


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'v.sqlite3'}")
    s.create_schema()
    yield s
    s.close()


def test_password_is_hashed_and_checked(store: Store) -> None:
    name, password = create_moderator(store, "karim")
    with store.engine.connect() as conn:
        stored = conn.execute(select(moderators.c.password_hash)).scalar_one()
    assert password not in stored and stored.startswith("$argon2id$")
    assert store.moderators.sign_in(name, "wrong-password").token is None
    signed = store.moderators.sign_in(name, password)
    assert signed.token and store.moderators.session(signed.token) is not None
    with pytest.raises(ValueError):
        store.moderators.add("karim", "another-password")
    with pytest.raises(ValueError):
        store.moderators.add("short", "1234567")


def test_lockout_after_repeated_failures(store: Store) -> None:
    name, password = create_moderator(store, "ayesha")
    for _ in range(MAX_FAILURES):
        assert store.moderators.sign_in(name, "guess-guess").token is None
    locked = store.moderators.sign_in(name, password)
    assert locked.token is None and locked.locked_for is not None
    # Names that do not exist are locked alike (no hint which names are real).
    for _ in range(MAX_FAILURES):
        store.moderators.sign_in("nobody", "guess-guess")
    assert store.moderators.locked_for("nobody") is not None


def test_sessions_expire_and_end_on_sign_out(store: Store) -> None:
    name, password = create_moderator(store)
    first = store.moderators.sign_in(name, password).token
    second = store.moderators.sign_in(name, password).token
    store.moderators.sign_out(first)
    assert store.moderators.session(first) is None
    assert store.moderators.session(second) is not None
    with store.engine.begin() as conn:
        conn.execute(update(review_sessions).values(expires_at=review_sessions.c.created_at))
    assert store.moderators.session(second) is None


def test_moderator_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["moderator", "add", "rina", "--home", str(tmp_path)],
                           input="a long secret\n")
    assert result.exit_code == 0, result.output
    store = Store(f"sqlite:///{tmp_path / 'verifier.sqlite3'}")
    assert store.moderators.sign_in("rina", "a long secret").token
    # No argument takes a password.
    result = runner.invoke(main, ["moderator", "add", "rina2", "pw123456", "--home",
                                  str(tmp_path)], input="x\n")
    assert result.exit_code != 0
    store.close()


def test_migrations_match_the_tables(tmp_path: Path) -> None:
    """Upgrading through 0001..0003 gives the tables schema.py declares."""
    store = Store(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    store.upgrade_schema()
    engine = create_engine(store.url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    store.close()
    assert diff == []


def test_nothing_under_review_without_a_session(tmp_path: Path,
                                                 redis_server: PrivateRedis) -> None:
    settings = settings_for(tmp_path, redis_server.url)
    store = Store(settings.db_url)
    store.create_schema()
    seed_flagged(store, EvidenceStore(settings.evidence_dir), "p1")
    with Served(create_app(settings, store=store)) as served:
        client = httpx.Client(base_url=served.url, follow_redirects=True)
        page = client.get("/review")
        assert page.status_code == 200 and "Sign in" in page.text
        assert "p1" not in _without_tokens(page.text)
        ref = store.get_verdict("p1").checks[0].evidence[0]  # type: ignore[union-attr]
        for path in ("/review/proofs/p1", "/review/audit", "/review/audit.csv",
                     "/review/dashboard", f"/review/evidence/{ref}",
                     "/review/proofs/p1/screenshots/1", "/review?platform=x"):
            response = client.get(path)
            assert response.status_code == 200 and "Sign in" in response.text, path
            assert "p1" not in _without_tokens(response.text.replace("/review/login", "")), path
        for path in ("/review/proofs/p1/decision", "/review/bulk", "/review/logout"):
            response = client.post(path, data={"decision": "rejected", "ids": "p1"})
            assert "Sign in" in response.text, path
        # A stolen-looking cookie is no session either.
        client.cookies.set("review_session", "made-up", path="/review")
        assert "Sign in" in client.get("/review/audit").text
    assert store.get_verdict("p1").status == "flagged"  # type: ignore[union-attr]
    store.close()


def test_one_webhook_per_decision(tmp_path: Path, redis_server: PrivateRedis) -> None:
    settings = settings_for(tmp_path, redis_server.url, VERIFIER_CALLBACK_HOSTS="127.0.0.1:9",
                            VERIFIER_WEBHOOK_QUEUE=f"wh-{tmp_path.name}")
    store = Store(settings.db_url)
    store.create_schema()
    store.marketplaces.issue_token("microworkers")
    seed_flagged(store, EvidenceStore(settings.evidence_dir), "p1",
                 callback_url="http://127.0.0.1:9/hook")
    queue = get_webhook_queue(redis_from_url(redis_server.url), settings)
    moderate(store, queue, "p1", "approved", "ayesha", "fine")
    moderate(store, queue, "p1", "rejected", "karim", "no, another account")
    deliveries = store.webhooks.find(proof_id="p1")
    assert sorted(d.event for d in deliveries) == ["verdict.moderated", "verdict.moderated"]
    assert len({d.id for d in deliveries}) == 2
    store.close()


def _without_tokens(html: str) -> str:
    """The page without its random CSRF token values (one may contain "p1" by chance)."""
    return re.sub(r'value="[A-Za-z0-9_-]{20,}"', 'value=""', html)
