"""The forensics time budget is enforced inside Tesseract: a read past its
deadline stops with ``OcrTimeout`` (which the check turns into ``unknown``),
on both bindings, and reads without a deadline are untouched."""

from __future__ import annotations

import time

import pytest
from PIL import Image, ImageDraw

from verifier.forensics.ocr import find_tessdata
from verifier.forensics.ocr_api import OcrTimeout, TesseractApi, deadline


def page() -> Image.Image:
    img = Image.new("L", (1600, 2400), 255)
    draw = ImageDraw.Draw(img)
    for row in range(120):
        draw.text((20, 20 * row), "Following @rafi_bd Acme Bangladesh Eid sale " * 6, fill=0)
    return img


@pytest.mark.parametrize("backend", ["tesserocr", "pytesseract"])
def test_a_read_past_its_deadline_stops(backend) -> None:
    api = TesseractApi(backend, find_tessdata(), "eng")
    try:
        text, words = api.read(page().crop((0, 0, 1600, 60)), 6)
        assert "Following" in text and words
        with deadline(time.monotonic() + 0.02), pytest.raises(OcrTimeout):
            api.read(page(), 3)  # a full page of text needs far more than 20 ms
        with deadline(time.monotonic() - 1), pytest.raises(OcrTimeout, match="spent"):
            api.read(page(), 3)  # never started once the budget is gone
        text, _ = api.read(page().crop((0, 0, 1600, 60)), 6)  # the engine still works
        assert "Following" in text
    finally:
        api.close()
