"""Regions of a screenshot that Tesseract's page pass reads badly, cut out for a second look.

Two kinds, each read again alone (``verifier.forensics.ocr_buttons``, ``verifier.forensics.ocr``):

* Buttons.  The page layout takes a filled shape for a picture and drops its
  text (a white "Unsubscribe" on a pink pill), and it drops the dark text of
  an outlined button whose border is faint too: GitHub's "Unfollow" sits on a
  #f6f8fa fill inside a 1-pixel #d1d9e0 border, 40 grey levels off white (38 in
  dark mode), with rounded corners that only touch diagonally.  So solid
  shapes are found at a contrast of 48 (anti-aliased letters do not grow into
  blobs there), and outlines once more at a contrast of 20 with diagonal
  neighbours joined, keeping only rings (a border around text, not a blob).
* Handles.  A small handle in a header ("@sumi_bd" in YouTube's dark phone
  bar) can come out of the page pass as a low-confidence "@sumi_ba"; cut out
  alone and enlarged it reads right and confidently.  Only handle-shaped
  words (with "@" or "_") that the page pass read unsure are looked at again,
  so the cost stays a few small reads, and the new reading replaces the old
  one only when Tesseract is surer of it: a different account's handle in the
  picture still reads as that account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

MAX_BUTTONS = 24
# (contrast to the page background, outlines only (diagonal neighbours joined)):
# solid pills, faint outlines, then light pills (YouTube's grey "Subscribed" on
# white, 13-40 levels off the page) that the first pass cannot see, and fainter
# grey pills still (Instagram's #efefef "Following" / "फ़ॉलो कर रहे हैं" on white, 16
# levels off, less after JPEG): their text alone was taken for buttons, and lost its words.
# The faintest pass keeps only shapes whose fill is light (within LIGHT_FILL of the
# page): at its contrast, the anti-aliased halo joins a bold word ("48.2K") into a blob.
BUTTON_PASSES = ((48, False), (20, True), (20, False), (10, False))
LIGHT_FILL = 48
RING_FILL = 0.5  # an outline's own pixels cover at most this share of the shape it encloses
CROP_PAD = 10  # pixels of button colour around a crop: Tesseract misses text touching the edge
LABEL_GAP = 2  # blank rows (in the crop) that part two lines of a button's label
LABEL_LINE = 0.5  # of the tallest line's height, for a run of rows to be a line
# Handle re-reads
REREAD_BELOW = 60  # page-pass confidence under which a handle-shaped word is read again
MAX_REREADS = 6
HANDLE_SHAPED = re.compile(r"^\W{0,2}@|[A-Za-z0-9]_[A-Za-z0-9]")
_EIGHT = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class Region:
    """A crop to read as one line: dark text on light, scaled by ``factor``, padded."""

    image: Image.Image
    left: int  # where the crop starts in the (gray, unscaled) screenshot
    top: int
    width: int  # size in the screenshot, before scaling and padding
    height: int
    factor: int

    def overlaps(self, other: Region) -> bool:
        return (self.left < other.left + other.width and other.left < self.left + self.width
                and self.top < other.top + other.height and other.top < self.top + self.height)

    def encloses(self, other: Region) -> bool:
        return (self.holds(other.left, other.top)
                and self.holds(other.left + other.width, other.top + other.height))

    def holds(self, x: float, y: float) -> bool:
        return (self.left <= x <= self.left + self.width
                and self.top <= y <= self.top + self.height)

    def ink_columns(self) -> list[float]:
        """The screenshot x of every crop column holding the label's ink (text, icons)."""
        arr = np.asarray(self.image.convert("L"), dtype=np.int16)
        paper = int(np.bincount(arr.ravel(), minlength=256).argmax())
        columns = np.flatnonzero((np.abs(arr - paper) > 48).any(axis=0))
        return [self.left + (c - CROP_PAD) / self.factor for c in columns]


def find_buttons(gray: Image.Image) -> list[Region]:
    """Crops of button-like shapes, flattened and ready to read as one line.

    A button is a blob that differs from the page background, wider than tall,
    filling most of its box once its holes are filled: a solid pill with
    letter-shaped holes, or an outline around text (``BUTTON_PASSES``: a
    faint outline is looked for apart, see the module docstring).  Inside
    (eroded past the anti-aliased edge) its most common shade is the button
    colour; everything outside is painted that colour, and the crop is
    inverted when the text is lighter than the button.  Returns them top to
    bottom, at most ``MAX_BUTTONS``; a shape found by both passes once, and a
    ring in place of the shapes found inside it (Bengali words, joined by their
    headstroke, pass for small solid buttons).
    """
    arr = np.asarray(gray, dtype=np.int16)
    background = int(np.bincount(arr.ravel(), minlength=256).argmax())
    found: list[Region] = []
    diff = np.abs(arr - background)
    # A 1-pixel border at a fractional position is drawn over two rows (or
    # columns) at half its contrast each: added up, it is one line again.
    lines = np.maximum(diff, np.maximum(diff + np.roll(diff, 1, axis=0),
                                        diff + np.roll(diff, 1, axis=1)))
    for contrast, outline in BUTTON_PASSES:
        labels, _ = ndimage.label((lines if outline else diff) > contrast,
                                  structure=_EIGHT if outline else None)
        for index, sl in enumerate(ndimage.find_objects(labels), 1):
            if sl is None:
                continue
            light = None if contrast >= 20 else background
            button = _button(arr, labels[sl] == index, sl, outline, light)
            if button is None:
                continue
            # A ring, or a light pill, replaces what was found inside it: its text (Bengali
            # and Devanagari words, joined by their headstroke, pass for small solid
            # buttons at the first pass's contrast), an icon.
            found = [b for b in found if not button.encloses(b)]
            if not any(button.overlaps(b) for b in found):
                found.append(button)
    found.sort(key=lambda b: (b.top, b.left))
    return found[:MAX_BUTTONS]


def _button(arr: np.ndarray, shape: np.ndarray, sl: tuple[slice, slice], outline: bool,
            light: int | None = None) -> Region | None:
    """The flattened crop of one blob, or None when it is no button (nor, given the
    page's ``light`` background, a light one)."""
    height, width = arr.shape
    h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
    if h < 12 or h > max(40, height * 0.1) or w < 1.5 * h or w > 0.98 * width:
        return None
    filled = ndimage.binary_fill_holes(shape)
    if filled.sum() < 0.6 * h * w:
        return None
    if outline and shape.sum() > RING_FILL * filled.sum():
        return None  # a solid shape: the first pass judges those
    inner = ndimage.binary_erosion(filled, iterations=max(2, h // 10))
    inside = arr[sl][inner]
    if inside.size < 50:
        return None
    fill_value = int(np.bincount(inside, minlength=256).argmax())
    if light is not None and abs(fill_value - light) > LIGHT_FILL:
        return None
    ink = np.abs(inside - fill_value) > 48
    if not 0.01 * inside.size <= ink.sum() <= 0.6 * inside.size:
        return None
    crop = arr[sl].copy()
    crop[~inner] = fill_value
    img = Image.fromarray(crop.astype(np.uint8))
    if int(np.median(inside[ink])) > fill_value:
        img = ImageOps.invert(img)
        fill_value = 255 - fill_value
    factor = max(1, min(4, round(64 / h)))
    if factor > 1:
        img = img.resize((w * factor, h * factor), Image.Resampling.LANCZOS)
    img = ImageOps.expand(img, border=CROP_PAD, fill=fill_value)
    return Region(img, sl[1].start, sl[0].start, w, h, factor)


def label_lines(image: Image.Image) -> int:
    """How many lines of text a button crop (dark on light) holds: runs of inked rows
    parted by a blank gap, each at least ``LABEL_LINE`` as tall as the tallest (a
    vowel sign or a dot apart from its letters is no line).  Instagram's Bengali
    "অনুসরণ / করা হচ্ছে" wraps inside its button; read as one line, its first
    line is lost."""
    rows = np.flatnonzero((np.asarray(image.convert("L")) < 128).any(axis=1))
    if rows.size == 0:
        return 0
    breaks = np.flatnonzero(np.diff(rows) > LABEL_GAP)
    heights = np.append(rows[breaks], rows[-1]) - np.insert(rows[breaks + 1], 0, rows[0]) + 1
    return int((heights >= LABEL_LINE * heights.max()).sum())


def handle_crops(gray: Image.Image, words: list[tuple[str, float, tuple[int, int, int, int]]]
                 ) -> list[tuple[int, Region]]:
    """(index into ``words``, crop) for the unsure handle-shaped words, at most ``MAX_REREADS``.

    ``words`` are (text, confidence, box) with boxes in ``gray``'s pixels.  The
    crop is the word's box with a margin (the page pass's box can clip a
    descender or the "@"; a wide margin would take in the next word), padded
    with the crop's own paper colour and enlarged so the text is about 64
    pixels tall.
    """
    out: list[tuple[int, Region]] = []
    for n, (text, confidence, box) in enumerate(words):
        if confidence >= REREAD_BELOW or not HANDLE_SHAPED.search(text):
            continue
        left, top, w, h = box
        pad_x, pad_y = max(3, h // 4), max(4, h // 2)
        x0, y0 = max(0, left - pad_x), max(0, top - pad_y)
        x1, y1 = min(gray.width, left + w + pad_x), min(gray.height, top + h + pad_y)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        crop = gray.crop((x0, y0, x1, y1))
        paper = int(np.bincount(np.asarray(crop).ravel(), minlength=256).argmax())
        factor = max(1, min(4, round(64 / max(h, 1))))
        if factor > 1:
            crop = crop.resize((crop.width * factor, crop.height * factor),
                               Image.Resampling.LANCZOS)
        crop = ImageOps.expand(crop, border=CROP_PAD, fill=paper)
        out.append((n, Region(crop, x0, y0, x1 - x0, y1 - y0, factor)))
        if len(out) >= MAX_REREADS:
            break
    return out
