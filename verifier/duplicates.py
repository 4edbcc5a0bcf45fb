"""Reused screenshots and shared accounts, judged against every proof seen.

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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import imagehash
from PIL import Image

from verifier.models import Check, Proof
from verifier.ocr import OcrResult
from verifier.platforms import TargetError, get_adapter
from verifier.store import normalise_handle
from verifier.textmatch import find_all

if TYPE_CHECKING:
    from verifier.evidence import EvidenceStore
    from verifier.images import LoadedImage
    from verifier.store import ImageSeen, Store

NEAR_DISTANCE = 10  # of 64 bits; the policy file's duplicates.near_distance overrides it
SAME_TEXT = 0.5  # share of the shorter text's words found in the other (duplicates.same_text)
OTHER_PAGE_TEXT = 0.8  # the same, for an image submitted for another target
INSET = 0.08  # cut from each side before the stored fingerprint is taken
HASH_SIDE = 512  # fingerprints are taken on a copy no longer than this (fast, and stable)
PROBE_LIMIT = 100  # nearest earlier images asked for per probe
MIN_WORDS = 6  # fewer words than this say nothing: the visual match stands
SURE_WORD = 60  # Tesseract confidence from which a word counts: pictures read as noise
_INNER_STEPS = (0.0, 0.04, 0.08)  # the new image is the crop: find the stored centre in it
_OUTER_STEPS = (0.08, 0.12, 0.16)  # the stored image was the crop: frame its centre here

_TOKEN = re.compile(r"[@\u00a9]?[\w][\w.]*", re.UNICODE)
_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s",
                             "$": "s", "\u00a9": "@"})
_JOINERS = re.compile(r"[._'\-]")
_HANDLE_LIKE = re.compile(r"[@\u00a9]|\w[._]\w")
_CLOCK = re.compile(r"(?<![\w:])\d{1,2}:\d{2}(?::\d{2})?(?![\w:])")
_CLOCK_DIGITS = str.maketrans({"o": "0", "l": "1", "i": "1", "s": "5", "b": "8"})
_SPLIT_HANDLE = re.compile(r"(\w_)\s+(?=\w)")
_AT_HANDLE = re.compile(r"[@\u00a9][a-z0-9_][a-z0-9_.]{2,}")  # "©0" from an icon is none
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


# -- what the words say ----------------------------------------------------------

def text_signature(text: str | OcrResult) -> str:
    """The words OCR read, lower-cased, in reading order.

    From an ``OcrResult`` only the words Tesseract is sure of (``SURE_WORD``)
    count, and every word that looks like a handle: photos and video frames
    read as a different handful of letters each time (on the real
    screenshots, re-encoded copies shared 41-100 % of all words but 50-100 %
    of the sure ones).  Order and repeats are kept, so that a handle OCR
    split in two ("rafi bd") can still be found and an account's mentions
    counted.  Times of day ("13:57", the status bar's clock) come first, whole.
    """
    clocks = _CLOCK.findall(text.text if isinstance(text, OcrResult) else text)
    if isinstance(text, OcrResult):
        text = " ".join(w.text for w in text.words
                        if w.confidence >= SURE_WORD or _HANDLE_LIKE.search(w.text))
    text = _SPLIT_HANDLE.sub(r"\1", text)  # "@acme_ bd", as OCR often reads it
    tokens = (t.casefold().rstrip(".") for t in _TOKEN.findall(text))
    words = [*dict.fromkeys(clocks), *(t for t in tokens if len(t) > 1)]
    return " ".join(words)[:4000]


def _fold(token: str) -> str:
    """One spelling for the characters OCR confuses, without joiners and ``@``."""
    folded = token.casefold().translate(_CONFUSABLE).lstrip("@")
    return _JOINERS.sub("", folded.replace("rn", "m").replace("vv", "w"))


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one insertion, deletion or change."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def word_overlap(a: str, b: str) -> float:
    """Share of the shorter signature's words found in the other, OCR slips forgiven."""
    fa = {f for f in map(_fold, a.split()) if f}
    fb = {f for f in map(_fold, b.split()) if f}
    short, long_ = (fa, fb) if len(fa) <= len(fb) else (fb, fa)
    if not short:
        return 0.0
    missing = short - long_
    spare = long_ - short
    found = len(short) - len(missing)
    for word in missing:
        if len(word) >= 5 and any(_one_edit(word, other) for other in spare):
            found += 1
    return found / len(short)


def _at_accounts(sig: str) -> list[str]:
    """The ``@handles`` a signature shows, in order, repeats kept."""
    return [t[1:] for t in sig.split() if _AT_HANDLE.fullmatch(t)]


def _workers_shown(sig: str, handles: tuple[str | None, ...]) -> set[str]:
    """The workers' own handles a signature shows (an ``@`` is not needed)."""
    return {h.strip().lstrip("@").casefold() for h in handles if h and _mentions(sig, h)}


def _like_handle(a: str, b: str) -> bool:
    """The same ``@handle`` as OCR may read it twice: a slip, or a cut end ("@acme_4", "@acme")."""
    fa, fb = _fold(a), _fold(b)
    if fa == fb or _one_edit(fa, fb):
        return True
    return min(len(fa), len(fb)) >= 4 and (fa.startswith(fb) or fb.startswith(fa))


def _same_handle(token: str, handle: str) -> bool:
    """OCR slips forgiven, and one more changed letter in a long handle, never a digit.

    A handle read from a half-size copy loses a letter ("rafi_ba"); an
    account farm's ``rafi_bd2`` is still another account than ``rafi_bd``.
    """
    a, b = _fold(token), _fold(handle)
    if a == b:
        return True
    if min(len(a), len(b)) < 6 or not _one_edit(a, b):
        return False
    return not any(ch.isdigit() for ch in set(a) ^ set(b))


def _mentions(sig: str, handle: str) -> int:
    """How often a signature shows an account, as one word or as OCR split it.

    Both counts are taken and the larger kept: a page that names the account
    once whole ("sumi_bd" in the header) and once split ("sumi bd" under a
    comment) names it twice, and its copy names it twice as well.
    """
    found = sum(_same_handle(t, handle) for t in sig.split())
    return max(found, len(find_all(sig, handle, "handle")))


def _other_moment(new: str, old: str) -> bool:
    """Both show times of day, and none of the new one's is among the old one's."""
    times_new = {t.translate(_CLOCK_DIGITS) for t in new.split() if _CLOCK.fullmatch(t)}
    times_old = {t.translate(_CLOCK_DIGITS) for t in old.split() if _CLOCK.fullmatch(t)}
    return bool(times_new and times_old and not times_new & times_old)


def same_content(new: str | None, old: str | None, same_text: float = SAME_TEXT,
                 handle_new: str | None = None, handle_old: str | None = None,
                 other_page: bool = False) -> bool:
    """Can the new image be a copy of the old one, as far as their words tell?

    No, when both show times of day and none is the same: a phone's status
    bar clock (or a video's position) differs between two screenshots taken
    a minute apart, while a copy keeps it.  No, when the new one shows an
    account (an ``@handle``, or a worker's own handle or name:
    ``handle_new``, ``handle_old``) more often than the old one: a copy
    cannot add what its source lacks, so the same page seen by another
    account is no copy, even on Facebook, where that account may also be
    named under the post as a commenter.  No, when both read at least
    ``MIN_WORDS`` words and less than ``same_text`` of the shorter is in the
    other.  Without enough text to compare, the visual match stands (fail
    closed), except for an image of another page (``other_page``): there the
    words must agree, at least ``OTHER_PAGE_TEXT`` of enough of them.
    """
    if not new or not old:
        return not other_page
    if _other_moment(new, old):
        return False
    workers = _workers_shown(new, (handle_new, handle_old))
    if any(_mentions(new, h) > _mentions(old, h) for h in workers):
        return False
    # Other @handles (commenters, a mentioned account) count only when clearly
    # absent from the old text: OCR reads one handle a little differently twice.
    shown_old = _at_accounts(old)
    for h in set(_at_accounts(new)) - workers:
        here = sum(_like_handle(t, h) for t in _at_accounts(new))
        if here > sum(_like_handle(t, h) for t in shown_old):
            return False
    if min(len(new.split()), len(old.split())) < MIN_WORDS:
        return not other_page
    return word_overlap(new, old) >= (max(same_text, OTHER_PAGE_TEXT) if other_page
                                      else same_text)


def subject(platform: str | None, url: str | None) -> str | None:
    """What a proof is about, one spelling for every URL form of one target.

    ``x.com/acme_bd`` and ``twitter.com/ACME_BD/`` are one account: the
    platform's adapter says so.  A URL its adapter refuses keeps its own
    spelling, lower-cased.
    """
    if not platform or not url:
        return None
    adapter = get_adapter(platform)
    try:
        if adapter is not None:
            target = adapter.parse_target(url)
            return f"{platform}:{target.kind}:{target.key.casefold()}"
    except TargetError:
        pass
    return f"{platform}:{url.strip().rstrip('/').casefold()}"


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
