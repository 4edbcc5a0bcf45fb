"""``verifier reverify`` and ``verifier report``: re-verification and its drops.

Registered on the ``verifier`` group by ``verifier.cli``. ``reverify`` only
records a batch and enqueues its re-checks; running workers do them (on the
lower-priority ``reverify`` queue), and ``--wait`` follows the batch in the
store until every item is done.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from verifier.models import ACTIONS, PLATFORMS
from verifier.settings import get_settings
from verifier.store import Store
from verifier.store.retention import BATCH_STATUSES, RATE_GROUPS, BatchProgress, Filters

home_option = click.option("--home", envvar="VERIFIER_HOME", default=None,
                           type=click.Path(file_okay=False, path_type=Path),
                           help="Directory of the SQLite store and evidence files.")
db_option = click.option("--database-url", envvar="VERIFIER_DATABASE_URL", default=None,
                         help="PostgreSQL instead of the SQLite file under --home.")

_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """An ISO date or date-time (UTC unless it says otherwise), or an age like 14d, 12h."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        seconds = float(relative.group(1)) * _UNITS[relative.group(2)]
        return (now or datetime.now(UTC)) - timedelta(seconds=seconds)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since must be an ISO date or time (2024-05-01, "
                         f"2024-05-01T10:00) or an age (14d, 12h), not {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def filter_options(since_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([
            click.option("--since", default=None, help=since_help),
            click.option("--action", type=click.Choice(ACTIONS), default=None),
            click.option("--platform", type=click.Choice(PLATFORMS), default=None),
            click.option("--campaign", default=None),
            click.option("--status", type=click.Choice(BATCH_STATUSES), default="approved",
                         show_default=True, help="The proofs' current status (any: all "
                                                 "decided)."),
            click.option("--marketplace", default=None, help="Only this marketplace's proofs."),
        ]):
            f = option(f)
        return f
    return apply


def _filters(since: str | None, action: str | None, platform: str | None,
             campaign: str | None, status: str, marketplace: str | None) -> Filters:
    try:
        return Filters(since=parse_since(since), action=action, platform=platform,
                       campaign=campaign, status=status, marketplace=marketplace)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _label(batch: BatchProgress) -> str:
    return (f"held {batch.count('held')}  dropped {batch.count('dropped')}  "
            f"unknown {batch.count('unknown')}  skipped {batch.count('skipped')}")


def _follow(store: Store, batch: BatchProgress, timeout: float | None,
            interval: float = 0.5) -> BatchProgress:
    """Poll the batch until done, drawing a progress bar with counts on stderr."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with click.progressbar(length=max(batch.total, 1), label=_label(batch), file=sys.stderr,
                           show_pos=True, show_percent=True) as bar:
        shown = 0
        while True:
            current = store.retention.batch(batch.id)
            assert current is not None
            bar.label = _label(current)
            step = current.done - shown
            if step > 0:
                bar.update(step)
            else:
                bar.render_progress()
            shown = current.done
            if current.finished:
                if current.total == 0:
                    bar.update(1)
                return current
            if deadline is not None and time.monotonic() > deadline:
                return current
            time.sleep(interval)


@click.command()
@filter_options("Only proofs decided at or after this (ISO date/time, or an age: 14d).")
@click.option("--wait", is_flag=True, help="Show progress until every re-check is done.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary as one JSON object on the last line.")
@click.option("--timeout", type=float, default=None,
              help="With --wait: give up waiting after this many seconds (exit 1).")
@click.option("--redis-url", envvar="REDIS_URL", default=None)
@home_option
@db_option
def reverify(since: str | None, action: str | None, platform: str | None,
             campaign: str | None, status: str, marketplace: str | None, wait: bool,
             as_json: bool, timeout: float | None, redis_url: str | None, home: Path | None,
             database_url: str | None) -> None:
    """Re-check decided proofs: is the follow, like, comment or join still there?

    Re-checks run in the workers, after new proofs; proof-only proofs (nothing a
    third party can look at again) are counted as skipped, not as held.
    """
    from jobs.connections import redis_from_url
    from jobs.queues import get_reverify_queue
    from jobs.reverify import start_batch

    filters = _filters(since, action, platform, campaign, status, marketplace)
    settings = get_settings(redis_url=redis_url, home=home, database_url=database_url)
    if not settings.redis_url:
        raise click.UsageError("REDIS_URL (or --redis-url) is needed: workers do the re-checks")
    store = Store(settings.db_url)
    store.create_schema()
    queue = get_reverify_queue(redis_from_url(settings.redis_url), settings)
    batch = start_batch(store, queue, filters)
    checkable = batch.total - batch.count("skipped")
    click.echo(f"batch {batch.id}: {batch.total} proof(s), {checkable} to re-check, "
               f"{batch.count('skipped')} not re-checkable (proof-only)", err=True)
    if wait:
        batch = _follow(store, batch, timeout)
        click.echo(f"checked {batch.checked}: held {batch.count('held')}, dropped "
                   f"{batch.count('dropped')}, unknown {batch.count('unknown')}; skipped "
                   f"{batch.count('skipped')} (not re-checkable)", err=True)
    if as_json:
        click.echo(json.dumps(batch.to_json()))
    else:
        click.echo(batch.id)
    if wait and not batch.finished:
        click.echo(f"error: batch {batch.id} not finished after {timeout}s "
                   f"({batch.count('queued')} still queued)", err=True)
        sys.exit(1)


@click.group()
def report() -> None:
    """Reports on re-verification: drops and drop rates."""


DROP_COLUMNS = ("proof", "campaign", "worker", "platform", "action", "approved_at",
                "dropped_at", "state_now")


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


@report.command("drops")
@filter_options("Only drops found at or after this (ISO date/time, or an age: 14d).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@home_option
@db_option
def report_drops(since: str | None, action: str | None, platform: str | None,
                 campaign: str | None, status: str, marketplace: str | None, as_csv: bool,
                 home: Path | None, database_url: str | None) -> None:
    """Proofs whose action was undone after approval (latest drop first)."""
    filters = _filters(since, action, platform, campaign, status, marketplace)
    store = Store(get_settings(home=home, database_url=database_url).db_url)
    store.create_schema()
    rows = [(d.proof_id, d.campaign or "", d.worker_id, d.platform, d.action,
             _when(d.approved_at), _when(d.dropped_at), d.state)
            for d in store.retention.drops(filters)]
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(DROP_COLUMNS)
        writer.writerows(rows)
        return
    if not rows:
        click.echo("no drops", err=True)
        return
    table = [DROP_COLUMNS, *rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(DROP_COLUMNS))]
    for r in table:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@report.command("rates")
@click.option("--by", type=click.Choice(tuple(RATE_GROUPS)), default="campaign",
              show_default=True)
@filter_options("Only proofs decided at or after this (ISO date/time, or an age: 14d).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@home_option
@db_option
def report_rates(by: str, since: str | None, action: str | None, platform: str | None,
                 campaign: str | None, status: str, marketplace: str | None, as_json: bool,
                 home: Path | None, database_url: str | None) -> None:
    """Drop rates per campaign, worker or platform: dropped / (held + dropped)."""
    filters = _filters(since, action, platform, campaign, status, marketplace)
    store = Store(get_settings(home=home, database_url=database_url).db_url)
    store.create_schema()
    rates = store.retention.drop_rates(by, filters)
    for r in rates:
        rate = "-" if r.rate is None else f"{r.rate:.1%}"
        if as_json:
            click.echo(json.dumps({by: r.key, "checked": r.checked, "held": r.held,
                                   "dropped": r.dropped, "unknown": r.unknown,
                                   "rate": r.rate}))
        else:
            click.echo(f"{r.key or '-'}\tchecked {r.checked}\theld {r.held}\t"
                       f"dropped {r.dropped}\tunknown {r.unknown}\trate {rate}")
    if not rates:
        click.echo("no re-checked proofs", err=True)


COMMANDS = (reverify, report)
