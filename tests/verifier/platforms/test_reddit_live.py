"""Reddit end to end: the sandbox over HTTP, a real Chromium, every action.

Comment and signup are live checks (pass, fail, unknown behind each wall);
follow, like and join are proof-only on Reddit, so they are ``skipped`` with
the reason whatever the world holds, and the policy leaves them to a
moderator. One sandbox serves the module; the world is reset after each test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SandboxWorld
from verifier.models import Check, Verdict, parse_proof
from verifier.platforms.reddit import RedditAdapter
from verifier.platforms.reddit import _Reads as _RedditReads
from verifier.platforms.reddit_api import ThreadKeys

pytestmark = pytest.mark.integration

POST = "https://www.reddit.com/r/AcmeDeals/comments/1abcde/eid_sale_starts_today/"

WORLD = """
platforms:
  reddit:
    locale: en
    accounts:
      - {handle: acme_bd, name: Acme Bangladesh}
      - {handle: rafi_bd, follows: [acme_bd]}
      - {handle: karim_bd}
      - {handle: sumi_bd}
      - {handle: copy_cat}
    groups:
      - {id: AcmeDeals, name: Acme Deals, members: [rafi_bd]}
    posts:
      - id: AcmeDeals/1abcde
        author: acme_bd
        text: Eid sale starts today
        liked_by: [rafi_bd]
        comments:
          - {author: karim_bd, text: "Is delivery free in Dhaka?"}
          - {author: acme_bd, text: "Yes, delivery is free in Dhaka"}
          - {author: rafi_bd, text: "@karim_bd delivery was fast for me, I ordered two"}
          - {author: sumi_bd, text: "দারুণ অফার, আমি দুটো কিনেছি"}
          - {author: copy_cat, text: "@karim_bd delivery was fast for me, I ordered two!"}
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    root: Path = tmp_path_factory.mktemp("reddit")
    path = root / "world.yaml"
    path.write_text(WORLD, encoding="utf-8")
    with SandboxWorld(path, root / "sessions") as running:
        yield running


def admin(sandbox: SandboxWorld, **op: Any) -> None:
    httpx.post(f"{sandbox.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture
def rd(sandbox: SandboxWorld, make_verifier: Any) -> Iterator[Any]:
    yield make_verifier(sandbox)
    admin(sandbox, op="reset")


def verify(verifier: Any, action: str, target: str, worker: str | None, pid: str = "p1",
           **task: Any) -> tuple[Check, Verdict]:
    proof = parse_proof({"id": pid, "task": {"action": action, "platform": "reddit",
                                             "target": target, **task},
                         "worker": {"id": f"w-{worker}", "handle": worker}})
    verdict = verifier.verify(proof)
    return next(c for c in verdict.checks if c.name == f"live.{action}"), verdict


LIVE = {
    # action: (target, worker who did it, worker who did not, extra task fields)
    "comment": (POST, "rafi_bd", "karim_bd", {"comment_text": "ordered", "min_comment_words": 5}),
    "signup": ("https://www.reddit.com/register/", "rafi_bd", "ghost_bd", {}),
}
WALLS = ["login", "captcha", "rate_limit"]


@pytest.mark.parametrize("action", list(LIVE))
def test_done_passes_and_approves(rd, action):
    target, done, _not_done, extra = LIVE[action]
    check, verdict = verify(rd, action, target, done, **extra)
    assert check.outcome == "pass", check.detail
    assert verdict.status == "approved", verdict.reasons
    assert rd.evidence.read(check.evidence[0]).startswith(b"\x89PNG")


def test_a_reply_deep_in_the_tree_is_found(rd):
    # rafi_bd's comment answers karim_bd's: it lives in the replies, not at the top.
    check, _ = verify(rd, "comment", POST, "u/rafi_bd", comment_text="delivery fast")
    assert check.outcome == "pass" and "ordered two" in check.detail


@pytest.mark.parametrize("action", list(LIVE))
def test_not_done_fails_and_flags(rd, action):
    target, _done, not_done, extra = LIVE[action]
    check, verdict = verify(rd, action, target, not_done, **extra)
    assert check.outcome == "fail", check.detail
    assert verdict.status == "flagged" and not_done in check.detail


@pytest.mark.parametrize("action", list(LIVE))
@pytest.mark.parametrize("wall", WALLS)
def test_behind_a_wall_is_unknown(rd, sandbox, action, wall):
    target, done, _not_done, extra = LIVE[action]
    admin(sandbox, op="set_wall", platform="reddit", wall=wall)
    check, verdict = verify(rd, action, target, done, **extra)
    assert check.outcome == "unknown", check.detail
    assert {"login": "log in", "captcha": "network security",
            "rate_limit": "rate-limited"}[wall] in check.detail
    assert verdict.status == "flagged"


@pytest.mark.parametrize(("action", "target", "says"), [
    ("follow", "https://www.reddit.com/user/acme_bd/", "follows a user"),
    ("subscribe", "https://www.reddit.com/r/AcmeDeals/", "joined a subreddit"),
    ("like", "https://redd.it/1abcde", "votes private"),
    ("join", "https://www.reddit.com/r/AcmeDeals/", "joined a subreddit"),
])
@pytest.mark.parametrize(("worker", "wall"), [("rafi_bd", "none"), ("karim_bd", "none"),
                                              ("rafi_bd", "captcha")])
def test_private_actions_are_skipped_whatever_the_world(rd, sandbox, action, target, says,
                                                        worker, wall):
    """Done, not done or behind a wall: Reddit shows none of it to a third party."""
    admin(sandbox, op="set_wall", platform="reddit", wall=wall)
    check, verdict = verify(rd, action, target, worker)
    assert check.outcome == "skipped" and says in check.detail
    assert verdict.status == "flagged"
    assert any("moderator" in r for r in verdict.reasons)


def test_comment_rules(rd):
    check, _ = verify(rd, "comment", POST, "rafi_bd", comment_text="free")
    assert check.outcome == "fail" and "lacks the required word(s) free" in check.detail
    check, _ = verify(rd, "comment", POST, "copy_cat", pid="p2")
    assert check.outcome == "fail" and "repeats the comment by rafi_bd" in check.detail
    check, _ = verify(rd, "comment", "https://www.reddit.com/comments/zzzzzz/", "rafi_bd",
                      pid="p3")
    assert check.outcome == "fail" and "does not exist" in check.detail


@pytest.mark.parametrize("target", ["https://redd.it/1abcde",
                                    "https://old.reddit.com/r/AcmeDeals/comments/1abcde/x/",
                                    "https://reddit.com/comments/1abcde"])
def test_every_post_url_form_is_checked_live(rd, target):
    check, _ = verify(rd, "comment", target, "sumi_bd")
    assert check.outcome == "pass", check.detail


@pytest.mark.parametrize("locale", ["bn", "hi"])
def test_pages_in_bengali_and_hindi(rd, sandbox, locale):
    admin(sandbox, op="set_locale", platform="reddit", locale=locale)
    check, verdict = verify(rd, "comment", POST, "sumi_bd", comment_text="অফার")
    assert check.outcome == "pass", check.detail
    assert verdict.status == "approved"
    check, _ = verify(rd, "signup", "https://www.reddit.com/", "karim_bd", pid="p2")
    assert check.outcome == "pass", check.detail


def test_deleted_comment_is_seen_on_reverification(rd, sandbox):
    proof = parse_proof({"id": "re1", "task": {"action": "comment", "platform": "reddit",
                                               "target": POST},
                         "worker": {"id": "w-sumi", "handle": "sumi_bd"}})
    assert rd.verify(proof).status == "approved"
    admin(sandbox, op="delete_comment", platform="reddit", post="AcmeDeals/1abcde",
          author="sumi_bd")
    again = rd.verify(proof, kind="reverify")
    assert again.status == "flagged"
    assert any("no comment by sumi_bd" in r for r in again.reasons)


def test_tasks_the_adapter_cannot_check_say_why(rd):
    check, _ = verify(rd, "share", POST, "rafi_bd")
    assert check.outcome == "unknown" and "not something Reddit shows" in check.detail
    check, _ = verify(rd, "comment", "https://www.reddit.com/r/AcmeDeals/", "rafi_bd",
                      pid="p2")
    assert check.outcome == "unknown" and "needs a post URL" in check.detail
    check, _ = verify(rd, "signup", "https://www.reddit.com/", None, pid="p3")
    assert check.outcome == "unknown" and "no valid Reddit username" in check.detail


def test_foreign_target_fails_the_task_check(rd):
    proof = parse_proof({"id": "f1", "task": {"action": "comment", "platform": "reddit",
                                              "target": "https://x.com/acme_bd/status/1"},
                         "worker": {"id": "w", "handle": "rafi_bd"}})
    verdict = rd.verify(proof)
    target = next(c for c in verdict.checks if c.name == "task.target")
    assert target.outcome == "fail" and "is not a Reddit URL" in target.detail


def test_a_renamed_json_key_is_layout_changed_not_fail(rd):
    """Reddit renaming a comment's ``author`` must flag the proof, never fail the worker."""
    adapter = RedditAdapter()
    adapter.keys = ThreadKeys(author="writer")
    proof = parse_proof({"id": "l1", "task": {"action": "comment", "platform": "reddit",
                                              "target": POST},
                         "worker": {"id": "w", "handle": "karim_bd"}})
    check = adapter.live_check(proof, adapter.parse_target(POST), rd.env)
    assert check.outcome == "unknown" and check.detail.startswith("layout changed:")
    assert check.evidence


# -- how the JSON is read: the operator's app (OAuth), a session, or nothing ---------------

APP = {"VERIFIER_REDDIT_CLIENT_ID": "sandbox-reddit-app",
       "VERIFIER_REDDIT_CLIENT_SECRET": "sandbox-reddit-secret"}


@pytest.fixture
def rd_app(sandbox: SandboxWorld, make_verifier: Any) -> Iterator[Any]:
    """No checker session: the operator's app reads oauth.reddit.com."""
    yield make_verifier(sandbox, sessions=False, **APP)
    admin(sandbox, op="reset")


@pytest.mark.parametrize("action", list(LIVE))
def test_the_operators_app_reads_the_oauth_api(rd_app, action):
    target, done, not_done, extra = LIVE[action]
    check, verdict = verify(rd_app, action, target, done, **extra)
    assert check.outcome == "pass", check.detail
    assert verdict.status == "approved"
    calls = json.loads(rd_app.evidence.read(check.evidence[1]))
    assert calls["read_with"].startswith("the operator's app")
    assert all(c["url"].startswith(("https://oauth.reddit.com/",
                                    "https://www.reddit.com/api/v1/access_token"))
               for c in calls["json"])
    check, _ = verify(rd_app, action, target, not_done, pid="p2", **extra)
    assert check.outcome == "fail", check.detail


def test_a_wrong_app_secret_is_unknown(sandbox, make_verifier):
    _RedditReads._tokens.clear()
    verifier = make_verifier(sandbox, sessions=False, **{**APP,
                             "VERIFIER_REDDIT_CLIENT_SECRET": "wrong"})
    check, verdict = verify(verifier, "comment", POST, "rafi_bd", comment_text="ordered")
    assert check.outcome == "unknown" and "app credentials" in check.detail
    assert verdict.status == "flagged"


def test_neither_app_nor_session_says_what_to_configure(sandbox, make_verifier):
    verifier = make_verifier(sandbox, sessions=False)
    check, _ = verify(verifier, "signup", "https://www.reddit.com/register/", "rafi_bd")
    assert check.outcome == "unknown"
    assert "VERIFIER_REDDIT_CLIENT_ID" in check.detail and "blocked" in check.detail


def test_logged_out_json_gets_the_block_page(sandbox):
    reply = httpx.get(f"{sandbox.url}/__host/www.reddit.com/user/rafi_bd/about.json",
                      timeout=10)
    assert reply.status_code == 403 and "blocked by network security" in reply.text
