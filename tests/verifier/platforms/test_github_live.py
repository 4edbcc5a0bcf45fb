"""GitHub end to end: the sandbox over HTTP, a real Chromium, every action.

One sandbox serves the module; walls and locales are switched through the
admin endpoint and the world is reset after each test. Each (action) cell
has a test where the action was done (pass), one where it was not (fail) and
one behind a wall (unknown).
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
from verifier.platforms.github import GitHubAdapter

pytestmark = pytest.mark.integration

STARS = [f"fan{i:03d}" for i in range(230)]
COMMENTERS = [f"dev{i:03d}" for i in range(130)]
REPO = "https://github.com/octo-bd/widgets"
ISSUE = f"{REPO}/issues/7"


def world_yaml() -> str:
    stars = ", ".join([*STARS, "rafi-dev"])
    busy = "\n".join(f"          - {{author: {c}, text: 'plus one from {c}'}}"
                     for c in COMMENTERS)
    return f"""
platforms:
  github:
    locale: en
    accounts:
      - {{handle: octo-bd, name: Octo Bangladesh}}
      - {{handle: rafi-dev, name: Rafi Ahmed, follows: [octo-bd, AcmeOrg]}}
      - {{handle: karim-dev, name: Karim}}
      - {{handle: copy-cat, name: Copy Cat}}
    groups:
      - {{id: AcmeOrg, name: Acme Org, members: [rafi-dev]}}
    posts:
      - {{id: octo-bd/widgets, author: octo-bd, text: Widgets for everyone,
          liked_by: [rafi-dev]}}
      - {{id: octo-bd/popular, author: octo-bd, text: Popular, liked_by: [{stars}]}}
      - id: octo-bd/widgets/issues/7
        author: karim-dev
        text: Crash on start
        comments:
          - {{author: rafi-dev, text: "Same crash here on Windows, thanks for the quick fix"}}
          - {{author: copy-cat, text: "Same crash here on windows thanks for the quick fix!"}}
          - {{author: karim-dev, text: "Thanks"}}
      - id: octo-bd/widgets/pull/8
        author: karim-dev
        text: Fix the crash
        comments:
          - {{author: rafi-dev, text: "Looks good to me, tested on Linux"}}
      - id: octo-bd/widgets/discussions/9
        author: karim-dev
        text: Ideas
        comments:
          - {{author: rafi-dev, text: "দয়া করে ডার্ক মোড যোগ করুন, রাতে চোখে আরাম হবে"}}
      - id: octo-bd/busy/issues/1
        author: octo-bd
        text: Busy thread
        comments:
{busy}
          - {{author: rafi-dev, text: "Late but here: the fix works"}}
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    root: Path = tmp_path_factory.mktemp("github")
    path = root / "world.yaml"
    path.write_text(world_yaml(), encoding="utf-8")
    with SandboxWorld(path, root / "sessions") as running:
        yield running


def admin(sandbox: SandboxWorld, **op: Any) -> None:
    httpx.post(f"{sandbox.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture
def gh(sandbox: SandboxWorld, make_verifier: Any) -> Iterator[Any]:
    yield make_verifier(sandbox)
    admin(sandbox, op="reset")


def verify(verifier: Any, action: str, target: str, worker: str | None, pid: str = "p1",
           **task: Any) -> tuple[Check, Verdict]:
    proof = parse_proof({"id": pid, "task": {"action": action, "platform": "github",
                                             "target": target, **task},
                         "worker": {"id": f"w-{worker}", "handle": worker}})
    verdict = verifier.verify(proof)
    return next(c for c in verdict.checks if c.name == f"live.{action}"), verdict


CELLS = {
    # action: (target, worker who did it, worker who did not, extra task fields)
    "follow": ("https://github.com/octo-bd", "rafi-dev", "karim-dev", {}),
    "like": (REPO, "rafi-dev", "karim-dev", {}),
    "comment": (ISSUE, "rafi-dev", "octo-bd", {"comment_text": "crash windows"}),
    "join": ("https://github.com/orgs/AcmeOrg", "rafi-dev", "karim-dev", {}),
    "signup": ("https://github.com/signup", "rafi-dev", "nobody-here", {}),
}
WALL_FOR = {"follow": "login", "like": "rate_limit", "comment": "captcha", "join": "captcha",
            "signup": "rate_limit"}


@pytest.mark.parametrize("action", list(CELLS))
def test_done_passes_and_approves(gh, action):
    target, done, _not_done, extra = CELLS[action]
    check, verdict = verify(gh, action, target, done, **extra)
    assert check.outcome == "pass", check.detail
    assert verdict.status == "approved", verdict.reasons
    assert gh.evidence.read(check.evidence[0]).startswith(b"\x89PNG")


@pytest.mark.parametrize("action", list(CELLS))
def test_not_done_fails_and_flags(gh, action):
    target, _done, not_done, extra = CELLS[action]
    check, verdict = verify(gh, action, target, not_done, **extra)
    assert check.outcome == "fail", check.detail
    assert verdict.status == "flagged"
    assert not_done in check.detail


@pytest.mark.parametrize("action", list(CELLS))
def test_behind_a_wall_is_unknown(gh, sandbox, action):
    target, done, _not_done, extra = CELLS[action]
    admin(sandbox, op="set_wall", platform="github", wall=WALL_FOR[action])
    check, verdict = verify(gh, action, target, done, **extra)
    assert check.outcome == "unknown", check.detail
    assert verdict.status == "flagged"


@pytest.mark.parametrize(("wall", "says"), [("login", "sign in"), ("captcha", "human"),
                                            ("rate_limit", "rate-limited")])
def test_every_wall_is_named(gh, sandbox, wall, says):
    admin(sandbox, op="set_wall", platform="github", wall=wall)
    check, _ = verify(gh, "follow", "https://github.com/octo-bd", "rafi-dev")
    assert check.outcome == "unknown" and says in check.detail


def test_follow_of_an_org_and_join_by_plain_org_url(gh):
    assert verify(gh, "follow", "https://github.com/AcmeOrg", "rafi-dev")[0].outcome == "pass"
    check, _ = verify(gh, "join", "https://github.com/AcmeOrg", "rafi-dev", pid="p2")
    assert check.outcome == "pass", check.detail


def test_join_failure_explains_public_membership(gh):
    check, _ = verify(gh, "join", "https://github.com/AcmeOrg", "karim-dev")
    assert "only public memberships" in check.detail


def test_missing_worker_or_target(gh):
    check, _ = verify(gh, "follow", "https://github.com/octo-bd", "ghost-worker")
    assert check.outcome == "fail" and "no GitHub account named ghost-worker" in check.detail
    check, _ = verify(gh, "like", "https://github.com/octo-bd/nothing", "rafi-dev", pid="p2")
    assert check.outcome == "fail" and "does not exist" in check.detail
    check, _ = verify(gh, "comment", f"{REPO}/issues/99", "rafi-dev", pid="p3")
    assert check.outcome == "fail" and "does not exist" in check.detail


def test_comment_rules(gh):
    check, _ = verify(gh, "comment", ISSUE, "rafi-dev", comment_text="linux")
    assert check.outcome == "fail" and "lacks the required word(s) linux" in check.detail
    check, _ = verify(gh, "comment", ISSUE, "copy-cat", pid="p2")
    assert check.outcome == "fail" and "repeats the comment by rafi-dev" in check.detail
    check, _ = verify(gh, "comment", f"{REPO}/pull/8", "rafi-dev", pid="p3",
                      comment_text="tested", min_comment_words=4)
    assert check.outcome == "pass", check.detail


def test_star_found_on_the_last_page_of_a_long_list(gh):
    check, _ = verify(gh, "like", "https://github.com/octo-bd/popular", "rafi-dev")
    assert check.outcome == "pass", check.detail
    assert "over 2 page(s)" in check.detail  # page 1, then straight to the last page


def test_star_page_limit_is_unknown_not_fail(sandbox, make_verifier):
    verifier = make_verifier(sandbox, VERIFIER_MAX_LIST_PAGES=2)
    check, _ = verify(verifier, "like", "https://github.com/octo-bd/popular", "karim-dev")
    assert check.outcome == "unknown", check.detail
    assert "page limit" in check.detail


def test_comment_at_the_end_of_a_long_thread(gh):
    check, _ = verify(gh, "comment", "https://github.com/octo-bd/busy/issues/1", "rafi-dev",
                      comment_text="fix works")
    assert check.outcome == "pass", check.detail


@pytest.mark.parametrize("locale", ["bn", "hi"])
def test_pages_in_bengali_and_hindi(gh, sandbox, locale):
    admin(sandbox, op="set_locale", platform="github", locale=locale)
    check, verdict = verify(gh, "comment", f"{REPO}/discussions/9", "rafi-dev",
                            comment_text="ডার্ক মোড")
    assert check.outcome == "pass", check.detail  # read from the page's own markup
    assert verdict.status == "approved"
    check, _ = verify(gh, "like", REPO, "rafi-dev", pid="p2")
    assert check.outcome == "pass", check.detail


def test_discussion_without_the_workers_comment_fails(gh):
    check, _ = verify(gh, "comment", f"{REPO}/discussions/9", "karim-dev")
    assert check.outcome == "fail", check.detail


def test_unstar_after_approval_is_seen_on_reverification(gh, sandbox):
    proof = parse_proof({"id": "re1", "task": {"action": "like", "platform": "github",
                                               "target": REPO},
                         "worker": {"id": "w-rafi", "handle": "rafi-dev"}})
    assert gh.verify(proof).status == "approved"
    admin(sandbox, op="unlike", platform="github", post="octo-bd/widgets", handle="rafi-dev")
    again = gh.verify(proof, kind="reverify")
    assert again.status == "flagged"
    assert any("did not star" in r for r in again.reasons)


def test_tasks_the_adapter_cannot_check_say_why(gh):
    check, _ = verify(gh, "share", REPO, "rafi-dev")
    assert check.outcome == "unknown" and "not something GitHub shows" in check.detail
    check, _ = verify(gh, "like", "https://github.com/octo-bd", "rafi-dev", pid="p2")
    assert check.outcome == "unknown" and "needs a repo URL" in check.detail
    check, _ = verify(gh, "follow", "https://github.com/octo-bd", None, pid="p3")
    assert check.outcome == "unknown" and "no valid GitHub username" in check.detail


def test_foreign_target_fails_the_task_check(gh):
    proof = parse_proof({"id": "f1", "task": {"action": "like", "platform": "github",
                                              "target": "https://x.com/octo-bd"},
                         "worker": {"id": "w", "handle": "rafi-dev"}})
    verdict = gh.verify(proof)
    target = next(c for c in verdict.checks if c.name == "task.target")
    assert target.outcome == "fail" and "is not a GitHub URL" in target.detail
    assert verdict.status == "flagged"


def test_a_renamed_json_key_is_layout_changed_not_fail(gh):
    """GitHub renaming ``login`` must flag the proof, never fail the worker."""
    adapter = GitHubAdapter()
    # Stargazers come as {starred_at, user} now: rename the login in both shapes.
    adapter.json_keys = {**adapter.json_keys, "login": ["username"],
                         "star_login": ["user", "username"]}
    proof = parse_proof({"id": "l1", "task": {"action": "like", "platform": "github",
                                              "target": REPO},
                         "worker": {"id": "w", "handle": "karim-dev"}})
    check = adapter.live_check(proof, adapter.parse_target(REPO), gh.env)
    assert check.outcome == "unknown" and check.detail.startswith("layout changed:")
    assert check.evidence  # the capture is kept for the moderator


def _api_calls(verifier, check: Check) -> list[dict[str, Any]]:
    for key in check.evidence:
        raw = verifier.evidence.read(key)
        if raw.startswith(b"{") and b'"api"' in raw:
            return list(json.loads(raw)["api"])
    raise AssertionError("no API calls recorded")


def test_operator_token_is_sent_to_the_api_only(sandbox, make_verifier):
    """``VERIFIER_GITHUB_TOKEN`` reaches api.github.com (the budget GitHub answers with is
    an authenticated client's 5,000), and the stargazers come in the star media type."""
    anonymous = make_verifier(sandbox)
    check, _ = verify(anonymous, "like", REPO, "rafi-dev")
    assert check.outcome == "pass", check.detail
    assert {c["ratelimit_limit"] for c in _api_calls(anonymous, check)} == {"60"}
    tokened = make_verifier(sandbox, VERIFIER_GITHUB_TOKEN="ghp_operator_token")
    check, verdict = verify(tokened, "like", REPO, "rafi-dev", pid="p-token")
    assert check.outcome == "pass", check.detail
    assert verdict.status == "approved", verdict.reasons
    assert {c["ratelimit_limit"] for c in _api_calls(tokened, check)} == {"5000"}
    assert all(b"ghp_operator_token" not in tokened.evidence.read(k) for k in check.evidence)
    missing, _ = verify(tokened, "like", REPO, "karim-dev", pid="p-token-2")
    assert missing.outcome == "fail", missing.detail

