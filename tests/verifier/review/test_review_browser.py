"""A moderator's whole round in the real Chromium against ``verifier serve``'s
app under a real uvicorn, with a real Redis, a real burst worker delivering
webhooks and a real HTTP receiver: sign-in refused then accepted, the queue
filtered, a flagged proof opened (both images, the reasons, the OCR marks),
rejected with a note by keyboard, and that decision found in the audit page,
its CSV, ``GET /v1/proofs/{id}`` and a signed webhook; a bulk approval of
three; a form without its CSRF token refused; the pages at phone width."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from jobs.connections import PrivateRedis
from jobs.worker import run_worker
from tests.verifier.review.seed import Receiver, Served, days_ago, seed_flagged, settings_for
from verifier.api import create_app
from verifier.browser.launch import launch_options
from verifier.browser.pool import _PLAYWRIGHT
from verifier.evidence import EvidenceStore
from verifier.review import create_moderator
from verifier.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # The process's one Playwright driver: the sync API refuses a second one in a
    # thread, and the verifier's warm pool may already hold it in this test session.
    pw = _PLAYWRIGHT.acquire()
    try:
        b = pw.chromium.launch(**launch_options(None, pw.chromium.executable_path))
        yield b
        b.close()
    finally:
        _PLAYWRIGHT.release()


@pytest.fixture
def world(tmp_path: Path, redis_server: PrivateRedis) -> Iterator[dict[str, Any]]:
    with Receiver() as receiver:
        settings = settings_for(tmp_path / "home", redis_server.url,
                                VERIFIER_CALLBACK_HOSTS=receiver.host,
                                VERIFIER_QUEUE=f"proofs-{tmp_path.name}",
                                VERIFIER_WEBHOOK_QUEUE=f"webhooks-{tmp_path.name}")
        store = Store(settings.db_url)
        store.create_schema()
        evidence = EvidenceStore(settings.evidence_dir)
        token = store.marketplaces.issue_token("microworkers").token
        hook = f"http://{receiver.host}/hooks/verdicts"
        # The target: the oldest x follow in campaign eid-2026.
        seed_flagged(store, evidence, "mw-target", worker="w-7", callback_url=hook,
                     created_at=days_ago(3))
        seed_flagged(store, evidence, "mw-later", worker="w-7", callback_url=hook,
                     created_at=days_ago(2), shown_handle="@w7_other")
        seed_flagged(store, evidence, "yt-1", platform="youtube", action="subscribe",
                     campaign="yt-camp", created_at=days_ago(4))
        for n in range(3):
            seed_flagged(store, evidence, f"bulk-{n}", worker=f"w-b{n}", campaign="bulk-camp",
                         callback_url=hook, created_at=days_ago(1))
        name, password = create_moderator(store, "ayesha")
        with Served(create_app(settings, store=store)) as served:
            yield {"url": served.url, "store": store, "settings": settings, "token": token,
                   "receiver": receiver, "name": name, "password": password}
        store.close()


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_moderator_round(world: dict[str, Any], browser: Browser, tmp_path: Path) -> None:
    url, store = world["url"], world["store"]
    page = browser.new_page()

    # Nothing under /review without a session: the audit page is the sign-in form.
    page.goto(f"{url}/review/audit")
    assert page.url == f"{url}/review"
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(page, url, world["name"], "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    expect(page.get_by_label("Username")).to_be_visible()

    sign_in(page, url, world["name"], world["password"])
    expect(page.get_by_role("heading", name=re.compile("Flagged proofs"))).to_be_visible()
    expect(page.locator("h1 .count")).to_have_text("6")
    # Oldest first: the YouTube proof (4 days) leads.
    expect(page.locator("table.queue tbody tr").first).to_contain_text("yt-1")

    # Filter: platform x (counts beside each value), then campaign eid-2026.
    platform = page.get_by_label("Platform")
    expect(platform.locator("option", has_text="x (5)")).to_have_count(1)
    platform.select_option("x")
    page.wait_for_url(re.compile(r"platform=x"))
    page.get_by_label("Campaign").select_option("eid-2026")
    page.wait_for_url(re.compile(r"campaign=eid-2026"))
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("mw-target")

    page.get_by_role("link", name="mw-target").click()
    page.wait_for_url(re.compile(r"/review/proofs/mw-target"))
    expect(page.get_by_role("heading", name=re.compile("Proof mw-target"))).to_be_visible()
    for alt in ("Worker's screenshot 1", "Verifier's live capture 1"):
        image = page.get_by_alt_text(alt)
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") > 100
    expect(page.locator("section.reasons")).to_contain_text("shows the handle @someone_else")
    expect(page.locator("pre.ocrtext mark.bad")).to_contain_text("@someone_else")
    expect(page.locator("pre.ocrtext mark.ok")).to_contain_text("@acme_bd")
    expect(page.locator("p.keys")).to_contain_text("reject")
    # Worker history: the same worker's other proof, linked.
    expect(page.locator("section.history").get_by_role("link", name="mw-later")).to_be_visible()
    # Zoom toggles on click.
    shot = page.get_by_alt_text("Worker's screenshot 1")
    shot.click()
    expect(shot).to_have_class(re.compile("zoomed"))

    # Reject with a note, by keyboard: the next proof in the filtered queue opens.
    page.get_by_label("Note", exact=True).fill("screenshot shows another account")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    page.wait_for_url(re.compile(r"/review/proofs/mw-later\?.*campaign=eid-2026"))
    expect(page.get_by_role("status")).to_contain_text("mw-target rejected")
    # k goes back to the one before it in the queue's order (nothing, it was decided
    # and left the queue), j to the next: none here, so the links are absent.
    expect(page.locator("#next")).to_have_count(0)

    # The audit page and its CSV.
    page.get_by_role("link", name="Audit").click()
    row = page.locator("table.audit tbody tr", has_text="mw-target")
    expect(row).to_contain_text("ayesha")
    expect(row).to_contain_text("rejected")
    expect(row).to_contain_text("screenshot shows another account")
    page.get_by_label("Decision").select_option("approved")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.audit tbody tr", has_text="mw-target")).to_have_count(0)
    csv = page.request.get(f"{url}/review/audit.csv?decision=rejected")
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text().splitlines()
    assert lines[0].startswith("at,moderator,proof_id")
    assert any("mw-target" in line and "screenshot shows another account" in line
               for line in lines[1:])

    # The API shows the moderator's decision; the verifier's checks are kept.
    api = httpx.get(f"{url}/v1/proofs/mw-target",
                    headers={"Authorization": f"Bearer {world['token']}"})
    assert api.status_code == 200
    verdict = api.json()
    assert verdict["status"] == "rejected"
    assert verdict["moderation"]["moderator"] == "ayesha"
    assert verdict["moderation"]["decision"] == "rejected"
    assert verdict["moderation"]["note"] == "screenshot shows another account"
    assert [c["name"] for c in verdict["checks"]] == [
        "proof.screenshot", "proof.handle", "proof.target", "live.follow"]

    # A burst worker delivers the signed verdict.moderated webhook.
    run_worker(world["settings"], burst=True)
    receiver: Receiver = world["receiver"]
    hooks = receiver.events("verdict.moderated")
    assert len(hooks) == 1
    body = hooks[0]["body"]
    secret = store.marketplaces.get("microworkers").webhook_secret
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hooks[0]["headers"]["X-Verifier-Signature"] == expected
    sent = json.loads(body)
    assert sent["proof_id"] == "mw-target" and sent["status"] == "rejected"
    assert sent["moderation"]["note"] == "screenshot shows another account"

    # Bulk: the three proofs of bulk-camp approved with one note.
    page.goto(f"{url}/review?campaign=bulk-camp")
    expect(page.locator("table.queue tbody tr")).to_have_count(3)
    page.get_by_label("Select all on this page").check()
    page.get_by_label("Note for the selected").fill("checked by hand: all genuine")
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_role("status")).to_contain_text("3 proofs approved")
    expect(page.locator("table.queue tbody tr")).to_have_count(0)
    for n in range(3):
        v = store.get_verdict(f"bulk-{n}")
        assert v is not None and v.status == "approved"
        assert v.moderation is not None and v.moderation.note == "checked by hand: all genuine"
    run_worker(world["settings"], burst=True)
    assert {json.loads(h["body"])["proof_id"] for h in receiver.events("verdict.moderated")} \
        == {"mw-target", "bulk-0", "bulk-1", "bulk-2"}

    # A form posted without its CSRF token (or with a made-up one) changes nothing.
    for form in ({"decision": "rejected", "note": "forged"},
                 {"decision": "rejected", "note": "forged", "csrf": "guess"}):
        forged = page.request.post(f"{url}/review/proofs/mw-later/decision", form=form,
                                   max_redirects=0)
        assert forged.status == 403
    assert store.get_verdict("mw-later").status == "flagged"  # type: ignore[union-attr]
    bulk = page.request.post(f"{url}/review/bulk", form={"decision": "approved",
                                                          "ids": "mw-later"}, max_redirects=0)
    assert bulk.status == 403
    assert store.audit("mw-later") == []

    # The dashboard draws its charts as inline SVG.
    page.goto(f"{url}/review/dashboard")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("section.charts")).to_contain_text("ayesha")

    # Phone width: nothing wider than the screen; screenshots kept for a look.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    for path, name in (("/review/proofs/mw-later", "proof"), ("/review", "queue"),
                       ("/review/dashboard", "dashboard")):
        phone.goto(f"{url}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at 390"
        phone.screenshot(path=str(tmp_path / f"phone-{name}.png"), full_page=True)
    phone.close()

    # Signing out ends the session: the queue is the sign-in form again.
    page.goto(f"{url}/review")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{url}/review/proofs/mw-later")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.close()
