"""Proof forensics through ``Verifier.verify``: duplicates, tampering, accounts, policy.

One sandbox for the module: the screenshots are the worker's own browser's
(``fixtures/proofgen.py``), rendered before the world changes (karim_bd
unfollows after taking his), then verified against the live sandbox with the
real Chromium and Tesseract, as a worker process does.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from fixtures.proofgen import ProofRenderer, Shot
from tests.conftest import SandboxWorld
from verifier.browser.pool import BrowserPool
from verifier.forensics.ocr import OcrEngine, OcrResult
from verifier.models import Check, Proof, Verdict, parse_proof
from verifier.settings import Settings
from verifier.verify import Verifier

pytestmark = pytest.mark.integration

WORLD = """
platforms:
  x:
    locale: en
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd, name: Rafi Ahmed, follows: [acme_bd]}
      - {handle: sumi_bd, name: Sumi Akter, follows: [acme_bd]}
      - {handle: karim_bd, name: Karim Uddin, follows: [acme_bd]}
  reddit:
    locale: en
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd}
    groups:
      - {id: AcmeDeals, name: Acme Deals, members: [rafi_bd]}
"""
PROFILE = "https://x.com/acme_bd"
SUBREDDIT = "https://www.reddit.com/r/AcmeDeals/"


class World:
    def __init__(self, sandbox: SandboxWorld, shots: dict[str, bytes]) -> None:
        self.sandbox, self.shots = sandbox, shots


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("forensics")
    (root / "world.yaml").write_text(WORLD)
    with SandboxWorld(root / "world.yaml", root / "sessions") as sandbox:
        shots: dict[str, bytes] = {}
        with ProofRenderer(sandbox.url) as renderer:
            for viewer in ("rafi_bd", "sumi_bd", "karim_bd"):
                shots[viewer] = renderer.render(Shot("x", viewer, PROFILE))
            shots["subreddit"] = renderer.render(Shot("reddit", "rafi_bd", SUBREDDIT))
        # Karim unfollows after taking his screenshot: it is stale now.
        sandbox.server.state.apply({"op": "unfollow", "platform": "x", "handle": "karim_bd",
                                    "target": "acme_bd"})
        yield World(sandbox, shots)


def data(png: bytes) -> dict[str, str]:
    return {"data": base64.b64encode(png).decode("ascii")}


def proof(pid: str, handle: str, *shots: bytes, action: str = "follow", platform: str = "x",
          target: str = PROFILE, worker: str | None = None, campaign: str = "eid") -> Proof:
    raw: dict[str, Any] = {"id": pid, "campaign": campaign,
                           "task": {"action": action, "platform": platform, "target": target},
                           "worker": {"id": worker or f"w-{handle}", "handle": handle}}
    if shots:
        raw["evidence"] = {"screenshots": [data(s) for s in shots]}
    return parse_proof(raw)


def check(verdict: Verdict, name: str) -> Check:
    return next(c for c in verdict.checks if c.name == name)


def transformed(png: bytes, crop_bottom: float = 0.0, scale: float = 1.0,
                quality: int | None = None, software: str | None = None) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = image.size
    image = image.crop((0, 0, w, round(h * (1 - crop_bottom))))
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)),
                             Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    if quality is not None:
        image.save(buf, "JPEG", quality=quality)
    else:
        info = PngImagePlugin.PngInfo()
        if software:
            info.add_text("Software", software)
        image.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


class CountingOcr(OcrEngine):
    """The real engine, counting the screenshots it actually reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def _read_auto(self, image: Image.Image) -> OcrResult:
        self.reads += 1
        return super()._read_auto(image)


def test_a_genuine_proof_passes_every_forensic_check_reading_each_screenshot_once(
        world: World, tmp_path: Path, shared_pool: BrowserPool) -> None:
    settings = Settings(VERIFIER_HOME=tmp_path / "home",  # type: ignore[call-arg]
                        VERIFIER_SANDBOX=world.sandbox.url,
                        VERIFIER_SESSIONS_DIR=world.sandbox.sessions)
    shared_pool.settings = settings
    ocr = CountingOcr()
    with ocr:
        verifier = Verifier(settings, pool=shared_pool, ocr=ocr)
        verdict = verifier.verify(proof("p-rafi", "rafi_bd", world.shots["rafi_bd"]))
        assert verdict.status == "approved", verdict.reasons
        assert ocr.reads == 1  # forensics, duplicates and tampering share one read
    assert check(verdict, "proof.duplicate").detail == (
        "no screenshot matches one submitted before, in this campaign or any other")
    assert check(verdict, "proof.tamper").detail == (
        "no sign of editing in the screenshot: no image editor in the metadata, not enlarged, "
        "and the live page agrees")
    assert check(verdict, "proof.account").outcome == "pass"


def test_a_cropped_recompressed_copy_of_anothers_screenshot_is_flagged(
        world: World, make_verifier: Any) -> None:
    verifier = make_verifier(world.sandbox)
    assert verifier.verify(proof("p-rafi", "rafi_bd", world.shots["rafi_bd"])).status == (
        "approved")
    # Sumi really follows, but sends Rafi's screenshot with his corner cut off.
    copy = transformed(world.shots["rafi_bd"], crop_bottom=0.08, scale=0.8, quality=70)
    verdict = verifier.verify(proof("p-sumi", "sumi_bd", copy))
    assert check(verdict, "live.follow").outcome == "pass"
    assert verdict.status == "flagged"
    assert ("screenshot 1 is a near copy (re-encoded, resized or cropped) of the one worker "
            "w-rafi_bd submitted for proof p-rafi in this campaign (eid)") in verdict.reasons
    # Her own screenshot of the same page is not a copy of his.
    own = verifier.verify(proof("p-sumi-2", "sumi_bd", world.shots["sumi_bd"],
                                worker="w-sumi_bd"))
    assert check(own, "proof.duplicate").outcome == "pass", check(own, "proof.duplicate").detail


def test_a_stale_screenshot_contradicts_the_live_page(world: World, make_verifier: Any) -> None:
    verdict = make_verifier(world.sandbox).verify(
        proof("p-karim", "karim_bd", world.shots["karim_bd"]))
    assert check(verdict, "live.follow").outcome == "fail"
    assert check(verdict, "proof.state").outcome == "pass"
    tamper = check(verdict, "proof.tamper")
    assert tamper.outcome == "fail"
    assert tamper.detail == ("the screenshot shows 'Following' but the live page says "
                             "@karim_bd does not follow @acme_bd: the screenshot is stale or "
                             "edited")
    assert verdict.status == "flagged" and tamper.detail in verdict.reasons


def test_an_edited_and_enlarged_screenshot_is_flagged(world: World, make_verifier: Any) -> None:
    edited = transformed(world.shots["rafi_bd"], software="Adobe Photoshop 25.0 (Windows)")
    half = transformed(world.shots["rafi_bd"], scale=0.5)
    enlarged = transformed(half, scale=2.0)
    verdict = make_verifier(world.sandbox).verify(proof("p-1", "rafi_bd", edited, enlarged))
    assert check(verdict, "live.follow").outcome == "pass"
    tamper = check(verdict, "proof.tamper")
    assert tamper.outcome == "fail"
    assert tamper.detail == (
        "screenshot 1 was saved by Adobe Photoshop 25.0 (Windows), an image editor; "
        "screenshot 2 (1280x800) was enlarged from a smaller picture (2x or more): a screen "
        "capture has the screen's own sharp pixels")
    assert verdict.status == "flagged"


def test_one_worker_two_accounts_and_one_account_two_workers(world: World,
                                                             make_verifier: Any) -> None:
    verifier = make_verifier(world.sandbox)
    verifier.verify(proof("p-1", "rafi_bd", worker="w-7"))
    verdict = verifier.verify(proof("p-2", "sumi_bd", worker="w-7"))
    account = check(verdict, "proof.account")
    assert account.outcome == "fail"
    assert account.detail == ("worker w-7 has also submitted proofs in this campaign as "
                              "@rafi_bd on x, besides @sumi_bd: one worker should do a "
                              "campaign's task with one account")
    shared = verifier.verify(proof("p-3", "rafi_bd", worker="w-8", campaign="other"))
    assert check(shared, "proof.account").detail.startswith(
        "the x account @rafi_bd is also used by worker w-7 in other campaigns")
    assert shared.status == "flagged"


def test_proof_only_approval_follows_the_operators_policy(world: World, make_verifier: Any,
                                                          tmp_path: Path) -> None:
    """Reddit shows nobody who joined a subreddit: the screenshot decides, if allowed."""
    join = proof("p-join", "rafi_bd", world.shots["subreddit"], action="join",
                 platform="reddit", target=SUBREDDIT)
    policy = tmp_path / "policy.yaml"
    policy.write_text("proof_only:\n  reddit.join: {allowed: true, require: [proof.screenshot, "
                      "proof.handle, proof.target, proof.state, proof.duplicate, "
                      "proof.tamper]}\n")
    allowing = make_verifier(world.sandbox, VERIFIER_POLICY=policy)
    approved = allowing.verify(join)
    assert check(approved, "live.join").outcome == "skipped"
    assert check(approved, "proof.state").outcome == "pass"
    assert approved.status == "approved", approved.reasons
    # The bundled policy leaves the same proof to a moderator.
    default = make_verifier(world.sandbox).verify(join, kind="reverify")
    assert default.status == "flagged"
    assert default.reasons[-1].endswith("a moderator has to judge the proof")
    # The same screenshot again, in another campaign: a duplicate, so never approved.
    again = allowing.verify(proof("p-join-2", "rafi_bd", world.shots["subreddit"],
                                  action="join", platform="reddit", target=SUBREDDIT,
                                  campaign="spring"))
    assert again.status == "flagged"
    assert check(again, "proof.duplicate").detail == (
        "screenshot 1 is identical to one this worker submitted for proof p-join in "
        "campaign eid")
