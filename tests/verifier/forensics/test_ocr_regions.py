"""Second looks at what the page pass reads badly: faint outlined buttons and unsure handles.

The screenshots are the sandbox's GitHub and YouTube pages as the worker's
browser shows them (``fixtures/proofgen.py``, real Chromium), in the looks of
the corpus proofs that were flagged before these passes existed: GitHub's
"Unfollow" (dark text in a 1-pixel #d1d9e0 outline, 40 grey levels off white)
on a light desktop and, in Bengali, on a dark phone; YouTube's dark phone
header whose "@sumi_bd" the page pass read as "@sumi_ba".  Real Tesseract.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageDraw, ImageFont

from fixtures.corpus import CORPUS_WORLD
from fixtures.proofgen import ProofRenderer, Shot
from fixtures.sandbox.server import SandboxServer
from verifier.forensics.ocr import OcrEngine
from verifier.forensics.ocr_prepare import prepare
from verifier.forensics.ocr_regions import find_buttons
from verifier.forensics.states import find_state
from verifier.forensics.textmatch import find_handle, find_phrase

pytestmark = pytest.mark.integration

GITHUB = "https://github.com/octo-bd"
YOUTUBE = "https://www.youtube.com/@AcmeBD"
BENGALI_UNFOLLOW = "অনুসরণ বাতিল করুন"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Image.Image]]:
    """The corpus world's GitHub and YouTube, plus a YouTube viewer @sumi_ba (one letter off)."""
    world = yaml.safe_load(CORPUS_WORLD.read_text(encoding="utf-8"))
    world["platforms"] = {p: world["platforms"][p] for p in ("github", "youtube")}
    world["platforms"]["youtube"]["accounts"].append({"handle": "sumi_ba", "name": "Sumi Ba"})
    path: Path = tmp_path_factory.mktemp("regions") / "world.yaml"
    path.write_text(yaml.safe_dump(world, allow_unicode=True), encoding="utf-8")
    out: dict[str, Image.Image] = {}
    with SandboxServer(path) as sandbox, ProofRenderer(sandbox.url) as renderer:
        def take(name: str, shot: Shot) -> None:
            out[name] = Image.open(io.BytesIO(renderer.render(shot))).convert("RGB")

        take("github-bn-phone-dark", Shot("github", "sumi-bd", GITHUB, phone=True, dark=True,
                                          clock="1:46"))
        take("youtube-sumi_bd", Shot("youtube", "sumi_bd", YOUTUBE, phone=True, dark=True,
                                     clock="20:03"))
        take("youtube-sumi_ba", Shot("youtube", "sumi_ba", YOUTUBE, phone=True, dark=True,
                                     clock="20:03"))
        sandbox.state.apply({"op": "set_locale", "platform": "github", "locale": "en"})
        take("github-en-desktop", Shot("github", "rafi-bd", GITHUB))
    yield out


def test_faint_outlined_unfollow_is_read_on_a_light_desktop(shots: dict[str, Image.Image],
                                                            ocr_engine: OcrEngine) -> None:
    image = shots["github-en-desktop"]
    result = ocr_engine.read_auto(image)
    state = find_state(result.text, "follow")
    assert state.state == "positive" and state.word == "Unfollow", result.text
    word = next(w for w in result.words if w.text == "Unfollow")
    assert word.line < 0, "read by the button pass"
    left, top, width, height = word.box  # mapped back onto the button (150,431 97x32)
    assert 150 <= left <= 180 and 431 <= top <= 450 and width < 97 and height < 32
    # Tesseract's page layout alone (no second looks) drops the text inside the faint outline.
    plain = OcrEngine(buttons=False, lines=False)
    try:
        assert find_phrase(plain.read(image).text, "Unfollow") is None
    finally:
        plain.close()


def test_faint_outline_in_dark_mode_replaces_the_words_found_inside(
        shots: dict[str, Image.Image], ocr_engine: OcrEngine) -> None:
    """The Bengali button on a dark phone: one ring, read whole, picks the Bengali model."""
    image = shots["github-bn-phone-dark"]
    buttons = find_buttons(prepare(image).gray)
    rings = [b for b in buttons if b.width > 250 and 50 <= b.height <= 80]
    assert len(rings) == 1, [(b.left, b.top, b.width, b.height) for b in buttons]
    assert not any(rings[0].encloses(b) for b in buttons if b is not rings[0])
    result = ocr_engine.read_auto(image)
    assert result.inverted and result.langs == "eng+ben"
    state = find_state(result.text, "follow")
    assert state.state == "positive" and state.word == BENGALI_UNFOLLOW, result.text


def test_unsure_handle_in_a_dark_header_is_read_again(shots: dict[str, Image.Image],
                                                      ocr_engine: OcrEngine) -> None:
    result = ocr_engine.read_auto(shots["youtube-sumi_bd"])
    assert find_handle(result.text, "sumi_bd") is not None, result.text
    assert find_handle(result.text, "sumi_ba") is None
    word = next(w for w in result.words if "sumi" in w.text)
    assert word.text == "@sumi_bd" and word.confidence >= 60
    left, top, _, _ = word.box
    assert left > 500 and top < 130, "the header's handle, boxed where it is"


def test_a_handle_one_letter_off_still_reads_as_itself(shots: dict[str, Image.Image],
                                                       ocr_engine: OcrEngine) -> None:
    """The re-read follows the pixels: another account's @sumi_ba never becomes @sumi_bd."""
    result = ocr_engine.read_auto(shots["youtube-sumi_ba"])
    assert find_handle(result.text, "sumi_ba") is not None, result.text
    assert find_handle(result.text, "sumi_bd") is None


def test_solid_buttons_are_still_found_once(ocr_engine: OcrEngine) -> None:
    """A strong outline is found by both passes and kept once; a solid pill by the first."""
    image = Image.new("RGB", (720, 1600), "white")  # a phone: 60-pixel buttons fit
    draw = ImageDraw.Draw(image)
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 28)
    draw.rounded_rectangle((40, 60, 320, 120), radius=30, outline=(20, 20, 20), width=3)
    draw.text((80, 74), "Following", font=bold, fill=(20, 20, 20))
    draw.rounded_rectangle((40, 200, 300, 260), radius=30, fill=(29, 155, 240))
    draw.text((110, 214), "Follow", font=bold, fill="white")
    buttons = find_buttons(prepare(image).gray)
    assert [(b.top // 10, b.left // 10) for b in buttons] == [(6, 4), (20, 4)]
    result = ocr_engine.read(image)
    assert find_phrase(result.text, "Following") and find_phrase(result.text, "Follow")
