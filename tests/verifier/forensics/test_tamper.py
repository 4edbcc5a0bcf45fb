"""Tampering hints (``proof.tamper``) on real screenshots and real files.

Editor metadata is written by Pillow the way the editors write it (PNG text
chunk, EXIF Software); enlargement is done with Pillow's resamplers on the
real screenshots of ``shared/realdata``; the contradiction with the live
page is read by the real Tesseract.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from tests.realdata import realdata_dir, screenshot
from verifier.forensics.images import ImageProblem, LoadedImage, decode_image
from verifier.forensics.ocr import OcrEngine
from verifier.forensics.tamper import enlargement, tamper_check
from verifier.models import Check, Proof, parse_proof
from verifier.settings import Settings

pytestmark = pytest.mark.integration

REAL = sorted(p.name for p in (realdata_dir() / "screenshots").iterdir()
              if p.suffix in (".png", ".jpg"))
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def real(name: str) -> Image.Image:
    return Image.open(screenshot(name)).convert("RGB")


def load(raw: bytes) -> LoadedImage:
    loaded = decode_image(raw, Settings())
    assert isinstance(loaded, LoadedImage)
    return loaded


def png(image: Image.Image, **text: str) -> LoadedImage:
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    image.save(buf, "PNG", pnginfo=info)
    return load(buf.getvalue())


def jpeg(image: Image.Image, software: str | None = None, quality: int = 85) -> LoadedImage:
    exif = Image.Exif()
    if software:
        exif[0x0131] = software  # Software
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, exif=exif.tobytes())
    return load(buf.getvalue())


def proof(action: str = "follow", shots: int = 1) -> Proof:
    return parse_proof({"id": "p-1", "campaign": "c-1",
                        "task": {"action": action, "platform": "x",
                                 "target": "https://x.com/acme_bd"},
                        "worker": {"id": "w-1", "handle": "karim_bd"},
                        **({"evidence": {"screenshots": [{"data": "AAAA"}] * shots}}
                           if shots else {})})


def profile(state: str) -> Image.Image:
    """A phone screenshot of @acme_bd's profile, as the worker's browser drew it."""
    image = Image.new("RGB", (1080, 1400), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 38)
    draw.text((40, 60), "@karim_bd", font=font, fill="black")
    draw.text((40, 200), "Acme Bangladesh", font=ImageFont.truetype(str(FONT), 52), fill="black")
    draw.text((40, 280), "@acme_bd", font=font, fill=(90, 90, 90))
    draw.rounded_rectangle((40, 360, 420, 440), radius=40, outline="black", width=3)
    draw.text((90, 378), state, font=font, fill="black")
    draw.text((40, 500), "Eid sale starts today! Visit our shop.", font=font, fill="black")
    return image


Save = Callable[[Image.Image], LoadedImage]


@pytest.mark.parametrize(("save", "editor"), [
    (lambda im: png(im, Software="Adobe Photoshop 25.0 (Windows)"),
     "Adobe Photoshop 25.0 (Windows)"),
    (lambda im: png(im, Software="GIMP 2.10.34"), "GIMP 2.10.34"),
    (lambda im: jpeg(im, "Snapseed 2.0"), "Snapseed 2.0"),
    (lambda im: jpeg(im, "PicsArt"), "PicsArt"),
])
def test_an_image_editor_in_the_metadata_fails(save: Save, editor: str) -> None:
    image = save(real("infinity_reddit_1.png"))
    check = tamper_check(proof(), [image], {})
    assert check.outcome == "fail"
    assert check.detail == f"the screenshot was saved by {editor}, an image editor"
    assert check.evidence == [f"sha256:{image.sha256}.{image.ext}"]


def test_a_phones_own_software_tag_is_no_editor() -> None:
    check = tamper_check(proof(), [jpeg(real("mobileagent_YouTube_3_7.jpg"), "Android")], {})
    assert check.outcome == "pass", check.detail
    assert check.detail == ("no sign of editing in the screenshot: no image editor in the "
                            "metadata, not enlarged")


@pytest.mark.parametrize("name", REAL)
def test_real_screenshots_are_not_enlarged(name: str) -> None:
    image = real(name)
    assert enlargement(image) is None
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    assert enlargement(half) is None  # a shrunk copy is still sharp


ENLARGED = ["barinsta_instagram_1.png", "nitter_twitter_profile_framasoft.png",
            "mobileagent_TikTok_3_3.jpg", "tusky_mastodon_05_reply.png"]
RESAMPLERS = [Image.Resampling.BICUBIC, Image.Resampling.BILINEAR, Image.Resampling.LANCZOS]


@pytest.mark.parametrize("name", ENLARGED)
@pytest.mark.parametrize("resample", RESAMPLERS)
@pytest.mark.parametrize("factor", [2.0, 2.5])
def test_enlarged_screenshots_are_found(name: str, resample: Image.Resampling,
                                        factor: float) -> None:
    image = real(name)
    w, h = image.size
    w, h = w // 2 * 2, h // 2 * 2  # so that halving is exact
    small = image.resize((int(w / factor), int(h / factor)), Image.Resampling.LANCZOS)
    assert enlargement(small.resize((w, h), resample)) == "2x or more"


def test_a_sharp_status_bar_over_an_enlarged_photo_is_genuine() -> None:
    """A fullscreen low-resolution picture is enlarged by the phone itself."""
    image = real("mobileagent_TikTok_1_4.jpg")
    w, h = image.size
    photo = image.resize((w // 3, h // 3), Image.Resampling.LANCZOS).resize(
        (w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(photo)
    draw.rectangle((0, 0, w, 50), fill="black")
    draw.text((16, 10), "9:41   LTE  87%", font=ImageFont.truetype(str(FONT), 26), fill="white")
    assert enlargement(photo) is None


def test_enlargement_in_the_check_says_what_and_how() -> None:
    image = real("barinsta_instagram_1.png")
    small = image.resize((540, 960), Image.Resampling.LANCZOS)
    nearest = png(small.resize((1080, 1920), Image.Resampling.NEAREST))
    smooth = jpeg(small.resize((1080, 1920), Image.Resampling.BICUBIC), quality=80)
    check = tamper_check(proof(shots=2), [nearest, smooth], {})
    assert check.outcome == "fail"
    assert check.detail == (
        "screenshot 1 (1080x1920) was enlarged from a smaller picture (2x, every pixel "
        "repeated): a screen capture has the screen's own sharp pixels; screenshot 2 "
        "(1080x1920) was enlarged from a smaller picture (2x or more): a screen capture "
        "has the screen's own sharp pixels")


def test_following_on_the_screenshot_against_a_live_fail(ocr_engine: OcrEngine) -> None:
    image = png(profile("Following"))
    texts = {image.sha256: ocr_engine.read_auto(image.image)}
    live = Check(name="live.follow", outcome="fail", evidence=["sha256:" + "a" * 64 + ".png"],
                 detail="@karim_bd does not follow @acme_bd: the followers list ends "
                        "without @karim_bd")
    state = Check(name="proof.state", outcome="pass",
                  detail="the screenshot shows @karim_bd and 'Following'")
    check = tamper_check(proof(), [image], texts, live, state)
    assert check.outcome == "fail"
    assert check.detail == ("the screenshot shows 'Following' but the live page says "
                            "@karim_bd does not follow @acme_bd: the screenshot is stale or "
                            "edited")
    assert live.evidence[0] in check.evidence


def test_no_contradiction_when_the_screenshot_agrees(ocr_engine: OcrEngine) -> None:
    shows_follow = png(profile("Follow"))
    texts = {shows_follow.sha256: ocr_engine.read_auto(shows_follow.image)}
    live_fail = Check(name="live.follow", outcome="fail", detail="@karim_bd does not follow")
    state_fail = Check(name="proof.state", outcome="fail", detail="shows 'Follow'")
    check = tamper_check(proof(), [shows_follow], texts, live_fail, state_fail)
    assert check.outcome == "pass", check.detail
    assert check.detail.endswith("and it does not show the done state the live page denies")
    following = png(profile("Following"))
    agree = tamper_check(proof(), [following],
                         {following.sha256: ocr_engine.read_auto(following.image)},
                         Check(name="live.follow", outcome="pass"),
                         Check(name="proof.state", outcome="pass"))
    assert agree.outcome == "pass"
    assert agree.detail.endswith("and the live page agrees")


def test_skipped_without_a_usable_screenshot() -> None:
    none = tamper_check(proof(shots=0), [], {})
    assert (none.outcome, none.detail) == ("skipped", "no screenshot was submitted")
    broken = tamper_check(proof(), [ImageProblem(1, "screenshot 1 is empty", "invalid")], {})
    assert (broken.outcome, broken.detail) == ("skipped",
                                               "no submitted screenshot could be decoded")
