"""``verifier serve`` as an operator starts it: the real command, a real port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from jobs.connections import PrivateRedis, free_port
from verifier.store import Store

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_on_its_port(tmp_path: Path, redis_server: PrivateRedis,
                                   workers: int) -> None:
    Store(f"sqlite:///{tmp_path / 'verifier.sqlite3'}").create_schema()
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_server.url, "VERIFIER_HOME": str(tmp_path)}
    env.pop("VERIFIER_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "verifier.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "verifier serve did not answer"
                time.sleep(0.3)
        assert ready.json() == {"status": "ready"}
        unauthorised = httpx.get(f"http://127.0.0.1:{port}/v1/proofs/x")
        assert unauthorised.status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/review").status_code == 200  # sign-in page
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
