"""Tesseract OCR of worker screenshots, kept warm and tuned for phone and desktop UIs.

Why it looks the way it does (figures in MEASUREMENTS.md and docs/ocr.md):

* ``OMP_THREAD_LIMIT=1`` is set before Tesseract is loaded: Debian's build
  otherwise starts four OpenMP threads on two cores and runs seven times slower.
* One ``tesserocr`` engine per language set stays loaded, so no read pays a
  process start, a PNG round trip or a model load (docs/ocr.md has the
  figures).  ``pytesseract`` is the fallback when the wheel is missing.
* Gray + 2x upscale reads usernames far better (98.9 % against 88.3 % exact);
  dark-mode screenshots are inverted so the text is dark on light, phone JPEGs
  smoothed (``verifier.forensics.ocr_prepare``).
* Buttons with light text on a coloured pill ("Unsubscribe", "Follow") are lost
  by Tesseract's page layout, which takes a filled shape for a picture, and so
  is dark text inside a faint outline (GitHub's "Unfollow"); they are found as
  solid blobs with holes or as rings, flattened and read one label each
  (``verifier.forensics.ocr_buttons``).
* Handle-shaped words the page pass read unsure ("@sumi_ba" at 32 %) are
  read again alone, enlarged; the surer reading wins ("@sumi_bd" at 93 %).
  ``verifier.forensics.ocr_regions`` cuts out both kinds of region.
* Lines of ink no word covers (a name beside a solid avatar, a lone first row
  under a list's tabs) are read again alone, one line each, pictures painted
  over (``verifier.forensics.ocr_lines``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import hashlib
import statistics
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageOps, ImageStat

from verifier.forensics.ocr_api import (
    PSM_AUTO,
    PSM_SINGLE_LINE,
    Backend,
    OcrWord,
    TesseractApi,
    tesserocr,
)
from verifier.forensics.ocr_buttons import already_read, button_words, read_button
from verifier.forensics.ocr_columns import Gutter
from verifier.forensics.ocr_lines import from_crop, read_unread_lines, second_look_lines
from verifier.forensics.ocr_prepare import Prepared, prepare
from verifier.forensics.ocr_regions import (
    REREAD_BELOW,
    handle_crops,
)
from verifier.forensics.textmatch import ScriptCounts, script_counts

MIN_GLYPH = 5  # pixels: a word boxed shorter than this is a speck, not text
REREAD_GAIN = 15  # a re-read handle must be this much surer than the page pass
MEMO_SIZE = 8  # read_auto results kept, so the checks of one proof share one read
BUTTON_SURE = 80  # a button crop's word at least this sure is not looked at again
_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                  "/usr/share/tessdata", "/usr/local/share/tessdata",
                  "/opt/homebrew/share/tessdata")


class OcrUnavailable(RuntimeError):
    """Tesseract or a requested language is not installed."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    words: tuple[OcrWord, ...]
    langs: str
    seconds: float
    inverted: bool = False  # read as dark mode
    engine: str = ""
    gutters: tuple[Gutter, ...] = ()  # page columns' gutters, in the screenshot's pixels

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


class OcrEngine:
    """Warm Tesseract engines, one per language set, created on first use.

    Safe to share between threads: a lock guards the engine table and each
    engine has its own lock, so two language sets can be read at once.
    ``close()`` frees the engines; a later read loads them again.
    """

    def __init__(self, backend: Backend | None = None, tessdata: str | Path | None = None,
                 buttons: bool = True, lines: bool = True) -> None:
        if backend is None:
            backend = "tesserocr" if tesserocr is not None else "pytesseract"
        if backend == "tesserocr" and tesserocr is None:
            raise OcrUnavailable("tesserocr is not installed")
        self.backend: Backend = backend
        self.buttons = buttons
        self.lines = lines  # read the lines of ink the page pass left unread (``_with_lines``)
        self._tessdata = Path(tessdata) if tessdata else None
        self._lock = threading.Lock()
        self._apis: dict[str, TesseractApi] = {}
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

    def _api(self, langs: str) -> TesseractApi:
        with self._lock:
            api = self._apis.get(langs)
            if api is None:
                missing = [lang for lang in langs.split("+") if lang not in self.languages()]
                if missing or not langs:
                    raise OcrUnavailable(f"OCR language(s) {missing or langs!r} not installed "
                                         f"in {self.tessdata}")
                api = self._apis[langs] = TesseractApi(self.backend, self.tessdata, langs)
            return api

    def read(self, image: Image.Image, langs: str = "eng") -> OcrResult:
        """Read a screenshot in the given languages (``"eng"``, ``"eng+ben"`` ...)."""
        return self._read(prepare(image), langs, buttons=self.buttons)

    def _read(self, prep: Prepared, langs: str, buttons: bool, upscaled: bool = True,
              lines: bool = True) -> OcrResult:
        started = time.perf_counter()
        api = self._api(langs)
        texts: list[str] = []
        words: list[OcrWord] = []
        scale = prep.scale if upscaled else 1.0
        text, page_words = api.read(prep.big if upscaled else prep.gray, PSM_AUTO)
        page_words = [_rescale(w, scale, (0, 0)) for w in page_words]
        text, page_words = _drop_specks(text, page_words)
        # a small handle the median blurred is read again as the JPEG has it too
        for gray in (prep.gray, prep.unsmoothed):
            if gray is not None:
                text, page_words = _reread_handles(api, gray, text, page_words)
        texts.append(text.strip())
        words += page_words
        if buttons:
            for n, button in enumerate(prep.buttons, 1):
                if already_read(button, words, prep.buttons, indic=langs != "eng"):
                    continue
                kept = button_words(read_button(api, button, retry=langs != "eng"))
                if kept:
                    texts.append(" ".join(w.text for w in kept))
                    words += [replace(from_crop(w, button), line=-n) for w in kept]
        result = OcrResult("\n".join(t for t in texts if t) + "\n", tuple(words), langs,
                           time.perf_counter() - started, prep.inverted, self.backend,
                           prep.gutters)
        return self._with_lines(prep, result) if lines and self.lines else result

    def _with_lines(self, prep: Prepared, result: OcrResult) -> OcrResult:
        """``result`` with the lines of ink none of its words covers read alone, one line
        each, in its languages (``verifier.forensics.ocr_lines``); unchanged, at the
        cost of one ink projection, when every line is covered."""
        started = time.perf_counter()
        api = self._api(result.langs)
        # lines are read as the JPEG has them: the median that steadies the page pass
        # thins the strokes of a lone line (a Devanagari name beside its avatar)
        texts, words = read_unread_lines(lambda crop: api.read(crop, PSM_SINGLE_LINE)[1],
                                         prep.unsmoothed or prep.gray,
                                         [w.box for w in result.words])
        if not words:
            return replace(result, seconds=result.seconds + time.perf_counter() - started)
        return replace(result, text=result.text + "\n".join(texts) + "\n",
                       words=result.words + tuple(words),
                       seconds=result.seconds + time.perf_counter() - started)

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
        first = self._read(prep, "eng", buttons=self.buttons, lines=False)
        langs = self._langs_for(prep, first)
        if langs != "eng":
            final = self._read(prep, langs, buttons=self.buttons)
        else:
            final = self._with_lines(prep, first) if self.lines else first
        return replace(final, seconds=time.perf_counter() - started)

    def _langs_for(self, prep: Prepared, first: OcrResult) -> str:
        """The languages of the final read, from the English read (see ``_read_auto``).

        The English read leaves out the lines read alone: English reads Bengali
        lines as confident Latin garbage now and then, and the lines are read
        once, in the final languages.
        """
        counts = script_counts(first.text)
        if not (counts.bengali or counts.devanagari):
            indic = [lang for lang in ("ben", "hin") if lang in self.languages()]
            probe = _probe_image(prep, first) if indic else None
            if probe is None:
                return "eng"
            _, words = self._api("+".join(["eng", *indic])).read(probe, PSM_AUTO)
            if not words and probe is not prep.gray:
                # Tesseract's layout pass can find no text at all in the stacked sheet
                # (crops of buttons and card edges): the whole screenshot then.
                _, words = self._api("+".join(["eng", *indic])).read(prep.gray, PSM_AUTO)
            # Pictures read as scattered unsure Indic letters; real text reads confidently.
            counts = script_counts(" ".join(w.text for w in words if w.confidence >= 60))
            if counts.bengali + counts.devanagari < max(5, 0.4 * counts.latin):
                return "eng"
        return choose_langs(counts)

    def second_look(self, image: Image.Image, result: OcrResult) -> OcrResult:
        """``result`` with the text lines its page pass left unread, read one by one.

        For a caller that misses something the screenshot should show (the
        worker's handle): the page layout can drop a whole block (an account
        card beside an avatar), and reading every screenshot twice would cost
        what only a doubtful one needs.  The pixels decide what is added; a
        line reads as whatever it shows, the same for every proof.
        """
        started = time.perf_counter()
        prep = prepare(image)
        api = self._api(result.langs)
        first = min(min((w.line for w in result.words), default=0), 0)
        # Unsure words are looked at again, and "@" words with their line: a handle cut
        # short ("@am" for "@amit_bd") reads whole with the ink after it.  A crop taken
        # for a button is surely read only well over the page's bar: an account card
        # read as a button ("(609" for "@amit_bd") hides the handle in it.
        read = [w.box for w in result.words
                if w.confidence >= (BUTTON_SURE if w.line < 0 else REREAD_BELOW)
                and not w.text.lstrip("([").startswith(("@", "\u00a9"))]
        texts, words = second_look_lines(lambda crop: api.read(crop, PSM_SINGLE_LINE)[1],
                                         prep.gray, read, first)
        return replace(result, text="\n".join(t for t in [result.text.rstrip("\n"), *texts]
                                              if t) + "\n",
                       words=result.words + tuple(words),
                       seconds=result.seconds + time.perf_counter() - started)

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


def _probe_image(prep: Prepared, first: OcrResult) -> Image.Image | None:
    """What to show the Indic models: the poorly read lines, stacked, or everything.

    None when English read the screenshot well.  Lines are cut from the gray
    image and stacked with white gaps (at most 12), so the probe costs a
    fraction of a page read.  A button English read a fragment of goes in
    whole (its box in the gray image, light text turned dark): "Saar" out of a
    Bengali "অনুসরণ বাতিল করুন" shows the Indic models too little.  Not the
    button pass's flattened crop: a Bengali word, joined by its headstroke, can
    pass for a small button, and flattening erases its letters.
    """
    confident = [w for w in first.words
                 if w.confidence >= 75 and script_counts(w.text).latin >= 2]
    if len(confident) < 6:
        return prep.gray
    lines: dict[int, list[OcrWord]] = {}
    for word in first.words:
        lines.setdefault(word.line, []).append(word)
    boxes = []
    for line, words in lines.items():
        if sum(len(w.text) for w in words) >= 2 and statistics.mean(
                w.confidence for w in words) < 60:
            x0, y0 = min(w.box[0] for w in words), min(w.box[1] for w in words)
            x1 = max(w.box[0] + w.box[2] for w in words)
            y1 = max(w.box[1] + w.box[3] for w in words)
            button = prep.buttons[-line - 1] if line < 0 else None
            if button and button.width > 1.5 * (x1 - x0):  # English read a fragment of it
                x0, y0 = button.left, button.top
                x1, y1 = x0 + button.width, y0 + button.height
            pad = (y1 - y0) // 3 + 2
            boxes.append((max(0, x0 - pad), max(0, y0 - pad), x1 + pad, y1 + pad))
    if not boxes:
        return None
    crops = []
    for box in boxes[:12]:  # small lines at 2x, as the page pass saw them
        crop = prep.gray.crop(box)
        if ImageStat.Stat(crop).median[0] < 128:  # a dark button
            crop = ImageOps.invert(crop)
        crops.append(crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.LANCZOS)
                     if crop.height < 40 else crop)
    sheet = Image.new("L", (max(c.width for c in crops) + 40,
                            sum(c.height + 30 for c in crops) + 30), 255)
    y = 30
    for crop in crops:
        sheet.paste(crop, (20, y))
        y += crop.height + 30
    return sheet


def _reread_handles(api: TesseractApi, gray: Image.Image, text: str, words: list[OcrWord]
                    ) -> tuple[str, list[OcrWord]]:
    """The page text and words, with unsure handle-shaped words read again alone.

    A re-read replaces the word only when it is one word, no shorter, that
    Tesseract is surer of (by ``REREAD_GAIN`` points, and at least
    ``REREAD_BELOW``): the pixels decide, never a likeness to the handle the
    proof names.  A shorter reading saw less than the page pass did: the crop
    clipped it ("@rafi_" over an underlined link re-reads as "@rafi").  The text is
    patched in place (words come in the order of the text), so lines stay lines.
    """
    crops = handle_crops(gray, [(w.text, w.confidence, w.box) for w in words])
    if not crops:
        return text, words
    better: dict[int, OcrWord] = {}
    for n, region in crops:
        _, found = api.read(region.image, PSM_SINGLE_LINE)
        if (len(found) == 1 and len(found[0].text) >= len(words[n].text)
                and found[0].confidence >= max(REREAD_BELOW, words[n].confidence + REREAD_GAIN)):
            better[n] = replace(from_crop(found[0], region), line=words[n].line)
    if not better:
        return text, words
    out, cursor = [], 0
    for n, word in enumerate(words):
        at = text.find(word.text, cursor)
        if at < 0:
            continue
        out.append(text[cursor:at] + (better[n].text if n in better else word.text))
        cursor = at + len(word.text)
    out.append(text[cursor:])
    return "".join(out), [better.get(n, w) for n, w in enumerate(words)]


def _drop_specks(text: str, words: list[OcrWord]) -> tuple[str, list[OcrWord]]:
    """The page text without letters or digits read from a speck under ``MIN_GLYPH``
    pixels tall: no legible glyph is that small, and a "4" read off an avatar's rim
    beside X's "Following" made the button a counter ("4 ( Following )")."""
    out, kept, cursor = [], [], 0
    for word in words:
        at = text.find(word.text, cursor)
        if at < 0:
            kept.append(word)
            continue
        speck = word.box[3] < MIN_GLYPH and any(ch.isalnum() for ch in word.text)
        out.append(text[cursor:at] + ("" if speck else word.text))
        cursor = at + len(word.text)
        if not speck:
            kept.append(word)
    out.append(text[cursor:])
    return "".join(out), kept


def _rescale(word: OcrWord, factor: float, origin: tuple[int, int], pad: int = 0) -> OcrWord:
    """Map a box from a scaled (and padded) image back to the input image."""
    left, top, width, height = word.box
    box = (origin[0] + round((left - pad) / factor), origin[1] + round((top - pad) / factor),
           round(width / factor), round(height / factor))
    return replace(word, box=box)
