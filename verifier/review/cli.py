"""``verifier moderator add NAME``: the password comes from standard input
(one line), never from an argument, so it stays out of shell history and
the process list."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from verifier.settings import get_settings
from verifier.store import Store
from verifier.store.moderators import ModeratorExists


@click.group()
def moderator() -> None:
    """Moderator accounts of the review pages."""


@moderator.command("add")
@click.argument("name")
@click.option("--home", envvar="VERIFIER_HOME", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory of the SQLite store and evidence files.")
@click.option("--database-url", envvar="VERIFIER_DATABASE_URL", default=None,
              help="PostgreSQL instead of the SQLite file under --home.")
def moderator_add(name: str, home: Path | None, database_url: str | None) -> None:
    """Create moderator NAME; the password is read from stdin (one line)."""
    if sys.stdin.isatty():
        click.echo(f"password for {name} (one line, at least 8 characters): ", err=True,
                   nl=False)
    password = sys.stdin.readline().rstrip("\r\n")
    store = Store(get_settings(home=home, database_url=database_url).db_url)
    store.create_schema()
    try:
        store.moderators.add(name, password)
    except ModeratorExists as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"moderator {name} added; sign in at /review")


@moderator.command("list")
@click.option("--home", envvar="VERIFIER_HOME", default=None,
              type=click.Path(file_okay=False, path_type=Path))
@click.option("--database-url", envvar="VERIFIER_DATABASE_URL", default=None)
def moderator_list(home: Path | None, database_url: str | None) -> None:
    """Moderator names, one a line."""
    for name in Store(get_settings(home=home, database_url=database_url).db_url
                      ).moderators.names():
        click.echo(name)
