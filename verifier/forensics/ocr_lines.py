"""Lines of text the page pass left unread, read again alone.

Tesseract's page layout drops whole lines that read at 93 % on their own.
Two looks find them, both by the ink that no read word covers:

* Every read (``read_unread_lines``, issue 12, class 5): a solid round avatar
  beside a name is taken, with the name, for one picture block and both are
  dropped (a dark Bengali or Hindi reactions list read as nothing), and a lone
  line right under a list's tabs (its first name) is dropped by the automatic
  page segmentation.  The uncovered ink is projected onto rows; each run of
  rows a text line tall is cut out, solid pictures inside it painted over, and
  read alone (``PSM_SINGLE_LINE``).  Only surely read lines are added
  (``LINE_SURE``), so noise never turns into a state word or a handle; when
  every line is covered, nothing runs.
* The second look (``second_look_lines``), asked for by a caller that misses
  the worker's handle: the logged-in account's card under an avatar at the
  foot of a dark sidebar, where rows of uncovered ink run the sidebar's whole
  height.  Letter-sized ink is joined into lines instead, and a word is kept
  from ``LOOK_FLOOR``: the caller matches it to one handle, and a second look
  costs only the doubtful proofs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from verifier.forensics.ocr_api import OcrWord
from verifier.forensics.ocr_regions import CROP_PAD, Region

INK = 48  # grey levels off the page colour that count as ink (as for buttons)
COVER_MARGIN = 3  # pixels around a read word's box whose ink it accounts for
LINE_HEIGHTS = (8, 90)  # pixels: a line of text, not a speck, a picture or a photo
LINE_INK = (0.04, 0.75)  # share of a line piece's box that is ink (bold Devanagari: 0.51)
MAX_LINE_REREADS = 12
LINE_SURE = 75  # mean confidence of a line read alone for its words to be kept
WORD_FLOOR = 50  # and of each word kept
READ_BEFORE = 0.6  # share of a word's width read before: a second reading
RETRY_ABOVE = 55  # a line this sure with a word under LINE_SURE is read again,
RETRY_SCALE = 1.25  # this much larger
LINE_NUMBERS = 100_000  # line numbers of words read here (page lines count from 0)
# Pictures painted over inside a line (``picture_mask``)
PICTURE_CONTRAST = 24  # grey levels off the page colour
PICTURE_FILL = 0.7  # of its box a picture covers at least (a disc: 0.785)
PICTURE_MIN = 24  # pixels: smaller blobs are glyphs and icons
PICTURE_RIM = 3  # pixels painted around a picture: its anti-aliased edge

# The second look (``second_look_lines``)
MAX_UNREAD = 12
LETTER_HEIGHT = (6, 48)  # pixels a letter of a UI's text is tall (pictures are taller)
JOIN_GAP = 17  # pixels between letters (and words) of one line, and a little more
LOOK_FLOOR = 40  # confidence of a word the second look keeps

Box = tuple[int, int, int, int]  # left, top, width, height


def read_unread_lines(read_line: Callable[[Image.Image], list[OcrWord]], gray: Image.Image,
                      covered: list[Box]) -> tuple[list[str], list[OcrWord]]:
    """Texts and words (boxed in ``gray``'s pixels) of the lines no box in ``covered`` reads.

    ``read_line`` reads one crop as a single line in the screenshot's languages.
    """
    texts: list[str] = []
    words: list[OcrWord] = []
    for n, region in enumerate(unread_lines(gray, covered)):
        read, scale = read_line(region.image), 1.0
        if (line_confidence(read) >= RETRY_ABOVE
                and any(w.confidence < LINE_SURE for w in _alnum(read))):
            # Tesseract's confidence in a word swings with the size it is shown at
            # ("उद्दीन" at 46 % and 84 %, a quarter larger): a second size, the surer wins
            image = region.image
            again = read_line(image.resize((round(image.width * RETRY_SCALE),
                                            round(image.height * RETRY_SCALE)),
                                           Image.Resampling.LANCZOS))
            if line_confidence(again) > line_confidence(read):
                read, scale = again, RETRY_SCALE
        placed = [replace(from_crop(w, region, scale), line=LINE_NUMBERS + n)
                  for w in _sure_words(read)]
        kept = [w for w in placed if not _read_before(w.box, covered)]
        if not kept:
            continue
        texts.append(" ".join(w.text for w in kept))
        words += kept
    return texts, words


def _read_before(box: Box, covered: list[Box]) -> bool:
    """A word mostly (``READ_BEFORE`` of its width) under words read before on its line:
    the crop took in read ink beside the unread (a button's outline around its label)
    and read it twice.  A speck read before inside a word does not make it read."""
    left, top, width, height = box
    columns = np.zeros(max(1, width), dtype=bool)
    for x, y, w, h in covered:
        level = min(top + height, y + h) - max(top, y)
        if level >= 0.5 * min(height, h) and x < left + width and x + w > left:
            columns[max(0, x - left):min(width, x + w - left)] = True
    return bool(columns.mean() >= READ_BEFORE)


def letter_lines(gray: Image.Image, boxes: list[Box]) -> list[Region]:
    """Crops of the text lines no read word covers, top to bottom, at most ``MAX_UNREAD``.

    Tesseract's page layout drops whole blocks it takes for pictures: the
    logged-in account's card under an avatar at the foot of a dark sidebar
    ("Joy Sarkar / @joy_bd" read as nothing at all).  Ink far from the page
    background, outside the read words' boxes (``boxes``, left, top, width,
    height), letter-sized, is joined along rows into lines; solid shapes
    (avatars, photos) are left out.  Each line is padded and enlarged to read
    as one.
    """
    arr = np.asarray(gray, dtype=np.int16)
    background = int(np.bincount(arr.ravel(), minlength=256).argmax())
    ink = np.abs(arr - background) > 48
    for left, top, width, height in boxes:
        ink[max(0, top - 2):top + height + 2, max(0, left - 2):left + width + 2] = False
    labels, _ = ndimage.label(ink)
    for index, sl in enumerate(ndimage.find_objects(labels), 1):
        if sl is None:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        part = labels[sl] == index
        solid = h > 12 and w > 12 and part.sum() > 0.75 * h * w  # a disc fills 0.79
        if solid or h > LETTER_HEIGHT[1] or w > 6 * LETTER_HEIGHT[1]:  # dots, "_" stay
            ink[sl][part] = False
    # "_" sits under the letters' rows: rows a few pixels apart join too, lines do not
    joined, _ = ndimage.label(ndimage.binary_dilation(ink, structure=np.ones((5, JOIN_GAP))))
    out: list[Region] = []
    for sl in ndimage.find_objects(joined):
        if sl is None:
            continue
        top, bottom = sl[0].start + 2, sl[0].stop - 2
        left, right = sl[1].start + JOIN_GAP // 2, sl[1].stop - JOIN_GAP // 2
        h, w = bottom - top, right - left
        if not LETTER_HEIGHT[0] + 2 <= h <= LETTER_HEIGHT[1] or w < h:
            continue
        pad = max(3, h // 3)  # more above: the dots of "i" and "j" stand apart
        x0, y0 = max(0, left - pad), max(0, top - max(4, h // 2))
        x1, y1 = min(gray.width, right + pad), min(gray.height, bottom + pad)
        crop = gray.crop((x0, y0, x1, y1))
        factor = max(1, min(4, round(64 / h)))
        if factor > 1:
            crop = crop.resize((crop.width * factor, crop.height * factor),
                               Image.Resampling.LANCZOS)
        crop = ImageOps.expand(crop, border=CROP_PAD, fill=background)
        out.append(Region(crop, x0, y0, x1 - x0, y1 - y0, factor))
    out.sort(key=lambda r: (r.top, r.left))
    return out[:MAX_UNREAD]


def second_look_lines(read_line: Callable[[Image.Image], list[OcrWord]], gray: Image.Image,
                      read: list[Box], first_line: int) -> tuple[list[str], list[OcrWord]]:
    """Texts and words (boxed in ``gray``'s pixels, numbered down from ``first_line``) of
    the lines of letters no box in ``read`` covers (``letter_lines``), each read alone.

    Asked for by a caller that misses something the screenshot should show, so
    words are kept from ``LOOK_FLOOR``: the caller still matches them to one
    handle, exactly as the page pass's words.
    """
    texts: list[str] = []
    words: list[OcrWord] = []
    for n, region in enumerate(letter_lines(gray, read), 1):
        kept = [w for w in read_line(region.image)
                if w.confidence >= LOOK_FLOOR and any(ch.isalnum() for ch in w.text)]
        if kept:
            texts.append(" ".join(w.text for w in kept))
            words += [replace(from_crop(w, region), line=first_line - n) for w in kept]
    return texts, words


def _alnum(words: list[OcrWord]) -> list[OcrWord]:
    return [w for w in words if any(ch.isalnum() for ch in w.text)]


def line_confidence(words: list[OcrWord]) -> float:
    """Mean confidence of the words with letters or digits, weighted by length."""
    text = _alnum(words)
    letters = sum(len(w.text) for w in text)
    return sum(w.confidence * len(w.text) for w in text) / letters if letters else 0.0


def _sure_words(words: list[OcrWord]) -> list[OcrWord]:
    """The words of a line read alone worth adding: none unless the line as a whole was
    read surely (mean confidence of its words with letters or digits, by length, at
    least ``LINE_SURE``), then those over ``WORD_FLOOR``.

    A whole line judged, not each word: JPEG blurs one word of a name ("उद्दीन" at
    67 % beside "करीम" at 92 %); a lone glyph off an icon or a rule stays out.
    """
    text = _alnum(words)
    if sum(len(w.text) for w in text) < 2 or line_confidence(text) < LINE_SURE:
        return []
    return [w for w in text if w.confidence >= WORD_FLOOR]


def unread_lines(gray: Image.Image, covered: list[Box]) -> list[Region]:
    """Crops of the text lines holding ink no covered box accounts for, pictures painted
    over, at most ``MAX_LINE_REREADS``.

    A line is a run of rows with uncovered ink, ``LINE_HEIGHTS`` tall once pictures
    are taken out; its pieces are cut where a blank run is wider than the line is
    tall (another column, a button), and a piece must be wider than tall and hold
    ink like text does (``LINE_INK``).
    """
    arr = np.asarray(gray, dtype=np.int16)
    background = int(np.bincount(arr.ravel(), minlength=256).argmax())
    ink = np.abs(arr - background) > INK
    for left, top, width, height in covered:
        ink[max(0, top - COVER_MARGIN):top + height + COVER_MARGIN,
            max(0, left - COVER_MARGIN):left + width + COVER_MARGIN] = False
    if not ink.any():
        return []
    pictures = picture_mask(arr, background)
    ink &= ~pictures
    out: list[Region] = []
    for top, bottom in _runs(np.asarray(ink.any(axis=1))):
        h = bottom - top
        if not LINE_HEIGHTS[0] <= h <= LINE_HEIGHTS[1]:
            continue
        for left, right in _runs(np.asarray(ink[top:bottom].any(axis=0)), gap=h):
            share = ink[top:bottom, left:right].sum() / (h * (right - left))
            if right - left < 1.5 * h or not LINE_INK[0] <= share <= LINE_INK[1]:
                continue
            out.append(_crop(arr, pictures, background, (left, top, right, bottom)))
            if len(out) >= MAX_LINE_REREADS:
                return out
    return out


def picture_mask(arr: np.ndarray, background: int) -> np.ndarray:
    """Where the solid pictures (round or square avatars) are, rim included.

    A picture is a solid blob (``PICTURE_FILL`` of its box or more, no hole in it:
    a glyph is strokes, an icon button with a sign in it has holes), about as wide
    as tall, at least ``PICTURE_MIN`` pixels, at most a quarter of the width.
    """
    labels, _ = ndimage.label(np.abs(arr - background) > PICTURE_CONTRAST)
    mask = np.zeros(arr.shape, dtype=bool)
    for index, sl in enumerate(ndimage.find_objects(labels), 1):
        if sl is None:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if h < PICTURE_MIN or w > 0.25 * arr.shape[1] or not 0.6 * h <= w <= 1.6 * h:
            continue
        shape = labels[sl] == index
        filled = ndimage.binary_fill_holes(shape)
        if shape.sum() < PICTURE_FILL * h * w or filled.sum() > 1.03 * shape.sum():
            continue
        y0, x0 = max(0, sl[0].start - PICTURE_RIM), max(0, sl[1].start - PICTURE_RIM)
        y1 = min(arr.shape[0], sl[0].stop + PICTURE_RIM)
        x1 = min(arr.shape[1], sl[1].stop + PICTURE_RIM)
        around = np.zeros((y1 - y0, x1 - x0), dtype=bool)
        around[sl[0].start - y0:sl[0].stop - y0, sl[1].start - x0:sl[1].stop - x0] = filled
        mask[y0:y1, x0:x1] |= ndimage.binary_dilation(around, iterations=PICTURE_RIM)
    return mask


def mask_pictures(gray: Image.Image) -> Image.Image:
    """``gray`` with its solid pictures painted in the page colour."""
    arr = np.asarray(gray, dtype=np.int16)
    background = int(np.bincount(arr.ravel(), minlength=256).argmax())
    mask = picture_mask(arr, background)
    if not mask.any():
        return gray
    out = arr.copy()
    out[mask] = background
    return Image.fromarray(out.astype(np.uint8))


def _crop(arr: np.ndarray, pictures: np.ndarray, background: int,
          box: tuple[int, int, int, int]) -> Region:
    """One line piece with a margin, pictures painted over, enlarged to ~64 px, padded."""
    left, top, right, bottom = box
    h = bottom - top
    x0, y0 = max(0, left - h // 3), max(0, top - h // 3)
    x1, y1 = min(arr.shape[1], right + h // 3), min(arr.shape[0], bottom + h // 3)
    piece = arr[y0:y1, x0:x1].copy()
    piece[pictures[y0:y1, x0:x1]] = background
    crop = Image.fromarray(piece.astype(np.uint8))
    factor = max(1, min(4, round(64 / h)))
    if factor > 1:
        crop = crop.resize((crop.width * factor, crop.height * factor), Image.Resampling.LANCZOS)
    return Region(ImageOps.expand(crop, border=CROP_PAD, fill=background),
                  x0, y0, x1 - x0, y1 - y0, factor)


def from_crop(word: OcrWord, region: Region, scale: float = 1.0) -> OcrWord:
    """A word read in a crop (resized by ``scale`` after padding), boxed in the
    screenshot's pixels."""
    left, top, width, height = (v / scale for v in word.box)
    f = region.factor
    return replace(word, box=(region.left + round((left - CROP_PAD) / f),
                              region.top + round((top - CROP_PAD) / f),
                              round(width / f), round(height / f)))


def _runs(flags: np.ndarray, gap: int = 1) -> list[tuple[int, int]]:
    """[start, stop) of the runs of True, joined across fewer than ``gap`` False."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)  # gap False in a row start a new run
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    stops = np.concatenate((idx[breaks] + 1, [idx[-1] + 1]))
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]
