"""One loaded Tesseract (``tesserocr``, or ``pytesseract`` as the fallback) and the words it reads.

Apart from ``verifier.forensics.ocr`` so the engine's policy (preprocessing, button and
handle passes, language choice) reads on its own; this is only the binding.
``OMP_THREAD_LIMIT=1`` is set before Tesseract loads, as in ``verifier.forensics.ocr``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import shlex
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image

try:  # the wheel is Linux-only; pytesseract works wherever the CLI does
    import tesserocr
except ImportError:  # pragma: no cover - depends on the installation
    tesserocr = None

Backend = Literal["tesserocr", "pytesseract"]
PSM_AUTO = 3
PSM_SINGLE_BLOCK = 6
PSM_SINGLE_LINE = 7


_deadline: ContextVar[float | None] = ContextVar("verifier_ocr_deadline", default=None)


class OcrTimeout(RuntimeError):
    """Recognition was stopped because the check's time budget ran out."""


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Every read inside stops at ``at`` (``time.monotonic()``): the check's budget
    is enforced inside Tesseract, not only measured after it returns."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining_ms() -> int | None:
    at = _deadline.get()
    if at is None:
        return None
    left = int((at - time.monotonic()) * 1000)
    if left <= 0:
        raise OcrTimeout("the check's time budget was spent before this read")
    return left


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float  # 0..100, Tesseract's own
    box: tuple[int, int, int, int]  # left, top, width, height in the input image's pixels
    line: int = 0  # words of one text line share it


class TesseractApi:
    """One loaded Tesseract for one language set, used by one thread at a time."""

    def __init__(self, backend: Backend, tessdata: Path, langs: str) -> None:
        self.tessdata, self.langs, self.lock = tessdata, langs, threading.Lock()
        self.api: Any = None
        if backend == "tesserocr":
            assert tesserocr is not None
            self.api = tesserocr.PyTessBaseAPI(path=str(tessdata) + os.sep, lang=langs)

    def read(self, image: Image.Image, psm: int) -> tuple[str, list[OcrWord]]:
        with self.lock:
            if self.api is not None:
                return self._read_tesserocr(image, psm)
            return self._read_pytesseract(image, psm)

    def _read_tesserocr(self, image: Image.Image, psm: int) -> tuple[str, list[OcrWord]]:
        api = self.api
        api.SetPageSegMode(psm)
        api.SetImage(image)
        left = _remaining_ms()
        if not api.Recognize(timeout=left or 0) and left is not None:
            api.Clear()
            raise OcrTimeout(f"recognition stopped after {left} ms (the check's time budget)")
        words: list[OcrWord] = []
        iterator = api.GetIterator()
        level, line = tesserocr.RIL.WORD, 0
        for item in tesserocr.iterate_level(iterator, level) if iterator else ():
            line += item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE)
            try:  # tesserocr raises instead of returning an empty word
                text = item.GetUTF8Text(level)
            except RuntimeError:
                continue
            box = item.BoundingBox(level)
            if text.strip() and box:
                x0, y0, x1, y1 = box
                conf = item.Confidence(level)
                words.append(OcrWord(text.strip(), conf, (x0, y0, x1 - x0, y1 - y0), line))
        text = api.GetUTF8Text() or ""
        api.Clear()
        return text, words

    def _read_pytesseract(self, image: Image.Image, psm: int) -> tuple[str, list[OcrWord]]:
        import pytesseract

        config = f"--psm {psm} --tessdata-dir {shlex.quote(str(self.tessdata))}"
        left = _remaining_ms()
        try:
            data = pytesseract.image_to_data(image, lang=self.langs, config=config,
                                             output_type=pytesseract.Output.DICT,
                                             timeout=(left or 0) / 1000)
        except RuntimeError as exc:  # pytesseract's own timeout
            raise OcrTimeout(f"recognition stopped after {left} ms") from exc
        words: list[OcrWord] = []
        lines: dict[tuple[int, int, int], list[str]] = {}
        for i, raw in enumerate(data["text"]):
            if (raw or "").strip():
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                lines.setdefault(key, []).append(raw.strip())
                box = (data["left"][i], data["top"][i], data["width"][i], data["height"][i])
                words.append(OcrWord(raw.strip(), float(data["conf"][i]), box, len(lines)))
        out: list[str] = []
        for n, ((block, par, _), parts) in enumerate(lines.items()):
            if n and list(lines)[n - 1][:2] != (block, par):
                out.append("")  # a blank line between paragraphs, as tesserocr writes
            out.append(" ".join(parts))
        return "\n".join(out) + "\n", words

    def close(self) -> None:
        with self.lock:
            if self.api is not None:
                self.api.End()
                self.api = None
