"""Proof forensics on rendered and real screenshots, with the real OCR engine."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.realdata import screenshot
from verifier.evidence import EvidenceStore
from verifier.forensics import textmatch
from verifier.forensics.images import ImageProblem, LoadedImage, decode_image
from verifier.forensics.ocr import OcrEngine
from verifier.forensics.screenshots import screenshot_checks
from verifier.forensics.states import NEGATIVE_WORDS, STATE_WORDS, find_state
from verifier.models import Check, Proof, Worker, parse_proof
from verifier.settings import Settings

FONTS = Path("/usr/share/fonts/truetype")
SANS = FONTS / "dejavu" / "DejaVuSans.ttf"
BOLD = FONTS / "dejavu" / "DejaVuSans-Bold.ttf"
BENGALI = FONTS / "noto" / "NotoSansBengali-Regular.ttf"


def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    assert path.is_file(), f"font {path} is not installed"
    return ImageFont.truetype(str(path), size)


def profile(viewer: str, state: str, dark: bool = False, state_font: Path = BOLD) -> Image.Image:
    """A phone screenshot of @acme_bd's profile as seen by @viewer, with a state button.

    "Following" is an outlined button (dark text on the page colour), "Follow" a
    filled blue pill with white text, as X and Instagram draw them.
    """
    bg, fg = ((0, 0, 0), (235, 235, 235)) if dark else ((255, 255, 255), (20, 20, 20))
    image = Image.new("RGB", (1080, 1500), bg)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "9:41", font=font(SANS, 30), fill=fg)
    draw.text((40, 120), f"Logged in as @{viewer}", font=font(SANS, 32), fill=fg)
    draw.ellipse((40, 220, 240, 420), fill=(120, 160, 200))
    draw.text((280, 250), "Acme Bangladesh", font=font(BOLD, 48), fill=fg)
    draw.text((280, 320), "@acme_bd", font=font(SANS, 36), fill=(110, 110, 110))
    if state == "Follow":
        draw.rounded_rectangle((280, 400, 620, 470), radius=35, fill=(29, 155, 240))
        draw.text((370, 412), state, font=font(state_font, 36), fill=(255, 255, 255))
    else:
        draw.rounded_rectangle((280, 400, 700, 470), radius=35, outline=fg, width=3, fill=bg)
        draw.text((320, 412), state, font=font(state_font, 36), fill=fg)
    draw.text((40, 520), "1,204 Following    36.3K Followers", font=font(SANS, 32), fill=fg)
    draw.text((40, 600), "Eid sale starts today! Visit our shop.", font=font(SANS, 34), fill=fg)
    return image


def loaded(image: Image.Image, settings: Settings) -> LoadedImage:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    result = decode_image(buf.getvalue(), settings)
    assert isinstance(result, LoadedImage)
    return result


def real(name: str, settings: Settings) -> LoadedImage:
    result = decode_image(screenshot(name).read_bytes(), settings)
    assert isinstance(result, LoadedImage)
    return result


def make_proof(action: str = "follow", handle: str | None = "rafi_bd", shots: int = 1,
               target: str = "https://x.com/acme_bd", platform: str = "x") -> Proof:
    raw: dict[str, Any] = {
        "id": "p-1", "campaign": "c-1",
        "task": {"action": action, "platform": platform, "target": target},
        "worker": {"id": "w-1", **({"handle": handle} if handle else {})},
    }
    if shots:
        raw["evidence"] = {"screenshots": [{"data": "AAAA"}] * shots}
    return parse_proof(raw)


@pytest.fixture
def settings() -> Settings:
    return Settings()


def by_name(checks: list[Check]) -> dict[str, Check]:
    names = [c.name for c in checks]
    assert names == ["proof.screenshot", "proof.handle", "proof.target", "proof.state"]
    return {c.name: c for c in checks}


def run(proof: Proof, images: list[LoadedImage | ImageProblem], ocr: OcrEngine,
        evidence: EvidenceStore, target_name: str | None = "Acme Bangladesh"
        ) -> dict[str, Check]:
    return by_name(screenshot_checks(proof, images, ocr, evidence, "acme_bd", target_name))


def test_state_words_come_from_the_data_file() -> None:
    assert "Following" in STATE_WORDS["follow"]["en"]
    assert "Unfollow" in STATE_WORDS["follow"]["en"]
    assert "অনুসরণ করছেন" in STATE_WORDS["follow"]["bn"]
    assert "অনুসরণ করা বন্ধ করুন" in STATE_WORDS["follow"]["bn"]
    assert "অনুসরণ বাতিল করুন" in STATE_WORDS["follow"]["bn"]  # GitHub's Unfollow, in Bengali
    assert "फ़ॉलो कर रहे हैं" in STATE_WORDS["follow"]["hi"]
    assert "अनफ़ॉलो" in STATE_WORDS["follow"]["hi"]
    assert "Subscribed" in STATE_WORDS["subscribe"]["en"]
    assert "Joined" in STATE_WORDS["join"]["en"]
    assert "Liked" in STATE_WORDS["like"]["en"]
    assert "Follow" in NEGATIVE_WORDS["follow"]["en"]


def test_genuine_follow_screenshot_passes(ocr_engine: OcrEngine, settings: Settings,
                                          evidence: EvidenceStore) -> None:
    image = loaded(profile("rafi_bd", "Following"), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    assert {c.outcome for c in checks.values()} == {"pass"}
    assert checks["proof.state"].detail == (
        "the screenshot shows @rafi_bd and 'Following' on @acme_bd's profile")
    assert checks["proof.handle"].detail == "the screenshot shows the worker's handle @rafi_bd"
    # evidence: the screenshot itself, the OCR text and the matched snippet
    shot, text, snippet = checks["proof.state"].evidence
    assert evidence.read(shot) == image.raw and shot == f"sha256:{image.sha256}.png"
    assert "Following" in evidence.read(text).decode()
    assert evidence.read(snippet).decode() == "Following"


def test_someone_elses_screenshot_fails_the_handle(ocr_engine: OcrEngine, settings: Settings,
                                                   evidence: EvidenceStore) -> None:
    image = loaded(profile("someone_else", "Following"), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    handle = checks["proof.handle"]
    assert handle.outcome == "fail"
    assert handle.detail.startswith("the screenshot shows the handle @someone")
    assert handle.detail.endswith("not the worker's @rafi_bd")
    assert "@acme_bd" not in handle.detail  # the target is not "another handle"
    assert checks["proof.state"].outcome == "pass"


def test_near_miss_handle_is_not_the_worker(ocr_engine: OcrEngine, settings: Settings,
                                            evidence: EvidenceStore) -> None:
    image = loaded(profile("rafi_bd2", "Following"), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    assert checks["proof.handle"].outcome == "fail"
    assert "@rafi_bd2" in checks["proof.handle"].detail


def test_follow_button_without_following_fails_the_state(
        ocr_engine: OcrEngine, settings: Settings, evidence: EvidenceStore) -> None:
    image = loaded(profile("rafi_bd", "Follow"), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    state = checks["proof.state"]
    assert state.outcome == "fail"
    assert state.detail.startswith("the screenshot shows 'Follow' and no 'Following'")
    assert evidence.read(state.evidence[-1]).decode() == "Follow"
    assert checks["proof.handle"].outcome == "pass"


@pytest.mark.parametrize(("state", "outcome"), [("Following", "pass"), ("Follow", "fail")])
def test_dark_mode_screenshots(ocr_engine: OcrEngine, settings: Settings,
                               evidence: EvidenceStore, state: str, outcome: str) -> None:
    image = loaded(profile("rafi_bd", state, dark=True), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    assert "dark mode" in checks["proof.screenshot"].detail
    assert checks["proof.handle"].outcome == "pass"
    assert checks["proof.state"].outcome == outcome


def test_bengali_following_button(ocr_engine: OcrEngine, settings: Settings,
                                  evidence: EvidenceStore) -> None:
    image = loaded(profile("rafi_bd", "অনুসরণ করছেন", state_font=BENGALI), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    assert checks["proof.state"].outcome == "pass", checks["proof.state"].detail
    assert "অনুসরণ" in checks["proof.state"].detail


def test_counters_are_not_a_state(ocr_engine: OcrEngine, settings: Settings,
                                  evidence: EvidenceStore) -> None:
    """Nitter shows "Following 573" on every profile: a count, not the viewer's state."""
    image = real("nitter_twitter_profile_framasoft.png", settings)
    checks = by_name(screenshot_checks(make_proof(handle=None), [image], ocr_engine, evidence,
                                       "framasoft", "Framasoft"))
    assert checks["proof.handle"].outcome == "skipped"
    assert checks["proof.target"].outcome == "pass"
    assert checks["proof.state"].outcome == "unknown"


def test_real_barinsta_unfollow_shows_a_follow(ocr_engine: OcrEngine, settings: Settings,
                                               evidence: EvidenceStore) -> None:
    image = real("barinsta_instagram_1.png", settings)
    proof = make_proof(handle="elli.n.q", platform="instagram",
                       target="https://www.instagram.com/elli.n.q/")
    checks = by_name(screenshot_checks(proof, [image], ocr_engine, evidence, "elli.n.q", None))
    assert checks["proof.target"].outcome == "pass"
    assert checks["proof.state"].outcome == "pass"
    assert "'Unfollow'" in checks["proof.state"].detail


def test_real_youtube_subscribe_button_is_not_subscribed(
        ocr_engine: OcrEngine, settings: Settings, evidence: EvidenceStore) -> None:
    image = real("mobileagent_YouTube_3_7.jpg", settings)
    proof = make_proof("subscribe", handle=None, platform="youtube",
                       target="https://www.youtube.com/@MotionStation")
    checks = by_name(screenshot_checks(proof, [image], ocr_engine, evidence, None,
                                       "Motion Station"))
    assert checks["proof.target"].outcome == "pass"
    assert checks["proof.state"].outcome == "fail"
    assert "'Subscribe'" in checks["proof.state"].detail


def test_real_reddit_unsubscribe_shows_a_join(ocr_engine: OcrEngine, settings: Settings,
                                              evidence: EvidenceStore) -> None:
    image = real("infinity_reddit_1.png", settings)
    proof = make_proof("join", handle=None, platform="reddit",
                       target="https://www.reddit.com/r/GetMotivated/")
    checks = by_name(screenshot_checks(proof, [image], ocr_engine, evidence, None,
                                       "r/GetMotivated"))
    assert checks["proof.target"].outcome == "pass"
    assert checks["proof.state"].outcome == "pass"


def test_no_screenshot_skips_everything(ocr_engine: OcrEngine, evidence: EvidenceStore) -> None:
    checks = run(make_proof(shots=0), [], ocr_engine, evidence)
    assert {c.outcome for c in checks.values()} == {"skipped"}
    assert checks["proof.screenshot"].detail == "no screenshot was submitted"


def test_invalid_image_fails_with_its_reason(ocr_engine: OcrEngine, settings: Settings,
                                             evidence: EvidenceStore) -> None:
    problem = ImageProblem(2, "screenshot 2 is 12.0 MB, over the 8 MB limit", "invalid")
    image = loaded(profile("rafi_bd", "Following"), settings)
    checks = run(make_proof(shots=2), [image, problem], ocr_engine, evidence)
    assert checks["proof.screenshot"].outcome == "fail"
    assert checks["proof.screenshot"].detail == problem.reason
    assert checks["proof.state"].outcome == "pass"  # the readable one is still read
    assert checks["proof.state"].detail.startswith("screenshot 1 shows")


def test_unavailable_image_is_unknown(ocr_engine: OcrEngine, evidence: EvidenceStore) -> None:
    problem = ImageProblem(1, "screenshot 1 could not be fetched: host cdn.example is not a "
                              "declared image host", "unavailable")
    checks = run(make_proof(), [problem], ocr_engine, evidence)
    assert checks["proof.screenshot"].outcome == "unknown"
    assert checks["proof.screenshot"].detail == problem.reason
    assert {checks[n].outcome for n in ("proof.handle", "proof.target", "proof.state")} == {
        "unknown"}


def test_worker_without_handle_and_action_without_state(
        ocr_engine: OcrEngine, settings: Settings, evidence: EvidenceStore) -> None:
    image = loaded(profile("rafi_bd", "Following"), settings)
    checks = run(make_proof("comment", handle=None), [image], ocr_engine, evidence)
    assert checks["proof.handle"].outcome == "skipped"
    assert checks["proof.state"].outcome == "skipped"
    assert checks["proof.state"].detail == "a comment proof has no state word to read"


def test_target_missing_fails(ocr_engine: OcrEngine, settings: Settings,
                              evidence: EvidenceStore) -> None:
    image = loaded(profile("rafi_bd", "Following"), settings)
    checks = by_name(screenshot_checks(make_proof(), [image], ocr_engine, evidence,
                                       "other_shop", "Other Shop"))
    assert checks["proof.target"].outcome == "fail"
    assert checks["proof.target"].detail == (
        "the target is not visible in the screenshot: neither @other_shop nor "
        "'Other Shop' is there")


@pytest.mark.parametrize(("text", "action", "state"), [
    ("Acme\nFollowing\nWho to follow\nFollow", "follow", "positive"),
    ("Acme\nFollow\nFollows you", "follow", "negative"),
    ("Tweets Following Followers\n24,425 573 36,327", "follow", None),
    ("1,204 Following", "follow", None),
    ("you should follow the rules", "follow", None),
    ("Joined April, 2017", "join", None),
    ("Liked by anna and 41 others", "like", None),
    ("অনুসরণ করা বন্ধ করুন", "follow", "positive"),
    ("আপনাকে অনুসরন করে\nঅনুসরণ করুন", "follow", "negative"),
    ("आपको फॉलो करते है", "follow", None),
    ("अनफ़ॉलो", "follow", "positive"),
    ("SUBSCRIBED", "subscribe", "positive"),
    ("Subscribe", "subscribe", "negative"),
    ("168 72\n\nFollowing", "follow", None),  # labels under a row of counts
    ("Acme\nঅনুসরণ\nকরছেন\n0 অনুসরণ করছেন 1 অনুসরণকারী", "follow", "positive"),  # wrapped
    ("0 অনুসরণ করছেন 1 অনুসরণকারী\nঅনুসরণ করুন", "follow", "negative"),
    ("আপনাকে অনুসরণ করে", "follow", None),
    ("আক্মে (@acme_bd)-কে যারা অনুসরণ করছেন", "follow", None),  # a followers list's title
    ("आपको फ़ॉलो करता है", "follow", None),
    ("पसंद किया", "like", "positive"),
])
def test_find_state(text: str, action: str, state: str | None) -> None:
    assert find_state(text, action).state == state


def test_negative_detail_names_the_positive_words_of_its_language(
        ocr_engine: OcrEngine, settings: Settings, evidence: EvidenceStore) -> None:
    image = Image.new("RGB", (900, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "@rafi_bd  Acme Bangladesh", font=font(SANS, 34), fill="black")
    draw.text((40, 140), "অনুসরণ করুন", font=font(BENGALI, 40), fill="black")
    checks = run(make_proof(), [loaded(image, settings)], ocr_engine, evidence)
    assert checks["proof.state"].outcome == "fail"
    assert checks["proof.state"].detail == (
        "the screenshot shows 'অনুসরণ করুন' and no 'অনুসরণ করছেন' or 'অনুসরণ করা বন্ধ করুন': "
        "the follow was not done when it was taken")


def test_wordless_like_is_skipped_but_a_wordy_join_is_unknown(
        ocr_engine: OcrEngine, settings: Settings, evidence: EvidenceStore) -> None:
    """Instagram shows a like as the heart's fill: no word to read proves nothing;
    a Facebook group shows "Joined", so a join screenshot without it stays unknown."""
    image = loaded(profile("rafi_bd", "Following"), settings)
    post = "https://www.instagram.com/p/C9xYz12AbCd/"
    instagram = run(make_proof("like", target=post, platform="instagram"), [image],
                    ocr_engine, evidence)
    assert instagram["proof.state"].outcome == "skipped"
    assert "instagram shows a like without a word" in (instagram["proof.state"].detail or "")
    group = "https://www.facebook.com/groups/117507531664134"
    facebook = run(make_proof("join", target=group, platform="facebook"), [image],
                   ocr_engine, evidence)
    assert facebook["proof.state"].outcome == "unknown"
    assert find_state("octo-bd / widgets\nUnstar", "like").state == "positive"


def test_stored_handle_breaking_the_platform_rule_is_never_matched(
        ocr_engine: OcrEngine, settings: Settings, evidence: EvidenceStore) -> None:
    # A proof stored before intake knew the rules: the shape allows 256 characters.
    proof = make_proof().model_copy(update={"worker": Worker(id="w-1", handle="rafi_bd" * 36)})
    image = loaded(profile("rafi_bd", "Following"), settings)
    checks = run(proof, [image], ocr_engine, evidence)
    handle = checks["proof.handle"]
    assert handle.outcome == "fail"
    assert handle.detail.startswith("the worker's handle is not looked for: 'rafi_bdrafi_bd")
    assert handle.detail.endswith("an X handle is 1-15 letters, digits or underscores")
    assert checks["proof.state"].outcome == "pass"  # the rest of the screenshot still reads


def test_matching_over_its_budget_is_unknown(monkeypatch: pytest.MonkeyPatch, ocr_engine: OcrEngine,
                                             settings: Settings, evidence: EvidenceStore) -> None:
    monkeypatch.setattr(textmatch, "MAX_CELLS", 50)  # what a hostile OCR text would exhaust
    image = loaded(profile("rafi_bd", "Following"), settings)
    checks = run(make_proof(), [image], ocr_engine, evidence)
    for name in ("proof.handle", "proof.target", "proof.state"):
        assert checks[name].outcome == "unknown"
        assert checks[name].detail.startswith("the screenshot was not read: text matching "
                                              "stopped after ")
