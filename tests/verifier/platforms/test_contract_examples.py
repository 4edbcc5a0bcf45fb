"""Every example proof of the contract, checked live against the sandbox serving the
contract's own example world, gives the outcome that world implies.

The contract (``shared/contract/examples``) ships a proof per action and a
``world.yaml`` in which they can be checked. For each example this states the
fact in the world that decides it (read from the world file, so a changed
world fails here rather than silently changing what the test means) and the
live check's outcome and sentence. A new example file fails until it is listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from fixtures.sandbox.world import World, load_world
from fixtures.sandbox.youtube_api import SANDBOX_KEY
from tests.contract import contract_dir
from verifier.models import parse_proof

EXAMPLES = contract_dir() / "examples"
WORLD = EXAMPLES / "world.yaml"


@dataclass(frozen=True)
class Expected:
    world_says: Callable[[World], bool]  # the world's fact that decides the live check
    outcome: str
    says: str  # a part of the live check's sentence
    approved: bool = False  # only the examples without an unfetchable screenshot


def _yt_comment(w: World) -> bool:
    post = w.require("youtube").post("2lAe1cqCOXo")
    return post is not None and any(c.author == "tanvir_cooks" and "recipe" in c.text
                                    and len(c.text.split()) >= 5 for c in post.comments)


def _ig_like(w: World) -> bool:
    post = w.require("instagram").post("C9xYz12AbCd")
    return post is not None and "nusrat.jahan" in post.liked_by


def _fb_share(w: World) -> bool:
    post = w.require("facebook").post("3065154550235644")
    return post is not None and post.shared_by == ["ayesha.rahman"]


def _tg_channel(w: World) -> bool:
    group = w.require("telegram").group("acme_deals")
    return group is not None and group.name == "Acme Deals"


def _site_member(w: World) -> bool:
    return w.platforms.web is not None and any(
        s.host == "shop.example.com" and "rafi@example.com" in s.members
        for s in w.platforms.web.sites)


def _yt_subscription(w: World) -> bool:
    youtube = w.require("youtube")
    return youtube.account("@ProgrammingKnowledge") is not None and youtube.follows(
        "@sumi_bd", "ProgrammingKnowledge")


TABLE: dict[str, Expected] = {
    "comment-youtube.json": Expected(
        _yt_comment, "pass", "@tanvir_cooks commented on \u201cChicken biryani at home\u201d",
        approved=True),
    "follow-x.json": Expected(
        lambda w: w.require("x").follows("rafi_bd", "acme_bd"), "pass",
        "@rafi_bd follows @acme_bd"),
    # The example world has no Google Play section, so its app does not exist there.
    "install-playstore.json": Expected(
        lambda w: w.platform("playstore") is None, "fail",
        "the app page does not exist: Google Play has no app com.acme.shop"),
    "join-telegram.json": Expected(
        _tg_channel, "skipped",
        "Telegram shows a channel's members only to its admins; the channel exists: "
        "\u201cAcme Deals\u201d (@acme_deals"),
    "like-instagram.json": Expected(
        _ig_like, "pass", "@nusrat.jahan liked the Instagram post C9xYz12AbCd"),
    # One share in the world; who shared is a format no real capture confirms.
    "share-facebook.json": Expected(
        _fb_share, "unknown", "the post 3065154550235644 exists (1 share(s)); format not "
                              "confirmed"),
    "signup-web.json": Expected(
        _site_member, "pass", "rafi@example.com is a member of shop.example.com", approved=True),
    "visit-web.json": Expected(
        lambda w: w.platforms.web is not None, "skipped", "a visit leaves no public trace",
        approved=True),
    "subscribe-youtube.json": Expected(
        _yt_subscription, "pass",
        "@sumi_bd subscribes to \u201cProgrammingKnowledge\u201d"),
}


def test_every_example_is_listed() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_the_live_check_matches_the_world(name: str, sandbox_for, make_verifier) -> None:
    expected = TABLE[name]
    assert expected.world_says(load_world(WORLD)), f"world.yaml no longer implies {name}"
    verifier = make_verifier(sandbox_for(WORLD), VERIFIER_YOUTUBE_API_KEY=SANDBOX_KEY)
    proof = parse_proof((EXAMPLES / name).read_text(encoding="utf-8"))
    verdict = verifier.verify(proof)
    live = next(c for c in verdict.checks if c.name == f"live.{proof.task.action}")
    assert (live.outcome, expected.says in live.detail) == (expected.outcome, True), live.detail
    if expected.approved:
        assert verdict.status == "approved", verdict.reasons
