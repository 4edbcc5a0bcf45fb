"""``verifier doctor``: sessions, keys and whether each adapter still reads its platform."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from verifier.settings import get_settings


@click.command()
@click.option("--probes", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar="VERIFIER_DOCTOR_PROBES", default=None,
              help="Probe targets (YAML); default: known public pages of the real sites.")
@click.option("--sandbox", envvar="VERIFIER_SANDBOX", default=None,
              help="Answer platform hosts from this sandbox URL.")
@click.option("--sessions-dir", envvar="VERIFIER_SESSIONS_DIR", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory of checker storage states (PLATFORM.json).")
def doctor(probes: Path | None, sandbox: str | None, sessions_dir: Path | None) -> None:
    """Check sessions, API keys and a known page per cell; exit 1 if a configured cell is broken."""
    from verifier.doctor import ProbeFileError, format_report, load_probes, run

    settings = get_settings(sandbox=sandbox, sessions_dir=sessions_dir)
    try:
        loaded = load_probes(probes)
    except ProbeFileError as exc:
        raise click.UsageError(str(exc)) from exc
    politeness = None
    if settings.redis_url:  # the probes count against the deployment's shared budget
        from jobs.connections import redis_from_url
        from jobs.politeness import redis_politeness

        politeness = redis_politeness(settings, redis_from_url(settings.redis_url))
    report = run(settings, loaded, politeness=politeness)
    click.echo(format_report(report))
    if report.broken:
        sys.exit(1)
