"""Where on the screenshot an OCR match sits, and whose it is.

A real page shows more than the target: suggested accounts with their own
buttons (often in the opposite state), a sidebar, the logged-in account in
its switcher.  Text alone cannot tell the target's "Following" from a
suggestion's; the word boxes can.  ``word_spans`` maps offsets of
``OcrResult.text`` back to the words Tesseract boxed, so a match has a box,
and ``owner`` says which account a button belongs to: among the accounts in
its page column (``ocr_columns``), the one on its row (a suggestion's button
sits beside or under that suggestion's ``@handle``), anything under a
suggestions heading, otherwise the nearest target mention.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.forensics.ocr import OcrResult
from verifier.forensics.ocr_columns import Gutter, apart

Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Placed:
    """A span of the OCR text with its box in the screenshot's pixels."""

    start: int
    end: int
    box: Box

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def middle(self) -> float:
        return (self.box[1] + self.box[3]) / 2


def word_spans(result: OcrResult) -> list[tuple[int, int, Box]]:
    """(start, end, box) per word: words come in the order of the text, so a forward
    search finds each (the page text first, then the button lines)."""
    spans: list[tuple[int, int, Box]] = []
    cursor = 0
    for word in result.words:
        if not word.text:
            continue
        at = result.text.find(word.text, cursor)
        if at < 0:
            continue
        left, top, width, height = word.box
        spans.append((at, at + len(word.text), (left, top, left + width, top + height)))
        cursor = at + len(word.text)
    return spans


def place(spans: list[tuple[int, int, Box]], start: int, end: int) -> Placed | None:
    """The box of the words a text span touches; None when no boxed word is in it."""
    boxes = [b for s, e, b in spans if s < end and e > start]
    if not boxes:
        return None
    return Placed(start, end, (min(b[0] for b in boxes), min(b[1] for b in boxes),
                               max(b[2] for b in boxes), max(b[3] for b in boxes)))


def gaps(a: Box, b: Box) -> tuple[int, int]:
    """Horizontal and vertical gap between two boxes (0 where they overlap)."""
    gx = max(0, max(a[0], b[0]) - min(a[2], b[2]))
    gy = max(0, max(a[1], b[1]) - min(a[3], b[3]))
    return gx, gy


def distance(a: Box, b: Box) -> float:
    """Rows weigh double: a header's button sits beside or just above its name."""
    gx, gy = gaps(a, b)
    return gx + 2.0 * gy


def on_row(button: Placed, account: Placed, width: int) -> bool:
    """A button in an account's row: level with its line and near it (a list row,
    a sidebar), or stacked right under it (a card: name, handle, button)."""
    h = max(account.height, 8)
    gx, _ = gaps(button.box, account.box)
    level = button.box[1] <= account.box[3] + 0.5 * h and button.box[3] >= account.box[1] - 0.5 * h
    under = gx == 0 and 0 <= button.box[1] - account.box[3] <= 2.5 * h
    return (level and gx <= 0.35 * width) or under


def under_heading(button: Placed, heading: Placed, size: tuple[int, int]) -> bool:
    """Below a suggestions heading ("Who to follow") and in its column.

    A phone (a portrait screenshot) shows one column: the buttons at the right
    edge of a suggestions list are the list's, however wide the screen, even
    where OCR read no ``@handle`` beside them.  On a desktop the list's column
    reaches about a third of the screen from the heading (Facebook's "People
    you may know" card puts its buttons 300-360 px right of a short heading).
    """
    width, height = size
    right = width if height > 1.3 * width else heading.box[0] + max(
        heading.box[2] - heading.box[0], 320, round(0.3 * width))
    column = (heading.box[0] - 24, right)
    beside = column[0] <= (button.box[0] + button.box[2]) / 2 <= column[1]
    return beside and heading.box[1] < button.box[1] <= heading.box[3] + 0.6 * height


def in_column(button: Placed, accounts: list[Placed], gutters: tuple[Gutter, ...]
              ) -> list[Placed]:
    """The accounts on the button's side of every gutter (its page column)."""
    return [a for a in accounts if not apart(button.box, a.box, gutters)]


def owned_by_target(button: Placed, targets: list[Placed], others: list[Placed],
                    headings: list[Placed], size: tuple[int, int],
                    gutters: tuple[Gutter, ...] = ()) -> bool | None:
    """True: the target's own button; False: another account's (a suggestion, a
    sidebar row); None: no account is near enough to say (no target was read).

    Only accounts in the button's page column count, when that column shows
    any: a sidebar's row never owns the main column's button, however level
    with it.  A column of buttons alone (a list's right edge) is no column.
    """
    width = size[0]
    mine, theirs = in_column(button, targets, gutters), in_column(button, others, gutters)
    if mine or theirs:
        targets, others = mine, theirs
    near_target = [t for t in targets if on_row(button, t, width)]
    rows = [o for o in others if on_row(button, o, width)]
    if rows:
        if not near_target:
            return False
        best_other = min(distance(button.box, o.box) for o in rows)
        return min(distance(button.box, t.box) for t in near_target) <= best_other
    if near_target:
        return True
    if any(under_heading(button, h, size) for h in headings):
        return False
    return True if targets else None


def segment(text: str, spans: list[tuple[int, int, Box]], start: int, end: int
            ) -> tuple[int, int] | None:
    """The part of ``start:end``'s OCR line that sits together on the screenshot: the
    line's words split where a gap wider than about one and a half word heights
    parts them (a name at the left, its button at the right, a count and the button
    beside it are one OCR line but separate things).  (lo, hi) offsets of the text;
    None when the span is not boxed."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    words = [(s, e, b) for s, e, b in spans if s >= lo and e <= hi]
    if not any(s < end and e > start for s, e, _ in words):
        return None
    groups: list[list[tuple[int, int, Box]]] = []
    for word in words:
        if groups:
            last = groups[-1][-1][2]
            gap = word[2][0] - last[2]
            tall = max(last[3] - last[1], word[2][3] - word[2][1], 8)
            if gap <= 1.5 * tall:
                groups[-1].append(word)
                continue
        groups.append([word])
    touched = [g for g in groups if any(s < end and e > start for s, e, _ in g)]
    return min(touched[0][0][0], start), max(touched[-1][-1][1], end)
