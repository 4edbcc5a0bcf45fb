"""Taking proofs in over HTTP: validation, idempotency, enqueueing.

Kept apart from the routes so the rules read in one place: the token's
marketplace replaces whatever the body claims; a batch is checked whole
before anything is stored (one bad proof refuses the batch, naming it); the
same id with the same content is the existing record, with other content a
``409``; a stored proof that is still pending is enqueued (again), which RQ's
job id makes harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError
from rq import Queue

from jobs.queues import enqueue_proof
from verifier.models import Proof, ProofError, parse_proof
from verifier.store import ProofConflictError, Store
from verifier.webhooks import CallbackRefused, check_callback_syntax

log = logging.getLogger(__name__)


@dataclass
class ApiError(Exception):
    """An HTTP error with a JSON body that names the problem."""

    status: int
    error: str
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.error, **self.extra}
        if self.errors:
            out["errors"] = self.errors
        return out


def status_url(proof_id: str) -> str:
    return f"/v1/proofs/{proof_id}"


def _prefixed(error: str, where: str) -> str:
    """``task.action: ...`` as ``proofs[2].task.action: ...`` inside a batch."""
    if not where:
        return error
    if error.startswith("(proof)"):
        return where + error.removeprefix("(proof)")
    return f"{where}.{error}"


def _parse(item: Any, where: str, marketplace: str, callback_hosts: frozenset[str]) -> Proof:
    if not isinstance(item, dict):
        raise ProofError([_prefixed("(proof): must be a JSON object", where)])
    # The token says which marketplace this is; the body is not trusted on it.
    item = {**item, "marketplace": marketplace}
    try:
        proof = parse_proof(item)
    except ProofError as exc:
        raise ProofError([_prefixed(e, where) for e in exc.errors]) from exc
    if proof.callback_url:
        try:
            check_callback_syntax(proof.callback_url, callback_hosts)
        except CallbackRefused as exc:
            raise ProofError([_prefixed(f"callback_url: {exc}", where)]) from exc
    return proof


def parse_submission(raw: Any, marketplace: str, callback_hosts: frozenset[str],
                     max_batch: int) -> tuple[list[Proof], bool]:
    """The proofs of a body and whether it was a batch; ``ApiError`` 422 naming fields."""
    batch = isinstance(raw, dict) and "proofs" in raw
    if batch:
        extra = sorted(set(raw) - {"proofs"})
        if extra:
            raise ApiError(422, "invalid batch", [f"{k}: unknown field" for k in extra])
        items = raw["proofs"]
        if not isinstance(items, list) or not items:
            raise ApiError(422, "invalid batch", ["proofs: must be a non-empty list of proofs"])
        if len(items) > max_batch:
            raise ApiError(422, "batch too large",
                           [f"proofs: at most {max_batch} proofs per batch, got {len(items)}"])
    else:
        items = [raw]
    proofs: list[Proof] = []
    errors: list[str] = []
    for i, item in enumerate(items):
        try:
            proofs.append(_parse(item, f"proofs[{i}]" if batch else "", marketplace,
                                 callback_hosts))
        except ProofError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ApiError(422, "invalid proof" if not batch else "invalid proofs in batch", errors)
    seen: dict[str, Proof] = {}
    for proof in proofs:
        if proof.id in seen and seen[proof.id] != proof:
            raise ApiError(409, f"proof id {proof.id} appears twice in the batch with "
                                "different content", extra={"id": proof.id})
        seen[proof.id] = proof
    return list(seen.values()), batch


def _conflict(store: Store, proof: Proof) -> ApiError | None:
    stored = store.get_proof(proof.id)
    if stored is None or stored.to_json() == proof.to_json():
        return None
    return ApiError(409, f"proof id {proof.id} was already submitted with different content; "
                         "an id is submitted once (use a new id for a new proof)",
                    extra={"id": proof.id})


def accept(store: Store, queue: Queue, proofs: list[Proof]) -> list[dict[str, Any]]:
    """Store and enqueue; the status line of each proof. Conflicts refuse the whole call."""
    for proof in proofs:
        conflict = _conflict(store, proof)
        if conflict is not None:
            raise conflict
    out = []
    for proof in proofs:
        try:
            verdict, created = store.add_proof(proof)
        except ProofConflictError as exc:  # lost a race with another submission
            raise ApiError(409, str(exc), extra={"id": proof.id}) from exc
        if created or verdict.status == "pending":
            try:
                enqueue_proof(queue, proof.id)
            except RedisError:  # stored: the workers' sweeper queues it when Redis is back
                log.warning("proof %s stored but not queued (Redis: unavailable); the "
                            "sweeper will queue it", proof.id, exc_info=True)
        out.append({"id": proof.id, "status": verdict.status, "status_url": status_url(proof.id),
                    "duplicate": not created})
    return out
