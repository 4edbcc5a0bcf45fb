"""``verifier bench``: the warm design against a browser launched per job.

Both arms verify the same proofs (``fixtures.bench_proofs``) against one
sandbox, each in a fresh process of its own (spawned: no memory or cache of
the other arm carried over) with a fresh store, and each proof under an id of
its arm, so duplicate detection meets the same history in both.

- warm: one ``Verifier`` for every proof, as ``verifier worker`` runs it: one
  Chromium (a fresh context per proof), one OCR engine. Its start-up (the
  launch) counts in its wall time, not in any proof's time.
- naive: what a job does when nothing outlives it (RQ's default forking
  worker, jobs/worker.py): per proof a new ``Verifier``, whose pool starts the
  Playwright driver and launches Chromium first thing, and whose OCR engine
  loads Tesseract again; closed when the proof is decided. Its proof times
  include all of that.

Figures are printed, never asserted: they depend on the host and on what else
runs on it.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from verifier.tools.bench_memory import Peak, TreeSampler

ARMS = ("warm", "naive")
Log = Callable[[str], None]


class BenchError(RuntimeError):
    """An arm failed; the message carries its traceback."""


@dataclass
class Arm:
    name: str
    statuses: dict[str, str]  # base id -> verdict status
    seconds: dict[str, float]  # base id -> seconds for that proof
    wall: float  # first launch to last close
    startup: float  # the warm arm's launch before its first proof; 0 for naive
    launches: int  # Chromium launches
    peak: Peak = field(default_factory=Peak)

    @property
    def proofs(self) -> int:
        return len(self.statuses)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds.values())

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds.values())  # nearest rank
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def per_minute(self) -> float:
        return 60 * self.proofs / self.wall


@dataclass
class Report:
    world: Path
    sandbox: str
    proofs: list[tuple[str, str | None]]  # base id, the demo's expected status
    arms: dict[str, Arm]
    load: tuple[float, float]  # 1-minute load average before and after


# -- in the arm's process ------------------------------------------------------------------


def _run_arm(name: str, items: list[tuple[str, dict[str, Any]]],
             env: dict[str, str]) -> Arm:
    from verifier.models import parse_proof
    from verifier.settings import Settings
    from verifier.store import Store
    from verifier.verify import Verifier

    settings = Settings(**env)  # type: ignore[arg-type]
    store = Store(settings.db_url)
    store.create_schema()
    proofs = [(base, parse_proof({**raw, "id": f"bench-{name}-{base}"})) for base, raw in items]
    statuses: dict[str, str] = {}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    startup = 0.0
    launches = 0
    if name == "warm":
        with Verifier(settings, store=store) as verifier:
            verifier.pool.start()
            startup = time.perf_counter() - started
            for base, proof in proofs:
                t0 = time.perf_counter()
                statuses[base] = verifier.verify(proof).status
                seconds[base] = time.perf_counter() - t0
            launches = verifier.pool.launches
    else:
        for base, proof in proofs:
            t0 = time.perf_counter()
            with Verifier(settings, store=store) as verifier:  # new pool, new OCR engine
                verifier.pool.start()  # driver and Chromium, before anything else
                statuses[base] = verifier.verify(proof).status
            seconds[base] = time.perf_counter() - t0
            launches += verifier.pool.launches
    return Arm(name, statuses, seconds, time.perf_counter() - started, startup, launches)


def _arm_process(name: str, items: list[tuple[str, dict[str, Any]]], env: dict[str, str],
                 conn: Connection) -> None:
    try:
        conn.send(("ok", _run_arm(name, items, env)))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


# -- in the bench's process ----------------------------------------------------------------


def _arm(name: str, items: list[tuple[str, dict[str, Any]]], env: dict[str, str]) -> Arm:
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_arm_process, args=(name, items, env, send),
                       name=f"bench-{name}")
    proc.start()
    send.close()
    assert proc.pid is not None
    with TreeSampler(proc.pid) as sampler:
        try:
            kind, payload = receive.recv()
        except EOFError:
            kind, payload = "error", f"the {name} arm's process died (exit {proc.exitcode})"
    proc.join()
    if kind != "ok":
        raise BenchError(f"{name} arm failed:\n{payload}")
    arm: Arm = payload
    arm.peak = sampler.peak
    return arm


def run(count: int, world: Path | None = None, log: Log = print) -> Report:
    """Start the sandbox, render the proofs, run both arms; stops what it started."""
    from fixtures.bench_proofs import bench_proofs
    from fixtures.demo import DEMO_WORLD
    from fixtures.sandbox.server import SandboxServer
    from fixtures.sandbox.sessions import write_sessions
    from fixtures.sandbox.world import load_world
    from fixtures.sandbox.youtube_api import SANDBOX_KEY

    world_path = Path(world or DEMO_WORLD)
    loaded = load_world(world_path)
    home = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    load_before = os.getloadavg()[0]
    try:
        with SandboxServer(loaded) as sandbox:
            write_sessions(home / "sessions", loaded)
            log(f"bench: sandbox at {sandbox.url}; rendering screenshots for {count} proofs")
            proofs = bench_proofs(sandbox.url, count)
            items = [(p.base_id, p.raw) for p in proofs]
            arms: dict[str, Arm] = {}
            for name in ARMS:
                log(f"bench: {name} arm, {count} proofs")
                env = {"VERIFIER_HOME": str(home / name), "VERIFIER_SANDBOX": sandbox.url,
                       "VERIFIER_SESSIONS_DIR": str(home / "sessions"),
                       "VERIFIER_YOUTUBE_API_KEY": SANDBOX_KEY}
                arms[name] = _arm(name, items, env)
            url = sandbox.url
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return Report(world_path, url, [(p.base_id, p.expected) for p in proofs], arms,
                  (load_before, os.getloadavg()[0]))


# -- the printout --------------------------------------------------------------------------


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}"


def format_report(report: Report) -> str:
    warm, naive = report.arms["warm"], report.arms["naive"]
    lines = [
        f"world {report.world}, {len(report.proofs)} proofs, {os.cpu_count()} CPU(s), "
        f"load average {report.load[0]:.1f} before, {report.load[1]:.1f} after",
        "",
        f"{'proof':34} {'expected':9} {'warm':9} {'s':>6}  {'naive':9} {'s':>6}",
    ]
    for base, expected in report.proofs:
        lines.append(f"{base:34} {expected or '-':9} {warm.statuses[base]:9} "
                     f"{warm.seconds[base]:6.2f}  {naive.statuses[base]:9} "
                     f"{naive.seconds[base]:6.2f}")
    head = (f"{'arm':11} {'proofs':>6} {'wall_s':>7} {'median_s':>8} {'p95_s':>6} "
            f"{'proofs/min':>10} {'peak_rss_MiB':>12} {'peak_pss_MiB':>12} {'launches':>8}")
    lines += ["", head]
    for arm in (warm, naive):
        lines.append(f"{arm.name:11} {arm.proofs:6d} {arm.wall:7.1f} {arm.median:8.2f} "
                     f"{arm.p95:6.2f} {arm.per_minute:10.1f} {_mib(arm.peak.rss_mib):>12} "
                     f"{_mib(arm.peak.pss_mib):>12} {arm.launches:8d}")
    lines.append(
        f"{'warm/naive':11} {'':6} {_ratio(warm.wall, naive.wall):>7} "
        f"{_ratio(warm.median, naive.median):>8} {_ratio(warm.p95, naive.p95):>6} "
        f"{_ratio(warm.per_minute, naive.per_minute):>10} "
        f"{_ratio(warm.peak.rss_mib, naive.peak.rss_mib):>12} "
        f"{_ratio(warm.peak.pss_mib, naive.peak.pss_mib):>12}")
    lines.append(f"warm start-up (driver, Chromium launch; in its wall time): "
                 f"{warm.startup:.2f} s")
    lines += ["", *verdict_lines(report)]
    return "\n".join(lines)


def verdict_lines(report: Report) -> list[str]:
    """Whether both arms decided alike (they must: only the browser's lifetime differs)."""
    warm, naive = report.arms["warm"], report.arms["naive"]
    differ = [b for b, _ in report.proofs if warm.statuses[b] != naive.statuses[b]]
    lines = [f"statuses differ: {b}: warm {warm.statuses[b]}, naive {naive.statuses[b]}"
             for b in differ]
    if not differ:
        counts: dict[str, int] = {}
        for status in warm.statuses.values():
            counts[status] = counts.get(status, 0) + 1
        lines.append("statuses: the same in both arms ("
                     + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ")")
    judged = [(b, e) for b, e in report.proofs if e is not None]
    for arm in (warm, naive):
        hits = sum(arm.statuses[b] == e for b, e in judged)
        lines.append(f"{arm.name}: {hits}/{len(judged)} as the demo expects")
    return lines
