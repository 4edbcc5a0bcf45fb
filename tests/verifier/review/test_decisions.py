"""A moderator's approval schedules the retention re-checks, as the verifier's does."""

from __future__ import annotations

from pathlib import Path

import pytest
from rq.registry import ScheduledJobRegistry

from jobs.connections import PrivateRedis, redis_from_url
from jobs.queues import get_reverify_queue, get_webhook_queue
from verifier.models import Check, Verdict, parse_proof
from verifier.review.decisions import moderate
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("live", "scheduled"), [("pass", 2), ("skipped", 0)])
def test_a_moderators_approval_schedules_rechecks(tmp_path: Path, redis_server: PrivateRedis,
                                                  live: str, scheduled: int) -> None:
    settings = Settings(REDIS_URL=redis_server.url, VERIFIER_HOME=tmp_path,  # type: ignore[call-arg]
                        VERIFIER_REVERIFY_QUEUE=f"re-{tmp_path.name}-{live}",
                        VERIFIER_WEBHOOK_QUEUE=f"wh-{tmp_path.name}-{live}",
                        VERIFIER_RETENTION_DELAYS="100,200")
    store = Store(settings.db_url)
    store.create_schema()
    store.add_proof(parse_proof({"id": "m-1", "task": {"action": "follow", "platform": "x",
                                                       "target": "https://x.com/acme_bd"},
                                 "worker": {"id": "w1", "handle": "rafi_bd"}}))
    store.decide(Verdict(proof_id="m-1", status="flagged", reasons=["screenshot unreadable"],
                         checks=[Check(name="live.follow", outcome=live),  # type: ignore[arg-type]
                                 Check(name="proof.screenshot", outcome="unknown")]))
    conn = redis_from_url(redis_server.url)
    verdict, _ = moderate(store, get_webhook_queue(conn, settings), "m-1", "approved", "mod",
                          "looks right", settings)
    assert verdict.status == "approved"
    registry = ScheduledJobRegistry(queue=get_reverify_queue(conn, settings))
    assert registry.count == scheduled  # a proof-only decision has nothing to re-check
