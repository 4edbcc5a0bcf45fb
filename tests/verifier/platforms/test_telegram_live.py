"""Telegram end to end: the sandbox over HTTP, a real Chromium, comment and join.

One sandbox serves the module; the world changes through the admin endpoint
and is reset after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SandboxWorld
from verifier.models import Check, Verdict, parse_proof

pytestmark = pytest.mark.integration

POST = "https://t.me/acme_news/101"
FILLERS = [f"user{i:02d}" for i in range(25)]


def world_yaml() -> str:
    older = "\n".join(f"          - {{author: {u}, text: 'comment {i}'}}"
                      for i, u in enumerate(FILLERS))
    return f"""
platforms:
  telegram:
    locale: en
    accounts:
      - {{handle: rafi_bd, name: Rafi Ahmed}}
      - {{handle: karim_bd, name: Karim}}
    groups:
      - {{id: acme_news, name: Acme News, members: [rafi_bd, karim_bd]}}
    posts:
      - id: "101"
        author: acme_news
        text: Eid sale starts today
        comments:
          - {{author: rafi_bd, text: "Great offer, ordered two!"}}
          - {{author: karim_bd, text: "ok"}}
      - id: "102"
        author: acme_news
        text: A busy post
        comments:
          - {{author: early_bird, text: "first!"}}
{older}
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    root: Path = tmp_path_factory.mktemp("telegram")
    path = root / "world.yaml"
    path.write_text(world_yaml(), encoding="utf-8")
    with SandboxWorld(path, root / "sessions") as running:
        yield running


def admin(sandbox: SandboxWorld, **op: Any) -> None:
    httpx.post(f"{sandbox.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture
def tg(sandbox: SandboxWorld, make_verifier: Any) -> Iterator[Any]:
    yield make_verifier(sandbox)
    admin(sandbox, op="reset")


def proof(action: str, target: str, worker: str | None, pid: str = "p1", **task: Any) -> Any:
    return parse_proof({"id": pid, "task": {"action": action, "platform": "telegram",
                                             "target": target, **task},
                        "worker": {"id": f"w-{worker}", "handle": worker}})


def live(verdict: Verdict, action: str) -> Check:
    return next(c for c in verdict.checks if c.name == f"live.{action}")


# -- comment (L) --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "bn", "hi"])
def test_comment_found_passes_and_approves(sandbox, tg, locale):
    admin(sandbox, op="set_locale", platform="telegram", locale=locale)
    verdict = tg.verify(proof("comment", POST, "@rafi_bd", comment_text="great offer",
                              min_comment_words=3))
    check = live(verdict, "comment")
    assert check.outcome == "pass", check.detail
    assert "@rafi_bd commented on acme_news/101" in check.detail
    assert verdict.status == "approved", verdict.reasons
    assert tg.evidence.read(check.evidence[-1]).startswith(b"\x89PNG")


def test_comment_found_by_display_name_without_username(sandbox, tg):
    admin(sandbox, op="add_comment", platform="telegram", post="101", author="Nameless Person",
          text="অসাধারণ অফার")
    check = live(tg.verify(proof("comment", "https://telegram.me/s/acme_news/101",
                                 "Nameless Person", comment_text="অসাধারণ")), "comment")
    assert check.outcome == "pass", check.detail


def test_older_comment_found_through_the_older_link(tg):
    check = live(tg.verify(proof("comment", "https://t.me/acme_news/102", "early_bird")),
                 "comment")
    assert check.outcome == "pass", check.detail
    assert "26 comment(s) read" in check.detail


def test_a_later_copy_of_a_comment_fails_and_the_original_passes(sandbox, tg):
    """The discussion's <time datetime> says who wrote first: only the copy fails."""
    admin(sandbox, op="add_comment", platform="telegram", post="101", author="lipi_bd",
          text="Great offer, ordered two!")
    copy = live(tg.verify(proof("comment", POST, "lipi_bd")), "comment")
    assert copy.outcome == "fail", copy.detail
    assert "repeats the comment by rafi_bd" in copy.detail
    original = live(tg.verify(proof("comment", POST, "rafi_bd", "p2")), "comment")
    assert original.outcome == "pass", original.detail


def test_a_copy_of_a_comment_on_an_older_page_fails(sandbox, tg):
    """The worker's comment is on the newest page, its source on the page before: the
    older pages are read before the comment passes."""
    admin(sandbox, op="add_comment", platform="telegram", post="102", author="lipi_bd",
          text="Best offer of the season")
    for n in range(20):  # a page of the discussion widget
        admin(sandbox, op="add_comment", platform="telegram", post="102", author=f"late{n}",
              text=f"reply {n}")
    admin(sandbox, op="add_comment", platform="telegram", post="102", author="late_one",
          text="Best offer of the season")
    check = live(tg.verify(proof("comment", "https://t.me/acme_news/102", "late_one")),
                 "comment")
    assert check.outcome == "fail", check.detail
    assert "repeats the comment by lipi_bd" in check.detail
    wrote = live(tg.verify(proof("comment", "https://t.me/acme_news/102", "lipi_bd", "p2")),
                 "comment")
    assert wrote.outcome == "pass", wrote.detail
    assert "48 comment(s) read" in wrote.detail


def test_no_comment_fails(tg):
    verdict = tg.verify(proof("comment", POST, "someone_else"))
    check = live(verdict, "comment")
    assert check.outcome == "fail", check.detail
    assert "no comment by @someone_else" in check.detail
    assert verdict.status == "flagged"


def test_short_comment_fails(tg):
    check = live(tg.verify(proof("comment", POST, "karim_bd", min_comment_words=2)), "comment")
    assert check.outcome == "fail", check.detail
    assert "fewer than the 2" in check.detail


def test_deleted_comment_fails_on_reverification(sandbox, tg):
    p = proof("comment", POST, "rafi_bd")
    assert tg.verify(p).status == "approved"
    admin(sandbox, op="delete_comment", platform="telegram", post="101", author="rafi_bd")
    assert live(tg.verify(p, kind="reverify"), "comment").outcome == "fail"


def test_comment_on_missing_post_fails(tg):
    check = live(tg.verify(proof("comment", "https://t.me/acme_news/999", "rafi_bd")), "comment")
    assert check.outcome == "fail", check.detail
    assert "does not exist" in check.detail and "Post not found" in check.detail


@pytest.mark.parametrize("wall", ["rate_limit", "captcha"])
def test_comment_behind_flood_wait_is_unknown(sandbox, tg, wall):
    admin(sandbox, op="set_wall", platform="telegram", wall=wall)
    verdict = tg.verify(proof("comment", POST, "rafi_bd"))
    check = live(verdict, "comment")
    assert check.outcome == "unknown", check.detail
    assert "flood wait" in check.detail
    assert verdict.status == "flagged"


def test_comment_on_a_channel_url_is_unknown(tg):
    check = live(tg.verify(proof("comment", "https://t.me/acme_news", "rafi_bd")), "comment")
    assert check.outcome == "unknown" and "post URL" in check.detail


def test_comment_in_private_channel_is_skipped(tg):
    check = live(tg.verify(proof("comment", "https://t.me/c/123456/7", "rafi_bd")), "comment")
    assert check.outcome == "skipped" and "private channel" in check.detail


# -- join (P) ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "hi"])
def test_join_is_skipped_with_the_channel_confirmed(sandbox, tg, locale):
    admin(sandbox, op="set_locale", platform="telegram", locale=locale)
    verdict = tg.verify(proof("join", "https://t.me/acme_news", "rafi_bd"))
    check = live(verdict, "join")
    assert check.outcome == "skipped", check.detail
    assert "only to its admins" in check.detail and "Acme News" in check.detail
    assert verdict.status == "flagged"


def test_join_of_missing_channel_fails(tg):
    check = live(tg.verify(proof("join", "https://t.me/no_such_channel", "rafi_bd")), "join")
    assert check.outcome == "fail", check.detail
    assert "no public Telegram channel @no_such_channel" in check.detail


def test_join_behind_flood_wait_is_unknown(sandbox, tg):
    admin(sandbox, op="set_wall", platform="telegram", wall="rate_limit")
    check = live(tg.verify(proof("join", "https://t.me/acme_news", "rafi_bd")), "join")
    assert check.outcome == "unknown", check.detail


@pytest.mark.parametrize("url", ["https://t.me/+AbCdEf123", "https://t.me/joinchat/AbCdEf123"])
def test_join_by_private_invite_is_skipped_without_a_visit(tg, url):
    check = live(tg.verify(proof("join", url, "rafi_bd")), "join")
    assert check.outcome == "skipped" and "invite link" in check.detail
    assert check.evidence == []
