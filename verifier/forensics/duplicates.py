"""Reused screenshots, judged against every proof seen (shared accounts: ``accounts``).

Exact copies are found by sha256. Near copies (re-encoded, resized, lightly
cropped) by a perceptual hash, confirmed by the words OCR read.  Why it looks
the way it does (figures in docs/ocr.md, section 8):

* A perceptual hash of the whole image does not survive cropping: on the real
  screenshots of ``shared/realdata`` a 2 % crop per side already moves phash
  by up to 12 of 64 bits and an 8 % crop by up to 32, as far as unrelated
  screenshots.  So the stored fingerprint is the phash of the image's centre
  (``INSET`` = 8 % cut from every side), a region any light crop keeps, and
  the new image is probed with crops of itself (``probe_hashes``): one of
  them frames that same centre again when the new image is the crop, another
  when the stored one was.  Re-encoding (JPEG 60-90) and resizing
  (0.5x-1.5x) move the fingerprint by 0-2 bits, cropping up to 8 % per side
  plus both by at most 10 on the measured set.
* Screenshots of one page taken by different accounts are near for any
  perceptual hash (the rendered X profiles of two followers are 0 bits
  apart): what differs is the account shown.  A near image is a copy of an
  earlier one only if its words say the same (``same_content``): it shows
  no account more often than the earlier one does (a copy cannot add what
  its source lacks), the status-bar clocks agree, and enough of the shorter
  text is in the longer one.  A crop that
  cut the first worker's handle away is still a copy: showing fewer
  accounts is what cropping does.  The other way round, a worker's own
  full screenshot is never called a copy of an earlier crop that lacks
  their handle.
* Pages laid out alike are near too: two sparse profiles of one site's
  template, or of two sites, come within a few bits in some probe crop.  A
  copy of a screenshot of another page cannot prove this task (the target
  and state checks see to that), so a near image submitted for another
  target counts only when the words positively agree (``OTHER_PAGE_TEXT``
  of enough words), never on the look alone.

The image is recorded before the search, so two workers who submit the same
screenshot at the same moment each find the other: concurrency can only make
the verifier stricter, never let a copy through.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import imagehash
from PIL import Image

from verifier.forensics.copytext import SAME_TEXT, same_content, subject, text_signature
from verifier.forensics.ocr import OcrResult
from verifier.models import Check, Proof

if TYPE_CHECKING:
    from verifier.evidence import EvidenceStore
    from verifier.forensics.images import LoadedImage
    from verifier.store import ImageSeen, Store

NEAR_DISTANCE = 10  # of 64 bits; the policy file's duplicates.near_distance overrides it
INSET = 0.08  # cut from each side before the stored fingerprint is taken
HASH_SIDE = 512  # fingerprints are taken on a copy no longer than this (fast, and stable)
PROBE_LIMIT = 100  # nearest earlier images asked for per probe
_INNER_STEPS = (0.0, 0.04, 0.08)  # the new image is the crop: find the stored centre in it
_OUTER_STEPS = (0.08, 0.12, 0.16)  # the stored image was the crop: frame its centre here

Texts = Mapping[str, str | OcrResult]  # image sha256 -> what OCR read in it

@dataclass(frozen=True)
class DuplicateRules:
    """The thresholds an operator sets in the policy file (``duplicates:``)."""

    near_distance: int = NEAR_DISTANCE
    same_text: float = SAME_TEXT


# -- visual fingerprints -------------------------------------------------------

Fractions = tuple[float, float, float, float]  # cut from left, top, right, bottom


def _small(image: Image.Image) -> Image.Image:
    """Grayscale, box-averaged down to ``HASH_SIDE``: phash sees 32x32 anyway."""
    gray = image.convert("L")
    scale = HASH_SIDE / max(gray.size)
    if scale >= 1:
        return gray
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    return gray.resize(size, Image.Resampling.BOX)


def _cut(image: Image.Image, cut: Fractions) -> Image.Image:
    w, h = image.size
    left, top, right, bottom = cut
    box = (round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom)))
    if box[2] - box[0] < 8 or box[3] - box[1] < 8:
        return image
    return image.crop(box)


def fingerprint(image: Image.Image) -> str:
    """The stored hash: phash of the centre that any light crop leaves in place."""
    return str(imagehash.phash(_cut(_small(image), (INSET, INSET, INSET, INSET))))


def probe_hashes(image: Image.Image) -> list[str]:
    """Hashes of crops of ``image`` that frame a stored fingerprint's centre again.

    ``_INNER_STEPS`` per side cover an image that lost up to 8 % per side
    (its copy of the stored centre starts 0-8 % in); ``_OUTER_STEPS`` an image
    whose earlier submission was the cropped one.  81 crops each, one shared.
    """
    small = _small(image)
    cuts: dict[Fractions, None] = {}
    for steps in (_INNER_STEPS, _OUTER_STEPS):
        cuts.update(dict.fromkeys(itertools.product(steps, steps, steps, steps)))
    return list(dict.fromkeys(str(imagehash.phash(_cut(small, c))) for c in cuts))


# -- the checks --------------------------------------------------------------------

@dataclass(frozen=True)
class _Found:
    seen: ImageSeen
    exact: bool


def _scope(seen_campaign: str | None, campaign: str | None) -> str:
    if campaign is not None and seen_campaign == campaign:
        return f"in this campaign ({campaign})"
    if seen_campaign:
        return f"in campaign {seen_campaign}"
    return "outside any campaign"


def _near(image: LoadedImage, store: Store, proof: Proof, rules: DuplicateRules,
          sig: str | None, skip: set[str]) -> list[ImageSeen]:
    """Earlier images whose fingerprint one of this image's probes comes near, confirmed."""
    best: dict[tuple[str, str], ImageSeen] = {}
    for probe in probe_hashes(image.image):
        for seen in store.find_near(probe, rules.near_distance, exclude_proof=proof.id,
                                    limit=PROBE_LIMIT):
            key = (seen.proof_id, seen.sha256)
            if seen.sha256 not in skip and (key not in best or
                                            seen.distance < best[key].distance):
                best[key] = seen
    handle = proof.worker.handle
    mine = subject(proof.task.platform, proof.task.target)

    def elsewhere(seen: ImageSeen) -> bool:
        theirs = subject(seen.platform, seen.target)
        return mine is not None and theirs is not None and theirs != mine

    return [seen for seen in sorted(best.values(), key=lambda s: (s.distance, s.proof_id))
            if same_content(sig, seen.text_sig, rules.same_text, handle, seen.handle,
                            other_page=elsewhere(seen))]


def _sentence(n: int, found: _Found, proof: Proof) -> str:
    seen = found.seen
    who = ("one this worker submitted" if seen.worker_id == proof.worker.id
           else f"the one worker {seen.worker_id} submitted")
    what = "identical to" if found.exact else "a near copy (re-encoded, resized or cropped) of"
    return (f"screenshot {n} is {what} {who} for proof {seen.proof_id} "
            f"{_scope(seen.campaign, proof.campaign)}")


def _refs(image: LoadedImage, found: list[_Found], evidence: EvidenceStore | None) -> list[str]:
    if evidence is None:
        return []
    refs = [f"sha256:{image.sha256}.{image.ext}"]
    for item in found:
        for ext in ("png", "jpg", "webp"):
            ref = f"sha256:{item.seen.sha256}.{ext}"
            if evidence.path(ref).is_file():
                refs.append(ref)
                break
    return [r for r in refs if evidence.path(r).is_file()]


def duplicate_checks(proof: Proof, images: list[LoadedImage], store: Store,
                     texts: Texts | None = None, rules: DuplicateRules | None = None,
                     evidence: EvidenceStore | None = None) -> list[Check]:
    """``proof.duplicate``; ``texts`` maps an image's sha256 to its OCR text or result."""
    rules = rules or DuplicateRules()
    if not images:
        return [Check(name="proof.duplicate", outcome="skipped",
                      detail="no decodable screenshot to compare")]
    sigs = {sha: text_signature(text) for sha, text in (texts or {}).items()}
    handle = (proof.worker.handle or "").strip().lstrip("@").lower() or None
    for image in images:
        store.record_image(proof.id, proof.worker.id, proof.campaign, handle, image.sha256,
                           fingerprint(image.image), image.dhash, sigs.get(image.sha256))
    problems: list[str] = []
    refs: list[str] = []
    # Numbered as the proof numbers them (load_screenshots), unless the caller did not.
    numbers = [i.index for i in images]
    if len(set(numbers)) != len(numbers):
        numbers = list(range(1, len(images) + 1))
    for n, image in zip(numbers, images, strict=True):
        exact = store.find_exact(image.sha256, exclude_proof=proof.id)
        near = _near(image, store, proof, rules, sigs.get(image.sha256), {image.sha256})
        found = [_Found(s, True) for s in exact] + [_Found(s, False) for s in near]
        if not found:
            continue
        # This campaign first, then others; at most three of each, the count of the rest.
        here = [f for f in found if proof.campaign is not None
                and f.seen.campaign == proof.campaign]
        elsewhere = [f for f in found if f not in here]
        for group in (here, elsewhere):
            problems += [_sentence(n, f, proof) for f in group[:3]]
            if len(group) > 3:
                problems.append(f"and {len(group) - 3} more "
                                f"{'in this campaign' if group is here else 'elsewhere'}")
        refs += _refs(image, here[:3] + elsewhere[:3], evidence)
    if problems:
        return [Check(name="proof.duplicate", outcome="fail", detail="; ".join(problems),
                      evidence=list(dict.fromkeys(refs)))]
    return [Check(name="proof.duplicate", outcome="pass",
                  detail="no screenshot matches one submitted before, in this campaign "
                         "or any other")]
