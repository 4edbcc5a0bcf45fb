"""What the words of two screenshots say about one being a copy of the other.

A perceptual hash says two images look alike; screenshots of one page taken
by different accounts look alike too.  These functions compare what OCR read
in them (``verifier.forensics.duplicates`` explains when each rule applies): the
accounts each shows, the status-bar clocks, the share of words in common,
forgiving the slips OCR makes.
"""

from __future__ import annotations

import re

from verifier.forensics.ocr import OcrResult
from verifier.forensics.textmatch import find_all
from verifier.platforms import TargetError, get_adapter

SAME_TEXT = 0.5  # share of the shorter text's words found in the other (duplicates.same_text)
OTHER_PAGE_TEXT = 0.8  # the same, for an image submitted for another target
MIN_WORDS = 6  # fewer words than this say nothing: the visual match stands
SURE_WORD = 60  # Tesseract confidence from which a word counts: pictures read as noise

_TOKEN = re.compile(r"[@\u00a9]?[\w][\w.]*", re.UNICODE)
_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s",
                             "$": "s", "\u00a9": "@"})
_JOINERS = re.compile(r"[._'\-]")
_HANDLE_LIKE = re.compile(r"[@\u00a9]|\w[._]\w")
_CLOCK = re.compile(r"(?<![\w:])\d{1,2}:\d{2}(?::\d{2})?(?![\w:])")
_CLOCK_DIGITS = str.maketrans({"o": "0", "l": "1", "i": "1", "s": "5", "b": "8"})
_SPLIT_HANDLE = re.compile(r"(\w_)\s+(?=\w)")
_AT_HANDLE = re.compile(r"[@\u00a9][a-z0-9_][a-z0-9_.]{2,}")  # "©0" from an icon is none


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
