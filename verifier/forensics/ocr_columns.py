"""The page columns of a screenshot, split by vertical gutters.

A desktop page puts the target's profile in a main column and suggested
accounts in a sidebar beside it.  A sidebar row can sit level with the
target's header button (a long suggestion name wraps and pushes its
``@handle`` down beside the button), so nearness on the page says little
across columns; the gutter between them says more.  A gutter is a strip of
pixel columns that is quiet from the top of the screenshot to the bottom (the
page background, or a column's border line), wide enough not to be the space
between two letters, and not at the screenshot's edge.  A full-width element
(a banner, a bar) crosses every strip, so a one-column phone page has none.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

Gutter = tuple[int, int]  # first and last pixel column of the strip

QUIET_LEVELS = 24  # grey levels a pixel may stray from its column's median (JPEG ringing)
QUIET_SHARE = 0.02  # share of a column's pixels that may stray (thin dividers crossing it)
MIN_WIDTH = 0.006  # of the screenshot's width, and at least MIN_PIXELS
MIN_PIXELS = 6


def find_gutters(gray: Image.Image) -> tuple[Gutter, ...]:
    """Strips of quiet pixel columns running the full height, inner ones only."""
    arr = np.asarray(gray, dtype=np.int16)
    height, width = arr.shape
    if height < 50 or width < 200:
        return ()
    median = np.median(arr, axis=0)
    stray = (np.abs(arr - median[None, :]) > QUIET_LEVELS).sum(axis=0)
    quiet = stray <= QUIET_SHARE * height
    wide = max(MIN_PIXELS, round(MIN_WIDTH * width))
    gutters: list[Gutter] = []
    x = 0
    while x < width:
        if not quiet[x]:
            x += 1
            continue
        end = x
        while end + 1 < width and quiet[end + 1]:
            end += 1
        if x > 0 and end < width - 1 and end - x + 1 >= wide:
            gutters.append((x, end))
        x = end + 1
    return tuple(gutters)


def apart(a: tuple[int, int, int, int], b: tuple[int, int, int, int],
          gutters: tuple[Gutter, ...]) -> bool:
    """Two boxes (left, top, right, bottom) in different columns: a gutter runs
    between them and neither box reaches into it."""
    for g0, g1 in gutters:
        for left, right in ((a, b), (b, a)):
            if left[2] <= g0 + 1 and right[0] >= g1 - 1:
                return True
    return False
