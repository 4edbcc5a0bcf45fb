"""Reused screenshots and shared accounts, judged against every proof seen.

The image is recorded before the search, so two workers who submit the same
screenshot at the same moment each find the other: concurrency can only make
the verifier stricter, never let a copy through.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from verifier.models import Check, Proof

if TYPE_CHECKING:
    from verifier.images import LoadedImage
    from verifier.store import Store

NEAR_DISTANCE = 8  # of 64 phash bits; re-encoding and resizing stay well under it
SAME_TEXT = 0.8  # share of the shorter text's words found in the other

_TOKEN = re.compile(r"[@\w][\w.]*", re.UNICODE)


def text_signature(text: str) -> str:
    """The words OCR read, normalised and sorted: what two copies share."""
    tokens = {t.casefold().rstrip(".") for t in _TOKEN.findall(text)}
    return " ".join(sorted(t for t in tokens if len(t) > 1))[:4000]


def same_content(a: str | None, b: str | None) -> bool:
    """Do two visually near images say the same thing?

    Screenshots of one page by two accounts are near for a perceptual hash;
    what differs is the account shown (the @handle). A re-encoded, resized or
    cropped copy keeps its words. Without text to compare, the visual match
    stands (fail closed).
    """
    if not a or not b:
        return True
    wa, wb = set(a.split()), set(b.split())
    ha, hb = {w for w in wa if w.startswith("@")}, {w for w in wb if w.startswith("@")}
    if ha and hb and ha != hb:
        return False
    shorter = min(len(wa), len(wb)) or 1
    return len(wa & wb) / shorter >= SAME_TEXT


def _where(seen_campaign: str | None, campaign: str | None) -> str:
    if seen_campaign and seen_campaign == campaign:
        return f"in this campaign ({campaign})"
    if seen_campaign:
        return f"in campaign {seen_campaign}"
    return "in another task"


def duplicate_checks(proof: Proof, images: list[LoadedImage], store: Store,
                     texts: dict[str, str] | None = None,
                     near_distance: int = NEAR_DISTANCE) -> list[Check]:
    """``proof.duplicate``; ``texts`` maps an image's sha256 to its OCR text."""
    sigs = {sha: text_signature(text) for sha, text in (texts or {}).items()}
    if not images:
        return [Check(name="proof.duplicate", outcome="skipped",
                      detail="no decodable screenshot to compare")]
    handle = (proof.worker.handle or "").strip().lstrip("@").lower() or None
    for image in images:
        store.record_image(proof.id, proof.worker.id, proof.campaign, handle,
                           image.sha256, image.phash, image.dhash, sigs.get(image.sha256))
    problems: list[str] = []
    for n, image in enumerate(images, start=1):
        exact = store.find_exact(image.sha256, exclude_proof=proof.id)
        near = [s for s in store.find_near(image.phash, near_distance, exclude_proof=proof.id)
                if s.sha256 != image.sha256
                and same_content(sigs.get(image.sha256), s.text_sig)]
        for seen in exact[:3]:
            who = "the same worker" if seen.worker_id == proof.worker.id else (
                f"worker {seen.worker_id}")
            problems.append(f"screenshot {n} is identical to one {who} submitted for proof "
                            f"{seen.proof_id} {_where(seen.campaign, proof.campaign)}")
        for seen in near[:3]:
            who = "the same worker" if seen.worker_id == proof.worker.id else (
                f"worker {seen.worker_id}")
            problems.append(f"screenshot {n} is a near copy (distance {seen.distance}/64) of "
                            f"one {who} submitted for proof {seen.proof_id} "
                            f"{_where(seen.campaign, proof.campaign)}")
    if problems:
        return [Check(name="proof.duplicate", outcome="fail", detail="; ".join(problems))]
    return [Check(name="proof.duplicate", outcome="pass",
                  detail="no screenshot matches one submitted before")]


def account_checks(proof: Proof, store: Store) -> list[Check]:
    """One platform account claimed by several marketplace workers."""
    handle = (proof.worker.handle or "").strip().lstrip("@")
    if not handle:
        return []
    others = store.workers_of_handle(handle, proof.task.platform) - {proof.worker.id}
    if others:
        listed = ", ".join(sorted(others)[:5])
        return [Check(name="proof.account", outcome="fail",
                      detail=f"the {proof.task.platform} account @{handle} is also claimed by "
                             f"worker(s) {listed}")]
    return [Check(name="proof.account", outcome="pass",
                  detail=f"@{handle} is claimed by this worker only")]
