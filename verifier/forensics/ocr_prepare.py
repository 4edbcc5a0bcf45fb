"""What the page pass reads: the screenshot gray, dark text on light, JPEG ringing
smoothed on phone captures, narrow screenshots enlarged (``prepare``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image, ImageFilter, ImageOps, ImageStat

from verifier.forensics.ocr_columns import Gutter, find_gutters
from verifier.forensics.ocr_regions import Region, find_buttons

DARK_MEAN = 110  # mean luminance under which a screenshot is taken for dark mode
UPSCALE_BELOW_WIDTH = 1600  # narrower images are read at 2x
MAX_OCR_PIXELS = 24_000_000  # upscaling stops here: memory and time grow with area
# Share of the changing pixels near the page background that are small ripples (above or
# below both neighbours by at most RIPPLE levels): JPEG's ringing.  Drawn pages saved as
# PNG measure 0.005-0.02, real PNG captures up to 0.37 (photographs, re-saved JPEGs), the
# drawn pages as JPEG 60-85 0.32-0.39.
JPEG_RINGING = 0.25
RIPPLE = 12
MIN_STROKE = 3  # median ink run (pixels) from which a 3x3 median keeps the letters
# Only phone captures (portrait, drawn at 2-3 device pixels per point) are smoothed: a
# desktop page's 1x text ("@rafi_bd" at 13 px) loses its strokes to a median.
PHONE_ASPECT = 1.3


@dataclass(frozen=True)
class Prepared:
    gray: Image.Image  # grayscale, dark text on light, original size
    big: Image.Image  # what the page pass reads (upscaled when narrow)
    scale: float
    inverted: bool
    unsmoothed: Image.Image | None = None  # the gray before the JPEG median, when one ran

    @cached_property
    def buttons(self) -> list[Region]:
        """Found once, shared by the English read, the language probe and the final read."""
        return find_buttons(self.gray)

    @cached_property
    def gutters(self) -> tuple[Gutter, ...]:
        return find_gutters(self.gray)


def jpeg_noisy(gray: Image.Image) -> bool:
    """Whether the screenshot carries JPEG ringing on strokes thick enough to smooth.

    Anti-aliased text in a PNG changes monotonically across an edge; a JPEG
    adds ripples of a few levels beside every edge (mosquito noise), which
    Tesseract's binarisation turns into specks that break light text on dark
    pages, grey pills and small handles apart.  Ripples are counted only among
    the pixels near the page's background (photographs ripple everywhere), as a
    share of those that change (``JPEG_RINGING``).  A median would thin
    one-pixel strokes, so text whose strokes are narrower than ``MIN_STROKE``
    (a desktop page at 1x) is left as it is.
    """
    a = np.asarray(gray, dtype=np.int16)[::2]  # every other row says as much, in half the time
    background = int(np.bincount(a.ravel(), minlength=256).argmax())
    left, mid, right = a[:, :-2], a[:, 1:-1], a[:, 2:]
    to_left, to_right = mid - left, mid - right
    near = np.abs(mid - background) <= 2 * RIPPLE
    ripple = ((to_left * to_right) > 0) & (np.minimum(abs(to_left), abs(to_right)) <= RIPPLE)
    busy = ((to_left != 0) | (to_right != 0)) & near
    if (ripple & near).sum() < JPEG_RINGING * max(1, busy.sum()):
        return False
    ink = np.pad(np.abs(a - background) > 96, ((0, 0), (1, 1))).ravel().astype(np.int8)
    edges = np.diff(ink)
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)  # ink runs along rows
    runs = runs[runs <= 12]  # strokes, not filled shapes
    return runs.size > 0 and float(np.median(runs)) >= MIN_STROKE


def prepare(image: Image.Image) -> Prepared:
    """Gray, invert dark mode, smooth JPEG ringing, upscale narrow screenshots (within a
    pixel budget).

    A 3x3 median removes JPEG's ripples and keeps strokes three pixels wide
    (phone captures at 2x, where JPEG is the rule); ``jpeg_noisy`` and
    ``PHONE_ASPECT`` say when.
    """
    gray = image.convert("L")
    inverted = ImageStat.Stat(gray).mean[0] < DARK_MEAN
    if inverted:
        gray = ImageOps.invert(gray)
    unsmoothed = None
    if gray.height >= PHONE_ASPECT * gray.width and jpeg_noisy(gray):
        unsmoothed, gray = gray, gray.filter(ImageFilter.MedianFilter(3))
    scale = 1.0
    if gray.width < UPSCALE_BELOW_WIDTH:
        scale = max(1.0, min(2.0, (MAX_OCR_PIXELS / (gray.width * gray.height)) ** 0.5))
    big = gray
    if scale > 1.0:
        size = (round(gray.width * scale), round(gray.height * scale))
        big = gray.resize(size, Image.Resampling.LANCZOS)
    return Prepared(gray, big, scale, inverted, unsmoothed)
