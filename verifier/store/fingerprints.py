"""Image fingerprints and the duplicate searches over them.

Exact copies are found by sha256 (an indexed equality). Near copies (re-saved,
cropped a little, recompressed) are found by the Hamming distance between
64-bit perceptual hashes, which no SQL index answers directly. A full scan
works but grows with every screenshot ever submitted, so the search uses the
pigeonhole principle (multi-index hashing, Norouzi et al. 2012):

    The hash is cut into four 16-bit bands, each stored in its own indexed
    column. If two hashes differ in at most ``d`` bits, the differing bits
    are spread over four bands, so at least one band differs in at most
    ``r = d // 4`` bits (were all four to differ in ``r + 1`` or more, the
    total would exceed ``d``).

For ``d <= 3`` (``r = 0``) that means: a near copy shares at least one band
*exactly*, and the candidates are four indexed equality lookups. For larger
``d`` the query also asks for every 16-bit value within ``r`` bits of each
band (17 values per band for ``r = 1``, 137 for ``r = 2``, 697 for ``r = 3``),
still indexed ``IN`` lookups. The candidates' true distance is then computed
in Python and anything beyond ``d`` is dropped, so the answer is exact, never
approximate. Only for ``d >= 16`` (far beyond any sensible near-duplicate
threshold) would the enumeration exceed the scan's worth, and the search falls
back to scanning all rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations

from sqlalchemy import RowMapping, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from verifier.store.engine import Database
from verifier.store.lookups import UnknownProofError
from verifier.store.schema import BAND_COLUMNS, images, proofs

BANDS = 4
BAND_BITS = 16
# Beyond this many values per band the enumeration costs more than it saves.
MAX_BAND_NEIGHBOURS = 1000

_HASH64 = re.compile(r"^[0-9a-f]{16}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ImageSeen:
    """An earlier submission of the same (or a nearly identical) image."""

    proof_id: str
    worker_id: str
    campaign: str | None
    handle: str | None
    sha256: str
    phash: str
    distance: int
    text_sig: str | None = None
    platform: str | None = None  # the task it was submitted for, to tell a copy
    target: str | None = None  # of this task's proof from a look-alike of another page


def normalise_hash64(value: str, what: str = "phash") -> str:
    """A 64-bit hash as 16 lower-case hex digits; anything else is refused."""
    norm = value.strip().lower()
    if not _HASH64.match(norm):
        raise ValueError(f"{what} must be 16 hex digits (a 64-bit hash), got {value!r}")
    return norm


def normalise_sha256(value: str) -> str:
    norm = value.strip().lower()
    if not _SHA256.match(norm):
        raise ValueError(f"sha256 must be 64 hex digits, got {value!r}")
    return norm


def bands(hash64: str) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a 64-bit hex hash, most significant first."""
    n = int(hash64, 16)
    b0, b1, b2, b3 = ((n >> (BAND_BITS * (BANDS - 1 - i))) & 0xFFFF for i in range(BANDS))
    return b0, b1, b2, b3


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes of equal width."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def band_neighbours(value: int, radius: int) -> list[int]:
    """Every 16-bit value within ``radius`` bits of ``value`` (itself included)."""
    out = [value]
    for k in range(1, radius + 1):
        for positions in combinations(range(BAND_BITS), k):
            mask = 0
            for p in positions:
                mask |= 1 << p
            out.append(value ^ mask)
    return out


def record_image(
    db: Database,
    proof_id: str,
    worker_id: str,
    campaign: str | None,
    handle: str | None,
    sha256: str,
    phash: str,
    dhash: str,
    text_sig: str | None = None,
) -> bool:
    """Insert a fingerprint; False when (proof_id, sha256) was already there.

    Insert-and-catch rather than check-then-insert, so two processes recording
    the same image race safely. A fingerprint must belong to a stored proof:
    for an unknown proof id this raises ``UnknownProofError``.
    """
    sha = normalise_sha256(sha256)
    ph = normalise_hash64(phash)
    dh = normalise_hash64(dhash, "dhash")
    b0, b1, b2, b3 = bands(ph)
    row = {
        "proof_id": proof_id, "worker_id": worker_id, "campaign": campaign, "handle": handle,
        "sha256": sha, "phash": ph, "dhash": dh, "text_sig": text_sig,
        "band0": b0, "band1": b1, "band2": b2, "band3": b3,
        "created_at": datetime.now(UTC),
    }
    try:
        with db.write() as conn:
            conn.execute(images.insert().values(**row))
        return True
    except IntegrityError:
        with db.read() as conn:
            seen = conn.execute(
                select(images.c.id).where(
                    images.c.proof_id == proof_id, images.c.sha256 == sha
                )
            ).first()
            known = conn.execute(select(proofs.c.id).where(proofs.c.id == proof_id)).first()
        if seen is None:
            if known is None:
                raise UnknownProofError(proof_id) from None
            raise
        return False


_COLUMNS = (
    images.c.id, images.c.proof_id, images.c.worker_id, images.c.campaign,
    images.c.handle, images.c.sha256, images.c.phash, images.c.text_sig,
    proofs.c.platform, proofs.c.target,
)
# Every fingerprint belongs to a stored proof (a foreign key), so the join keeps them all.
_FROM = images.join(proofs, images.c.proof_id == proofs.c.id)


def _seen(m: RowMapping, distance: int) -> ImageSeen:
    return ImageSeen(
        proof_id=m["proof_id"], worker_id=m["worker_id"], campaign=m["campaign"],
        handle=m["handle"], sha256=m["sha256"], phash=m["phash"], distance=distance,
        text_sig=m["text_sig"], platform=m["platform"], target=m["target"],
    )


def _scope(exclude_proof: str | None, campaign: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if exclude_proof is not None:
        where.append(images.c.proof_id != exclude_proof)
    if campaign is not None:
        where.append(images.c.campaign == campaign)
    return where


def find_exact(
    db: Database,
    sha256: str,
    exclude_proof: str | None = None,
    *,
    campaign: str | None = None,
    limit: int = 100,
) -> list[ImageSeen]:
    """Earlier fingerprints with this exact sha256, oldest first."""
    sha = normalise_sha256(sha256)
    query = (
        select(*_COLUMNS)
        .select_from(_FROM)
        .where(images.c.sha256 == sha, *_scope(exclude_proof, campaign))
        .order_by(images.c.id)
        .limit(limit)
    )
    with db.read() as conn:
        return [_seen(m, 0) for m in conn.execute(query).mappings()]


def find_near(
    db: Database,
    phash: str,
    max_distance: int,
    exclude_proof: str | None = None,
    *,
    campaign: str | None = None,
    limit: int = 50,
) -> list[ImageSeen]:
    """Fingerprints whose phash is within ``max_distance`` bits, nearest first.

    Exact (no false negatives): see the module docstring for why the band
    prefilter cannot miss a hash within ``max_distance``.
    """
    if max_distance < 0:
        raise ValueError("max_distance must be >= 0")
    query_hash = normalise_hash64(phash)
    where = _scope(exclude_proof, campaign)
    radius = max_distance // BANDS
    neighbours = [band_neighbours(b, radius) for b in bands(query_hash)]

    # Candidates are scored as they stream in; a row matched by two bands
    # is kept once (keyed by its id).
    scored: dict[int, tuple[int, RowMapping]] = {}

    def consider(m: RowMapping) -> None:
        distance = hamming(query_hash, m["phash"])
        if distance <= max_distance:
            scored[m["id"]] = (distance, m)

    with db.read() as conn:
        if len(neighbours[0]) > MAX_BAND_NEIGHBOURS:
            for m in conn.execute(select(*_COLUMNS).select_from(_FROM).where(*where)
                                  ).mappings():
                consider(m)
        else:
            for column, values in zip(BAND_COLUMNS, neighbours, strict=True):
                match = column == values[0] if len(values) == 1 else column.in_(values)
                query = select(*_COLUMNS).select_from(_FROM).where(and_(match, *where))
                for m in conn.execute(query).mappings():
                    consider(m)

    ranked = sorted(scored.items(), key=lambda item: (item[1][0], item[0]))
    return [_seen(m, distance) for _, (distance, m) in ranked[:limit]]
