"""Re-verification end to end: a real Redis, sandbox, worker and webhook receiver.

Approve follows, likes, comments and joins on several platforms, undo some in
the sandbox, and re-verify: exactly those are dropped, the rest held, the
proof-only one skipped; the first status stays, attempts grow, each drop
sends one signed ``retention.dropped`` webhook, and a login wall or expired
session gives ``unknown``, never ``dropped``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rq.registry import ScheduledJobRegistry

from jobs.connections import redis_from_url
from jobs.queues import enqueue_proof, get_queue, get_reverify_queue
from jobs.worker import run_worker
from tests.conftest import DEMO_WORLD
from verifier.api import create_app
from verifier.cli import main as cli_main
from verifier.models import parse_proof
from verifier.settings import Settings
from verifier.store import Store
from verifier.webhooks import verify_signature

pytestmark = pytest.mark.integration

SECRET = "retention-secret"
CAMPAIGN = "c-retention"
X_POST = "https://x.com/acme_bd/status/1861000000000000001"
IG_POST = "https://www.instagram.com/p/C9xYz12AbCd/"
FB_POST = "https://www.facebook.com/acme.bangladesh/posts/3065154550235644"
GH = "https://github.com"

# (proof id, platform, action, target, worker handle, extra task fields)
CELLS: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    ("r-x-follow-rafi", "x", "follow", "https://x.com/acme_bd", "rafi_bd", {}),
    ("r-x-follow-sumi", "x", "follow", "https://x.com/acme_bd", "sumi_bd", {}),
    ("r-ig-like", "instagram", "like", IG_POST, "nusrat.jahan", {}),
    ("r-ig-follow", "instagram", "follow", "https://www.instagram.com/cafe.dhanmondi/",
     "nusrat.jahan", {}),
    ("r-fb-comment", "facebook", "comment", FB_POST, "Ayesha Rahman", {"min_comment_words": 5}),
    ("r-gh-join", "github", "join", f"{GH}/orgs/AcmeOrg", "rafi-dev", {}),
    ("r-gh-follow", "github", "follow", f"{GH}/octo-bd", "rafi-dev", {}),
    ("r-gh-like", "github", "like", f"{GH}/octo-bd/widgets", "rafi-dev", {}),
    ("r-yt-comment", "youtube", "comment", "https://www.youtube.com/watch?v=eidSale2024",
     "rafi_bd", {}),
    ("r-x-like", "x", "like", X_POST, "rafi_bd", {}),  # proof-only: X likes are private
]
UNDO = [
    {"op": "unfollow", "platform": "x", "handle": "rafi_bd", "target": "acme_bd"},
    {"op": "unlike", "platform": "instagram", "post": "C9xYz12AbCd", "handle": "nusrat.jahan"},
    {"op": "delete_comment", "platform": "facebook", "post": "3065154550235644",
     "author": "ayesha.rahman"},
    {"op": "leave_group", "platform": "github", "group": "AcmeOrg", "handle": "rafi-dev"},
]
DROPPED = {"r-x-follow-rafi", "r-ig-like", "r-fb-comment", "r-gh-join"}
SKIPPED = {"r-x-like"}
HELD = {c[0] for c in CELLS} - DROPPED - SKIPPED


class Receiver:
    """The marketplace's webhook endpoint: a real local HTTP server recording each POST."""

    def __init__(self) -> None:
        received: list[tuple[dict[str, str], bytes]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def events(self, event: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in self.received if h.get("x-verifier-event") == event]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def make_settings(tmp_path: Path, redis_url: str, sandbox: Any, receiver: Receiver,
                  **extra: str) -> Settings:
    name = tmp_path.name
    return Settings(REDIS_URL=redis_url, VERIFIER_HOME=tmp_path / "home",  # type: ignore[call-arg]
                    VERIFIER_SANDBOX=sandbox.url, VERIFIER_SESSIONS_DIR=sandbox.sessions,
                    VERIFIER_QUEUE=f"proofs-{name}", VERIFIER_WEBHOOK_QUEUE=f"hooks-{name}",
                    VERIFIER_REVERIFY_QUEUE=f"reverify-{name}",
                    VERIFIER_CALLBACK_HOSTS=receiver.hostport, **extra)


def env_of(settings: Settings) -> dict[str, str]:
    return {"REDIS_URL": settings.redis_url or "", "VERIFIER_HOME": str(settings.home),
            "VERIFIER_REVERIFY_QUEUE": settings.reverify_queue_name}


def submit_and_decide(settings: Settings, store: Store, receiver: Receiver,
                      cells: list[tuple[str, str, str, str, str, dict[str, Any]]]) -> None:
    queue = get_queue(redis_from_url(settings.redis_url or ""), settings)
    for pid, platform, action, target, handle, task in cells:
        store.add_proof(parse_proof({
            "id": pid, "marketplace": "mk", "campaign": CAMPAIGN,
            "callback_url": f"http://{receiver.hostport}/hooks",
            "task": {"action": action, "platform": platform, "target": target, **task},
            "worker": {"id": f"w-{handle}", "handle": handle}}))
        enqueue_proof(queue, pid)
    run_worker(settings, burst=True)


def reverify_cli(settings: Settings, expected_jobs: int, *args: str) -> dict[str, Any]:
    """``verifier reverify --wait --json`` in its own process while a burst worker here
    does the re-checks once the batch's jobs are all queued."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "verifier.cli", "reverify", "--wait", "--json", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env_of(settings)})
    try:
        queue = get_reverify_queue(redis_from_url(settings.redis_url or ""), settings)
        deadline = time.monotonic() + 120
        while queue.count < expected_jobs and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert queue.count == expected_jobs, proc.stderr.read() if proc.stderr else ""
        run_worker(settings, burst=True)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "held" in err and "dropped" in err  # the progress label with its counts
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.timeout(900)  # whole flows on real processes: minutes, more on a busy machine
def test_reverify_reports_exactly_the_undone_actions(tmp_path, sandbox_for, redis_server,
                                                     receiver):
    sandbox = sandbox_for(DEMO_WORLD)
    settings = make_settings(tmp_path, redis_server.url, sandbox, receiver,
                             VERIFIER_RETENTION_DAYS="")
    store = Store(settings.db_url)
    store.create_schema()
    token = store.marketplaces.issue_token("mk", SECRET).token
    other = store.marketplaces.issue_token("other-market").token
    submit_and_decide(settings, store, receiver, CELLS)
    statuses = {c[0]: store.get_verdict(c[0]).status for c in CELLS}
    assert statuses == {**{pid: "approved" for pid in DROPPED | HELD}, "r-x-like": "flagged"}
    store.moderate("r-x-like", "approved", "mod-1", "screenshot looks right")

    httpx.post(f"{sandbox.url}/__admin/world", json={"ops": UNDO}).raise_for_status()
    summary = reverify_cli(settings, len(CELLS) - 1, "--campaign", CAMPAIGN)
    assert (summary["checked"], summary["held"], summary["dropped"], summary["unknown"],
            summary["skipped"]) == (len(HELD) + len(DROPPED), len(HELD), len(DROPPED), 0, 1)
    items = store.retention.items(summary["batch_id"])
    assert {p for p, s in items.items() if s == "dropped"} == DROPPED
    assert {p for p, s in items.items() if s == "held"} == HELD
    assert {p for p, s in items.items() if s == "skipped"} == SKIPPED

    api = TestClient(create_app(settings, store=store,
                                redis=redis_from_url(settings.redis_url or "")))
    auth = {"Authorization": f"Bearer {token}"}
    for pid in DROPPED | HELD:
        verdict = api.get(f"/v1/proofs/{pid}", headers=auth).json()
        assert verdict["status"] == "approved", pid  # the first decision is kept
        assert verdict["attempts"] == 2, pid
        expected = "dropped" if pid in DROPPED else "held"
        assert verdict["retention"]["state"] == expected, (pid, verdict)
        assert verdict["retention"]["checks"] == 1
        assert ("dropped_at" in verdict["retention"]) == (pid in DROPPED)
    assert "retention" not in api.get("/v1/proofs/r-x-like", headers=auth).json()
    # Only the live check was re-run: the attempt holds the target and the live check.
    recheck = store.attempt_records("r-fb-comment")[-1]
    assert recheck.kind == "reverify"
    assert [c.name for c in recheck.verdict.checks] == ["task.target", "live.comment"]

    drops = CliRunner().invoke(cli_main, ["report", "drops", "--csv", "--campaign", CAMPAIGN],
                               env=env_of(settings))
    assert drops.exit_code == 0, drops.output
    rows = drops.output.strip().splitlines()
    assert rows[0] == "proof,campaign,worker,platform,action,approved_at,dropped_at,state_now"
    assert {r.split(",")[0] for r in rows[1:]} == DROPPED

    hooks = receiver.events("retention.dropped")
    assert len(hooks) == len(DROPPED)
    bodies = []
    for headers, body in hooks:
        assert verify_signature(body, headers["x-verifier-signature"], SECRET)
        bodies.append(json.loads(body))
    assert {b["proof_id"] for b in bodies} == DROPPED
    assert all(b["retention"]["state"] == "dropped" and b["status"] == "approved"
               for b in bodies)

    # A login wall on X and expired Instagram sessions: unknown there, never dropped.
    httpx.post(f"{sandbox.url}/__admin/world", json={"ops": [
        {"op": "set_wall", "platform": "x", "wall": "login"},
        {"op": "expire_sessions", "platform": "instagram"}]}).raise_for_status()
    started = api.post("/v1/reverify", json={"campaign": CAMPAIGN}, headers=auth)
    assert started.status_code == 202, started.text
    batch_id = started.json()["batch_id"]
    assert api.get(f"/v1/batches/{batch_id}",
                   headers={"Authorization": f"Bearer {other}"}).status_code == 404
    run_worker(settings, burst=True)
    progress = api.get(f"/v1/batches/{batch_id}", headers=auth).json()
    walled = {"r-x-follow-rafi", "r-x-follow-sumi", "r-ig-like", "r-ig-follow"}
    assert (progress["total"], progress["done"], progress["unknown"], progress["dropped"],
            progress["held"], progress["skipped"]) == (
        len(CELLS), len(CELLS), len(walled), len(DROPPED - walled), len(HELD - walled), 1)
    items = store.retention.items(batch_id)
    assert {p for p, s in items.items() if s == "unknown"} == walled
    rafi = store.get_verdict("r-x-follow-rafi")
    assert rafi.retention.state == "unknown" and rafi.retention.dropped_at is not None
    assert rafi.status == "approved" and rafi.attempts == 3
    # A drop seen again is not a new drop: still one webhook per drop.
    run_worker(settings, burst=True)
    assert len(receiver.events("retention.dropped")) == len(DROPPED)
    rates = {r.key: r for r in store.retention.drop_rates("platform")}
    assert rates["github"].dropped == 1 and rates["github"].held == 2


@pytest.mark.timeout(900)  # whole flows on real processes: minutes, more on a busy machine
def test_scheduled_rechecks_after_approval(tmp_path, sandbox_for, redis_server, receiver):
    world = tmp_path / "world.yaml"
    world.write_text("""
platforms:
  x:
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd, follows: [acme_bd]}
      - {handle: sumi_bd, follows: [acme_bd]}
""")
    sandbox = sandbox_for(world)
    settings = make_settings(tmp_path, redis_server.url, sandbox, receiver,
                             VERIFIER_RETENTION_DELAYS="1,2")
    store = Store(settings.db_url)
    store.create_schema()
    store.marketplaces.issue_token("mk", SECRET)
    cells = [("s-rafi", "x", "follow", "https://x.com/acme_bd", "rafi_bd", {}),
             ("s-sumi", "x", "follow", "https://x.com/acme_bd", "sumi_bd", {})]
    submit_and_decide(settings, store, receiver, cells)
    assert store.get_verdict("s-rafi").status == store.get_verdict("s-sumi").status == "approved"
    queue = get_reverify_queue(redis_from_url(settings.redis_url or ""), settings)
    scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
    assert sorted(scheduled) == ["retention-s-rafi-1", "retention-s-rafi-2",
                                 "retention-s-sumi-1", "retention-s-sumi-2"]
    httpx.post(f"{sandbox.url}/__admin/world", json={
        "op": "unfollow", "platform": "x", "handle": "sumi_bd", "target": "acme_bd",
    }).raise_for_status()

    def checks(pid: str) -> int:
        retention = store.get_verdict(pid).retention
        return retention.checks if retention else 0

    deadline = time.monotonic() + 120
    while (checks("s-rafi") < 2 or checks("s-sumi") < 2) and time.monotonic() < deadline:
        time.sleep(0.5)
        run_worker(settings, burst=True)  # its scheduler moves the due re-checks to the queue
    assert checks("s-rafi") == checks("s-sumi") == 2
    assert store.get_verdict("s-rafi").retention.state == "held"
    sumi = store.get_verdict("s-sumi")
    assert (sumi.status, sumi.retention.state, sumi.attempts) == ("approved", "dropped", 3)
    assert len(receiver.events("retention.dropped")) == 1
