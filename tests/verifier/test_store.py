"""The store's promises, against a real SQLite file (and PostgreSQL when
``VERIFIER_TEST_POSTGRES_URL`` is set): a proof is stored once, decided once,
every attempt is kept, moderation is audited, and duplicate and account
lookups find what they must and nothing else.

Concurrency is tested with real threads and real processes on one database,
because "decided exactly once" is only worth something across processes.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.pg import emptied
from verifier.models import Check, Proof, Verdict, parse_proof
from verifier.store import ProofConflictError, Store, UnknownProofError, hamming
from verifier.store.fingerprints import band_neighbours, bands
from verifier.store.schema import checks as checks_table

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        # A directory that does not exist yet: the store must create it.
        return f"sqlite:///{tmp_path / 'home' / 'db' / 'verifier.sqlite3'}"
    pg_url: str = request.getfixturevalue("postgres_url")
    return emptied(pg_url)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.create_schema()
    yield s
    s.close()


def make_proof(
    proof_id: str,
    worker: str = "w1",
    handle: str | None = "rafi_bd",
    action: str = "follow",
    platform: str = "x",
    campaign: str | None = "c1",
) -> Proof:
    raw: dict[str, Any] = {
        "id": proof_id,
        "marketplace": "mw",
        "task": {"action": action, "platform": platform, "target": "https://x.com/acme_bd"},
        "worker": {"id": worker} | ({"handle": handle} if handle else {}),
        "callback_url": "https://market.example.com/hook",
    }
    if campaign:
        raw["campaign"] = campaign
    return parse_proof(raw)


def verdict(proof_id: str, status: str, tag: str = "", **extra: Any) -> Verdict:
    return Verdict.model_validate(
        {
            "proof_id": proof_id,
            "status": status,
            "checks": [
                {"name": "live.follow", "outcome": "pass" if status == "approved" else "fail",
                 "detail": f"follow check {tag}", "evidence": [f"sha256:{'a' * 64}.png"]},
                {"name": "proof.duplicate", "outcome": "pass"},
            ],
            "reasons": [] if status == "approved" else [f"flagged {tag}"],
            **extra,
        }
    )


# -- setup ------------------------------------------------------------------


def test_sqlite_file_is_created_in_wal_mode_with_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    with Store(f"sqlite:///{path}") as s:
        s.create_schema()
        s.create_schema()  # idempotent
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert path.exists()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_in_memory_sqlite_is_shared_between_threads() -> None:
    with Store("sqlite://") as s:
        s.create_schema()
        s.add_proof(make_proof("m1"))
        seen: list[Proof | None] = []
        t = threading.Thread(target=lambda: seen.append(s.get_proof("m1")))
        t.start()
        t.join()
        assert seen[0] is not None and seen[0].id == "m1"


# -- proofs -----------------------------------------------------------------


def test_add_proof_is_idempotent(store: Store) -> None:
    proof = make_proof("p1")
    first, created = store.add_proof(proof)
    assert created
    assert first.status == "pending" and first.checks == [] and first.attempts == 0
    again, created_again = store.add_proof(make_proof("p1"))
    assert not created_again
    assert again == first
    # The same id with other content is a conflict, never a silent second proof.
    with pytest.raises(ProofConflictError, match="p1"):
        store.add_proof(make_proof("p1", worker="someone-else"))
    assert store.count() == 1
    stored = store.get_proof("p1")
    assert stored == proof and stored.to_json() == proof.to_json()
    assert store.get_proof("nope") is None
    assert store.get_verdict("nope") is None


def test_add_proof_returns_the_decided_verdict_for_a_known_id(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    store.decide(verdict("p1", "flagged"))
    existing, created = store.add_proof(make_proof("p1"))
    assert not created
    assert existing.status == "flagged" and existing.attempts == 1


# -- decisions --------------------------------------------------------------


def test_first_decision_is_kept_when_decide_runs_twice(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    assert store.decide(verdict("p1", "flagged", "first")) is True
    # The same job run again after a crash, with a different outcome.
    assert store.decide(verdict("p1", "approved", "second")) is False
    current = store.get_verdict("p1")
    assert current is not None
    assert current.status == "flagged"
    assert current.reasons == ["flagged first"]
    assert current.checks[0].detail == "follow check first"
    assert current.attempts == 2
    history = store.attempts("p1")
    assert [v.status for v in history] == ["flagged", "approved"]
    assert [v.attempts for v in history] == [1, 2]
    assert history[1].checks[0].detail == "follow check second"


def test_pending_attempt_is_recorded_but_decides_nothing(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    retry = Verdict(proof_id="p1", status="pending", reasons=["rate limited"])
    assert store.decide(retry) is False
    current = store.get_verdict("p1")
    assert current is not None and current.status == "pending" and current.attempts == 1
    assert current.checks == []
    assert store.decide(verdict("p1", "approved")) is True
    assert store.get_verdict("p1").status == "approved"  # type: ignore[union-attr]


def test_reverification_keeps_the_first_verdict(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    started = datetime(2025, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=6)))  # Dhaka
    done = datetime(2025, 1, 1, 6, 0, 30, tzinfo=UTC)
    assert store.decide(verdict("p1", "approved", verified_at=done), started_at=started)
    assert store.decide(verdict("p1", "flagged", "unfollowed"), kind="reverify") is False
    assert store.get_verdict("p1").status == "approved"  # type: ignore[union-attr]
    records = store.attempt_records("p1")
    assert [(r.kind, r.status) for r in records] == [("initial", "approved"),
                                                     ("reverify", "flagged")]
    assert records[0].started_at == started and records[0].started_at.tzinfo == UTC
    assert records[0].finished_at == done
    assert store.get_verdict("p1").verified_at == done  # type: ignore[union-attr]


def test_decide_refuses_rejections_unknown_proofs_and_kinds(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    with pytest.raises(ValueError, match="moderator"):
        store.decide(Verdict(proof_id="p1", status="rejected", reasons=["no"]))
    with pytest.raises(ValueError, match="kind"):
        store.decide(verdict("p1", "approved"), kind="again")
    with pytest.raises(UnknownProofError):
        store.decide(verdict("ghost", "approved"))
    assert store.attempts("p1") == []  # refused calls leave no trace


def test_decide_from_threads_makes_exactly_one_decision(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    n = 8
    barrier = threading.Barrier(n)
    results: dict[int, bool] = {}

    def run(i: int) -> None:
        barrier.wait()
        results[i] = store.decide(verdict("p1", "approved" if i % 2 else "flagged", str(i)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, made in results.items() if made]
    assert len(results) == n and len(winners) == 1
    current = store.get_verdict("p1")
    assert current is not None and current.attempts == n
    assert current.checks[0].detail == f"follow check {winners[0]}"


def _decide_in_process(url: str, n: int, barrier: Any, results: Any) -> None:
    """Child process: its own Store, some unrelated writes, then the race."""
    store = Store(url)
    try:
        for k in range(10):
            store.add_proof(make_proof(f"bg-{n}-{k}", worker=f"w{n}"))
        barrier.wait(timeout=120)
        made = store.decide(verdict("shared", "approved" if n % 2 else "flagged", str(n)))
        results.put((n, made, None))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put((n, False, repr(exc)))
    finally:
        store.close()


def test_decide_from_processes_makes_exactly_one_decision(store: Store, db_url: str) -> None:
    store.add_proof(make_proof("shared"))
    n = 6
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_decide_in_process, args=(db_url, i, barrier, results))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=180) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
    assert [err for _, _, err in got if err] == []
    winners = [i for i, made, _ in got if made]
    assert len(winners) == 1
    current = store.get_verdict("shared")
    assert current is not None and current.attempts == n
    assert current.checks[0].detail == f"follow check {winners[0]}"
    assert len(store.attempts("shared")) == n
    assert store.count() == 1 + n * 10
    with store.engine.connect() as conn:
        stored_checks = conn.execute(
            select(func.count()).select_from(checks_table)
            .where(checks_table.c.proof_id == "shared")
        ).scalar_one()
    assert stored_checks == 2 * n


def _add_in_process(url: str, barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(timeout=120)
        results.put(store.add_proof(make_proof("same-id"))[1])
    finally:
        store.close()


def test_add_proof_from_processes_creates_one_record(store: Store, db_url: str) -> None:
    n = 4
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [ctx.Process(target=_add_in_process, args=(db_url, barrier, results))
             for _ in range(n)]
    for p in procs:
        p.start()
    created = [results.get(timeout=180) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(created) == [False] * (n - 1) + [True]
    assert store.count() == 1


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_can_use_the_parents_store(store: Store) -> None:
    """RQ forks a work horse per job with the parent's objects in memory."""
    store.add_proof(make_proof("p1"))
    ctx = mp.get_context("fork")
    child = ctx.Process(target=lambda: store.decide(verdict("p1", "approved")))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert store.get_verdict("p1").status == "approved"  # type: ignore[union-attr]
    store.add_proof(make_proof("p2"))  # the parent's pool still works


# -- moderation -------------------------------------------------------------


def test_moderation_is_audited_and_keeps_the_verifier_verdict(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    store.decide(verdict("p1", "flagged", "dup"))
    approved = store.moderate("p1", "approved", "mod-ayesha", "same person, new phone")
    assert approved.status == "approved"
    assert approved.reasons == ["flagged dup",
                                "Approved by moderator mod-ayesha: same person, new phone"]
    assert store.get_verdict("p1") == approved
    assert [v.status for v in store.attempts("p1")] == ["flagged"]

    rejected = store.moderate("p1", "rejected", "mod-karim", "")
    assert rejected.status == "rejected"
    log = store.audit("p1")
    assert [(e.moderator, e.from_status, e.to_status, e.note) for e in log] == [
        ("mod-ayesha", "flagged", "approved", "same person, new phone"),
        ("mod-karim", "approved", "rejected", ""),
    ]
    assert all(e.at.tzinfo == UTC for e in log)
    assert log[0].at <= log[1].at
    with pytest.raises(ValueError, match="rejected"):
        store.moderate("p1", "approved", "mod-ayesha", "changed my mind")
    # A later re-verification changes nothing the moderator decided.
    store.decide(verdict("p1", "approved"), kind="reverify")
    assert store.get_verdict("p1").status == "rejected"  # type: ignore[union-attr]


def test_moderation_refuses_what_it_must(store: Store) -> None:
    store.add_proof(make_proof("pending"))
    with pytest.raises(ValueError, match="pending"):
        store.moderate("pending", "approved", "mod", "")
    with pytest.raises(UnknownProofError):
        store.moderate("ghost", "approved", "mod", "")
    store.decide(verdict("pending", "flagged"))
    with pytest.raises(ValueError):
        store.moderate("pending", "flagged", "mod", "")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.moderate("pending", "approved", "  ", "")
    assert store.audit("pending") == []


# -- listing ----------------------------------------------------------------


def test_list_proofs_filters_and_orders_newest_first(store: Store) -> None:
    specs = [
        ("a", "follow", "x", "c1"),
        ("b", "like", "instagram", "c1"),
        ("c", "follow", "x", "c2"),
        ("d", "comment", "youtube", "c2"),
    ]
    for pid, action, platform, campaign in specs[:2]:
        store.add_proof(make_proof(pid, action=action, platform=platform, campaign=campaign))
    time.sleep(0.01)
    middle = datetime.now(UTC)
    time.sleep(0.01)
    for pid, action, platform, campaign in specs[2:]:
        store.add_proof(make_proof(pid, action=action, platform=platform, campaign=campaign))
    store.decide(verdict("a", "approved"))
    store.decide(verdict("c", "flagged"))

    def ids(**kw: Any) -> list[str]:
        return [p.id for p, _ in store.list_proofs(**kw)]

    assert ids() == ["d", "c", "b", "a"]
    assert ids(status="pending") == ["d", "b"]
    assert ids(status="flagged") == ["c"]
    assert ids(action="follow") == ["c", "a"]
    assert ids(platform="x", campaign="c1") == ["a"]
    assert ids(campaign="c2") == ["d", "c"]
    assert ids(since=middle) == ["d", "c"]
    assert ids(since=middle.astimezone(timezone(timedelta(hours=5, minutes=45)))) == ["d", "c"]
    assert ids(limit=2) == ["d", "c"] and ids(limit=2, offset=2) == ["b", "a"]
    pairs = dict((p.id, v) for p, v in store.list_proofs())
    assert pairs["a"].status == "approved" and pairs["a"].attempts == 1
    assert pairs["d"].status == "pending"
    with pytest.raises(ValueError):
        store.list_proofs(status="maybe")


def test_list_proofs_filters_by_a_check_of_the_deciding_attempt(store: Store) -> None:
    dup_fail = Check(name="proof.duplicate", outcome="fail", detail="same image as p0")
    for pid in ("p1", "p2", "p3"):
        store.add_proof(make_proof(pid))
    store.decide(Verdict(proof_id="p1", status="flagged", checks=[dup_fail], reasons=["dup"]))
    store.decide(verdict("p2", "approved"))
    # A later attempt failing the check does not move p2 into the queue.
    store.decide(Verdict(proof_id="p2", status="flagged", checks=[dup_fail], reasons=["dup"]),
                 kind="reverify")
    found = store.list_proofs(check="proof.duplicate", check_outcome="fail")
    assert [p.id for p, _ in found] == ["p1"]
    assert {p.id for p, _ in store.list_proofs(check="proof.duplicate")} == {"p1", "p2"}


# -- image fingerprints ------------------------------------------------------

BASE = "8f3c0a5e9b1d2c47"


def flip(hex_hash: str, bits: list[int]) -> str:
    n = int(hex_hash, 16)
    for b in bits:
        n ^= 1 << b
    return f"{n:016x}"


# Bits spread over all four 16-bit bands, so no band is shared exactly for
# distance >= 4: the case a naive exact-band prefilter would miss.
SPREAD = [0, 1, 16, 32, 48, 2, 17, 33, 49, 3, 18, 34, 50, 4, 19, 35, 51, 5, 20, 36]


def sha(n: int) -> str:
    return f"{n:064x}"


def test_record_image_is_idempotent_per_proof_and_sha(store: Store) -> None:
    store.add_proof(make_proof("p1"))
    assert store.record_image("p1", "w1", "c1", "rafi_bd", sha(1), BASE, BASE) is True
    assert store.record_image("p1", "w1", "c1", "rafi_bd", sha(1), BASE, BASE) is False
    assert store.record_image("p1", "w1", "c1", "rafi_bd", sha(2), BASE, BASE) is True
    with pytest.raises(UnknownProofError):
        store.record_image("ghost", "w1", "c1", None, sha(3), BASE, BASE)
    with pytest.raises(ValueError):
        store.record_image("p1", "w1", "c1", None, sha(4), "xyz", BASE)


def test_find_exact(store: Store) -> None:
    for pid, worker, campaign in (("p1", "w1", "c1"), ("p2", "w2", "c1"), ("p3", "w3", "c2")):
        store.add_proof(make_proof(pid, worker=worker, campaign=campaign))
        store.record_image(pid, worker, campaign, None, sha(7), BASE, BASE)
    store.record_image("p1", "w1", "c1", None, sha(8), BASE, BASE)
    seen = store.find_exact(sha(7).upper(), exclude_proof="p2")
    assert [(s.proof_id, s.worker_id, s.distance) for s in seen] == [("p1", "w1", 0),
                                                                     ("p3", "w3", 0)]
    assert [s.proof_id for s in store.find_exact(sha(7), "p2", campaign="c1")] == ["p1"]
    assert store.find_exact(sha(9), None) == []


def test_find_near_at_distances_0_5_threshold_and_20(store: Store) -> None:
    threshold = 10
    variants = {"d0": 0, "d5": 5, "d10": threshold, "d11": threshold + 1, "d20": 20}
    store.add_proof(make_proof("query"))
    store.record_image("query", "w0", "c1", None, sha(100), BASE, BASE)
    for n, (pid, dist) in enumerate(variants.items()):
        store.add_proof(make_proof(pid, worker=f"w-{pid}"))
        ph = flip(BASE, SPREAD[:dist])
        assert hamming(ph, BASE) == dist
        assert dist < 4 or all(a != b for a, b in zip(bands(ph), bands(BASE), strict=True))
        store.record_image(pid, f"w-{pid}", "c1", "h", sha(n), ph, ph)

    near = store.find_near(BASE, threshold, exclude_proof="query")
    assert [(s.proof_id, s.distance) for s in near] == [("d0", 0), ("d5", 5), ("d10", 10)]
    assert near[1].worker_id == "w-d5" and near[1].phash == flip(BASE, SPREAD[:5])
    assert [s.proof_id for s in store.find_near(BASE, 5, "query")] == ["d0", "d5"]
    assert [s.proof_id for s in store.find_near(BASE, 4, "query")] == ["d0"]
    assert [s.proof_id for s in store.find_near(BASE, 0)] == ["query", "d0"]
    assert [s.proof_id for s in store.find_near(BASE, 20, "query")] == [
        "d0", "d5", "d10", "d11", "d20"]  # the full-scan path (d >= 16)
    assert [s.proof_id for s in store.find_near(BASE, 20, "query", limit=2)] == ["d0", "d5"]
    assert store.find_near(BASE, threshold, "query", campaign="other") == []


def test_find_near_matches_brute_force(store: Store) -> None:
    """The band prefilter never drops a hash within the distance."""
    rng = random.Random(1234)
    store.add_proof(make_proof("bulk"))
    query = f"{rng.getrandbits(64):016x}"
    hashes = []
    for i in range(400):
        # Half random, half close to the query so every radius has answers.
        if i % 2:
            h = f"{rng.getrandbits(64):016x}"
        else:
            h = flip(query, rng.sample(range(64), rng.randint(0, 18)))
        hashes.append(h)
        store.record_image("bulk", "w", "c1", None, sha(i), h, h)
    for d in (0, 1, 3, 4, 5, 7, 8, 11, 12, 15, 16, 18):
        expected = sorted((hamming(query, h), i) for i, h in enumerate(hashes)
                          if hamming(query, h) <= d)
        got = store.find_near(query, d, limit=1000)
        assert [s.distance for s in got] == [dist for dist, _ in expected], d


def test_band_helpers() -> None:
    assert bands("0001000200030004") == (1, 2, 3, 4)
    assert len(band_neighbours(0, 0)) == 1
    assert len(band_neighbours(0, 1)) == 17
    assert len(set(band_neighbours(0xBEEF, 2))) == 137
    assert all(bin(v ^ 0xBEEF).count("1") <= 2 for v in band_neighbours(0xBEEF, 2))


# -- accounts ----------------------------------------------------------------


def test_handles_and_workers_lookups(store: Store) -> None:
    store.add_proof(make_proof("p1", worker="w1", handle="@Rafi_BD", campaign="c1"))
    store.add_proof(make_proof("p2", worker="w2", handle="rafi_bd", campaign="c2"))
    store.add_proof(make_proof("p3", worker="w1", handle="second_acct", campaign="c2"))
    store.add_proof(make_proof("p4", worker="w1", handle="rafi_bd", platform="instagram"))
    store.add_proof(make_proof("p5", worker="w3", handle=None))

    assert store.workers_of_handle("RAFI_bd", "x") == {"w1", "w2"}
    assert store.workers_of_handle("@rafi_bd", "x", campaign="c1") == {"w1"}
    assert store.workers_of_handle("rafi_bd", "instagram") == {"w1"}
    assert store.workers_of_handle("nobody", "x") == set()
    assert store.handles_of_worker("w1", "x") == {"rafi_bd", "second_acct"}
    assert store.handles_of_worker("w1", "x", campaign="c2") == {"second_acct"}
    assert store.handles_of_worker("w3", "x") == set()


# -- stuck proofs ------------------------------------------------------------


def test_pending_sweep(store: Store) -> None:
    store.add_proof(make_proof("stuck"))
    store.add_proof(make_proof("done"))
    store.decide(verdict("done", "approved"))
    later = datetime.now(UTC) + timedelta(hours=2)

    assert store.pending_ids(timedelta(hours=1)) == []
    assert store.pending_ids(timedelta(hours=1), now=later) == ["stuck"]
    assert store.pending_ids(timedelta(0)) == ["stuck"]
    # Claiming: the first sweeper wins, a second one at the same time does not.
    assert store.mark_pending_retry("stuck", older_than=timedelta(hours=1), now=later)
    assert not store.mark_pending_retry("stuck", older_than=timedelta(hours=1), now=later)
    assert store.pending_ids(timedelta(hours=1), now=later) == []
    assert store.mark_pending_retry("stuck")  # unconditional mark
    assert not store.mark_pending_retry("done")
    assert not store.mark_pending_retry("ghost")
