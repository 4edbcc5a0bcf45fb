"""Tampering hints in a worker's screenshots: ``proof.tamper``.

Three hints, each reported only when it is clear, because honest workers crop,
compress and resend their screenshots all the time (figures in docs/ocr.md,
section 9):

* **An image editor saved the file.** Phones and browsers write no editor
  into a screenshot; Photoshop, GIMP, Snapseed, PicsArt, Canva ... do
  (``LoadedImage.editor``), and Photoshop leaves its resource block.
* **The picture was enlarged.** A screen capture has the screen's own
  pixels: screen text steps from background to ink within one pixel.  An
  image enlarged from a smaller one (a thumbnail blown up to look like a
  phone screenshot, a picture pasted back after editing) has no such step
  anywhere once enlarged 2.3x or more, and one doubled exactly loses nothing
  when halved and doubled back (``_sharpness``); nearest-neighbour doubling
  repeats every pixel, which is counted directly.  Measured (docs/ocr.md,
  section 9) on the 19 real screenshots of ``shared/realdata`` and 9
  sandbox pages, each also as JPEG 40/85, shrunk to 0.5-0.9x with three
  filters, and as a fullscreen enlarged photo under a sharp status bar:
  none of the 532 genuine images is flagged; every 2x, 2.3x, 2.5x and 3x
  bilinear, bicubic or Lanczos enlargement is (JPEG or not, any alignment);
  1.5x ones mostly are not.  What is *not* flagged: odd sizes and aspect
  ratios (crops and browser windows come in every size), EXIF dimensions
  that differ from the image (a crop in the phone's gallery does that).
* **The screenshot contradicts the live page.** When the live check failed
  (the page itself says the action was not done) but the screenshot shows
  the done state, the screenshot is stale (the worker undid the action) or
  edited.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image
from scipy import ndimage

from verifier.forensics.images import ImageProblem, LoadedImage
from verifier.forensics.ocr import OcrResult
from verifier.forensics.states import find_state
from verifier.models import Check, Proof

RESIDUAL_2X = 0.10  # sharpest block's change when halved and doubled back (see _sharpness)
STEP_MIN = 0.72  # sharpest block's 10th-steepest one-pixel step, as a share of its contrast
EDGE_RANGE = 60  # gray levels within 5x5 pixels that make a pixel part of an edge
STEP_EDGE = 96  # a stronger edge, for the steps
BLOCK = 64  # pixels per side of the blocks sharpness is measured in
MIN_EDGE_PIXELS = 40  # per block, for the block to count
MIN_BLOCKS = 4  # fewer edged blocks than this: too little to judge
NEAREST_SHARE = 0.97  # of edge pixels equal to their neighbour in one phase only


def _to_gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32)


def _blocks(a: np.ndarray) -> np.ndarray:
    """The image cut into BLOCK x BLOCK tiles, one row per tile (edges dropped)."""
    rows, cols = a.shape[0] // BLOCK, a.shape[1] // BLOCK
    a = a[:rows * BLOCK, :cols * BLOCK]
    return a.reshape(rows, BLOCK, cols, BLOCK).swapaxes(1, 2).reshape(rows * cols, -1)


def _sharpness(gray: np.ndarray, image: Image.Image) -> tuple[float, float] | None:
    """(change when halved and doubled back, steepest steps), each of the sharpest block.

    Change: per block, the mean change on edge pixels over their local
    contrast when the image is shrunk to half and enlarged back; an image
    that was itself doubled loses nothing.  Steps: per block, the 10th
    steepest one-pixel step over the local contrast; screen text steps from
    background to ink within a pixel, an image enlarged 2.3x or more never
    does.  Both take the block that scores highest, so one sharp status bar
    over an enlarged photo (a genuine fullscreen picture) clears the image.
    None when there are too few edged blocks to judge.
    """
    height, width = gray.shape
    if height < BLOCK * 2 or width < BLOCK * 2:
        return None
    contrast = ndimage.maximum_filter(gray, 5) - ndimage.minimum_filter(gray, 5)
    edge = _blocks(contrast > EDGE_RANGE)
    keep = edge.sum(axis=1) >= MIN_EDGE_PIXELS
    if keep.sum() < MIN_BLOCKS:
        return None
    edge = edge[keep]
    half = image.convert("L").resize((round(width / 2), round(height / 2)),
                                     Image.Resampling.LANCZOS)
    back = np.asarray(half.resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32)
    change = (_blocks(np.abs(gray - back))[keep] * edge).sum(axis=1)
    local = (_blocks(contrast)[keep] * edge).sum(axis=1)
    residual = float((change / np.maximum(local, 1.0)).max())
    step = np.zeros_like(gray)
    step[:, :-1] = np.abs(np.diff(gray, axis=1))
    step[:-1, :] = np.maximum(step[:-1, :], np.abs(np.diff(gray, axis=0)))
    step = np.where(contrast > STEP_EDGE, step / np.maximum(contrast, 1.0), 0.0)
    tiles = _blocks(step)[keep]
    tenth = np.partition(tiles, -10, axis=1)[:, -10]
    return residual, float(tenth.max())


def _nearest_factor(gray: np.ndarray) -> int | None:
    """2 or 3 when every pixel was copied that many times (nearest-neighbour enlarging)."""
    contrast = ndimage.maximum_filter(gray, 3) - ndimage.minimum_filter(gray, 3)
    edge = contrast > EDGE_RANGE
    for k in (3, 2):
        for axis in (0, 1):
            a = np.moveaxis(gray, axis, 1)
            m = np.moveaxis(edge, axis, 1)
            n = a.shape[1] // k * k
            if n < 4 * k or m[:, :n].sum() < 1000:
                continue
            same = [np.abs(a[:, p:n - 1:k] - a[:, p + 1:n:k]) < 1
                    for p in range(k)]
            masks = [m[:, p:n - 1:k] for p in range(k)]
            shares = [float(s[mm].mean()) if mm.any() else 0.0 for s, mm in zip(same, masks,
                                                                             strict=True)]
            # k-1 of every k neighbours repeat; the pair across copies does not.
            if sorted(shares)[1] >= NEAREST_SHARE and min(shares) < 0.8:
                return k
    return None


def enlargement(image: Image.Image) -> str | None:
    """How the image was enlarged ("2x or more", ...), or None when nothing is clear."""
    gray = _to_gray(image)
    nearest = _nearest_factor(gray)
    if nearest:
        return f"{nearest}x, every pixel repeated"
    found = _sharpness(gray, image)
    if found is None:
        return None
    residual, steps = found
    return "2x or more" if residual < RESIDUAL_2X or steps < STEP_MIN else None


def _editor_hint(label: str, image: LoadedImage) -> str | None:
    editor = image.editor
    if editor:
        return f"{label} was saved by {editor}, an image editor"
    if "photoshop" in image.metadata:
        return f"{label} carries a Photoshop resource block, written by an image editor"
    return None


def _label(position: int, count: int) -> str:
    """As forensics names them: by position among the submitted screenshots."""
    return "the screenshot" if count == 1 else f"screenshot {position}"


def _contradiction(proof: Proof, images: list[tuple[int, LoadedImage]],
                   texts: Mapping[str, str | OcrResult], live: Check | None,
                   state: Check | None, count: int) -> str | None:
    """The screenshot shows the done state while the live page says it is not done."""
    if live is None or live.outcome != "fail" or state is None or state.outcome != "pass":
        return None
    for position, image in images:
        text = texts.get(image.sha256)
        if text is None:
            continue
        reading = find_state(text.text if isinstance(text, OcrResult) else text,
                             proof.task.action)
        if reading.state == "positive" and reading.match:
            shown = " ".join(reading.match.snippet.split())
            says = (live.detail or "the action was not done").split(": ", 1)[0]
            return (f"{_label(position, count)} shows '{shown}' but the live page says {says}: "
                    "the screenshot is stale or edited")
    return None


def tamper_check(proof: Proof, images: list[LoadedImage | ImageProblem],
                 texts: Mapping[str, str | OcrResult], live: Check | None = None,
                 state: Check | None = None) -> Check:
    """``proof.tamper``: fail with every clear hint, pass saying what was looked at."""
    submitted = bool(proof.evidence and proof.evidence.screenshots) or bool(images)
    if not submitted:
        return Check(name="proof.tamper", outcome="skipped", detail="no screenshot was submitted")
    loaded = [(n, i) for n, i in enumerate(images, 1) if isinstance(i, LoadedImage)]
    if not loaded:
        return Check(name="proof.tamper", outcome="skipped",
                     detail="no submitted screenshot could be decoded")
    count = len(images)
    hints: list[str] = []
    refs: list[str] = []
    for position, image in loaded:
        label = _label(position, count)
        found = [_editor_hint(label, image)]
        # A downscaled image lost the repeated pixels an enlargement leaves: not judged.
        how = None if image.downscaled else enlargement(image.image)
        if how:
            width, height = image.size
            found.append(f"{label} ({width}x{height}) was enlarged from a smaller picture "
                         f"({how}): a screen capture has the screen's own sharp pixels")
        new = [h for h in found if h]
        hints += new
        if new:
            refs.append(f"sha256:{image.sha256}.{image.ext}")
    contradiction = _contradiction(proof, loaded, texts, live, state, count)
    if contradiction:
        hints.append(contradiction)
        refs += (live.evidence if live else []) + (state.evidence if state else [])
    if hints:
        return Check(name="proof.tamper", outcome="fail", detail="; ".join(hints),
                     evidence=list(dict.fromkeys(refs)))
    looked = "no image editor in the metadata, not enlarged"
    if live is not None and live.outcome == "fail":
        looked += ", and it does not show the done state the live page denies"
    elif live is not None and live.outcome == "pass":
        looked += ", and the live page agrees"
    noun = "the screenshot" if count == 1 else "the screenshots"
    return Check(name="proof.tamper", outcome="pass",
                 detail=f"no sign of editing in {noun}: {looked}")
