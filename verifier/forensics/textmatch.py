"""Generous, but not gullible, matching of OCR text against handles and phrases.

OCR of a good screenshot still misreads: ``walsh81`` comes out ``walshs1``,
``12`` as ``i2``, ``l``/``1``/``I`` and ``0``/``O`` swap, ``m`` becomes
``rn``, an underscore turns into a space or vanishes, ``@`` is dropped or read
as ``©``.  Exact comparison would flag honest workers.  But a lenient match
must never accept *another real account*: ``rafi_bd`` is not ``rafi_bd2`` nor
``raf_bdx``.  So the comparison is a weighted edit distance where known OCR
confusions are cheap, other edits are allowed only inside long words, never
at either end and never on a digit, and the match must start and end on a
word boundary of the text (``rafi_bd`` inside ``rafi_bd2`` is not a match).

The matcher is pure Python and its cost grows with text x pattern²; both come
from untrusted people (a handle, an OCR of any picture). So the text is cut at
``MAX_TEXT_CHARS``, a pattern longer than ``MAX_PATTERN_CHARS`` is refused, and
every search spends from a ``MatchBudget`` of compared cells: running out
raises ``MatchTooCostly`` (the caller's check becomes ``unknown``), never a
stuck worker.

Bengali and Devanagari are compared canonically (NFC/NFD equivalence), without
zero-width joiners and nuktas (``फ़`` = ``फ़`` = ``फ``; OCR often loses the dot),
with ``ণ``/``ন`` and candrabindu/anusvara folded as people and OCR mix them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["handle", "phrase"]
INF = float("inf")
REAL_EDIT = 1.0
MARK_EDIT = 0.6

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")  # a blank line: the end of an OCR block
_DROP = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u093c", "\u09bc"}
_FOLD = {
    "\u09a3": "\u09a8",  # Bengali ণ -> ন
    "\u0901": "\u0902",  # Devanagari candrabindu -> anusvara
    "\u00a9": "@", "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-",
}
# Pairs OCR confuses, with the price of each swap (lower = more common).
_GROUPS: tuple[tuple[str, float], ...] = (
    ("_ ", 0.2), (".,", 0.2), ("o0", 0.25), ("l1i|!", 0.3), ("s5$", 0.35), ("s8", 0.4),
    ("b8", 0.4), ("b6", 0.4), ("g9q", 0.4), ("z2", 0.4),
)
_SUB: dict[tuple[str, str], float] = {}
for _chars, _cost in _GROUPS:
    for _a in _chars:
        for _b in _chars:
            if _a != _b:
                _SUB[(_a, _b)] = min(_cost, _SUB.get((_a, _b), INF))
_MULTI = {"m": "rn", "w": "vv", "d": "cl"}  # one pattern char read as two
_MULTI_REV = {v: k for k, v in _MULTI.items()}  # two pattern chars read as one
_CHEAP_DELETE = {"_": 0.2, ".": 0.3, "-": 0.3, " ": 0.15, "'": 0.3}
_CHEAP_INSERT = {" ": 0.2, ".": 0.3, ",": 0.3, "'": 0.3, "_": 0.3}
_JOINERS = "._-"
# A phone or desktop screenshot reads as a few thousand characters; more is not a screenshot.
MAX_TEXT_CHARS = 20_000
# The longest handle any platform allows is 50 (Facebook); names and state words are shorter.
MAX_PATTERN_CHARS = 100
# Cells of the edit-distance table one search may compute (a 20 000 character
# text and a 15 character handle cost far less: only word starts are aligned).
MAX_CELLS = 2_000_000
_HANDLE_RE = re.compile(r"[@\u00a9]([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,40}[A-Za-z0-9_])?)")


class MatchTooCostly(ValueError):
    """A search would cost more than its budget; the message says what was refused."""


@dataclass
class MatchBudget:
    """Cells of the edit-distance table a search may compute, and how many it did."""

    cells: int = field(default_factory=lambda: MAX_CELLS)  # read when made: tests lower it
    used: int = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.cells:
            raise MatchTooCostly(f"text matching stopped after {self.used} comparisons, over "
                                 f"its budget of {self.cells}")


@dataclass(frozen=True)
class Match:
    snippet: str  # the text as OCR read it
    start: int  # offsets into the text that was searched
    end: int
    score: float  # 1.0 exact, lower for costlier readings
    cost: float


def _key(text: str) -> tuple[str, list[int]]:
    """Comparison form of ``text`` and, per character, its offset in ``text``.

    Character by character NFD (canonically equal to NFC), casefolded, with
    joiners and nuktas dropped, spellings folded and runs of space collapsed.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, raw in enumerate(text):
        for ch in unicodedata.normalize("NFD", raw).casefold():
            if ch in _DROP:
                continue
            ch = _FOLD.get(ch, ch)
            if ch.isspace():
                if not out or out[-1] == " ":
                    continue
                ch = " "
            out.append(ch)
            origin.append(index)
    return "".join(out), origin


@dataclass(frozen=True)
class ScriptCounts:
    latin: int
    bengali: int
    devanagari: int


def script_counts(text: str) -> ScriptCounts:
    """Letters (and vowel signs) per script: the cheap signal that picks OCR languages.

    Digits and punctuation are left out: noise in pictures reads as ``০`` or ``।``.
    """
    latin = bengali = devanagari = 0
    for ch in text:
        cp = ord(ch)
        if unicodedata.category(ch)[0] not in "LM":
            continue
        if 0x0980 <= cp <= 0x09FF:
            bengali += 1
        elif 0x0900 <= cp <= 0x097F:
            devanagari += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    return ScriptCounts(latin, bengali, devanagari)


def normalize(s: str) -> str:
    """The form texts are compared in, as NFC (for display and tests)."""
    return unicodedata.normalize("NFC", _key(s)[0]).strip()


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _is_word(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] in "LNM"


def _starts_word(text: str, i: int) -> bool:
    if i > 0 and _is_word(text[i - 1]):
        return False
    return not (i > 1 and text[i - 1] in _JOINERS and _is_word(text[i - 2]))


def _ends_word(text: str, j: int) -> bool:
    if j < len(text) and _is_word(text[j]):
        return False
    return not (j + 1 < len(text) and text[j] in _JOINERS and _is_word(text[j + 1]))


def _is_latin(s: str) -> bool:
    return all(ord(ch) < 0x250 for ch in s)


class _Pattern:
    """A handle or phrase with its edit prices and its budget."""

    def __init__(self, raw: str, kind: Kind) -> None:
        key = _key(raw)[0].strip()
        if kind == "handle":
            key = key.lstrip("@")
        self.text = key
        self.kind = kind
        n = sum(1 for ch in key if _is_word(ch) and ch != "_")
        latin = _is_latin(key)
        if kind == "handle":
            self.real_ok = n >= 10
            self.budget = 0.3 + 0.06 * n + 0.9 * (n // 10)
        elif latin:
            self.real_ok = n >= 8
            self.budget = 0.3 + 0.06 * n + (0.9 if n >= 8 else 0.0)
        else:
            self.real_ok = False
            self.budget = 0.3 + 0.04 * n
        self.size = max(1, n)

    def _real(self, *chars: str, edge: bool) -> float:
        if edge or not self.real_ok or any(ch.isdigit() for ch in chars):
            return INF
        return REAL_EDIT

    def sub(self, p: str, t: str, edge: bool) -> float:
        if p == t:
            return 0.0
        if (p, t) in _SUB:
            return _SUB[(p, t)]
        if _is_mark(p) and _is_mark(t):
            return MARK_EDIT
        return self._real(p, t, edge=edge)

    def delete(self, p: str, edge: bool) -> float:
        if p in _CHEAP_DELETE:
            return _CHEAP_DELETE[p]
        if _is_mark(p):
            return MARK_EDIT
        return self._real(p, edge=edge)

    def insert(self, t: str, edge: bool) -> float:
        if edge:
            return INF  # the match is pinned to word boundaries
        if t in _CHEAP_INSERT:
            return _CHEAP_INSERT[t]
        if _is_mark(t):
            return MARK_EDIT
        return self._real(t, edge=False)

    def may_start(self, t: str) -> bool:
        p = self.text[0]
        return (p == t or (p, t) in _SUB or _MULTI.get(p, "")[:1] == t
                or _MULTI_REV.get(self.text[:2]) == t)

    def align(self, text: str, start: int, budget: MatchBudget) -> list[tuple[float, int]]:
        """(cost, end) for alignments of the whole pattern starting at ``start``."""
        pat, n = self.text, len(self.text)
        window = text[start:start + int(n * 1.5) + 4]
        m = len(window)
        prev = [0.0] + [INF] * m
        rows = [prev]
        for i in range(1, n + 1):
            budget.spend(m)
            p = pat[i - 1]
            edge = i == 1 or i == n
            row = [rows[i - 1][0] + self.delete(p, edge)] + [INF] * m
            for j in range(1, m + 1):
                t = window[j - 1]
                best = min(
                    rows[i - 1][j - 1] + self.sub(p, t, edge),
                    rows[i - 1][j] + self.delete(p, edge),
                    row[j - 1] + self.insert(t, edge=i == n),
                )
                if j >= 2 and _MULTI.get(p) == window[j - 2:j]:
                    best = min(best, rows[i - 1][j - 2] + 0.3)
                if i >= 2 and _MULTI_REV.get(pat[i - 2:i]) == t:
                    best = min(best, rows[i - 2][j - 1] + 0.3)
                row[j] = best
            rows.append(row)
            if min(row) > self.budget:
                return []
        return [(rows[n][j], start + j) for j in range(1, m + 1)
                if rows[n][j] <= self.budget and _ends_word(text, start + j)]


def _search(text: str, pattern: str, kind: Kind,
            budget: MatchBudget | None = None) -> list[Match]:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise MatchTooCostly(f"a {kind} of {len(pattern)} characters is longer than the "
                             f"{MAX_PATTERN_CHARS} the matcher compares")
    budget = budget or MatchBudget()
    pat = _Pattern(pattern, kind)
    if not pat.text:
        return []
    key, origin = _key(text[:MAX_TEXT_CHARS])
    found: list[Match] = []
    for b in range(len(key)):
        if not _starts_word(key, b) and not (b > 0 and key[b - 1] == "@"):
            continue
        if not pat.may_start(key[b]):
            continue
        ends = pat.align(key, b, budget)
        if not ends:
            continue
        cost, e = min(ends)
        lo, hi = origin[b], origin[e - 1] + 1
        if _BLOCK_BREAK.search(text, lo, hi):
            continue  # a blank line parts two OCR blocks: no name runs across it
        score = round(max(0.0, 1.0 - cost / pat.size), 3)
        found.append(Match(text[lo:hi], lo, hi, score, round(cost, 3)))
    return found


def find_all(text: str, pattern: str, kind: Kind = "phrase",
             budget: MatchBudget | None = None) -> list[Match]:
    """Every non-overlapping occurrence, in text order (best first where they overlap)."""
    chosen: list[Match] = []
    for match in sorted(_search(text, pattern, kind, budget), key=lambda m: (m.cost, m.start)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _best(matches: list[Match]) -> Match | None:
    return min(matches, key=lambda m: (m.cost, m.start)) if matches else None


def find_handle(text: str, handle: str, budget: MatchBudget | None = None) -> Match | None:
    """The best reading of ``handle`` (``@`` optional, any case) in OCR ``text``."""
    return _best(_search(text, handle, "handle", budget))


def find_phrase(text: str, phrase: str, budget: MatchBudget | None = None) -> Match | None:
    """The best reading of a state word or a name (en, bn, hi) in OCR ``text``."""
    return _best(_search(text, phrase, "phrase", budget))


def find_handles(text: str) -> list[str]:
    """Handles written with ``@`` (or its misreading ``©``), in order, without repeats."""
    seen: dict[str, None] = {}
    for found in _HANDLE_RE.finditer(unicodedata.normalize("NFC", text[:MAX_TEXT_CHARS])):
        seen.setdefault(found.group(1), None)
    return list(seen)


def same_handle(a: str, b: str) -> bool:
    """Whether two handles are the same account (case-insensitive, ``@`` optional)."""
    return _key(a)[0].strip().lstrip("@") == _key(b)[0].strip().lstrip("@")
