"""The OCR engine on real screenshots and on rendered Bengali, Hindi and dark-mode screens.

Real Tesseract, no mocks: the reading quality is what these tests are about.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tests.realdata import screenshot
from verifier.forensics.ocr import OcrEngine, OcrUnavailable, choose_langs, find_tessdata
from verifier.forensics.textmatch import ScriptCounts, find_handle, find_phrase

FONTS = Path("/usr/share/fonts/truetype")
LATIN = FONTS / "dejavu" / "DejaVuSans.ttf"
BENGALI = FONTS / "noto" / "NotoSansBengali-Regular.ttf"
DEVANAGARI = FONTS / "noto" / "NotoSansDevanagari-Regular.ttf"


def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    assert path.is_file(), f"font {path} is not installed (fonts-noto-core / fonts-dejavu)"
    return ImageFont.truetype(str(path), size)


def render(lines: list[tuple[str, Path]], size: tuple[int, int] = (1080, 900),
           fg: str = "black", bg: str = "white") -> Image.Image:
    """A plain app-like screen: one line of text per entry, in its own font."""
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    for n, (text, path) in enumerate(lines):
        draw.text((40, 40 + 70 * n), text, font=font(path, 34), fill=fg)
    return image


def load(name: str) -> Image.Image:
    return Image.open(screenshot(name)).convert("RGB")


def test_thread_limit_is_set_before_tesseract_loads() -> None:
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_nitter_profile_reads_handle_and_counts(ocr_engine: OcrEngine) -> None:
    result = ocr_engine.read_auto(load("nitter_twitter_profile_framasoft.png"))
    assert result.langs == "eng"
    assert find_handle(result.text, "framasoft") is not None
    for count in ("24,425", "573", "36,327", "14,684"):  # Tweets, Following, Followers, Likes
        assert count in result.text, count
    assert result.seconds > 0 and result.engine == "tesserocr"


def test_barinsta_dark_profile_reads_username_and_unfollow(ocr_engine: OcrEngine) -> None:
    result = ocr_engine.read_auto(load("barinsta_instagram_1.png"))
    assert result.inverted, "Barinsta's dark theme must be read inverted"
    assert find_handle(result.text, "elli.n.q") is not None
    assert find_phrase(result.text, "Unfollow") is not None


def test_tusky_profile_reads_unfollow(ocr_engine: OcrEngine) -> None:
    result = ocr_engine.read_auto(load("tusky_mastodon_03_profile.png"))
    assert find_phrase(result.text, "Unfollow") is not None
    assert find_handle(result.text, "Tusky") is not None


def test_infinity_reads_white_on_pink_unsubscribe_button(ocr_engine: OcrEngine) -> None:
    image = load("infinity_reddit_1.png")
    result = ocr_engine.read_auto(image)
    assert find_phrase(result.text, "Unsubscribe") is not None
    # The word's box is mapped back onto the pill in the original screenshot.
    word = next(w for w in result.words if w.text == "Unsubscribe")
    left, top, width, height = word.box
    assert 215 <= left <= 250 and 530 <= top <= 560 and 60 <= width <= 120 and height < 40
    # Tesseract's page layout alone loses it: the button pass is what finds it.
    plain = OcrEngine(buttons=False, lines=False)
    try:
        assert find_phrase(plain.read(image).text, "Unsubscribe") is None
    finally:
        plain.close()


def test_youtube_subscribe_button_is_read(ocr_engine: OcrEngine) -> None:
    result = ocr_engine.read_auto(load("mobileagent_YouTube_3_7.jpg"))
    assert find_phrase(result.text, "Subscribe") is not None
    assert "Warriors 134, Hawks 112" in result.text


@pytest.mark.parametrize("name", [
    "barinsta_instagram_5.png", "infinity_reddit_7.png", "mobileagent_TikTok_2_11.jpg",
    "tusky_mastodon_04_favourites.png",
])
def test_english_screenshots_stay_english(ocr_engine: OcrEngine, name: str) -> None:
    """Pictures and icons read as Latin garbage must not switch to the Indic models."""
    assert ocr_engine.read_auto(load(name)).langs == "eng"


def test_dark_mode_screen_is_inverted_and_read(ocr_engine: OcrEngine) -> None:
    light = render([("Logged in as @rafi_bd", LATIN), ("Following", LATIN),
                    ("Acme Bangladesh @acme_bd", LATIN)])
    dark = ImageOps.invert(light)
    result = ocr_engine.read(dark)
    assert result.inverted
    assert find_handle(result.text, "rafi_bd") is not None
    assert find_handle(result.text, "acme_bd") is not None
    assert find_phrase(result.text, "Following") is not None


def test_bengali_screen_picks_eng_ben(ocr_engine: OcrEngine) -> None:
    image = render([("অনুসরণ করছেন", BENGALI), ("রাফি আহমেদ", BENGALI),
                    ("পোস্টগুলি অনুগামিবৃন্দ", BENGALI), ("@rafi_bd", LATIN)])
    result = ocr_engine.read_auto(image)
    assert result.langs == "eng+ben"
    assert find_phrase(result.text, "অনুসরণ করছেন") is not None
    assert find_handle(result.text, "rafi_bd") is not None


def test_hindi_screen_picks_eng_hin(ocr_engine: OcrEngine) -> None:
    image = render([("फ़ॉलो कर रहे हैं", DEVANAGARI), ("राहुल शर्मा", DEVANAGARI),
                    ("अनफ़ॉलो", DEVANAGARI), ("@rahul_in", LATIN)])
    result = ocr_engine.read_auto(image)
    assert result.langs == "eng+hin"
    assert find_phrase(result.text, "फ़ॉलो कर रहे हैं") is not None
    assert find_phrase(result.text, "अनफ़ॉलो") is not None


def test_bengali_button_on_an_english_heavy_screen_is_found(ocr_engine: OcrEngine) -> None:
    """Latin names everywhere, the state word in Bengali: the unsure lines are probed."""
    lines = [(f"Rahim Uddin @rahim_{n} commented on post {n}", LATIN) for n in range(12)]
    image = render([*lines, ("অনুসরণ করছেন", BENGALI)], size=(1080, 1000))
    result = ocr_engine.read_auto(image)
    assert result.langs == "eng+ben"
    assert find_phrase(result.text, "অনুসরণ করছেন") is not None
    assert find_handle(result.text, "rahim_11") is not None


def test_choose_langs() -> None:
    assert choose_langs(ScriptCounts(100, 1, 1)) == "eng"
    assert choose_langs(ScriptCounts(0, 40, 2)) == "eng+ben"
    assert choose_langs(ScriptCounts(0, 2, 40)) == "eng+hin"
    assert choose_langs(ScriptCounts(0, 30, 25)) == "eng+ben+hin"


def test_engines_are_warm_and_shared_between_threads(ocr_engine: OcrEngine) -> None:
    english = render([("Following @acme_bd", LATIN)], size=(900, 200))
    bengali = render([("অনুসরণ করছেন", BENGALI)], size=(900, 200))
    serial = [ocr_engine.read(english).text, ocr_engine.read(bengali, "eng+ben").text]
    jobs = [(english, "eng"), (bengali, "eng+ben")] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda job: ocr_engine.read(job[0], job[1]).text, jobs))
    assert texts == serial * 4
    assert {"eng", "eng+ben"} <= set(ocr_engine._apis)  # one warm engine per language set


def test_pytesseract_fallback_reads_the_same(ocr_engine: OcrEngine) -> None:
    image = load("nitter_twitter_profile_framasoft.png")
    fallback = OcrEngine(backend="pytesseract")
    try:
        result = fallback.read(image)
    finally:
        fallback.close()
    assert result.engine == "pytesseract"
    assert find_handle(result.text, "framasoft") is not None
    assert "36,327" in result.text
    assert all(w.box[2] > 0 for w in result.words)


def test_tessdata_prefix_and_missing_language(monkeypatch: pytest.MonkeyPatch) -> None:
    found = find_tessdata()
    assert (found / "eng.traineddata").is_file()
    monkeypatch.setenv("TESSDATA_PREFIX", str(found.parent))  # the old "parent" convention
    assert find_tessdata() == found
    engine = OcrEngine(tessdata=found)
    with pytest.raises(OcrUnavailable, match="xyz"):
        engine.read(Image.new("RGB", (50, 50), "white"), "eng+xyz")
    engine.close()
