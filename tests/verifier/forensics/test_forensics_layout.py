"""Forensics on pages drawn in the apps' real layouts (issue 12), and on real screenshots.

Every page carries the distractors real pages do: suggested accounts in the
opposite state, a sidebar or related channels, the logged-in account in its
switcher or menu, a toast, a bell and a chevron beside YouTube's state word;
phones are JPEG captures at messaging-app qualities.  Cases marked "failed
before" were judged wrong by the verifier before this change.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fixtures.layouts import Account, Page, as_jpeg, render
from tests.realdata import screenshot
from verifier.browser.pool import BrowserPool
from verifier.evidence import EvidenceStore
from verifier.forensics.images import LoadedImage, decode_image
from verifier.forensics.ocr import OcrEngine, OcrResult
from verifier.forensics.ocr_api import OcrWord
from verifier.forensics.screenshots import screenshot_checks
from verifier.forensics.states import find_state, target_state
from verifier.models import Proof, parse_proof
from verifier.settings import Settings

TARGET = Account("Acme Bangladesh", "acme_bd")
RAFI = Account("Rafi Ahmed", "rafi_bd")
SUGGESTED = (Account("Globex BD", "globex_bd"), Account("Dhaka Deals", "dhaka_deals"))


def shot(pool: BrowserPool, page: Page, quality: int | None = None) -> bytes:
    png = render(pool, page)
    return as_jpeg(png, quality) if quality else png


def read_state(pool: BrowserPool, ocr: OcrEngine, page: Page, action: str,
               quality: int | None = None) -> str | None:
    image = Image.open(io.BytesIO(shot(pool, page, quality)))
    state, _ = target_state(ocr.read_auto(image), action, image.size, TARGET.handle,
                            TARGET.name, RAFI.handle)
    return state.state


# (app, lang, dark, phone, done, JPEG quality): each failed before unless noted.
STATE_CASES = [
    # class 2: suggestions in the done state beside a target not followed
    ("x", "en", False, False, False, None),
    ("x", "hi", True, False, False, None),
    ("x", "bn", False, True, False, 70),
    ("youtube", "hi", False, True, False, 60),
    # class 2 + 3: the target's outlined Bengali button missed, suggestions' read
    ("x", "bn", False, False, True, None),
    # class 3 + 4: YouTube's grey pill with a bell and a chevron, Bengali, dark
    ("youtube", "bn", True, False, True, None),
    # class 4: "subscribed" read small beside its icons (passed before: kept)
    ("youtube", "en", False, False, True, None),
    ("x", "hi", False, True, True, 75),  # passed before: kept
    # a tall red pill's "সাবস্ক্রাইব" read at 0 % at the crop's size and dropped, "করুন"
    # left alone: read again half as large again, at 86 % (failed before)
    ("youtube", "bn", False, True, False, 66),
]


@pytest.mark.parametrize(("app", "lang", "dark", "phone", "done", "quality"), STATE_CASES)
def test_state_is_the_targets_own_button(shared_pool: BrowserPool, ocr_engine: OcrEngine,
                                         app: str, lang: str, dark: bool, phone: bool,
                                         done: bool, quality: int | None) -> None:
    page = Page(app, TARGET, RAFI, done, lang, dark, phone, SUGGESTED)  # type: ignore[arg-type]
    action = "subscribe" if app == "youtube" else "follow"
    assert read_state(shared_pool, ocr_engine, page, action, quality) == (
        "positive" if done else "negative")


# The other apps' pages, each with distractors of its own (issue 12's harder corpus):
# (app, lang, dark, phone, done, JPEG quality, the state the target's button shows).
APP_CASES = [
    # Instagram: "following" alone on its line under a count; the suggestions followed
    ("instagram", "en", False, True, False, 70, "negative"),
    # Instagram: grey "फ़ॉलो कर रहे हैं" with its chevron beside grey Message, cards in Follow
    ("instagram", "hi", False, False, True, None, "positive"),
    # TikTok: red Follow beside Message, the suggestions' cards showing "Following"
    ("tiktok", "hi", True, True, False, 75, "negative"),
    ("tiktok", "en", False, False, True, None, "positive"),
    # YouTube watch page: the channel's pill with bell and chevron, related videos' channels
    ("youtube_watch", "bn", True, False, True, None, "positive"),
    ("youtube_watch", "en", False, True, False, 65, "negative"),
    # Failed before: YouTube watch page, the button read small on the channel name's
    # line ("Acme Bangladesh    @ subscribed v"): a word apart with icons is a button
    ("youtube_watch", "en", False, False, True, None, "positive"),
    ("youtube_watch", "en", True, False, False, None, "negative"),
    # Failed before: the button on the count's OCR line ("48K subscribers    Subscribe"),
    # a count and a button apart on the screenshot
    ("youtube_watch", "en", False, False, False, None, "negative"),
    ("youtube_watch", "bn", False, False, True, None, "positive"),
    # Failed before: TikTok bn, "ফলো করছেন  মেসেজ" under "312 48.2K 1.2M" with the
    # counters' labels unread: a row of buttons, not labels; the cards' "ফলো করুন" lost
    ("tiktok", "bn", False, True, True, 85, "positive"),
    ("tiktok", "bn", True, True, True, 65, "positive"),
    # Failed before: YouTube's grey Hindi pill on black not read at all (a word of it,
    # joined by its headstroke, taken for a small button and the pill dropped)
    ("youtube_watch", "hi", True, False, True, None, "positive"),
    # Failed before: "সাবস্ক্রাইব" read right at 9 % beside "করুন" at 96 % and dropped
    ("youtube_watch", "bn", True, False, False, None, "negative"),
    # Failed before: the page pass read "सब्सक्राइब" surely and not "करें" beside it
    ("youtube_watch", "hi", False, True, False, 70, "negative"),
    ("youtube_watch", "hi", True, True, False, 69, "negative"),
    ("tiktok", "bn", True, True, False, 69, "negative"),  # passed before: kept
    # Failed before: Instagram's faint grey Hindi pill (16 levels off white, JPEG 60)
    ("instagram", "hi", False, True, True, 60, "positive"),
    # Failed before: Facebook desktop, the target's button far right of its name and the
    # "People you may know" card's buttons in the opposite state 300 px right of its heading
    ("facebook", "en", False, False, False, None, "negative"),
    ("facebook", "bn", True, False, True, None, "positive"),
    ("facebook", "hi", False, False, True, None, "positive"),
    # Failed before: Facebook phone, "48K Followers · 312" wrapped before its "Following",
    # the name matched across two OCR blocks ("Ahmed" + "Bangladesh") owning the cards
    ("facebook", "en", False, True, False, 70, "negative"),
    ("facebook", "en", True, True, False, 80, "negative"),
    ("facebook", "bn", False, True, True, 65, "positive"),  # passed before: kept
    # X post: a like is a heart; the replies' hearts and "Who to follow" say nothing
    ("x_post", "en", True, False, True, None, None),
    ("x_post", "bn", False, True, False, 80, None),
]


@pytest.mark.parametrize(("app", "lang", "dark", "phone", "done", "quality", "state"),
                         APP_CASES)
def test_state_on_the_other_apps_pages(shared_pool: BrowserPool, ocr_engine: OcrEngine,
                                       app: str, lang: str, dark: bool, phone: bool,
                                       done: bool, quality: int | None,
                                       state: str | None) -> None:
    page = Page(app, TARGET, RAFI, done, lang, dark, phone, SUGGESTED)  # type: ignore[arg-type]
    action = {"youtube_watch": "subscribe", "x_post": "like"}.get(app, "follow")
    assert read_state(shared_pool, ocr_engine, page, action, quality) == state


def make_proof(handle: str, platform: str = "x") -> Proof:
    return parse_proof({"id": "p-1", "campaign": "c-1",
                        "task": {"action": "follow", "platform": platform,
                                 "target": "https://x.com/acme_bd"},
                        "worker": {"id": "w-1", "handle": handle}})


def loaded(data: bytes, settings: Settings) -> LoadedImage:
    result = decode_image(data, settings)
    assert isinstance(result, LoadedImage)
    return result


def handle_outcome(pool: BrowserPool, ocr: OcrEngine, settings: Settings,
                   evidence: EvidenceStore, viewer: Account, worker: str,
                   platform: str = "x") -> tuple[str, str]:
    page = Page("x", TARGET, viewer, True, "en", False, False, SUGGESTED)
    checks = screenshot_checks(make_proof(worker, platform), [loaded(shot(pool, page), settings)],
                               ocr, evidence, TARGET.handle, TARGET.name)
    check = next(c for c in checks if c.name == "proof.handle")
    return check.outcome, check.detail or ""


def test_display_name_does_not_beat_a_visible_handle(
        shared_pool: BrowserPool, ocr_engine: OcrEngine, settings: Settings,
        evidence: EvidenceStore) -> None:
    """Class 1 (failed before): nadia's switcher with her name painted to "rafi_bd"
    (X) or "Rafi Ahmed" (Facebook, where proofs name people) passed proof.handle."""
    edited = Account("rafi_bd", "nadia_bd")
    outcome, detail = handle_outcome(shared_pool, ocr_engine, settings, evidence, edited,
                                     "rafi_bd")
    assert outcome == "fail" and "@nadia_bd" in detail
    edited = Account("Rafi Ahmed", "nadia.islam")
    outcome, detail = handle_outcome(shared_pool, ocr_engine, settings, evidence, edited,
                                     "Rafi Ahmed", platform="facebook")
    assert outcome == "fail" and "@nadia.islam" in detail


def test_genuine_switcher_and_bare_names_still_pass(
        shared_pool: BrowserPool, ocr_engine: OcrEngine, settings: Settings,
        evidence: EvidenceStore) -> None:
    assert handle_outcome(shared_pool, ocr_engine, settings, evidence, RAFI,
                          "rafi_bd")[0] == "pass"
    # a name with its own handle under it is the account named
    assert handle_outcome(shared_pool, ocr_engine, settings, evidence, RAFI, "Rafi Ahmed",
                          platform="facebook")[0] == "pass"


@pytest.mark.parametrize(("text", "action", "state"), [
    # class 4: a chevron read as the Bengali digit eight, apart or glued (failed before)
    ("সাবস্ক্রাইব করা হয়েছে ৮", "subscribe", "positive"),
    ("সাবস্ক্রাইব করা হয়েছে৮", "subscribe", "positive"),
    ("फ़ॉलो कर रहे हैं ८", "follow", "positive"),
    # a conjunct lost in the first word; the last word still decides (failed before)
    ("& সাবস্তরাইব করা হয়েছে V", "subscribe", "positive"),
    ("সাবস্তরাইব করুন", "subscribe", "negative"),
    ("@ subscribed v", "subscribe", "positive"),
    # the chevron read as "৬" (YouTube channel, bn phone; failed before)
    ("@ সাবস্ত্রাইব করা হয়েছে ৬", "subscribe", "positive"),
    # unchanged: counts, prose, a toast with the same ending
    ("Following 573", "follow", None),
    ("48 সাবস্ক্রাইব করা হয়েছে", "subscribe", None),
    ("please subscribed to the newsletter today", "subscribe", None),
    ("লিঙ্ক কপি করা হয়েছে", "subscribe", None),
])
def test_glyph_tolerant_state_words(text: str, action: str, state: str | None) -> None:
    assert find_state(text, action).state == state


def test_first_row_of_a_reactions_list_is_read(shared_pool: BrowserPool,
                                               ocr_engine: OcrEngine) -> None:
    """Class 5: the worker named first in a reactions list, phone JPEG."""
    rows = (Account("Rafi Ahmed", "rafi"), Account("Mitu Das", "mitu"),
            Account("Karim Uddin", "karim"), Account("Lipi Roy", "lipi"))
    for lang, dark in (("en", False), ("bn", True), ("hi", False)):
        page = Page("reactions", TARGET, RAFI, True, lang, dark, True,  # type: ignore[arg-type]
                    rows=rows)
        image = Image.open(io.BytesIO(shot(shared_pool, page, 65)))
        text = ocr_engine.read_auto(image).text
        for row in rows:
            assert row.name in text, (lang, row.name, text)


@pytest.mark.parametrize(("name", "action", "handle", "state"), [
    ("tusky_mastodon_03_profile.png", "follow", "Tusky", "positive"),
    ("barinsta_instagram_1.png", "follow", "elli.n.q", "positive"),
    ("infinity_reddit_1.png", "join", "GetMotivated", "positive"),
    ("barinsta_instagram_5.png", "follow", "foss", "negative"),
    ("mobileagent_YouTube_3_7.jpg", "subscribe", "Motion Station", "negative"),
])
def test_real_screenshots_keep_their_state(ocr_engine: OcrEngine, name: str, action: str,
                                           handle: str, state: str) -> None:
    image = Image.open(screenshot(name))
    found, _ = target_state(ocr_engine.read_auto(image), action, image.size, handle, handle)
    assert found.state == state


def test_eval_reports_the_real_screenshots_against_their_manifest() -> None:
    from verifier.tools.evaluate_real import RealResult, format_results, realdata_dir

    folder = realdata_dir()
    assert folder is not None and (folder / "screenshots").is_dir()
    text = format_results([RealResult("a.png", "state", "positive", "negative", False),
                           RealResult("b.png", "rows", "x, y", "all", True)], folder)
    assert "state of the target's own button: 0/1" in text
    assert "every named row read" in text and "BAD a.png" in text


def boxed(*lines: list[tuple[str, int, int]]) -> OcrResult:
    """An OCR result of lines of (word, left, width), each line 40 px under the last,
    words 14 px high: the word boxes decide what stands apart."""
    words = [OcrWord(w, 90.0, (left, 40 * n, width, 14), n)
             for n, line in enumerate(lines) for w, left, width in line]
    text = "\n".join(" ".join(w for w, _, _ in line) for line in lines)
    return OcrResult(text, tuple(words), "eng", 0.1)


@pytest.mark.parametrize(("line", "action", "state"), [
    # a word apart from the name, icons beside it: the button, in any case
    ([("Acme", 80, 40), ("Bangladesh", 126, 90), ("@", 670, 12), ("subscribed", 690, 80),
      ("v", 780, 8)], "subscribe", "positive"),
    ([("Acme", 80, 40), ("Bangladesh", 126, 90), ("subscribe", 720, 70)], "subscribe",
     "negative"),
    # the same words in a sentence, or with a word beside them in their part: prose
    ([("Acme", 80, 40), ("Bangladesh", 126, 90), ("subscribed", 222, 80), ("v", 306, 8)],
     "subscribe", None),
    ([("Acme", 80, 40), ("you", 600, 30), ("subscribed", 634, 80)], "subscribe", None),
    # a count and, far from it, the button: the button; right beside it: a counter
    ([("48K", 86, 22), ("subscribers", 112, 70), ("Subscribe", 720, 72)], "subscribe",
     "negative"),
    ([("48K", 86, 22), ("Subscribe", 112, 72)], "subscribe", None),
    ([("Following", 86, 70), ("573", 400, 30)], "follow", "positive"),
    ([("573", 86, 30), ("Following", 120, 70)], "follow", None),
    # a row of tabs stays a row of labels however far apart; a count with its own
    # number beside the button does not make it one
    ([("Followers", 86, 70), ("Following", 400, 70)], "follow", None),
    ([("48K", 86, 22), ("Followers", 112, 70), ("Following", 720, 72)], "follow",
     "positive"),
])
def test_the_word_boxes_say_what_stands_apart(line: list[tuple[str, int, int]], action: str,
                                              state: str | None) -> None:
    found, _ = target_state(boxed(line), action, (1280, 800), None, None)
    assert found.state == state


def test_a_count_label_wrapped_to_its_own_line_is_no_button() -> None:
    """Facebook's phone header: "48K Followers · 312" and, on the next line, "Following"."""
    counts = [("48K", 280, 52), ("Followers", 344, 130), ("·", 485, 4), ("312", 500, 48)]
    alone = [("Following", 283, 130)]
    assert target_state(boxed(counts, alone), "follow", (720, 1600), None, None
                        )[0].state is None
    # a button under a line that does not end on a count stays a button
    bio = [("Eid", 280, 40), ("outfits", 330, 80), ("every", 420, 60), ("day", 490, 40)]
    assert target_state(boxed(bio, alone), "follow", (720, 1600), None, None
                        )[0].state == "positive"


def test_a_number_read_elsewhere_is_no_count_over_the_button() -> None:
    """A lone "46" read off an icon comes before the target's button in the text (lines
    read apart follow each other wherever they are): only a number right above the
    word makes it a counter's label (TikTok's suggested_done gave unknown before)."""
    far = [("46", 600, 20)]
    near = [("46", 90, 20)]
    button = [("Follow", 86, 70)]
    assert target_state(boxed(far, button), "follow", (720, 1600), None, None
                        )[0].state == "negative"
    assert target_state(boxed(near, button), "follow", (720, 1600), None, None
                        )[0].state is None


def test_a_row_of_buttons_under_counts_is_not_their_labels() -> None:
    counts = [("312", 160, 60), ("48.2K", 320, 90), ("1.2M", 490, 76)]
    buttons = [("ফলো", 134, 68), ("করছেন", 218, 98), ("মেসেজ", 392, 97)]
    labels = [("Following", 150, 80), ("Followers", 310, 90), ("Likes", 490, 50)]
    assert target_state(boxed(counts, buttons), "follow", (720, 1600), None, None
                        )[0].state == "positive"
    assert target_state(boxed(counts, labels), "follow", (720, 1600), None, None
                        )[0].state is None
