"""Whose button it is when the page has columns (issue 12, classes 1 and 2 of the drawn X pages).

On X's desktop page a long suggestion name in the "Who to follow" sidebar
wraps, and the suggestion's ``@handle`` comes to sit level with the target's
own header button in the main column: the target's state was given to the
suggestion (a genuine "অনুসরণ করছেন" judged not shown), and a target not
followed beside followed suggestions gave ``unknown`` instead of ``fail``.
Names of one, two and three lines, en/bn/hi, light/dark, desktop and phone
JPEG 62.  Cases marked "failed before" were judged wrong before the columns.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from fixtures.layouts import Account, Page, as_jpeg, render
from verifier.browser.pool import BrowserPool
from verifier.evidence import EvidenceStore
from verifier.forensics.images import LoadedImage, decode_image
from verifier.forensics.ocr import OcrEngine
from verifier.forensics.ocr_columns import apart, find_gutters
from verifier.forensics.screenshots import screenshot_checks
from verifier.forensics.states import target_state
from verifier.models import parse_proof
from verifier.settings import Settings

TARGET = Account("Acme Bangladesh", "acme_bd")
RINA = Account("Rina Begum", "rina_bd")
KARIM = Account("Karim Uddin", "karim_bd")
NAMES = {1: ("Globex BD", "Dhaka Deals"), 2: ("Globex Bangladesh", "dhaka_deals"),
         3: ("Globex Bangladesh Trading House", "Dhaka Deals and Offers Limited")}


def suggestions(lines: int) -> tuple[Account, ...]:
    first, second = NAMES[lines]
    return Account(first, "globex_bd"), Account(second, "dhaka_deals")


def shot(pool: BrowserPool, page: Page) -> bytes:
    png = render(pool, page)
    return as_jpeg(png, 62) if page.phone else png


# (name lines, lang, dark, phone, target done); the suggestions show the opposite state.
CASES = [
    # class 1: a wrapped sidebar @handle level with the target's done button (failed before)
    (2, "bn", True, False, True),  # the corpus miss x-follow-app-genuine-rina
    (2, "bn", False, False, True),
    (3, "en", False, False, True),
    (3, "hi", True, False, True),
    # class 2: the target's own "not done" beside done suggestions (failed before)
    (2, "hi", True, False, False),  # the corpus fraud x-follow-app-suggested_done
    (3, "en", True, False, False),
    (2, "bn", False, False, False),
    (3, "bn", False, False, False),  # its filled button read as two lines, "রণ করুন"
    # phone JPEG: a speck read as "4" beside "Following", an unread suggestion handle
    (1, "en", True, True, True),  # failed before
    # failed before, and again after the JPEG median: the one-line pass re-read the
    # outlined button's label beside its outline, "फ़ॉलो कर रहे" taken for "फ़ॉलो"
    (1, "hi", True, True, True),
    # passed before: kept
    (1, "en", False, False, True),
    (1, "bn", True, True, False),
    (3, "hi", False, True, False),
    (2, "en", False, True, True),
]


@pytest.mark.parametrize(("lines", "lang", "dark", "phone", "done"), CASES)
def test_the_targets_button_is_in_its_own_column(
        shared_pool: BrowserPool, ocr_engine: OcrEngine, lines: int, lang: str, dark: bool,
        phone: bool, done: bool) -> None:
    page = Page("x", TARGET, RINA, done, lang, dark, phone,  # type: ignore[arg-type]
                suggestions(lines))
    image = Image.open(io.BytesIO(shot(shared_pool, page)))
    state, _ = target_state(ocr_engine.read_auto(image), "follow", image.size, TARGET.handle,
                            TARGET.name, RINA.handle)
    assert state.state == ("positive" if done else "negative")


@pytest.mark.parametrize("lang", ["hi", "en", "bn"])
def test_suggested_done_fails_proof_state(shared_pool: BrowserPool, ocr_engine: OcrEngine,
                                          tmp_path: Path, lang: str) -> None:
    """The fraud kind ``suggested_done``: the done state only on the suggestions.
    Hindi (the corpus case) gave ``unknown`` before, not ``fail``."""
    settings = Settings(VERIFIER_HOME=tmp_path)  # type: ignore[call-arg]
    page = Page("x", TARGET, KARIM, False, lang, True, False,  # type: ignore[arg-type]
                suggestions(2))
    loaded = decode_image(shot(shared_pool, page), settings)
    assert isinstance(loaded, LoadedImage)
    proof = parse_proof({"id": "p-1", "campaign": "c-1",
                         "task": {"action": "follow", "platform": "x",
                                  "target": "https://x.com/acme_bd"},
                         "worker": {"id": "w-1", "handle": KARIM.handle}})
    checks = screenshot_checks(proof, [loaded], ocr_engine, EvidenceStore(tmp_path / "ev"),
                               TARGET.handle, TARGET.name)
    check = next(c for c in checks if c.name == "proof.state")
    assert check.outcome == "fail", check.detail


def test_gutters_split_columns_and_a_banner_joins_them() -> None:
    """Two text columns with a quiet strip between them are apart; a banner across
    the page (a phone's one column) leaves no gutter."""
    page = Image.new("L", (800, 400), 255)
    draw = ImageDraw.Draw(page)
    for y in range(20, 380, 30):
        draw.rectangle((40, y, 480, y + 12), fill=30)  # main column's lines
        draw.rectangle((560, y, 760, y + 12), fill=30)  # sidebar's lines
    gutters = find_gutters(page)
    assert len(gutters) == 1 and 480 < gutters[0][0] <= gutters[0][1] < 560
    assert apart((400, 20, 470, 32), (570, 20, 700, 32), gutters)
    assert not apart((40, 20, 200, 32), (300, 50, 470, 62), gutters)
    draw.rectangle((0, 0, 799, 15), fill=120)  # a banner across both
    assert find_gutters(page) == ()
