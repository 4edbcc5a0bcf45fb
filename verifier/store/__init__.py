"""The verdict store (SQLite by default, PostgreSQL when configured).

``Store`` is the whole public surface; the submodules split it by concern:
``schema`` (tables), ``engine`` (multi-process SQLite setup), ``fingerprints``
(duplicate-image search), ``core`` (proofs, decisions, moderation, lookups).
"""

from verifier.store.core import (
    AttemptKind,
    AttemptRecord,
    ModerationEntry,
    ModeratorStatus,
    ProofConflictError,
    Store,
    UnknownProofError,
    normalise_handle,
)
from verifier.store.fingerprints import ImageSeen, hamming
from verifier.store.schema import metadata

__all__ = [
    "AttemptKind",
    "AttemptRecord",
    "ImageSeen",
    "ModerationEntry",
    "ModeratorStatus",
    "ProofConflictError",
    "Store",
    "UnknownProofError",
    "hamming",
    "metadata",
    "normalise_handle",
]
