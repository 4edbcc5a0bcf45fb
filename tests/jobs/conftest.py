"""A sandbox X world, a private Redis queue and a store: what the queue tests share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jobs.connections import redis_from_url
from verifier.models import Proof, parse_proof
from verifier.settings import Settings
from verifier.store import Store

X_WORLD = """
platforms:
  x:
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd, follows: [acme_bd]}
      - {handle: karim_bd}
"""


def follow_proof(pid: str, handle: str = "rafi_bd") -> Proof:
    """A follow of @acme_bd on X: rafi_bd follows it in ``X_WORLD``, karim_bd does not."""
    return parse_proof({"id": pid, "task": {"action": "follow", "platform": "x",
                                            "target": "https://x.com/acme_bd"},
                        "worker": {"id": f"w-{handle}", "handle": handle}})


@pytest.fixture
def queue_env(tmp_path: Path, sandbox_for: Any, redis_server: Any
              ) -> Callable[..., tuple[Any, Settings, Store]]:
    """Factory: ``queue_env(**settings)`` starts the sandbox of ``X_WORLD`` and returns it
    with settings for an empty Redis (a queue of this test's own) and a store."""

    def make(**extra: object) -> tuple[Any, Settings, Store]:
        world = tmp_path / "world.yaml"
        world.write_text(X_WORLD)
        sandbox = sandbox_for(world)
        redis_from_url(redis_server.url).flushdb()
        settings = Settings(REDIS_URL=redis_server.url, VERIFIER_HOME=tmp_path / "home",
                            VERIFIER_SANDBOX=sandbox.url, VERIFIER_SESSIONS_DIR=sandbox.sessions,
                            VERIFIER_QUEUE=f"proofs-{tmp_path.name}", **extra)  # type: ignore[arg-type]
        store = Store(settings.db_url)
        store.create_schema()
        return sandbox, settings, store

    return make
