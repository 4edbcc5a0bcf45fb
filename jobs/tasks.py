"""Job functions RQ runs.

The warm ``Verifier`` (browser, OCR engine, store) lives in the worker
process and is built once, on the worker's start-up (``set_context``) or
lazily on the first job; jobs only carry the proof id, the proof itself is
read from the store so nothing large sits in Redis.
"""

from __future__ import annotations

import logging

from verifier.settings import Settings, get_settings
from verifier.verify import Verifier

log = logging.getLogger(__name__)

_verifier: Verifier | None = None


def set_context(verifier: Verifier | None) -> None:
    global _verifier
    _verifier = verifier


def get_verifier(settings: Settings | None = None) -> Verifier:
    global _verifier
    if _verifier is None:
        _verifier = Verifier(settings or get_settings())
    return _verifier


def verify_proof(proof_id: str, kind: str = "initial") -> str:
    """Verify one stored proof; returns the resulting status.

    A proof whose first verdict already exists is not decided again: a job
    that ran twice (worker killed after deciding, before RQ recorded the
    result) returns the kept status.
    """
    verifier = get_verifier()
    current = verifier.store.get_verdict(proof_id)
    if current is None:
        raise LookupError(f"proof {proof_id} is not in the store")
    if kind == "initial" and current.status != "pending":
        log.info("proof %s already decided (%s); not deciding again", proof_id, current.status)
        return current.status
    proof = verifier.store.get_proof(proof_id)
    assert proof is not None
    verdict = verifier.verify(proof, kind=kind)
    log.info("proof %s: %s %s", proof_id, verdict.status, "; ".join(verdict.reasons))
    return verdict.status
