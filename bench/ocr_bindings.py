"""pytesseract (a process per call) against tesserocr (one warm engine) on a 1280x800 screenshot.

Why: a worker OCRs every submitted screenshot, so the binding and the
language set decide how many proofs a core verifies per minute.  Run:

    python bench/ocr_bindings.py [--runs 9] [--image PATH]

The default image is the real Nitter profile screenshot from
``shared/realdata`` scaled to 1280 wide and cropped to 1280x800 (a desktop
viewport).  Prints a Markdown table of medians; figures go into docs/ocr.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # as forensics.ocr does, before tesseract loads

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytesseract
import tesserocr
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from verifier.forensics.ocr import OcrEngine, find_tessdata  # noqa: E402
from verifier.forensics.ocr_prepare import prepare  # noqa: E402

DEFAULT_IMAGE = REPO / "../shared/realdata/screenshots/nitter_twitter_profile_framasoft.png"


def screenshot_1280x800(path: Path) -> Image.Image:
    image = Image.open(path).convert("RGB")
    if image.size != (1280, 800):
        scale = 1280 / image.width
        image = image.resize((1280, round(image.height * scale)), Image.Resampling.LANCZOS)
        if image.height < 800:
            canvas = Image.new("RGB", (1280, 800), "white")
            canvas.paste(image, (0, 0))
            image = canvas
        image = image.crop((0, 0, 1280, 800))
    return image


Config = tuple[str, str, str, Callable[[], object]]  # binding, languages, input, call


def measure(configs: list[Config], runs: int) -> list[tuple[float, float]]:
    """(median, fastest) ms per config, each measured in its own block of runs.

    Back to back, as a worker calls it.  In-process configs run before any
    pytesseract one: after pytesseract had run, tesserocr reads of the 2x image
    in the same process stayed up to 50 % slower here, which a worker (which
    never runs pytesseract beside tesserocr) does not see.
    """
    results = []
    for *_, call in configs:
        call()  # warm caches (and, for tesserocr, make sure the engine is loaded)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        results.append((statistics.median(times), min(times)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    args = parser.parse_args()
    if not args.image.is_file():
        sys.exit(f"image not found: {args.image}")

    tessdata = find_tessdata()
    config = f"--psm 3 --tessdata-dir {tessdata}"
    image = screenshot_1280x800(args.image)
    image.info.clear()  # no ICC profile: pytesseract re-encodes the image for the CLI
    prep = prepare(image)
    inputs = {"gray 1x": prep.gray, "gray 2x": prep.big}
    configs: list[Config] = []
    apis: dict[str, tesserocr.PyTessBaseAPI] = {}
    load_ms: dict[str, float] = {}
    load_before = os.getloadavg()[0]

    for langs in ("eng", "eng+ben+hin"):
        started = time.perf_counter()
        apis[langs] = tesserocr.PyTessBaseAPI(path=str(tessdata) + os.sep, lang=langs)
        load_ms[langs] = (time.perf_counter() - started) * 1000
        for label, img in inputs.items():

            def run_pytesseract(img: Image.Image = img, langs: str = langs) -> str:
                return str(pytesseract.image_to_string(img, lang=langs, config=config))

            def run_tesserocr(img: Image.Image = img, langs: str = langs) -> str:
                api = apis[langs]
                api.SetImage(img)
                return str(api.GetUTF8Text())

            configs.append(("pytesseract", langs, label, run_pytesseract))
            configs.append(("tesserocr (warm)", langs, label, run_tesserocr))

    engine, plain = OcrEngine(), OcrEngine(buttons=False)
    configs.append(("OcrEngine.read without the button pass", "eng", "screenshot",
                    lambda: plain.read(image)))
    configs.append(("OcrEngine.read (gray 2x + buttons)", "eng", "screenshot",
                    lambda: engine.read(image)))
    configs.append(("OcrEngine.read_auto", "auto", "screenshot",
                    lambda: engine.read_auto(image)))
    order = sorted(range(len(configs)), key=lambda n: configs[n][0] == "pytesseract")
    measured = measure([configs[n] for n in order], args.runs)
    results = [measured[order.index(n)] for n in range(len(configs))]
    engine.close()
    plain.close()
    for api in apis.values():
        api.End()

    print(f"# OCR bindings, 1280x800 screenshot ({args.image.name}), median of {args.runs} "
          "runs")
    print(f"# {platform.platform()}, {os.cpu_count()} cores, OMP_THREAD_LIMIT="
          f"{os.environ['OMP_THREAD_LIMIT']}, load average {load_before:.1f} -> "
          f"{os.getloadavg()[0]:.1f}")
    print(f"# pytesseract runs the tesseract CLI ({pytesseract.get_tesseract_version()}); "
          f"tesserocr bundles {tesserocr.tesseract_version().split()[1]}")
    print()
    print("| binding | languages | input | median ms | fastest ms |")
    print("|---|---|---|---:|---:|")
    for (binding, langs, label, _), (median, fastest) in zip(configs, results, strict=True):
        print(f"| {binding} | {langs} | {label} | {median:.0f} | {fastest:.0f} |")
    print()
    print("| engine load (tesserocr, once per worker) | ms |")
    print("|---|---:|")
    for langs, ms in load_ms.items():
        print(f"| {langs} | {ms:.0f} |")


if __name__ == "__main__":
    main()
