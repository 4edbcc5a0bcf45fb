"""Operator commands around the HTTP API: ``serve``, ``token``, ``webhooks``, ``db``.

Registered on the ``verifier`` group by ``verifier.cli``; options read the
same environment variables as the settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from verifier.review.cli import moderator
from verifier.settings import get_settings
from verifier.store import Store

home_option = click.option("--home", envvar="VERIFIER_HOME", default=None,
                           type=click.Path(file_okay=False, path_type=Path),
                           help="Directory of the SQLite store and evidence files.")
db_option = click.option("--database-url", envvar="VERIFIER_DATABASE_URL", default=None,
                         help="PostgreSQL instead of the SQLite file under --home.")
redis_option = click.option("--redis-url", envvar="REDIS_URL", default=None)


def _store(home: Path | None, database_url: str | None) -> Store:
    return Store(get_settings(home=home, database_url=database_url).db_url)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="VERIFIER_API_HOST")
@click.option("--port", default=8000, show_default=True, envvar="VERIFIER_API_PORT")
@click.option("--workers", default=1, show_default=True, help="API processes (uvicorn).")
@redis_option
@home_option
@db_option
def serve(host: str, port: int, workers: int, redis_url: str | None, home: Path | None,
          database_url: str | None) -> None:
    """The HTTP API (and the review pages): POST /v1/proofs, GET /v1/proofs/{id}."""
    import uvicorn

    from verifier.store.migrate import SchemaOutOfDate

    settings = get_settings(redis_url=redis_url, home=home, database_url=database_url)
    if not settings.redis_url:
        raise click.UsageError("REDIS_URL (or --redis-url) is needed to serve the API")
    try:
        Store(settings.db_url).check_schema("verifier serve")
    except SchemaOutOfDate as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"verifier API on http://{host}:{port} (OpenAPI at /openapi.json)", err=True)
    if workers > 1:
        # Each uvicorn process builds its app from the environment.
        import os

        os.environ.update({k: str(v) for k, v in {
            "REDIS_URL": settings.redis_url, "VERIFIER_HOME": settings.home,
            "VERIFIER_DATABASE_URL": settings.database_url}.items() if v})
        uvicorn.run("verifier.api.app:app_from_env", host=host, port=port, workers=workers,
                    factory=True, log_level="info")
    else:
        from verifier.api import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@click.group()
def token() -> None:
    """Marketplaces and their API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--webhook-secret", default=None,
              help="The secret webhooks are signed with (default: generated, or kept).")
@home_option
@db_option
def token_create(name: str, webhook_secret: str | None, home: Path | None,
                 database_url: str | None) -> None:
    """Register marketplace NAME (or give it a new token); the token is the last line."""
    store = _store(home, database_url)
    store.create_schema()
    try:
        issued = store.marketplaces.issue_token(name, webhook_secret)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if issued.secret_generated:
        click.echo(f"marketplace {name} registered; its webhook secret (next line) signs "
                   "every webhook", err=True)
        click.echo(issued.marketplace.webhook_secret)
    click.echo(f"new API token for {name} (shown once; stored hashed):", err=True)
    click.echo(issued.token)


@token.command("revoke")
@click.argument("token_or_prefix")
@home_option
@db_option
def token_revoke(token_or_prefix: str, home: Path | None, database_url: str | None) -> None:
    """Revoke a token, given whole or by the prefix `token list` shows."""
    count = _store(home, database_url).marketplaces.revoke(token_or_prefix)
    if not count:
        raise click.ClickException(f"no live token matches {token_or_prefix!r}")
    click.echo(f"revoked {count} token(s)")


@token.command("list")
@click.option("--marketplace", default=None)
@home_option
@db_option
def token_list(marketplace: str | None, home: Path | None, database_url: str | None) -> None:
    """Tokens by marketplace, prefix, creation and revocation time."""
    for t in _store(home, database_url).marketplaces.tokens(marketplace):
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "live"
        click.echo(f"{t.marketplace}\t{t.prefix}…\tcreated {t.created_at:%Y-%m-%d %H:%M}\t{state}")


@click.group()
def webhooks() -> None:
    """Webhook deliveries: what was sent, what failed, send again."""


@webhooks.command("list")
@click.option("--failed", is_flag=True, help="Only deliveries that gave up.")
@click.option("--pending", is_flag=True, help="Only deliveries still being retried.")
@click.option("--proof", "proof_id", default=None)
@click.option("--attempts", "show_attempts", is_flag=True, help="Every attempt of each.")
@click.option("--limit", default=100, show_default=True)
@home_option
@db_option
def webhooks_list(failed: bool, pending: bool, proof_id: str | None, show_attempts: bool,
                  limit: int, home: Path | None, database_url: str | None) -> None:
    """Deliveries, newest first: id, proof, event, status, attempts, last result."""
    store = _store(home, database_url)
    status = "failed" if failed else "pending" if pending else None
    rows = store.webhooks.find(status=status, proof_id=proof_id, limit=limit)
    for d in rows:
        last = d.last_error or (f"HTTP {d.last_status_code}" if d.last_status_code else "-")
        nxt = f" next {d.next_attempt_at:%Y-%m-%d %H:%M:%S}" if d.next_attempt_at else ""
        click.echo(f"{d.id}\t{d.proof_id}\t{d.event}\t{d.status}\tattempts={d.attempts}\t"
                   f"{last}{nxt}\t{d.url}")
        if show_attempts:
            for a in store.webhooks.attempts(d.id):
                click.echo(f"    {a.at:%Y-%m-%d %H:%M:%S}\t{a.status_code or '-'}\t"
                           f"{a.duration_ms} ms\t{a.error or 'ok'}")
    if not rows:
        click.echo("no deliveries", err=True)


@webhooks.command("redeliver")
@click.argument("delivery_ids", nargs=-1, required=True)
@redis_option
@home_option
@db_option
def webhooks_redeliver(delivery_ids: tuple[str, ...], redis_url: str | None,
                       home: Path | None, database_url: str | None) -> None:
    """Send deliveries again (same id and body) through the webhook queue."""
    from jobs.connections import redis_from_url
    from jobs.queues import get_webhook_queue
    from jobs.webhooks import redeliver

    settings = get_settings(redis_url=redis_url, home=home, database_url=database_url)
    if not settings.redis_url:
        raise click.UsageError("REDIS_URL (or --redis-url) is needed to redeliver")
    store = Store(settings.db_url)
    queue = get_webhook_queue(redis_from_url(settings.redis_url), settings)
    missing = False
    for delivery_id in delivery_ids:
        try:
            redeliver(store, queue, delivery_id)
            click.echo(f"{delivery_id}: queued")
        except LookupError as exc:
            click.echo(f"error: {exc}", err=True)
            missing = True
    if missing:
        sys.exit(1)


@click.group()
def db() -> None:
    """The store's schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@home_option
@db_option
def db_upgrade(revision: str, home: Path | None, database_url: str | None) -> None:
    """Migrate the database to the schema this version needs."""
    store = _store(home, database_url)
    before = store.upgrade_schema(revision)
    after = store.schema_state()
    click.echo(f"schema {before.current or 'none'} -> {after.current} (head {after.head})")


@db.command("current")
@home_option
@db_option
def db_current(home: Path | None, database_url: str | None) -> None:
    """The database's schema revision and the one this version needs; exit 1 if behind."""
    found = _store(home, database_url).schema_state()
    click.echo(f"current {found.current or 'none'}, head {found.head}")
    if not found.up_to_date:
        sys.exit(1)


COMMANDS = (serve, token, webhooks, db, moderator)
