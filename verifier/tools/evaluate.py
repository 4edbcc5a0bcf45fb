"""``verifier eval``: run a labelled corpus through the verifier and count.

A corpus directory (``fixtures.corpus`` writes one) holds ``world.yaml``,
``proofs/*.json`` and ``labels.jsonl``. The evaluation starts a sandbox for
that world with fresh checker sessions and a fresh store, verifies every
proof in-process with the ``Verifier`` (the code path production uses), and
compares each decision with its label. With several processes, each keeps
its own warm verifier and all share one SQLite store, so duplicate detection
sees every proof; proofs go in waves (originals before their copies), each
wave finished before the next starts.

The report (``verifier.tools.evaluate_report``) prints the figures; nothing here
asserts them.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import util as mp_util
from pathlib import Path
from typing import Any

from verifier.models import parse_proof
from verifier.settings import Settings

Log = Callable[[str], None]


class CorpusError(ValueError):
    """The corpus directory is not complete or not consistent."""


SCRIPTS = {"en": "Latin (en)", "bn": "Bengali (bn)", "hi": "Devanagari (hi)"}


@dataclass(frozen=True)
class Label:
    id: str
    expected: str  # approved | flagged
    kind: str  # genuine | a fraud kind
    platform: str
    action: str
    cap: str  # L | S | P (DESIGN table)
    locale: str = "-"
    theme: str = "-"
    device: str = "-"
    wave: int = 0
    layout: str = "-"  # the screenshot: "sandbox" page, "app" layout (drawn), "-" none
    jpeg: int = 0  # the JPEG quality it was passed on at (0: PNG)
    must_fail: str = ""  # the screenshot check that must fail on this fraud ("" none)
    app: str = ""  # the drawn app page ("instagram", "x_post" ...) when layout is "app"

    @property
    def script(self) -> str:
        return SCRIPTS.get(self.locale, "no screenshot")

    @property
    def proof_class(self) -> str:
        """A fraud kind, or the genuine proofs by what their screenshot is drawn from
        (per app page where drawn in an app's layout, so one app's failure shows)."""
        if self.fraud:
            return f"{self.kind}, app layout" if self.layout == "app" else self.kind
        if self.layout == "app":
            return f"genuine, {self.app or 'app'} layout"
        return {"sandbox": "genuine, sandbox page"}.get(self.layout, "genuine, no screenshot")

    @property
    def genuine(self) -> bool:
        return self.kind == "genuine"

    @property
    def fraud(self) -> bool:
        return not self.genuine


@dataclass(frozen=True)
class Outcome:
    id: str
    status: str
    reasons: tuple[str, ...]
    checks: tuple[tuple[str, str, str], ...]  # (name, outcome, detail)
    seconds: float


@dataclass
class Report:
    labels: list[Label]
    outcomes: dict[str, Outcome]
    processes: int
    seconds: float  # wall time of the verification
    setup_seconds: float = 0.0
    policy: str | None = None  # the policy file given instead of the default one

    def status(self, label: Label) -> str:
        outcome = self.outcomes.get(label.id)
        return outcome.status if outcome else "missing"

    @property
    def fraud_approved(self) -> list[Label]:
        return [lb for lb in self.labels if lb.fraud and self.status(lb) == "approved"]

    def check_outcome(self, label: Label, name: str) -> str:
        """What the named check of this proof's verdict said ("missing" without it)."""
        outcome = self.outcomes.get(label.id)
        found = [o for n, o, _ in outcome.checks if n == name] if outcome else []
        return found[0] if found else "missing"

    def flagged_without_reason(self) -> list[Label]:
        return [lb for lb in self.labels if self.status(lb) == "flagged"
                and not any(r.strip() for r in self.outcomes[lb.id].reasons)]


def load_labels(corpus_dir: Path) -> list[Label]:
    path = corpus_dir / "labels.jsonl"
    if not path.is_file():
        raise CorpusError(f"{corpus_dir} has no labels.jsonl")
    known = set(Label.__dataclass_fields__)
    labels: list[Label] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            labels.append(Label(**{k: v for k, v in raw.items() if k in known}))
        except (ValueError, TypeError) as exc:
            raise CorpusError(f"{path}:{n}: not a label: {exc}") from exc
    for label in labels:
        if label.expected not in ("approved", "flagged"):
            raise CorpusError(f"{label.id}: expected must be approved or flagged")
        if not (corpus_dir / "proofs" / f"{label.id}.json").is_file():
            raise CorpusError(f"{label.id}: {corpus_dir}/proofs/{label.id}.json is missing")
    if not (corpus_dir / "world.yaml").is_file():
        raise CorpusError(f"{corpus_dir} has no world.yaml")
    return labels


# -- verification, in this process or in a pool -----------------------------------------

_VERIFIER: Any = None  # the warm Verifier of a pool process


def _settings(env: dict[str, str]) -> Settings:
    return Settings(**env)  # type: ignore[arg-type]


def _close_verifier() -> None:
    global _VERIFIER
    if _VERIFIER is not None:
        _VERIFIER.close()
        _VERIFIER = None


def _init_process(env: dict[str, str]) -> None:
    """Pool initializer: one warm verifier per process, closed when the pool ends."""
    global _VERIFIER
    from verifier.verify import Verifier

    _VERIFIER = Verifier(_settings(env))
    mp_util.Finalize(None, _close_verifier, exitpriority=10)


def _verify_file(path: str) -> Outcome:
    return verify_file(_VERIFIER, Path(path))


def verify_file(verifier: Any, path: Path) -> Outcome:
    proof = parse_proof(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    verdict = verifier.verify(proof)
    return Outcome(
        id=proof.id, status=verdict.status, reasons=tuple(verdict.reasons),
        checks=tuple((c.name, c.outcome, c.detail or "") for c in verdict.checks),
        seconds=time.perf_counter() - started)


@contextmanager
def _sandbox(corpus_dir: Path, home: Path) -> Iterator[str]:
    from fixtures.sandbox.server import SandboxServer
    from fixtures.sandbox.sessions import write_sessions
    from fixtures.sandbox.world import load_world

    world = load_world(corpus_dir / "world.yaml")
    with SandboxServer(world) as server:
        write_sessions(home / "sessions", world)
        yield server.url


def _waves(labels: list[Label], corpus_dir: Path) -> list[list[str]]:
    by_wave: dict[int, list[str]] = {}
    for label in labels:
        by_wave.setdefault(label.wave, []).append(
            str(corpus_dir / "proofs" / f"{label.id}.json"))
    return [by_wave[w] for w in sorted(by_wave)]


def run(corpus_dir: Path, processes: int = 1, home: Path | None = None,
        policy: Path | None = None, log: Log = print) -> Report:
    """Verify the whole corpus against its world; a fresh store unless ``home`` is given."""
    from verifier.store import Store

    corpus_dir = Path(corpus_dir)
    labels = load_labels(corpus_dir)
    keep = home is not None
    home = Path(home) if home else Path(tempfile.mkdtemp(prefix="verifier-eval-"))
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    try:
        with _sandbox(corpus_dir, home) as sandbox_url:
            env = {"VERIFIER_HOME": str(home), "VERIFIER_SANDBOX": sandbox_url,
                   "VERIFIER_SESSIONS_DIR": str(home / "sessions"),
                   # the sandbox's Data API takes any key; the corpus' subscribe cells need one
                   "VERIFIER_YOUTUBE_API_KEY": "sandbox-youtube-data-api-key"}
            if policy is not None:
                env["VERIFIER_POLICY"] = str(policy)
            Store(_settings(env).db_url).create_schema()  # once, before any process races
            waves = _waves(labels, corpus_dir)
            log(f"eval: {len(labels)} proofs in {len(waves)} wave(s), {processes} process(es), "
                f"sandbox {sandbox_url}, store and evidence in {home}")
            setup = time.perf_counter() - started
            verify_started = time.perf_counter()
            for outcome in _verify_waves(waves, env, processes, log, len(labels)):
                outcomes[outcome.id] = outcome
            seconds = time.perf_counter() - verify_started
        if keep:  # every verdict, for a closer look
            with (home / "results.jsonl").open("w", encoding="utf-8") as fh:
                for outcome in outcomes.values():
                    fh.write(json.dumps({"id": outcome.id, "status": outcome.status,
                                         "reasons": outcome.reasons, "checks": outcome.checks,
                                         "seconds": round(outcome.seconds, 3)},
                                        ensure_ascii=False) + "\n")
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
    return Report(labels, outcomes, processes, seconds, setup,
                  str(policy) if policy is not None else None)


def _verify_waves(waves: list[list[str]], env: dict[str, str], processes: int, log: Log,
                  total: int) -> Iterator[Outcome]:
    done = 0

    def progress(outcome: Outcome) -> Outcome:
        nonlocal done
        done += 1
        if done % 25 == 0 or done == total:
            log(f"eval: {done}/{total} verified")
        return outcome

    if processes <= 1:
        from verifier.verify import Verifier

        with Verifier(_settings(env)) as verifier:
            for wave in waves:
                for path in wave:
                    yield progress(verify_file(verifier, Path(path)))
        return
    # spawn: a fork would copy the sandbox's server thread and Playwright's state.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_init_process, initargs=(env,)) as pool:
        for wave in waves:
            for outcome in pool.imap_unordered(_verify_file, wave, chunksize=1):
                yield progress(outcome)
        pool.close()
        pool.join()
