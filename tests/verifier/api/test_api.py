"""The marketplace's surface end to end: the HTTP API on a real uvicorn, a
real Redis, a real worker process (Chromium against the sandbox) and a real
webhook receiver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from fixtures.services import ApiServer, WebhookReceiver
from jobs.connections import PrivateRedis, free_port, redis_from_url
from verifier.client import VerifierClient, VerifierError, verify_webhook
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration

WORLD = """
platforms:
  x:
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd, follows: [acme_bd]}
      - {handle: karim_bd}
"""


@dataclass
class Stack:
    settings: Settings
    store: Store
    api: ApiServer
    receiver: WebhookReceiver
    token: str
    secret: str
    other_token: str
    metrics_port: int
    worker_log: Path

    def client(self, token: str | None = None) -> VerifierClient:
        return VerifierClient(self.api.url, token or self.token)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_server: PrivateRedis
          ) -> Iterator[Stack]:
    from tests.conftest import SandboxWorld

    root = tmp_path_factory.mktemp("api")
    world = root / "world.yaml"
    world.write_text(WORLD)
    with SandboxWorld(world, root / "sessions") as sandbox, WebhookReceiver() as receiver:
        env = {
            "REDIS_URL": redis_server.url, "VERIFIER_HOME": str(root / "home"),
            "VERIFIER_SANDBOX": sandbox.url, "VERIFIER_SESSIONS_DIR": str(sandbox.sessions),
            "VERIFIER_QUEUE": f"proofs-{root.name}",
            "VERIFIER_WEBHOOK_QUEUE": f"webhooks-{root.name}",
            "VERIFIER_CALLBACK_HOSTS": receiver.host_port,
            "VERIFIER_WEBHOOK_RETRY_DELAYS": "1,1,1",
            "VERIFIER_METRICS_PORT": str(free_port()), "VERIFIER_LOG_FORMAT": "json",
        }
        settings = Settings(**env)  # type: ignore[arg-type]
        store = Store(settings.db_url)
        store.create_schema()
        issued = store.marketplaces.issue_token("acme-market")
        other = store.marketplaces.issue_token("other-market")
        log = (root / "worker.log").open("w")
        worker = subprocess.Popen([sys.executable, "-m", "verifier.cli", "-v", "worker"],
                                  env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                  stderr=log, start_new_session=True)
        try:
            with ApiServer(settings) as api:
                yield Stack(settings, store, api, receiver, issued.token,
                            issued.marketplace.webhook_secret, other.token,
                            int(env["VERIFIER_METRICS_PORT"]), root / "worker.log")
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            log.close()
            redis_from_url(redis_server.url).flushdb()


def follow(pid: str, handle: str, hook: str | None = None, **extra: Any) -> dict[str, Any]:
    proof: dict[str, Any] = {
        "id": pid, "campaign": "eid",
        "task": {"action": "follow", "platform": "x", "target": "https://x.com/acme_bd"},
        "worker": {"id": f"w-{handle}", "handle": handle}, **extra}
    if hook:
        proof["callback_url"] = hook
    return proof


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_token_is_required_and_checked(stack: Stack) -> None:
    url = f"{stack.api.url}/v1/proofs"
    missing = httpx.post(url, json=follow("t-1", "rafi_bd"))
    assert missing.status_code == 401 and "token" in missing.json()["error"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = httpx.post(url, json=follow("t-1", "rafi_bd"),
                       headers={"Authorization": "Bearer mv_not-a-token"})
    assert wrong.status_code == 401 and "invalid" in wrong.json()["error"]
    assert httpx.get(f"{stack.api.url}/v1/proofs/t-1").status_code == 401
    assert stack.store.get_proof("t-1") is None


def test_bad_bodies_are_refused_naming_the_problem(stack: Stack) -> None:
    url = f"{stack.api.url}/v1/proofs"
    auth = {"Authorization": f"Bearer {stack.token}"}
    not_json = httpx.post(url, content=b"{not json", headers=auth)
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
    deep = httpx.post(url, content=b"[" * 5000 + b"]" * 5000, headers=auth)
    assert deep.status_code == 400 and "nested" in deep.json()["error"]
    bad = follow(uid("bad"), "rafi_bd")
    bad["task"]["action"] = "retweet"
    bad["surprise"] = 1
    refused = httpx.post(url, json=bad, headers=auth)
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert any(e.startswith("task.action:") for e in errors)
    assert "surprise: unknown field" in errors
    good = follow(uid("ok"), "rafi_bd")
    in_batch = httpx.post(url, json={"proofs": [good, bad]}, headers=auth)
    assert in_batch.status_code == 422
    assert any(e.startswith("proofs[1].task.action:") for e in in_batch.json()["errors"])
    private_hook = httpx.post(url, json=follow(uid("cb"), "rafi_bd",
                                               hook="https://10.0.0.7/hook"), headers=auth)
    assert private_hook.status_code == 422
    assert private_hook.json()["errors"][0].startswith("callback_url:")
    huge = httpx.post(url, content=b" " * (16 * 1024 * 1024 + 1), headers=auth)
    assert huge.status_code == 413 and "limit" in huge.json()["error"]
    # Nothing of a refused call was stored, not even the good proof of the batch.
    assert stack.store.get_proof(bad["id"]) is None
    assert stack.store.get_proof(good["id"]) is None


def test_a_proof_is_decided_and_its_signed_webhook_received(stack: Stack) -> None:
    pid = uid("hook")
    with stack.client() as client:
        accepted = client.submit(follow(pid, "rafi_bd", hook=stack.receiver.url(f"/{pid}"),
                                        marketplace="someone-else"))
        assert accepted == {"id": pid, "status": "pending", "status_url": f"/v1/proofs/{pid}",
                            "duplicate": False}
        verdict = client.wait(pid, timeout=180, interval=0.5)
    assert verdict["status"] == "approved"
    # The token decides the marketplace, whatever the body said.
    stored = stack.store.get_proof(pid)
    assert stored is not None and stored.marketplace == "acme-market"
    [hook] = stack.receiver.wait_for(f"/{pid}")
    assert verify_webhook(hook.body, hook.headers, stack.secret)
    assert not verify_webhook(hook.body, hook.headers, "another-secret")
    assert not verify_webhook(hook.body.replace(b"approved", b"flagged"), hook.headers,
                              stack.secret)
    assert hook.headers["X-Verifier-Event"] == "verdict.decided"
    assert hook.json()["proof_id"] == pid and hook.json()["status"] == "approved"
    assert hook.json()["checks"] == verdict["checks"]


def test_the_same_id_twice_is_one_verdict_and_one_webhook(stack: Stack) -> None:
    pid = uid("twice")
    proof = follow(pid, "karim_bd", hook=stack.receiver.url(f"/{pid}"))
    with stack.client() as client:
        client.submit(proof)
        again = client.submit(proof)
        assert again["duplicate"] is True
        decided = client.wait(pid, timeout=180, interval=0.5)
        assert decided["status"] == "flagged"
        after = client.submit(proof)
        assert after["duplicate"] is True and after["status"] == "flagged"
        with pytest.raises(VerifierError) as conflict:
            client.submit({**proof, "campaign": "another"})
        assert conflict.value.status == 409 and pid in str(conflict.value)
    stack.receiver.wait_for(f"/{pid}")
    time.sleep(3)  # room for a second webhook, were there one
    assert len(stack.receiver.for_path(f"/{pid}")) == 1
    assert len(stack.store.attempts(pid)) == 1


def test_another_marketplace_sees_404(stack: Stack) -> None:
    pid = uid("mine")
    with stack.client() as client:
        client.submit(follow(pid, "rafi_bd"))
    with stack.client(stack.other_token) as other, pytest.raises(VerifierError) as err:
        other.get(pid)
    assert err.value.status == 404
    with stack.client(stack.other_token) as other, pytest.raises(VerifierError) as err:
        other.get("no-such-proof")
    assert err.value.status == 404


def test_a_batch_is_decided(stack: Stack) -> None:
    ids = [uid("batch") for _ in range(3)]
    handles = ["rafi_bd", "karim_bd", "rafi_bd"]
    with stack.client() as client:
        accepted = client.submit_batch(
            follow(pid, handle, hook=stack.receiver.url("/batch"))
            for pid, handle in zip(ids, handles, strict=True))
        assert [a["id"] for a in accepted] == ids
        statuses = [client.wait(pid, timeout=180, interval=0.5)["status"] for pid in ids]
    assert statuses == ["approved", "flagged", "approved"]
    got = stack.receiver.wait_for("/batch", count=3)
    assert sorted(r.json()["proof_id"] for r in got) == sorted(ids)


def test_a_failing_receiver_gets_the_same_delivery_until_it_answers(stack: Stack) -> None:
    pid = uid("retry")
    path = f"/{pid}"
    stack.receiver.script[path] = [500, 500, 200]
    with stack.client() as client:
        client.submit(follow(pid, "rafi_bd", hook=stack.receiver.url(path)))
        client.wait(pid, timeout=180, interval=0.5)
    got = stack.receiver.wait_for(path, count=3, timeout=90)
    ids = {r.headers["X-Verifier-Delivery"] for r in got}
    assert len(got) == 3 and len(ids) == 1
    assert len({r.body for r in got}) == 1
    [delivery] = stack.store.webhooks.find(proof_id=pid)
    deadline = time.monotonic() + 30
    while delivery.status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.2)
        [delivery] = stack.store.webhooks.find(proof_id=pid)
    assert delivery.status == "delivered" and delivery.attempts == 3
    attempts = stack.store.webhooks.attempts(delivery.id)
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert [a.error for a in attempts][:2] == ["HTTP 500", "HTTP 500"]


def test_metrics_and_logs_tell_what_happened(stack: Stack) -> None:
    pid = uid("metrics")
    with stack.client() as client:
        client.submit(follow(pid, "rafi_bd"))
        client.wait(pid, timeout=180, interval=0.5)
    api = httpx.get(f"{stack.api.url}/metrics").text
    approved = [line for line in api.splitlines()
                if line.startswith('verifier_proofs{status="approved"}')]
    assert approved and float(approved[0].split()[-1]) >= 1
    assert f'verifier_queue_depth{{queue="{stack.settings.queue_name}"}}' in api
    assert 'verifier_webhook_deliveries{status="failed"}' in api
    worker = httpx.get(f"http://127.0.0.1:{stack.metrics_port}/metrics").text
    assert 'verifier_proofs_verified_total{kind="initial",status="approved"}' in worker
    assert 'verifier_check_outcomes_total{check="live.follow",outcome="pass"}' in worker
    assert "verifier_verify_seconds_bucket" in worker
    lines = [json.loads(line) for line in stack.worker_log.read_text().splitlines()
             if line.startswith("{")]
    mine = [line for line in lines if line.get("proof_id") == pid]
    assert mine and all(line["level"] in ("info", "warning", "error") for line in mine)
    assert any(pid in line["message"] for line in mine)
    assert stack.token not in stack.worker_log.read_text()


def test_the_openapi_document_validates(stack: Stack) -> None:
    doc = httpx.get(f"{stack.api.url}/openapi.json").json()
    validate(doc)
    post = doc["paths"]["/v1/proofs"]["post"]
    assert {"202", "401", "409", "413", "422"} <= set(post["responses"])
    assert "Proof" in doc["components"]["schemas"]
    assert httpx.get(f"{stack.api.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{stack.api.url}/readyz").json() == {"status": "ready"}


def test_the_readme_sessions_work_as_printed(stack: Stack, tmp_path: Path) -> None:
    """The README's curl and client sessions, run against this stack."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    curl = readme.split("<!-- api-curl -->")[1].split("```sh\n")[1].split("```")[0]
    client = readme.split("<!-- api-client -->")[1].split("```python\n")[1].split("```")[0]
    proof = tmp_path / "follow-x.json"
    proof.write_text(json.dumps(follow(uid("readme"), "rafi_bd")))
    env = {**os.environ, "VERIFIER": stack.api.url, "TOKEN": stack.token,
           "WEBHOOK_SECRET": stack.secret, "PROOF": str(proof)}
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", curl], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    assert '"status_url"' in out.stdout and "approved" in out.stdout
    script = tmp_path / "client.py"
    script.write_text(client)
    out = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    assert "approved" in out.stdout
