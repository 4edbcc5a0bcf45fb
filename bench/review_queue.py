"""How fast the moderator queue answers with 10,000 flagged proofs.

Why: the queue page counts every filter's values and pages on the server;
that must stay quick when a campaign goes wrong and thousands of proofs are
flagged at once.  Run:

    python bench/review_queue.py [--proofs 10000] [--runs 15] [--database-url URL]

Seeds a fresh store (SQLite under a temporary VERIFIER_HOME unless a
PostgreSQL URL is given) with N flagged proofs over 10 platforms, 9 actions,
20 campaigns, 3 marketplaces and 2,000 workers, each with a verdict of four
checks written as ``Store.decide`` writes them (one bulk transaction), then
serves ``create_app`` under uvicorn on 127.0.0.1 and times signed-in
``GET /review`` over HTTP: the default page, filtered pages, a deep page
and a proof page.  Prints medians and p95 in milliseconds; figures, never
asserted.  Needs ``redis-server`` (a private one is started).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.connections import PrivateRedis  # noqa: E402
from tests.verifier.review.seed import Served  # noqa: E402
from verifier.api import create_app  # noqa: E402
from verifier.models import ACTIONS, PLATFORMS  # noqa: E402
from verifier.review import create_moderator  # noqa: E402
from verifier.settings import Settings  # noqa: E402
from verifier.store import Store  # noqa: E402
from verifier.store.schema import attempts, checks, proofs  # noqa: E402

CHECKS = ("proof.screenshot", "proof.handle", "proof.state", "live.follow", "proof.duplicate")


def seed(store: Store, n: int, rng: random.Random) -> None:
    """N flagged proofs with their deciding attempt and checks, in one transaction."""
    start = datetime.now(UTC) - timedelta(days=30)
    proof_rows, attempt_rows, check_rows = [], [], []
    for i in range(n):
        pid = f"bench-{i:06d}"
        platform, action = rng.choice(PLATFORMS), rng.choice(ACTIONS)
        worker = f"w-{rng.randrange(2000)}"
        at = start + timedelta(seconds=i * 250 + rng.randrange(200))
        failing = rng.sample(CHECKS, k=rng.randint(1, 2))
        check_list = [{"name": c, "outcome": "fail" if c in failing else "pass",
                       "detail": f"{c} {'failed' if c in failing else 'passed'} for {pid}",
                       "evidence": []} for c in CHECKS[:4] + tuple(
                           c for c in failing if c == "proof.duplicate")]
        verdict = {"proof_id": pid, "status": "flagged", "checks": check_list,
                   "reasons": [f"{c} failed." for c in failing],
                   "verified_at": at.isoformat()}
        proof = {"id": pid, "marketplace": f"market-{i % 3}", "campaign": f"camp-{i % 20}",
                 "task": {"action": action, "platform": platform,
                          "target": f"https://x.com/acme_{i % 50}"},
                 "worker": {"id": worker, "handle": f"h_{worker}"}}
        proof_rows.append({
            "id": pid, "marketplace": proof["marketplace"], "campaign": proof["campaign"],
            "worker_id": worker, "worker_handle": f"h_{worker}", "handle_key": f"h_{worker}",
            "action": action, "platform": platform, "target": proof["task"]["target"],
            "callback_url": None, "proof": proof, "created_at": at, "status": "flagged",
            "verdict": verdict, "decided_at": at, "decided_attempt_id": i + 1,
            "attempt_count": 1, "queued_at": at, "retries": 0})
        attempt_rows.append({"id": i + 1, "proof_id": pid, "kind": "initial",
                             "status": "flagged", "verdict": verdict, "started_at": at,
                             "finished_at": at})
        check_rows += [{"attempt_id": i + 1, "proof_id": pid, **c} for c in check_list]
    with store.engine.begin() as conn:
        conn.execute(proofs.insert(), proof_rows)
        conn.execute(attempts.insert(), attempt_rows)
        conn.execute(checks.insert(), check_rows)


def timed(client: httpx.Client, path: str, runs: int) -> tuple[float, float, int]:
    client.get(path)  # warm
    times = []
    size = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        response.raise_for_status()
        size = len(response.content)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proofs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    rng = random.Random(7)
    home = Path(tempfile.mkdtemp(prefix="review-bench-"))
    with PrivateRedis() as redis:
        settings = Settings(VERIFIER_HOME=home, REDIS_URL=redis.url,  # type: ignore[call-arg]
                            VERIFIER_DATABASE_URL=args.database_url)
        store = Store(settings.db_url)
        store.create_schema()
        t0 = time.perf_counter()
        seed(store, args.proofs, rng)
        print(f"seeded {store.count('flagged')} flagged proofs in "
              f"{time.perf_counter() - t0:.1f} s ({store.engine.dialect.name})")
        name, password = create_moderator(store, "bench")
        with Served(create_app(settings, store=store)) as served:
            client = httpx.Client(base_url=served.url, follow_redirects=True, timeout=60)
            form = client.get("/review").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            client.post("/review/login", data={"csrf": csrf.group(1), "username": name,
                                               "password": password})
            pages = [
                ("queue, default (oldest first, page 1)", "/review"),
                ("queue, platform=x", "/review?platform=x"),
                ("queue, campaign + action", "/review?campaign=camp-3&action=follow"),
                ("queue, reason=proof.duplicate", "/review?check=proof.duplicate"),
                ("queue, page 150 of 200", "/review?page=150"),
                ("proof page", "/review/proofs/bench-000042"),
                ("dashboard", "/review/dashboard"),
            ]
            print(f"{'page':40} {'median_ms':>10} {'p95_ms':>8} {'bytes':>8}")
            for label, path in pages:
                median, p95, size = timed(client, path, args.runs)
                print(f"{label:40} {median:10.1f} {p95:8.1f} {size:8d}")
        store.close()


if __name__ == "__main__":
    main()
