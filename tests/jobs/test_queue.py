"""Queue path on a real redis-server: submit, a warm worker, a stored verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jobs import tasks
from jobs.connections import redis_from_url
from jobs.queues import enqueue_proof, get_queue, job_id_for
from jobs.worker import run_worker
from tests.jobs.conftest import follow_proof

pytestmark = pytest.mark.integration

@pytest.fixture
def env(queue_env):
    _sandbox, settings, store = queue_env()
    return settings, store


def test_worker_decides_queued_proofs_once(env):
    settings, store = env
    queue = get_queue(redis_from_url(settings.redis_url), settings)
    for p in (follow_proof("q-1", "rafi_bd"), follow_proof("q-2", "karim_bd")):
        store.add_proof(p)
        enqueue_proof(queue, p.id)
    enqueue_proof(queue, "q-1")  # a second submission of a queued proof is the same job
    assert queue.count == 2
    run_worker(settings, burst=True)
    assert store.get_verdict("q-1").status == "approved"
    assert store.get_verdict("q-2").status == "flagged"
    # Running the job again (as after a crash) decides nothing new.
    tasks.set_context(None)
    first = store.get_verdict("q-2")
    enqueue_proof(queue, "q-2")
    run_worker(settings, burst=True)
    assert store.get_verdict("q-2").to_json() == first.to_json()
    assert len(store.attempts("q-2")) == 1
    job = queue.fetch_job(job_id_for("q-1"))
    assert job is not None and job.return_value() == "approved"


def cli(*args: str, env_extra: dict[str, str] | None = None, stdin: str | None = None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "verifier.cli", *args], capture_output=True,
                          text=True, env=env, input=stdin, timeout=240)


def test_cli_submit_then_worker(env, tmp_path):
    settings, store = env
    path = tmp_path / "p.json"
    path.write_text(json.dumps(follow_proof("c-1", "rafi_bd").to_json()))
    common = {"REDIS_URL": settings.redis_url, "VERIFIER_HOME": str(settings.home),
              "VERIFIER_SANDBOX": settings.sandbox or "",
              "VERIFIER_SESSIONS_DIR": str(settings.sessions_dir),
              "VERIFIER_QUEUE": settings.queue_name}
    out = cli("submit", str(path), env_extra=common)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["c-1"]
    out = cli("worker", "--burst", env_extra=common)
    assert out.returncode == 0, out.stderr
    assert store.get_verdict("c-1").status == "approved"


def test_cli_verify_prints_verdict_lines_and_refuses_bad_proofs(env, tmp_path):
    settings, _store = env
    good = tmp_path / "good.json"
    good.write_text(json.dumps(follow_proof("v-1", "karim_bd").to_json()))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "v-2", "task": {"action": "retweet", "platform": "x",
                                                     "target": "https://x.com/a"},
                               "worker": {"id": "w"}}))
    common = {"VERIFIER_HOME": str(settings.home), "VERIFIER_SANDBOX": settings.sandbox or "",
              "VERIFIER_SESSIONS_DIR": str(settings.sessions_dir)}
    out = cli("verify", str(good), str(bad), env_extra=common)
    assert out.returncode == 2
    assert "task.action" in out.stderr and "bad.json" in out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(v["proof_id"], v["status"]) for v in lines] == [("v-1", "flagged")]


def test_submit_without_redis_is_a_clear_error(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(follow_proof("n-1", "rafi_bd").to_json()))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["VERIFIER_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "verifier.cli", "submit", str(path)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode != 0 and "REDIS_URL" in out.stderr


def test_missing_file_named(tmp_path):
    out = cli("verify", str(tmp_path / "nope.json"))
    assert out.returncode == 2 and "nope.json" in out.stderr
