"""Tesseract OCR of worker screenshots, kept warm and tuned for phone and desktop UIs.

Why it looks the way it does (figures in MEASUREMENTS.md and docs/ocr.md):

* ``OMP_THREAD_LIMIT=1`` is set before Tesseract is loaded: Debian's build
  otherwise starts four OpenMP threads on two cores and runs seven times slower.
* One ``tesserocr`` engine per language set stays loaded, so no read pays a
  process start, a PNG round trip or a model load (docs/ocr.md has the
  figures).  ``pytesseract`` is the fallback when the wheel is missing.
* Gray + 2x upscale reads usernames far better (98.9 % against 88.3 % exact);
  dark-mode screenshots are inverted so the text is dark on light.
* Buttons with light text on a coloured pill ("Unsubscribe", "Follow") are lost
  by Tesseract's page layout, which takes a filled shape for a picture; they
  are found as solid blobs with holes, flattened and read one line each.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import hashlib
import shlex
import statistics
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps, ImageStat
from scipy import ndimage

from verifier.textmatch import ScriptCounts, script_counts

try:  # the wheel is Linux-only; pytesseract works wherever the CLI does
    import tesserocr
except ImportError:  # pragma: no cover - depends on the installation
    tesserocr = None

Backend = Literal["tesserocr", "pytesseract"]

DARK_MEAN = 110  # mean luminance under which a screenshot is taken for dark mode
UPSCALE_BELOW_WIDTH = 1600  # narrower images are read at 2x
MAX_OCR_PIXELS = 24_000_000  # upscaling stops here: memory and time grow with area
PSM_AUTO = 3
PSM_SINGLE_LINE = 7
MAX_BUTTONS = 24
MEMO_SIZE = 8  # read_auto results kept, so the checks of one proof share one read
_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                  "/usr/share/tessdata", "/usr/local/share/tessdata",
                  "/opt/homebrew/share/tessdata")


class OcrUnavailable(RuntimeError):
    """Tesseract or a requested language is not installed."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float  # 0..100, Tesseract's own
    box: tuple[int, int, int, int]  # left, top, width, height in the input image's pixels
    line: int = 0  # words of one text line share it


@dataclass(frozen=True)
class OcrResult:
    text: str
    words: tuple[OcrWord, ...]
    langs: str
    seconds: float
    inverted: bool = False  # read as dark mode
    engine: str = ""

    @property
    def mean_confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else 0.0


def find_tessdata() -> Path:
    """TESSDATA_PREFIX first (the directory itself or its parent), then the usual paths."""
    candidates: list[Path] = []
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        candidates += [Path(prefix), Path(prefix) / "tessdata"]
    candidates += [Path(p) for p in _TESSDATA_DIRS]
    for path in candidates:
        if (path / "eng.traineddata").is_file():
            return path
    raise OcrUnavailable("no tessdata directory with eng.traineddata found (set "
                         f"TESSDATA_PREFIX); looked in {', '.join(map(str, candidates))}")


@dataclass(frozen=True)
class _Prepared:
    gray: Image.Image  # grayscale, dark text on light, original size
    big: Image.Image  # what the page pass reads (upscaled when narrow)
    scale: float
    inverted: bool


def prepare(image: Image.Image) -> _Prepared:
    """Gray, invert dark mode, upscale narrow screenshots (within a pixel budget)."""
    gray = image.convert("L")
    inverted = ImageStat.Stat(gray).mean[0] < DARK_MEAN
    if inverted:
        gray = ImageOps.invert(gray)
    scale = 1.0
    if gray.width < UPSCALE_BELOW_WIDTH:
        scale = max(1.0, min(2.0, (MAX_OCR_PIXELS / (gray.width * gray.height)) ** 0.5))
    big = gray
    if scale > 1.0:
        size = (round(gray.width * scale), round(gray.height * scale))
        big = gray.resize(size, Image.Resampling.LANCZOS)
    return _Prepared(gray, big, scale, inverted)


@dataclass(frozen=True)
class _Button:
    image: Image.Image  # flattened, dark text on light, scaled by ``factor``, padded by 10 px
    left: int
    top: int
    factor: int


def find_buttons(gray: Image.Image) -> list[_Button]:
    """Crops of button-like shapes, flattened and ready to read as one line.

    A button is a blob that differs from the page background, wider than tall,
    filling most of its box once its holes are filled: a solid pill with
    letter-shaped holes, or an outline around text.  Inside (eroded past the
    anti-aliased edge) its most common shade is the button colour; everything
    outside is painted that colour, and the crop is inverted when the text is
    lighter than the button.  Returns them top to bottom, at most ``MAX_BUTTONS``.
    """
    arr = np.asarray(gray, dtype=np.int16)
    height, width = arr.shape
    background = int(np.bincount(arr.ravel(), minlength=256).argmax())
    labels, _ = ndimage.label(np.abs(arr - background) > 48)
    found: list[_Button] = []
    for index, sl in enumerate(ndimage.find_objects(labels), 1):
        if sl is None:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if h < 12 or h > max(40, height * 0.1) or w < 1.5 * h or w > 0.98 * width:
            continue
        filled = ndimage.binary_fill_holes(labels[sl] == index)
        if filled.sum() < 0.6 * h * w:
            continue
        inner = ndimage.binary_erosion(filled, iterations=max(2, h // 10))
        inside = arr[sl][inner]
        if inside.size < 50:
            continue
        fill_value = int(np.bincount(inside, minlength=256).argmax())
        ink = np.abs(inside - fill_value) > 48
        if not 0.01 * inside.size <= ink.sum() <= 0.6 * inside.size:
            continue
        crop = arr[sl].copy()
        crop[~inner] = fill_value
        img = Image.fromarray(crop.astype(np.uint8))
        if int(np.median(inside[ink])) > fill_value:
            img = ImageOps.invert(img)
            fill_value = 255 - fill_value
        factor = max(1, min(4, round(64 / h)))
        if factor > 1:
            img = img.resize((w * factor, h * factor), Image.Resampling.LANCZOS)
        img = ImageOps.expand(img, border=10, fill=fill_value)
        found.append(_Button(img, sl[1].start, sl[0].start, factor))
    found.sort(key=lambda b: (b.top, b.left))
    return found[:MAX_BUTTONS]


class _Api:
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
        api.Recognize()
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
        data = pytesseract.image_to_data(image, lang=self.langs, config=config,
                                         output_type=pytesseract.Output.DICT)
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


class OcrEngine:
    """Warm Tesseract engines, one per language set, created on first use.

    Safe to share between threads: a lock guards the engine table and each
    engine has its own lock, so two language sets can be read at once.
    ``close()`` frees the engines; a later read loads them again.
    """

    def __init__(self, backend: Backend | None = None, tessdata: str | Path | None = None,
                 buttons: bool = True) -> None:
        if backend is None:
            backend = "tesserocr" if tesserocr is not None else "pytesseract"
        if backend == "tesserocr" and tesserocr is None:
            raise OcrUnavailable("tesserocr is not installed")
        self.backend: Backend = backend
        self.buttons = buttons
        self._tessdata = Path(tessdata) if tessdata else None
        self._lock = threading.Lock()
        self._apis: dict[str, _Api] = {}
        self._languages: frozenset[str] | None = None
        self._memo: OrderedDict[bytes, OcrResult] = OrderedDict()
        self._memo_lock = threading.Lock()

    @property
    def tessdata(self) -> Path:
        if self._tessdata is None:
            self._tessdata = find_tessdata()
        return self._tessdata

    def languages(self) -> frozenset[str]:
        """Installed languages (``eng``, ``ben``, ``hin`` ...), looked up once."""
        if self._languages is None:
            self._languages = frozenset(p.name.removesuffix(".traineddata")
                                        for p in self.tessdata.glob("*.traineddata"))
        return self._languages

    def _api(self, langs: str) -> _Api:
        with self._lock:
            api = self._apis.get(langs)
            if api is None:
                missing = [lang for lang in langs.split("+") if lang not in self.languages()]
                if missing or not langs:
                    raise OcrUnavailable(f"OCR language(s) {missing or langs!r} not installed "
                                         f"in {self.tessdata}")
                api = self._apis[langs] = _Api(self.backend, self.tessdata, langs)
            return api

    def read(self, image: Image.Image, langs: str = "eng") -> OcrResult:
        """Read a screenshot in the given languages (``"eng"``, ``"eng+ben"`` ...)."""
        return self._read(prepare(image), langs, buttons=self.buttons)

    def _read(self, prep: _Prepared, langs: str, buttons: bool, upscaled: bool = True
              ) -> OcrResult:
        started = time.perf_counter()
        api = self._api(langs)
        texts: list[str] = []
        words: list[OcrWord] = []
        scale = prep.scale if upscaled else 1.0
        text, page_words = api.read(prep.big if upscaled else prep.gray, PSM_AUTO)
        texts.append(text.strip())
        words += [_rescale(w, scale, (0, 0)) for w in page_words]
        if buttons:
            for n, button in enumerate(find_buttons(prep.gray), 1):
                if _already_read(button, words):
                    continue
                _, crop_words = api.read(button.image, PSM_SINGLE_LINE)
                kept = [w for w in crop_words if w.confidence >= 40]
                if kept:
                    texts.append(" ".join(w.text for w in kept))
                    origin = (button.left, button.top)
                    words += [replace(_rescale(w, button.factor, origin, pad=10), line=-n)
                              for w in kept]
        return OcrResult("\n".join(t for t in texts if t) + "\n", tuple(words), langs,
                         time.perf_counter() - started, prep.inverted, self.backend)

    def read_auto(self, image: Image.Image) -> OcrResult:
        """``_read_auto``, remembered for the last ``MEMO_SIZE`` images (by pixel digest).

        Several checks of one proof (forensics, duplicates, tampering) need the
        text of the same screenshot; the digest (about 8 ms for a phone
        screenshot) is cheap next to a read (0.1-1.5 s), so none reads it twice.
        """
        key = hashlib.blake2b(image.tobytes(), digest_size=20,
                              person=f"{image.mode}{image.size}".encode()[:16]).digest()
        with self._memo_lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
                return found
        result = self._read_auto(image)
        with self._memo_lock:
            self._memo[key] = result
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return result

    def _read_auto(self, image: Image.Image) -> OcrResult:
        """Read with the languages the screenshot needs: eng, eng+ben, eng+hin or all three.

        English first.  Its ``eng`` model turns Bengali or Hindi into
        low-confidence Latin garbage, so the lines it read poorly (or the whole
        screenshot, when it read almost nothing) get a cheap look with
        ``eng+ben+hin``; five or more confident Indic letters pick the languages
        of the final read (English screenshots give at most two, from icons).
        A Bengali UI full of Latin names is still caught by its poorly read lines.
        """
        started = time.perf_counter()
        prep = prepare(image)
        first = self._read(prep, "eng", buttons=self.buttons)
        counts = script_counts(first.text)
        if not (counts.bengali or counts.devanagari):
            indic = [lang for lang in ("ben", "hin") if lang in self.languages()]
            probe = _probe_image(prep, first) if indic else None
            if probe is None:
                return first
            _, words = self._api("+".join(["eng", *indic])).read(probe, PSM_AUTO)
            # Pictures read as scattered unsure Indic letters; real text reads confidently.
            counts = script_counts(" ".join(w.text for w in words if w.confidence >= 60))
            if counts.bengali + counts.devanagari < max(5, 0.4 * counts.latin):
                return replace(first, seconds=time.perf_counter() - started)
        langs = choose_langs(counts)
        if langs == "eng":
            return replace(first, seconds=time.perf_counter() - started)
        final = self._read(prep, langs, buttons=self.buttons)
        return replace(final, seconds=time.perf_counter() - started)

    def close(self) -> None:
        with self._lock:
            apis, self._apis = list(self._apis.values()), {}
        for api in apis:
            api.close()

    def __enter__(self) -> OcrEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def choose_langs(counts: ScriptCounts) -> str:
    """A few stray Indic letters are noise; both scripts in quantity need both models."""
    ben, hin = counts.bengali, counts.devanagari
    if ben + hin < 3:
        return "eng"
    if min(ben, hin) >= 10 and min(ben, hin) >= 0.25 * max(ben, hin):
        return "eng+ben+hin"
    return "eng+ben" if ben >= hin else "eng+hin"


def _probe_image(prep: _Prepared, first: OcrResult) -> Image.Image | None:
    """What to show the Indic models: the poorly read lines, stacked, or everything.

    None when English read the screenshot well.  Lines are cut from the gray
    image and stacked with white gaps (at most 12), so the probe costs a
    fraction of a page read.
    """
    confident = [w for w in first.words
                 if w.confidence >= 75 and script_counts(w.text).latin >= 2]
    if len(confident) < 6:
        return prep.gray
    lines: dict[int, list[OcrWord]] = {}
    for word in first.words:
        lines.setdefault(word.line, []).append(word)
    boxes = []
    for words in lines.values():
        if sum(len(w.text) for w in words) >= 2 and statistics.mean(
                w.confidence for w in words) < 60:
            x0, y0 = min(w.box[0] for w in words), min(w.box[1] for w in words)
            x1 = max(w.box[0] + w.box[2] for w in words)
            y1 = max(w.box[1] + w.box[3] for w in words)
            pad = (y1 - y0) // 3 + 2
            boxes.append((max(0, x0 - pad), max(0, y0 - pad), x1 + pad, y1 + pad))
    if not boxes:
        return None
    crops = []
    for box in boxes[:12]:  # small lines at 2x, as the page pass saw them
        crop = prep.gray.crop(box)
        crops.append(crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.LANCZOS)
                     if crop.height < 40 else crop)
    sheet = Image.new("L", (max(c.width for c in crops) + 40,
                            sum(c.height + 30 for c in crops) + 30), 255)
    y = 30
    for crop in crops:
        sheet.paste(crop, (20, y))
        y += crop.height + 30
    return sheet


def _already_read(button: _Button, words: list[OcrWord]) -> bool:
    """The page pass read confident text inside this shape: no second look needed."""
    right = button.left + (button.image.width - 20) / button.factor
    bottom = button.top + (button.image.height - 20) / button.factor
    return any(word.confidence >= 80 and len(word.text) >= 3
               and button.left <= word.box[0] + word.box[2] / 2 <= right
               and button.top <= word.box[1] + word.box[3] / 2 <= bottom for word in words)


def _rescale(word: OcrWord, factor: float, origin: tuple[int, int], pad: int = 0) -> OcrWord:
    """Map a box from a scaled (and padded) image back to the input image."""
    left, top, width, height = word.box
    box = (origin[0] + round((left - pad) / factor), origin[1] + round((top - pad) / factor),
           round(width / factor), round(height / factor))
    return replace(word, box=box)
