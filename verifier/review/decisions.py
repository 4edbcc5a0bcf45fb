"""A moderator's decision: the store's status and log, then the signed webhook.

One function for the proof page and the bulk form, so both send the same
``verdict.moderated`` webhook; the dedupe key is the moderation log entry,
so two decisions on one proof send two webhooks and a retried request that
wrote one entry sends one.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rq import Queue

from verifier.models import Verdict
from verifier.settings import Settings
from verifier.store import ModerationEntry, ModeratorStatus, Store

log = logging.getLogger(__name__)


def moderate(store: Store, webhook_queue: Queue, proof_id: str, status: ModeratorStatus,
             moderator: str, note: str = "", settings: Settings | None = None,
             ) -> tuple[Verdict, ModerationEntry]:
    """Record the decision (the verifier's checks stay) and notify the marketplace.

    A proof a moderator approves is re-checked for retention like one the
    verifier approved (``settings`` gives the schedule and the queue).
    """
    from jobs.webhooks import notify

    verdict, entry = store.moderate_logged(proof_id, status, moderator, note)
    notify(store, webhook_queue, proof_id, "verdict.moderated",
           dedupe_key=f"moderation-{entry.id}")
    if status == "approved" and settings is not None:
        from jobs.queues import get_reverify_queue
        from jobs.reverify import schedule_rechecks

        try:
            schedule_rechecks(store, get_reverify_queue(webhook_queue.connection, settings),
                              settings, proof_id)
        except RedisError:  # the decision stands; only the later re-checks are missing
            log.warning("could not schedule the re-checks of %s", proof_id, exc_info=True)
    return verdict, entry
