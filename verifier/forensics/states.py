"""The state a screenshot shows: the state words of ``data/state_words.yaml`` found in
OCR text, generously about misreads but exact about word ends, and placed on the
screenshot so that only the target's own button counts (``target_state``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from verifier.forensics.ocr import OcrResult
from verifier.forensics.ocr_layout import (
    Box,
    Placed,
    distance,
    gaps,
    in_column,
    owned_by_target,
    place,
    segment,
    word_spans,
)
from verifier.forensics.textmatch import Match, find_all, find_phrase, normalize, same_handle

STATE_WORDS_FILE = Path(__file__).parents[1] / "platforms" / "data" / "state_words.yaml"
LANGS = ("en", "bn", "hi")
_NUMBER = re.compile(r"[\d.,]+[KkMm]?")
WordTable = dict[str, dict[str, tuple[str, ...]]]  # action -> language -> words


def _read_state_words(path: Path = STATE_WORDS_FILE) -> dict[str, Any]:
    """The YAML, read once at import: a malformed file fails loudly at start-up."""
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


_DATA = _read_state_words()


def _by_lang(section: str) -> tuple[str, ...]:
    """A section's words, every language's in turn (en, bn, hi)."""
    found = _DATA.get(section) or {}
    return tuple(str(w) for lang in LANGS for w in found.get(lang, []))


def _table(kind: str) -> WordTable:
    """action -> language -> the ``kind`` (positive or negative) state words."""
    return {action: {lang: tuple(map(str, (entry.get(kind) or {}).get(lang, [])))
                     for lang in LANGS}
            for action, entry in _DATA["actions"].items()}


STATE_WORDS, NEGATIVE_WORDS = _table("positive"), _table("negative")
EXCLUDED_PHRASES = _by_lang("exclude")
STAT_LABELS = _by_lang("stat_labels")
# action -> platforms whose pages show that state without a word
WORDLESS = {str(action): frozenset(map(str, platforms or []))
            for action, platforms in (_DATA.get("wordless") or {}).items()}
# Headings of suggestion lists: the buttons under them are other accounts'.
SUGGESTION_HEADINGS = _by_lang("suggestion_headings")
# Words of the buttons that sit beside a profile's own state button (Message).
BUTTON_COMPANIONS = _by_lang("button_companions")


@dataclass(frozen=True)
class StateReading:
    state: Literal["positive", "negative"] | None
    word: str | None = None  # the state word as listed
    match: Match | None = None  # where OCR read it
    lang: str | None = None  # en, bn or hi: the list the word came from


def state_words(table: WordTable, action: str) -> list[str]:
    return [w for lang in LANGS for w in table.get(action, {}).get(lang, ())]


def _mask(text: str, phrases: tuple[str, ...]) -> str:
    """Blank out phrases such as "Follows you", keeping every offset in place."""
    chars = list(text)
    for phrase in phrases:
        for m in find_all(text, phrase):
            chars[m.start:m.end] = " " * (m.end - m.start)
    return "".join(chars)


_SAME_SHAPE = frozenset("cosuvwxz")  # lower and upper case differ only in size
# What icons beside a state word read as: a chevron as "৮", "৭", "৬" (and the Devanagari
# digits of that shape), "v" or "V"; a bell as "@" or "&".
_GLUED_GLYPH = re.compile(r"(?<=[\u0980-\u09FF\u0900-\u097F])[\u09EC-\u09EE\u096C-\u096E]"
                          r"(?=\s|$)")
_ICON_TOKEN = re.compile(r"[\u09EC-\u09EE\u096C-\u096E8vV&@©*•~^<>›»‹«]")


def _line_of(text: str, start: int, end: int) -> tuple[int, str]:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return lo, text[lo:hi if hi >= 0 else len(text)]


def _is_label(snippet: str, text: str = "", start: int = 0,
              part: tuple[int, int] | None = None) -> bool:
    """Buttons are capitalised ("Follow", "FOLLOW"); "follow" inside a sentence is prose.

    OCR reads a capital whose small form has the same shape ("S", "C", "O") as
    small now and then: on a line that holds little but the word (a button and
    its icons), that is still the button.  Where the word boxes are known
    (``part``: the word's own segment of its OCR line), a word standing apart
    from the rest of its line with nothing but icons beside it ("Acme
    Bangladesh    @ subscribed v") is a button, whatever case OCR read.
    """
    first = next((ch for ch in snippet if ch.isalpha()), "")
    if not first.islower():
        return True
    if not text:
        return False
    lo, line = _line_of(text, start, start + len(snippet))
    if part is not None and (part[1] - part[0]) < len(line.strip()):
        rest = text[part[0]:start].split() + text[start + len(snippet):part[1]].split()
        if all(len(tok) == 1 and _ICON_TOKEN.fullmatch(tok) for tok in rest):
            return True
    if first not in _SAME_SHAPE:
        return False
    rest_text = line[:start - lo] + line[start - lo + len(snippet):]
    return sum(ch.isalnum() for ch in rest_text) <= 3


def _icon_digits(line: str, offset: int, length: int) -> set[int]:
    """Offsets (in ``line``) of one-glyph tokens right beside the word: icons, not counts."""
    out: set[int] = set()
    for m in re.finditer(r"\S+", line):
        beside = (m.end() <= offset and not line[m.end():offset].strip()) or \
            (m.start() >= offset + length and not line[offset + length:m.start()].strip())
        if beside and len(m.group()) == 1 and _ICON_TOKEN.fullmatch(m.group()):
            out.add(m.start())
    return out


def _is_counter(text: str, match: Match,
                spans: list[tuple[int, int, Box]] | None = None) -> bool:
    """A state word beside a number or another counter label is a counter, not a button.

    A lone glyph next to the word is an icon, not a number: YouTube's chevron
    after "সাবস্ক্রাইব করা হয়েছে" reads as the Bengali digit "৮".  Where the
    word boxes are known (``spans``), a number counts only in the word's own
    segment of the line: "48K subscribers" at the left and "Subscribe" at the
    right are one OCR line but a count and a button.  A label elsewhere on the
    line counts unless it has its own number (a row of tabs, "Followers
    Following", is no button either).
    """
    lo, line = _line_of(text, match.start, match.end)
    part = segment(text, spans, match.start, match.end) if spans else None
    start, own = (part[0], text[part[0]:part[1]]) if part else (lo, line)
    offset = match.start - start
    icons = _icon_digits(own, offset, match.end - match.start)
    if any(ch.isdigit() and i not in icons for i, ch in enumerate(own)):
        return True
    above = _line_above(text, lo, match, spans)
    if above and all(_NUMBER.fullmatch(tok) for tok in above[0].split()) \
            and not _beside_companion(text, match):
        return True  # labels under a row of counts: "168 72" over "Followers Following"
    if above and _wrapped_label(above[0], line, match.start - lo, match.end - lo):
        return True  # "48K Followers · 312" wrapped before its "Following"
    a, b = match.start - lo, match.end - lo
    for label in STAT_LABELS:
        for m in find_all(line, label):
            if a < m.end and m.start < b:
                continue
            theirs = segment(text, spans, lo + m.start, lo + m.end) if spans else None
            if theirs is None or (part is not None and theirs == part) or \
                    not any(ch.isdigit() for ch in text[theirs[0]:theirs[1]]):
                return True
    return False


def _line_above(text: str, lo: int, match: Match,
                spans: list[tuple[int, int, Box]] | None) -> list[str]:
    """The text line before the word's, as a one-item list (none when there is none).

    With the word boxes, only a line that sits right above the word on the
    screenshot: lines read apart (a button crop, a line read alone) follow each
    other in the text wherever they are on the page ("46" read off an icon is
    no row of counts over a button).
    """
    head = text[:lo].rstrip()
    start = head.rfind("\n") + 1
    line = head[start:]
    if not line.strip():
        return []
    if spans is None:
        return [line]
    word, over = place(spans, match.start, match.end), place(spans, start, len(head))
    if word is None or over is None:
        return [line]
    gx, gy = gaps(word.box, over.box)
    below = word.box[1] >= over.box[1]
    return [line] if below and gx == 0 and gy <= 2.5 * max(word.height, over.height) else []


def _wrapped_label(above: str, line: str, a: int, b: int) -> bool:
    """The word alone on its line, under a row of counts that ends on a number: the
    label of that number, wrapped to the next line by a narrow column."""
    tokens = above.split()
    if not tokens or not _NUMBER.fullmatch(tokens[-1]) or line[:a].strip() or \
            any(not (len(tok) == 1 and _ICON_TOKEN.fullmatch(tok)) for tok in line[b:].split()):
        return False
    return any(find_all(above, label) for label in STAT_LABELS)


def _beside_companion(text: str, match: Match) -> bool:
    """A state word on one line with another button's word ("Following  Message") is
    a row of buttons, not the labels under a row of counts."""
    lo, line = _line_of(text, match.start, match.end)
    a, b = match.start - lo, match.end - lo
    return any(m.end <= a or m.start >= b
               for word in BUTTON_COMPANIONS for m in find_all(line, word))


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _loose_word(read: str, word: str) -> bool:
    """An Indic word OCR garbled inside (a conjunct lost: "সাবস্াইব" for "সাবস্ক্রাইব"):
    same first letter, and at most 40 % of it changed."""
    a, b = normalize(read), normalize(word)
    return bool(a and b) and a[0] == b[0] and _levenshtein(a, b) <= max(2, 0.4 * len(b))


def _loose_phrase(text: str, phrase: str) -> list[Match]:
    """A multi-word Bengali or Hindi state phrase with one garbled word that is not
    its last: the last word tells "done" from "not done" and must read right."""
    words = phrase.split()
    if len(words) < 2 or all(ord(ch) < 0x250 for ch in phrase):
        return []
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    found: list[Match] = []
    for i in range(len(tokens) - len(words) + 1):
        window = tokens[i:i + len(words)]
        strict = [normalize(t[2]) == normalize(w) or bool(find_phrase(t[2], w))
                  for t, w in zip(window, words, strict=True)]
        if all(strict) or not strict[-1] or strict.count(False) > 1:
            continue
        if all(ok or _loose_word(t[2], w) for ok, t, w in zip(strict, window, words,
                                                                 strict=True)):
            lo, hi = window[0][0], window[-1][1]
            found.append(Match(text[lo:hi], lo, hi, 0.7, 1.0))
    return found


def _state_hits(text: str, action: str, spans: list[tuple[int, int, Box]] | None = None
                ) -> list[StateReading]:
    """Every state word the text shows for ``action`` that reads as a button, in text order;
    with the word boxes (``spans``), judged on the word's own segment of its line."""
    chars = list(_mask(text, EXCLUDED_PHRASES))
    for glyph in _GLUED_GLYPH.finditer(text):
        chars[glyph.start()] = " "
    clean = "".join(chars)
    hits: list[StateReading] = []
    tables: tuple[tuple[WordTable, Literal["positive", "negative"]], ...] = (
        (STATE_WORDS, "positive"), (NEGATIVE_WORDS, "negative"))
    taken: list[tuple[int, int]] = []
    for table, state in tables:  # positive first: "Following" is not also a "Follow"
        for lang in LANGS:
            for word in table.get(action, {}).get(lang, ()):
                for m in [*find_all(clean, word), *_loose_phrase(clean, word)]:
                    if any(m.start < e and m.end > s for s, e in taken):
                        continue
                    snippet = text[m.start:m.end]
                    part = segment(text, spans, m.start, m.end) if spans else None
                    if _is_label(snippet, text, m.start, part) \
                            and not _is_counter(clean, m, spans):
                        taken.append((m.start, m.end))
                        hit = Match(snippet, m.start, m.end, m.score, m.cost)
                        hits.append(StateReading(state, word, hit, lang))
    return sorted(hits, key=lambda h: h.match.start if h.match else 0)


def find_state(text: str, action: str) -> StateReading:
    """Which state the text shows for ``action``: positive beats negative.

    Text only, for callers without word boxes; ``proof.state`` reads the state
    of the target's own button (``target_state``).
    """
    hits = _state_hits(text, action)
    for state in ("positive", "negative"):
        for hit in hits:
            if hit.state == state:
                return hit
    return StateReading(None)


def _suggestion_headings(text: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for phrase in SUGGESTION_HEADINGS for m in find_all(text, phrase)]


def target_state(result: OcrResult, action: str, size: tuple[int, int],
                 target_handle: str | None, target_name: str | None,
                 worker_handle: str | None = None
                 ) -> tuple[StateReading, list[StateReading]]:
    """The state of the target's own button, and the state words that were someone else's.

    Each state word is placed on the screenshot: one in another account's row
    (a suggestion's ``@handle`` beside it) or under a suggestions heading is
    that account's; of the rest, the one nearest a mention of the target is
    the target's.  Without a target read, every word not shown to be another
    account's counts, positive before negative.
    """
    text = result.text
    spans = word_spans(result)
    hits = _state_hits(text, action, spans)
    if not hits:
        return StateReading(None), []
    targets = _placed(spans, _target_spans(text, target_handle, target_name))
    others = _placed(spans, [  # the worker has no button of their own to press
        (m.start(), m.end()) for m in AT_HANDLE.finditer(text)
        if not any(h and same_handle(m.group(1), h) for h in (target_handle, worker_handle))])
    headings = _placed(spans, _suggestion_headings(text))
    mine: list[tuple[float, StateReading]] = []
    foreign: list[StateReading] = []
    for hit in hits:
        assert hit.match is not None
        box = place(spans, hit.match.start, hit.match.end)
        if box is None:  # not boxed (should not happen): judged as text alone
            mine.append((float("inf"), hit))
            continue
        owner = owned_by_target(box, targets, others, headings, size, result.gutters)
        if owner is False:
            foreign.append(hit)
            continue
        near = min((distance(box.box, t.box) for t in in_column(box, targets, result.gutters)
                    or targets), default=float("inf"))
        mine.append((near, hit))
    if not mine:
        return StateReading(None), foreign
    if targets:
        return min(mine, key=lambda m: m[0])[1], foreign
    for state in ("positive", "negative"):
        for _, hit in mine:
            if hit.state == state:
                return hit, foreign
    return StateReading(None), foreign


AT_HANDLE = re.compile(r"[@\u00a9]([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,40}[A-Za-z0-9_])?)")


def _target_spans(text: str, handle: str | None, name: str | None) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if handle and handle.strip().lstrip("@"):
        out += [(m.start, m.end) for m in find_all(text, handle, "handle")]
    if name and name.strip():
        out += [(m.start, m.end) for m in find_all(text, name)]
    return out


def _placed(spans: list[tuple[int, int, Box]], found: list[tuple[int, int]]) -> list[Placed]:
    return [p for s, e in found for p in [place(spans, s, e)] if p is not None]
