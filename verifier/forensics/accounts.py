"""Accounts shared between workers, and workers using several accounts.

One platform account claimed by several worker ids, or one worker id
submitting a campaign's task under several handles, is how account farms
collect a campaign's pay more than once; the store knows every handle ever
submitted, so the check is a pair of lookups.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from verifier.models import Check, Proof
from verifier.store import normalise_handle

if TYPE_CHECKING:
    from verifier.store import Store


def account_checks(proof: Proof, store: Store) -> list[Check]:
    """One platform account claimed by several workers; one worker using several accounts.

    Runs after the proof is stored, so the store already holds this proof's handle.
    """
    handle = (proof.worker.handle or "").strip().lstrip("@")
    platform, campaign = proof.task.platform, proof.campaign
    if not handle:
        return [Check(name="proof.account", outcome="skipped",
                      detail="the proof names no worker handle")]
    problems: list[str] = []
    others = store.workers_of_handle(handle, platform) - {proof.worker.id}
    if others:
        here = (store.workers_of_handle(handle, platform, campaign) & others
                if campaign is not None else set())
        parts = []
        if here:
            parts.append(f"{_workers(here)} in this campaign")
        if others - here:
            parts.append(f"{_workers(others - here)} in other campaigns")
        problems.append(f"the {platform} account @{handle} is also used by "
                        f"{' and by '.join(parts)}: one account should belong to one worker")
    if campaign is not None:
        mine = _loose(handle)
        extra = {h for h in store.handles_of_worker(proof.worker.id, platform, campaign)
                 if _loose(h) != mine}
        if extra:
            listed = ", ".join(f"@{h}" for h in sorted(extra)[:5])
            problems.append(f"worker {proof.worker.id} has also submitted proofs in this "
                            f"campaign as {listed} on {platform}, besides @{handle}: one "
                            "worker should do a campaign's task with one account")
    if problems:
        return [Check(name="proof.account", outcome="fail", detail="; ".join(problems))]
    return [Check(name="proof.account", outcome="pass",
                  detail=f"@{handle} is used by this worker only, and is the only {platform} "
                         "account this worker used in this campaign")]


def _loose(handle: str) -> str:
    """One account written two ways ("ayesha.rahman", "Ayesha Rahman") is one account."""
    return re.sub(r"[\W_]+", "", normalise_handle(handle))


def _workers(ids: set[str]) -> str:
    listed = sorted(ids)
    shown = ", ".join(listed[:5]) + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")
    return f"worker{'s' if len(listed) > 1 else ''} {shown}"
