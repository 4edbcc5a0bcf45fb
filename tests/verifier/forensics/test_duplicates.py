"""Reused screenshots and shared accounts, against a real SQLite store.

The screenshots are the sandbox's X profile of @acme_bd as two followers'
browsers render it (``fixtures/proofgen.py``), transformed with real Pillow
operations the way a copied screenshot travels (a messenger re-encodes and
resizes, the copier crops), and read by the real Tesseract.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from fixtures.proofgen import ProofRenderer, Shot
from fixtures.sandbox.server import SandboxServer
from tests.realdata import screenshot
from verifier.forensics.accounts import account_checks
from verifier.forensics.copytext import same_content, text_signature, word_overlap
from verifier.forensics.duplicates import DuplicateRules, duplicate_checks, fingerprint
from verifier.forensics.images import LoadedImage, decode_image
from verifier.forensics.ocr import OcrEngine
from verifier.models import Check, Proof, parse_proof
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration

SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

WORLD = """
platforms:
  x:
    locale: en
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd, name: Rafi Ahmed, follows: [acme_bd]}
      - {handle: sumi_bd, name: Sumi Akter, follows: [acme_bd]}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Image.Image]]:
    """Genuine screenshots of @acme_bd's profile by two followers, desktop and phone."""
    world = tmp_path_factory.mktemp("dup") / "world.yaml"
    world.write_text(WORLD)
    shots: dict[str, Image.Image] = {}
    with SandboxServer(world) as server, ProofRenderer(server.url) as renderer:
        for viewer in ("rafi_bd", "sumi_bd"):
            for phone in (False, True):
                png = renderer.render(Shot("x", viewer, "https://x.com/acme_bd", phone=phone))
                shots[f"{viewer}{'-phone' if phone else ''}"] = Image.open(
                    io.BytesIO(png)).convert("RGB")
    yield shots


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'verifier.db'}")
    s.create_schema()
    yield s
    s.close()


def encode(image: Image.Image, fmt: str = "PNG", quality: int = 90) -> LoadedImage:
    buf = io.BytesIO()
    image.save(buf, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    loaded = decode_image(buf.getvalue(), Settings())
    assert isinstance(loaded, LoadedImage)
    return loaded


def proof(pid: str, worker: str, handle: str | None, campaign: str | None = "c1",
          target: str = "https://x.com/acme_bd") -> Proof:
    return parse_proof({"id": pid, **({"campaign": campaign} if campaign else {}),
                        "task": {"action": "follow", "platform": "x", "target": target},
                        "worker": {"id": worker, **({"handle": handle} if handle else {})}})


Submit = Callable[..., Check]


@pytest.fixture
def submit(store: Store, ocr_engine: OcrEngine) -> Submit:
    """Store a proof with one screenshot and run the duplicate check, as verify does."""

    def run(pid: str, worker: str, handle: str | None, image: LoadedImage,
            campaign: str | None = "c1", rules: DuplicateRules | None = None) -> Check:
        p = proof(pid, worker, handle, campaign)
        store.add_proof(p)
        texts = {image.sha256: ocr_engine.read_auto(image.image)}
        [check] = duplicate_checks(p, [image], store, texts, rules)
        return check

    return run


def cut(image: Image.Image, left: float, top: float, right: float, bottom: float
        ) -> Image.Image:
    w, h = image.size
    return image.crop((round(w * left), round(h * top), round(w * (1 - right)),
                       round(h * (1 - bottom))))


def scaled(image: Image.Image, factor: float) -> Image.Image:
    return image.resize((round(image.width * factor), round(image.height * factor)),
                        Image.Resampling.LANCZOS)


COPIES: list[tuple[str, Callable[[Image.Image], LoadedImage]]] = [
    ("jpeg 60", lambda im: encode(im, "JPEG", 60)),
    ("jpeg 75", lambda im: encode(im, "JPEG", 75)),
    ("jpeg 90", lambda im: encode(im, "JPEG", 90)),
    ("0.5x", lambda im: encode(scaled(im, 0.5))),
    ("0.75x", lambda im: encode(scaled(im, 0.75))),
    ("1.25x", lambda im: encode(scaled(im, 1.25))),
    ("1.5x", lambda im: encode(scaled(im, 1.5))),
    ("8% off the left", lambda im: encode(cut(im, 0.08, 0, 0, 0))),
    ("8% off the top", lambda im: encode(cut(im, 0, 0.08, 0, 0))),
    ("8% off the right", lambda im: encode(cut(im, 0, 0, 0.08, 0))),
    ("8% off every side", lambda im: encode(cut(im, 0.08, 0.08, 0.08, 0.08))),
    ("uneven crop, 0.7x, jpeg 70",
     lambda im: encode(scaled(cut(im, 0.05, 0.03, 0.02, 0.06), 0.7), "JPEG", 70)),
    ("6% off top and left, 1.3x, jpeg 85",
     lambda im: encode(scaled(cut(im, 0.06, 0.06, 0, 0), 1.3), "JPEG", 85)),
]


@pytest.mark.parametrize(("how", "make"), COPIES, ids=[c[0] for c in COPIES])
@pytest.mark.parametrize("layout", ["rafi_bd", "rafi_bd-phone"])
def test_copies_of_a_screenshot_are_found(rendered: dict[str, Image.Image], submit: Submit,
                                          layout: str, how: str,
                                          make: Callable[[Image.Image], LoadedImage]) -> None:
    original = encode(rendered[layout])
    assert submit("p-rafi", "w-rafi", "rafi_bd", original).outcome == "pass"
    check = submit("p-copy", "w-karim", "karim_bd", make(rendered[layout]))
    assert check.outcome == "fail", f"{how}: {check.detail}"
    assert check.detail.startswith(
        "screenshot 1 is a near copy (re-encoded, resized or cropped) of the one worker "
        "w-rafi submitted for proof p-rafi in this campaign (c1)")


def test_the_same_page_seen_by_two_followers_is_no_copy(rendered: dict[str, Image.Image],
                                                        submit: Submit) -> None:
    """Pixel-identical but for the account shown: each shows a handle the other does not."""
    rafi, sumi = encode(rendered["rafi_bd"]), encode(rendered["sumi_bd"])
    assert fingerprint(rafi.image) == fingerprint(sumi.image)  # near for any image hash
    assert submit("p-rafi", "w-rafi", "rafi_bd", rafi).outcome == "pass"
    check = submit("p-sumi", "w-sumi", "sumi_bd", sumi)
    assert check.outcome == "pass", check.detail
    phone = submit("p-sumi-phone", "w-sumi", "sumi_bd",
                   encode(rendered["sumi_bd-phone"], "JPEG", 70))
    assert phone.outcome == "pass", phone.detail  # not of rafi's, nor of sumi's own desktop one


def test_a_crop_that_cuts_the_first_workers_handle_away_is_still_a_copy(
        rendered: dict[str, Image.Image], submit: Submit, ocr_engine: OcrEngine) -> None:
    original = rendered["rafi_bd"]
    submit("p-rafi", "w-rafi", "rafi_bd", encode(original))
    # The desktop page shows the viewer (@rafi_bd) in its bottom-left corner.
    copy = encode(cut(original, 0, 0, 0, 0.08))
    assert "rafi_bd" not in ocr_engine.read_auto(copy.image).text
    check = submit("p-copy", "w-karim", "karim_bd", copy)
    assert check.outcome == "fail"
    assert "w-rafi" in check.detail


def test_identical_files_within_and_across_campaigns(rendered: dict[str, Image.Image],
                                                     submit: Submit) -> None:
    image = encode(rendered["rafi_bd"])
    submit("p-old", "w-rafi", "rafi_bd", image, campaign="c0")
    submit("p-rafi", "w-rafi", "rafi_bd", image, campaign="c1")
    check = submit("p-copy", "w-karim", "karim_bd", image, campaign="c1")
    assert check.outcome == "fail"
    # This campaign first, then the others, each said so.
    assert check.detail == (
        "screenshot 1 is identical to the one worker w-rafi submitted for proof p-rafi in "
        "this campaign (c1); screenshot 1 is identical to the one worker w-rafi submitted "
        "for proof p-old in campaign c0")


def test_a_copy_in_another_campaign_says_which(rendered: dict[str, Image.Image],
                                               submit: Submit) -> None:
    submit("p-rafi", "w-rafi", "rafi_bd", encode(rendered["rafi_bd"]), campaign="eid-2024")
    check = submit("p-copy", "w-karim", "karim_bd", encode(rendered["rafi_bd"], "JPEG", 75),
                   campaign="eid-2025")
    assert check.outcome == "fail"
    assert check.detail.endswith("submitted for proof p-rafi in campaign eid-2024")
    assert "this campaign" not in check.detail


def test_the_same_worker_reusing_a_screenshot(rendered: dict[str, Image.Image],
                                              submit: Submit) -> None:
    submit("p-1", "w-rafi", "rafi_bd", encode(rendered["rafi_bd"]))
    check = submit("p-2", "w-rafi", "rafi_bd", encode(scaled(rendered["rafi_bd"], 0.8)))
    assert check.outcome == "fail"
    assert "one this worker submitted for proof p-1" in check.detail


def test_the_policy_threshold_is_used(rendered: dict[str, Image.Image], submit: Submit) -> None:
    submit("p-rafi", "w-rafi", "rafi_bd", encode(rendered["rafi_bd"]))
    cropped = encode(cut(rendered["rafi_bd"], 0.08, 0.08, 0.08, 0.08))
    strict = submit("p-copy", "w-karim", "karim_bd", cropped,
                    rules=DuplicateRules(near_distance=0, same_text=0.5))
    assert strict.outcome == "pass"  # nothing within 0 bits: the crop is not found


def test_real_screenshots_copied_and_distinct(ocr_engine: OcrEngine, submit: Submit) -> None:
    barinsta = Image.open(screenshot("barinsta_instagram_1.png")).convert("RGB")
    tusky = Image.open(screenshot("tusky_mastodon_03_profile.png")).convert("RGB")
    assert submit("p-1", "w-1", "elli_n_q", encode(barinsta)).outcome == "pass"
    assert submit("p-2", "w-2", "tusky", encode(tusky)).outcome == "pass"
    copy = encode(scaled(cut(barinsta, 0.04, 0.07, 0.03, 0.02), 0.6), "JPEG", 65)
    check = submit("p-3", "w-3", "somebody", copy)
    assert check.outcome == "fail"
    assert "proof p-1" in check.detail and "p-2" not in check.detail


def test_the_status_bar_clock_tells_two_moments_apart(ocr_engine: OcrEngine,
                                                     submit: Submit) -> None:
    """Two workers' screenshots of one page a few minutes apart differ in the clock only."""
    original = Image.open(screenshot("barinsta_instagram_1.png")).convert("RGB")
    clock = next(w for w in ocr_engine.read_auto(original).words if w.text == "13:57")
    left, top, width, height = clock.box
    later = original.copy()
    draw = ImageDraw.Draw(later)
    draw.rectangle((left - 2, top - 2, left + width + 2, top + height + 2),
                   fill=original.getpixel((left - 4, top - 4)))
    draw.text((left, top - height // 4), "14:08", fill="white",
              font=ImageFont.truetype(str(SANS), round(height * 1.3)))
    assert "14:08" in ocr_engine.read_auto(later).text
    assert submit("p-1", "w-1", "elli_n_q", encode(original)).outcome == "pass"
    other = submit("p-2", "w-2", "elli_n_q", encode(later))
    assert other.outcome == "pass", other.detail  # another moment: not a copy
    copy = submit("p-3", "w-3", "elli_n_q", encode(scaled(original, 0.7), "JPEG", 70))
    assert copy.outcome == "fail"
    assert "proof p-1" in copy.detail and "p-2" not in copy.detail


def test_a_look_alike_submitted_for_another_target_needs_words(
        rendered: dict[str, Image.Image], store: Store) -> None:
    """Without words to compare, a near image counts as a copy only for the same target.

    Sparse pages of one template (or of two sites) come near in some probe crop;
    a copy of another page's screenshot cannot prove this task anyway.
    """
    first = proof("p-1", "w-rafi", "rafi_bd")
    store.add_proof(first)
    duplicate_checks(first, [encode(rendered["rafi_bd"])], store, {})
    for pid, target, quality, outcome in [
        ("p-other", "https://x.com/shop_bd", 80, "pass"),  # another account's page
        ("p-same", "https://twitter.com/ACME_BD/", 70, "fail"),  # the same one, spelt otherwise
    ]:
        p = proof(pid, "w-karim", "karim_bd", target=target)
        store.add_proof(p)
        [check] = duplicate_checks(p, [encode(rendered["rafi_bd"], "JPEG", quality)], store, {})
        assert check.outcome == outcome, (target, check.detail)
    assert "proof p-1" in check.detail and "p-other" not in check.detail


def test_no_image_skips(store: Store) -> None:
    p = proof("p-1", "w-1", "rafi_bd")
    store.add_proof(p)
    [check] = duplicate_checks(p, [], store)
    assert check.outcome == "skipped"


# -- the text comparison -----------------------------------------------------------

def test_same_content_rules() -> None:
    page = "following acme bangladesh @acme_bd followers posts"
    rafi, sumi = f"{page} rafi ahmed @rafi_bd", f"{page} sumi akter @sumi_bd"
    assert not same_content(sumi, rafi)  # the same page seen by another account
    assert same_content(page, rafi)  # a crop that lost the first viewer's corner
    assert not same_content(rafi, page)  # a full screenshot is no copy of an earlier crop
    assert same_content(rafi, None)  # no text: the visual match stands
    # A misread handle on a small copy is the same handle; a digit makes another account.
    assert same_content(rafi.replace("@rafi_bd", "@rafi_ba"), rafi)
    # The workers' own handles are known, so a digit more is another worker's account;
    # between two handles only OCR read, it may be a slip.
    farm = rafi.replace("@rafi_bd", "@rafi_bd2")
    assert not same_content(farm, rafi, handle_new="rafi_bd2", handle_old="rafi_bd")
    # The workers' own handles count even without an @ on the page.
    plain = "cafe.dhanmondi following posts followers"
    assert not same_content(f"{plain} nusrat.jahan", f"{plain} rafi_bd",
                            handle_new="nusrat.jahan", handle_old="rafi_bd")
    assert same_content(f"{plain} rafi_bd", f"{plain} rafi_bd",
                        handle_new="karim_bd", handle_old="rafi_bd")
    other = "gaming setup review comments subscribe share download clip"
    assert not same_content(page + " tech news today", other)
    # Facebook shows the viewer's name on top and commenters' under the post: another
    # worker's view of a post this worker commented on is no copy; a crop of it is.
    post = "acme bangladesh eid wallpapers rafi ahmed these look great tanvir hossain nice"
    assert not same_content(f"tanvir hossain {post}", f"rafi ahmed {post}",
                            handle_new="Tanvir Hossain", handle_old="Rafi Ahmed")
    assert same_content(post, f"rafi ahmed {post}", handle_new="Tanvir Hossain",
                        handle_old="Rafi Ahmed")
    # A handle OCR split after its underscore is the same handle.
    assert text_signature("Following @acme_ bd") == "following @acme_bd"
    # Times of day: a copy keeps the clock, another screenshot a minute later does not.
    assert not same_content(f"13:57 {page}", f"13:58 {page}")
    assert same_content(f"l3:57 {page}", f"13:57 {page}")  # a misread digit
    assert same_content(page, f"13:57 {page}")  # the status bar was cropped away


def test_an_account_named_whole_and_split_is_counted_twice() -> None:
    """Read by OCR from two workers' views of one Reddit post (the corpus): the viewer's
    handle on top, whole, and the commenters' handles split under their comments."""
    post = ("acme bd eid sale starts today rafi bd delivery was fast for me ordered two "
            "sumi bd tanvir bd nadia bd prices are better than last year")
    sumi, tanvir = f"reddit sumi_bd acmedeals {post}", f"reddit tanvir_bd acmedeals {post}"
    assert not same_content(sumi, tanvir, handle_new="sumi_bd", handle_old="tanvir_bd")
    assert same_content(tanvir, tanvir, handle_new="sumi_bd", handle_old="tanvir_bd")


def test_a_handle_misread_in_the_copy_is_not_another_account() -> None:
    """A resized copy of a Telegram channel screenshot (the corpus): OCR read the channel's
    "@acme" as "@acme_4" there, which is no account the original lacks."""
    shot = "1:11 10:41 11 all 87 acme news {} @sumi_bd acme news eid sale starts today 92"
    copy, original = shot.format("@acme_4"), shot.format("@acme")
    assert same_content(copy, original, handle_new="arif_bd", handle_old="sumi_bd")
    # A handle the original clearly lacks still tells two screenshots apart.
    assert not same_content(shot.format("@acme @nadia_bd"), original, handle_new="arif_bd",
                            handle_old="sumi_bd")


def test_another_pages_screenshot_needs_its_words_to_agree() -> None:
    """Signatures OCR read from one worker's follow screenshots of two sparse pages."""
    tiktok = "tiktok @rafi_bd acme.shop acme shop following following followers"
    reddit = "acme bangladesh acme_bd karma rafi_bd following"
    group = "facebook rafi ahmed acme fans public group members joined members"
    page = "facebook rafi ahmed acme bangladesh following"
    for new, old in [(tiktok, reddit), (group, page)]:
        assert same_content(new, old, handle_new="rafi_bd", handle_old="rafi_bd")
        assert not same_content(new, old, handle_new="rafi_bd", handle_old="rafi_bd",
                                other_page=True)
    assert same_content(tiktok, tiktok, other_page=True)  # the words agree: a copy
    assert not same_content(None, tiktok, other_page=True)  # no words: the look alone
    assert not same_content("tiktok following", "tiktok following", other_page=True)


def test_word_overlap_forgives_ocr_slips() -> None:
    assert word_overlap("following followers subscribers", "fo11owing followers subscrihers") == 1
    assert word_overlap("a b", "") == 0


def test_signature_keeps_sure_words_and_handles(ocr_engine: OcrEngine) -> None:
    image = Image.open(screenshot("barinsta_instagram_1.png")).convert("RGB")
    result = ocr_engine.read_auto(image)
    sure = text_signature(result)
    everything = text_signature(result.text)
    assert "elli.n.q" in sure.split()
    assert len(sure.split()) <= len(everything.split())


# -- accounts ------------------------------------------------------------------------

def add(store: Store, pid: str, worker: str, handle: str | None, campaign: str = "c1",
        platform: str = "x") -> Proof:
    raw: dict[str, Any] = {"id": pid, "campaign": campaign,
                           "task": {"action": "follow", "platform": platform,
                                    "target": "https://x.com/acme_bd"},
                           "worker": {"id": worker, **({"handle": handle} if handle else {})}}
    p = parse_proof(raw)
    store.add_proof(p)
    return p


def test_one_account_one_worker(store: Store) -> None:
    [check] = account_checks(add(store, "p-1", "w-1", "@Rafi_BD"), store)
    assert check.outcome == "pass"
    assert check.detail == ("@Rafi_BD is used by this worker only, and is the only x account "
                            "this worker used in this campaign")


def test_an_account_shared_by_workers(store: Store) -> None:
    add(store, "p-1", "w-2", "rafi_bd", campaign="c1")
    add(store, "p-2", "w-9", "RAFI_BD", campaign="c0")
    add(store, "p-3", "w-5", "rafi_bd", platform="instagram")  # another platform's account
    [check] = account_checks(add(store, "p-4", "w-1", "@rafi_bd"), store)
    assert check.outcome == "fail"
    assert check.detail == ("the x account @rafi_bd is also used by worker w-2 in this "
                            "campaign and by worker w-9 in other campaigns: one account should "
                            "belong to one worker")


def test_a_worker_with_several_accounts_in_a_campaign(store: Store) -> None:
    add(store, "p-1", "w-1", "rafi_bd")
    add(store, "p-2", "w-1", "rafi_bd_2")
    add(store, "p-3", "w-1", "rafi_old", campaign="c0")  # another campaign: allowed
    [check] = account_checks(add(store, "p-4", "w-1", "rafi_bd"), store)
    assert check.outcome == "fail"
    assert check.detail == ("worker w-1 has also submitted proofs in this campaign as "
                            "@rafi_bd_2 on x, besides @rafi_bd: one worker should do a "
                            "campaign's task with one account")


def test_one_account_written_two_ways_is_one_account(store: Store) -> None:
    """Facebook proofs name the account by its username or by the name it shows."""
    add(store, "p-1", "w-1", "ayesha.rahman", platform="facebook")
    [check] = account_checks(add(store, "p-2", "w-1", "Ayesha Rahman", platform="facebook"),
                             store)
    assert check.outcome == "pass", check.detail


def test_no_handle_skips_the_account_check(store: Store) -> None:
    [check] = account_checks(add(store, "p-1", "w-1", None), store)
    assert check.outcome == "skipped"
