"""The labelled corpus, generated from the bundled world and run through the verifier.

The test generates the corpus into a temporary directory and evaluates it with
two processes, as ``verifier corpus generate`` and ``verifier eval`` do, and
holds the verifier to the issue's bar: no fraudulent proof approved, at least
95 % of the genuine proofs approved where a live check exists (L/S cells),
and a reason on every flag. It prints the report (``pytest -s`` shows it),
per class (fraud kind, genuine sandbox page or app layout) and per script.

By default it takes a stratified third of the corpus (every cell keeps its
share of genuine and fraudulent proofs; the pages drawn in the apps'
layouts, with their distractors and JPEG phone captures, are kept whole),
to keep the suite's run time in check; ``VERIFIER_CORPUS_SIZE=all`` runs the
whole corpus (374 proofs).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.corpus import CORPUS_WORLD, generate, label, proof_json
from fixtures.corpus_spec import (
    CELLS,
    FRAUD_KINDS,
    LAYOUT_FRAUD,
    LAYOUTS,
    MUST_FAIL,
    phone_jpeg,
    plan,
    select,
)
from fixtures.sandbox.web import completion_code
from fixtures.sandbox.world import load_world
from verifier.cli import main
from verifier.tools.evaluate import load_labels, run
from verifier.tools.evaluate_report import format_report

PLATFORMS = {"x", "instagram", "facebook", "reddit", "youtube", "tiktok", "telegram", "github",
             "web", "playstore"}
THIRD = 112


def corpus_size() -> int | None:
    raw = os.environ.get("VERIFIER_CORPUS_SIZE", str(THIRD))
    return None if raw == "all" else int(raw)


# -- the plan (no browser) ------------------------------------------------------------------


def test_the_plan_covers_every_cell_language_and_fraud_kind() -> None:
    items = plan()
    assert len(items) >= 300
    assert len({i.id for i in items}) == len(items)
    assert {i.cell.platform for i in items} == PLATFORMS
    assert {(i.cell.platform, i.cell.action) for i in items} == {
        (c.platform, c.action) for c in CELLS}
    shots = [i.shot for i in items if i.shot]
    assert {s.locale for s in shots} == {"en", "bn", "hi"}
    assert {s.device for s in shots} == {"desktop", "phone"}
    assert {s.theme for s in shots} == {"light", "dark"}
    kinds = Counter(i.kind for i in items)
    assert set(FRAUD_KINDS) <= set(kinds) and kinds["copied_comment"] > 0
    # Originals are verified before the copies that duplicate detection must catch.
    position = {i.id: n for n, i in enumerate(items)}
    assert all(position[i.source] < position[i.id] for i in items if i.source)
    assert all(i.expected == "flagged" for i in items if i.kind != "genuine" or i.cap == "P")


def test_the_plan_draws_the_apps_layouts_with_their_frauds() -> None:
    """Issue 12: X, YouTube, Instagram, TikTok and Facebook pages and posts also as
    the apps lay them out, genuine in every language (approved where a live check
    exists), and the frauds such pages carry, each with the check that must see it."""
    drawn = [i for i in plan() if i.layout == "app"]
    assert {i.shot.layout for i in drawn if i.shot} == set(LAYOUTS)
    assert {(i.cell.platform, i.cell.action) for i in drawn} == {
        (p, a) for p, a, *_ in LAYOUTS.values()}
    for app in LAYOUTS:
        genuine = [i for i in drawn if i.kind == "genuine" and i.shot and i.shot.layout == app]
        assert {i.shot.locale for i in genuine if i.shot} == {"en", "bn", "hi"}, app
    genuine = [i for i in drawn if i.kind == "genuine"]
    assert all(i.expected == ("approved" if i.cap in ("L", "S") else "flagged")
               for i in genuine)
    assert {i.kind for i in drawn} - {"genuine"} == set(LAYOUT_FRAUD)
    assert set(MUST_FAIL) < set(LAYOUT_FRAUD)
    assert all(i.expected == "flagged" for i in drawn if i.kind != "genuine")
    # every fraud on a page with a state word names the check that must fail
    assert all(i.must_fail for i in drawn if i.kind != "genuine" and i.cell.action != "like")
    shots = [i.shot for i in drawn if i.shot]
    assert {s.device for s in shots} == {"desktop", "phone"}
    edited = [i.shot for i in drawn if i.kind == "edited_display_name"]
    assert all(s and s.shown_name and s.viewer != s.shown_name for s in edited)
    assert all(i.shot and not i.shot.done and i.shot.others_done for i in drawn
               if i.kind == "suggested_done")
    assert all(i.shot and not i.shot.done and i.shot.others_done is False for i in drawn
               if i.kind == "not_done")


def test_phone_captures_are_mostly_messaging_app_jpegs() -> None:
    """Phones: JPEG 60-85 as WhatsApp, Telegram or Messenger pass them on, a few the
    PNG as saved, decided by the seed and the id; desktops stay PNG."""
    shots = [i.shot for i in plan() if i.shot]
    phones = [s for s in shots if s.device == "phone"]
    jpegs = [s.jpeg for s in phones if s.jpeg]
    assert all(60 <= q <= 85 for q in jpegs) and len(set(jpegs)) > 10
    assert 0.7 * len(phones) <= len(jpegs) < len(phones)
    assert all(s.jpeg == 0 for s in shots if s.device == "desktop")
    assert phone_jpeg("x-follow-genuine-rafi", "phone") == phone_jpeg(
        "x-follow-genuine-rafi", "phone")


def test_a_stratified_part_keeps_every_cell_and_every_original() -> None:
    items = plan()
    part = select(items, THIRD)
    assert 90 <= len(part) <= 140
    assert {(i.cell.platform, i.cell.action) for i in part} == {
        (c.platform, c.action) for c in CELLS}
    kept = {i.id for i in part}
    assert all(i.source in kept for i in part if i.source)
    assert {i.shot.locale for i in part if i.shot and i.kind == "genuine"} == {"en", "bn", "hi"}
    # the drawn pages are kept, but for the genuine proofs of P cells (one per page)
    drawn = [i for i in items if i.layout == "app"]
    assert {i.id for i in drawn if i.kind != "genuine" or i.cap != "P"} <= kept
    pages = {i.shot.layout for i in drawn if i.shot}
    assert {i.shot.layout for i in part if i.layout == "app" and i.kind == "genuine"
            and i.shot} == pages


# -- generated and evaluated ----------------------------------------------------------------


@pytest.mark.timeout(900)  # whole flows on real processes: minutes, more on a busy machine
@pytest.mark.integration
def test_corpus_accuracy(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    summary = generate(corpus, CORPUS_WORLD, corpus_size(), log=print)
    assert summary.unseen == (), "pages that do not show the logged-in account"
    labels = load_labels(corpus)
    assert summary.proofs == len(labels) == len(list((corpus / "proofs").glob("*.json")))
    assert {lb.platform for lb in labels} == PLATFORMS

    report = run(corpus, processes=2, log=print)
    print(format_report(report))
    assert len(report.outcomes) == len(labels)
    assert report.fraud_approved == [], [lb.id for lb in report.fraud_approved]
    live = [lb for lb in labels if lb.genuine and lb.cap in ("L", "S")]
    approved = sum(report.status(lb) == "approved" for lb in live)
    assert approved >= 0.95 * len(live), f"{approved}/{len(live)} genuine L/S proofs approved"
    assert report.flagged_without_reason() == []


@pytest.mark.integration
def test_eval_command_fails_when_fraud_is_approved(tmp_path: Path) -> None:
    """A corpus whose label calls an approvable proof fraud: the command exits 1 and names it."""
    corpus = tmp_path / "corpus"
    (corpus / "proofs").mkdir(parents=True)
    shutil.copyfile(CORPUS_WORLD, corpus / "world.yaml")
    item = next(i for i in plan() if i.id == "web-visit-genuine-rafi")
    secret = load_world(CORPUS_WORLD).platforms.web.sites[0].code_secret  # type: ignore[union-attr]
    proof = proof_json(item, None, completion_code(secret, item.campaign, item.worker_id))
    (corpus / "proofs" / f"{item.id}.json").write_text(json.dumps(proof), encoding="utf-8")
    lie = {**label(item), "kind": "shared_code", "expected": "flagged"}
    (corpus / "labels.jsonl").write_text(json.dumps(lie) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(corpus)])
    assert result.exit_code == 1, result.output
    assert f"Fraudulent proofs approved: 1\n  {item.id}" in result.output
    assert "Decisions (rows: expected, columns: decided)" in result.output
