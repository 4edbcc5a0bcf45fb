"""The ``verifier`` command line (contract §2).

Options read the same environment variables as the settings, so an operator
can configure a deployment either way.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from verifier.cli_admin import COMMANDS
from verifier.cli_doctor import doctor
from verifier.cli_reverify import COMMANDS as RETENTION_COMMANDS
from verifier.models import Proof, ProofError, parse_proof
from verifier.settings import Settings, get_settings


def _settings(**overrides: Any) -> Settings:
    return get_settings(**overrides)


def _load_proofs(files: tuple[str, ...]) -> tuple[list[Proof], list[str]]:
    """Proofs from files ('-' is stdin); a file may hold one proof or {"proofs": [...]}."""
    proofs: list[Proof] = []
    errors: list[str] = []
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            errors.append(f"{name}: cannot read: {exc.strerror}")
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}")
            continue
        items = raw["proofs"] if isinstance(raw, dict) and "proofs" in raw else [raw]
        if not isinstance(items, list):
            errors.append(f"{name}: 'proofs' must be a list")
            continue
        for i, item in enumerate(items):
            where = name if len(items) == 1 else f"{name}[{i}]"
            try:
                proofs.append(parse_proof(item))
            except ProofError as exc:
                errors.extend(f"{where}: {e}" for e in exc.errors)
    return proofs, errors


sandbox_option = click.option("--sandbox", envvar="VERIFIER_SANDBOX", default=None,
                              help="Answer platform hosts from this sandbox URL.")
sessions_option = click.option("--sessions-dir", envvar="VERIFIER_SESSIONS_DIR", default=None,
                               type=click.Path(file_okay=False, path_type=Path),
                               help="Directory of checker storage states (PLATFORM.json).")
home_option = click.option("--home", envvar="VERIFIER_HOME", default=None,
                           type=click.Path(file_okay=False, path_type=Path),
                           help="Directory of the SQLite store and evidence files.")
redis_option = click.option("--redis-url", envvar="REDIS_URL", default=None)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the verifier does.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              envvar="VERIFIER_LOG_FORMAT", show_default=True,
              help="json: one object a line, with the proof id on every line.")
def main(verbose: bool, log_format: str) -> None:
    """Verify micro-task proofs against the live page."""
    from verifier import logs

    logs.setup(logging.INFO if verbose else logging.WARNING, log_format)


@main.command()
@click.argument("files", nargs=-1, required=True)
@sandbox_option
@sessions_option
@home_option
def verify(files: tuple[str, ...], sandbox: str | None, sessions_dir: Path | None,
           home: Path | None) -> None:
    """Verify proofs in this process (no queue); one verdict JSON per line."""
    from verifier.store import ProofConflictError
    from verifier.verify import Verifier

    proofs, errors = _load_proofs(files)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if proofs:
        settings = _settings(sandbox=sandbox, sessions_dir=sessions_dir, home=home)
        politeness = None
        if settings.redis_url:  # the deployment's shared limits; else this process's own
            from jobs.connections import redis_from_url
            from jobs.politeness import redis_politeness

            politeness = redis_politeness(settings, redis_from_url(settings.redis_url))
        with Verifier(settings, politeness=politeness) as verifier:
            for proof in proofs:
                try:
                    verdict = verifier.verify(proof)
                except ProofConflictError as exc:
                    errors.append(str(exc))
                    click.echo(f"error: {exc}", err=True)
                    continue
                click.echo(json.dumps(verdict.to_json(), ensure_ascii=False))
    if errors:
        sys.exit(2)


@main.command()
@click.argument("files", nargs=-1, required=True)
@redis_option
@home_option
def submit(files: tuple[str, ...], redis_url: str | None, home: Path | None) -> None:
    """Store and enqueue proofs; prints the proof ids."""
    from jobs.connections import redis_from_url
    from jobs.queues import enqueue_proof, get_queue
    from verifier.store import ProofConflictError, Store

    proofs, errors = _load_proofs(files)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if proofs:
        settings = _settings(redis_url=redis_url, home=home)
        if not settings.redis_url:
            raise click.UsageError("REDIS_URL (or --redis-url) is needed to submit to the queue")
        store = Store(settings.db_url)
        store.create_schema()
        queue = get_queue(redis_from_url(settings.redis_url), settings)
        for proof in proofs:
            try:
                verdict, created = store.add_proof(proof)
            except ProofConflictError as exc:
                errors.append(str(exc))
                click.echo(f"error: {exc}", err=True)
                continue
            if created or verdict.status == "pending":
                enqueue_proof(queue, proof.id)
            click.echo(proof.id)
    if errors:
        sys.exit(2)


@main.command()
@click.option("--processes", "-n", default=1, show_default=True, envvar="VERIFIER_PROCESSES",
              help="Worker processes on this host.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--metrics-port", type=int, default=None, envvar="VERIFIER_METRICS_PORT",
              help="Serve Prometheus metrics here (process i of N uses PORT+i).")
@redis_option
@sandbox_option
@sessions_option
@home_option
def worker(processes: int, burst: bool, metrics_port: int | None, redis_url: str | None,
           sandbox: str | None, sessions_dir: Path | None, home: Path | None) -> None:
    """Run queue workers, each with a warm browser and OCR engine."""
    from jobs.worker import run_workers
    from verifier.store import Store
    from verifier.store.migrate import SchemaOutOfDate

    settings = _settings(redis_url=redis_url, sandbox=sandbox, sessions_dir=sessions_dir,
                         home=home)
    if not settings.redis_url:
        raise click.UsageError("REDIS_URL (or --redis-url) is needed to run workers")
    try:
        Store(settings.db_url).check_schema("verifier worker")
    except SchemaOutOfDate as exc:
        raise click.ClickException(str(exc)) from exc
    run_workers(settings, processes=processes, burst=burst, metrics_port=metrics_port)


@main.command()
@click.option("--world", required=True, type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--sessions", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the checker accounts' storage states into this directory.")
@click.option("--port", default=0, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True)
def sandbox(world: Path, sessions: Path | None, port: int, host: str) -> None:
    """Serve the sandbox internet for WORLD and print its address."""
    from fixtures.sandbox.server import serve

    serve(world, host, port, sessions)


@main.command()
@click.option("--world", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="World file (default: the bundled demo world).")
@click.option("--keep-running", is_flag=True,
              help="Keep the API, review pages and worker up after the table (Ctrl-C stops).")
@home_option
def demo(world: Path | None, keep_running: bool, home: Path | None) -> None:
    """Run the whole flow on bundled proofs and print their verdicts."""
    from fixtures.demo import run_demo

    sys.exit(run_demo(world=world, home=home, keep_running=keep_running))


@main.command()
@click.option("--proofs", "count", default=24, show_default=True, type=click.IntRange(min=1),
              help="Proofs per arm (the demo's mix, repeated past its end).")
@click.option("--world", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="World file holding the demo's accounts (default: the "
                                 "bundled demo world).")
def bench(count: int, world: Path | None) -> None:
    """Time one warm browser against a browser launched per proof, on the same proofs."""
    from verifier.tools.bench import BenchError, format_report, run

    try:
        report = run(count, world, log=lambda line: click.echo(line, err=True))
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(format_report(report))


@main.group()
def corpus() -> None:
    """Labelled proof corpora: genuine and fraudulent proofs rendered from a world."""


@corpus.command("generate")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--world", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="World file (default: the bundled corpus world).")
@click.option("--size", type=click.IntRange(min=1), default=None,
              help="A stratified part of the corpus of about N proofs (default: all).")
def corpus_generate(out_dir: Path, world: Path | None, size: int | None) -> None:
    """Render the labelled corpus into OUT_DIR (world.yaml, proofs/, labels.jsonl)."""
    from fixtures.corpus import generate

    generate(out_dir, world, size, log=click.echo)


@main.command("eval")
@click.argument("corpus_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--processes", "-n", default=1, show_default=True, type=click.IntRange(min=1),
              help="Verifier processes, each with its own warm browser and OCR engine.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the store, evidence and results.jsonl here (default: a temporary "
                   "directory).")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Decide with this policy file instead of the default.")
@click.option("--realdata/--no-realdata", default=True, show_default=True,
              help="Also judge the real screenshots of ../shared/realdata against their "
                   "MANIFEST truths (VERIFIER_REALDATA points elsewhere).")
def eval_corpus(corpus_dir: Path, processes: int, home: Path | None,
                policy: Path | None, realdata: bool) -> None:
    """Verify a labelled corpus and print the confusion matrix; exit 1 if fraud got through."""
    from verifier.tools.evaluate import CorpusError, run
    from verifier.tools.evaluate_report import format_report

    try:
        report = run(corpus_dir, processes=processes, home=home, policy=policy,
                     log=lambda line: click.echo(line, err=True))
    except CorpusError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(format_report(report))
    if realdata:
        from verifier.tools.evaluate_real import report as real_report

        click.echo("\n" + real_report())
    if report.fraud_approved:
        sys.exit(1)


for _command in (*COMMANDS, *RETENTION_COMMANDS, doctor):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
