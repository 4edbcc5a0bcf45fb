"""A moderator's decision: the store's status and log, then the signed webhook.

One function for the proof page and the bulk form, so both send the same
``verdict.moderated`` webhook; the dedupe key is the moderation log entry,
so two decisions on one proof send two webhooks and a retried request that
wrote one entry sends one.
"""

from __future__ import annotations

from rq import Queue

from verifier.models import Verdict
from verifier.store import ModerationEntry, ModeratorStatus, Store


def moderate(store: Store, webhook_queue: Queue, proof_id: str, status: ModeratorStatus,
             moderator: str, note: str = "") -> tuple[Verdict, ModerationEntry]:
    """Record the decision (the verifier's checks stay) and notify the marketplace."""
    from jobs.webhooks import notify

    verdict, entry = store.moderate_logged(proof_id, status, moderator, note)
    notify(store, webhook_queue, proof_id, "verdict.moderated",
           dedupe_key=f"moderation-{entry.id}")
    return verdict, entry
