"""TikTok checks end to end (sandbox tiktok.com over HTTP, real Chromium), the
pure parsers of the web app's JSON, and the target URL forms."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from fixtures.sandbox import tiktok as sandbox_tiktok
from fixtures.sandbox.server import SandboxServer
from fixtures.sandbox.sessions import write_sessions
from fixtures.sandbox.world import load_world
from verifier.models import Check, Proof, Verdict, parse_proof
from verifier.platforms import TargetError
from verifier.platforms.base import load_platform_data
from verifier.platforms.tiktok import TikTokAdapter, api_wall, parse_comments, parse_user_list

VIDEO = "7301234567890123456"
FILLERS = [f"fan_{i:02d}" for i in range(35)]


def world() -> dict[str, object]:
    comments = [{"author": f, "text": f"so cute number {i}"} for i, f in enumerate(FILLERS)]
    comments.append({"author": "wang_junyang", "text": "Ohhhh, so cute cat!"})
    return {"platforms": {"tiktok": {
        "locale": "en",
        "accounts": [
            {"handle": "stack.cats", "name": "Stack"},
            *[{"handle": f, "follows": ["stack.cats"]} for f in FILLERS],
            {"handle": "wang_junyang", "name": "Wang Junyang", "follows": ["stack.cats"]},
            {"handle": "buko_afk", "name": "BUKO AFK"},
            {"handle": "locked.one", "protected": True},
        ],
        "posts": [{"id": VIDEO, "author": "stack.cats", "text": "kitten and flower",
                   "liked_by": ["wang_junyang"], "comments": comments}],
    }}}


@dataclass
class Running:
    url: str
    sessions: Path

    def admin(self, **op: object) -> None:
        httpx.post(f"{self.url}/__admin/world", json=op, timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("tiktok")
    path = root / "world.yaml"
    path.write_text(yaml.safe_dump(world()), encoding="utf-8")
    with SandboxServer(path) as server:
        write_sessions(root / "sessions", load_world(path))
        yield Running(server.url, root / "sessions")


@pytest.fixture
def tt(running: Running) -> Running:
    running.admin(op="reset")
    return running


def proof(action: str, target: str, handle: str, pid: str = "p1", **task: object) -> Proof:
    return parse_proof({"id": pid, "task": {"action": action, "platform": "tiktok",
                                            "target": target, **task},
                        "worker": {"id": f"w-{handle}", "handle": handle}})


def live(verdict: Verdict, action: str) -> Check:
    return next(c for c in verdict.checks if c.name == f"live.{action}")


PROFILE = "https://www.tiktok.com/@stack.cats"
VIDEO_URL = f"https://www.tiktok.com/@stack.cats/video/{VIDEO}"


# -- follow (S) ------------------------------------------------------------------------


@pytest.mark.integration
def test_follow_found_on_the_second_page_of_followers(tt, make_verifier):
    verdict = make_verifier(tt).verify(proof("follow", PROFILE, "@wang_junyang"))
    check = live(verdict, "follow")
    assert check.outcome == "pass", check.detail
    assert "over 2 page(s)" in check.detail
    assert verdict.status == "approved", verdict.reasons


@pytest.mark.integration
def test_not_following_fails_and_unfollow_is_seen(tt, make_verifier):
    verifier = make_verifier(tt)
    check = live(verifier.verify(proof("follow", PROFILE, "buko_afk")), "follow")
    assert check.outcome == "fail" and "does not follow" in check.detail, check.detail
    tt.admin(op="unfollow", platform="tiktok", handle="wang_junyang", target="stack.cats")
    again = live(verifier.verify(proof("follow", PROFILE, "wang_junyang", "p2")), "follow")
    assert again.outcome == "fail", again.detail


@pytest.mark.integration
@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit"])
def test_follow_behind_a_wall_is_unknown(tt, make_verifier, wall):
    tt.admin(op="set_wall", platform="tiktok", wall=wall)
    verdict = make_verifier(tt).verify(proof("follow", PROFILE, "wang_junyang"))
    assert live(verdict, "follow").outcome == "unknown", live(verdict, "follow").detail
    assert verdict.status == "flagged"


@pytest.mark.integration
def test_expired_session_meets_the_login_modal(tt, make_verifier):
    tt.admin(op="expire_sessions", platform="tiktok")
    check = live(make_verifier(tt).verify(proof("follow", PROFILE, "wang_junyang")), "follow")
    assert check.outcome == "unknown" and "log in" in check.detail, check.detail


@pytest.mark.integration
def test_follow_without_session_or_on_private_account_is_unknown(tt, make_verifier):
    check = live(make_verifier(tt, sessions=False).verify(
        proof("follow", PROFILE, "wang_junyang")), "follow")
    assert check.outcome == "unknown" and "checker session" in check.detail
    private = live(make_verifier(tt).verify(
        proof("follow", "https://www.tiktok.com/@locked.one", "wang_junyang", "p3")), "follow")
    assert private.outcome == "unknown" and "private" in private.detail, private.detail


# -- comment (L) -----------------------------------------------------------------------


@pytest.mark.integration
def test_comment_found_after_scrolling(tt, make_verifier):
    check = live(make_verifier(tt, sessions=False).verify(
        proof("comment", VIDEO_URL, "wang_junyang", comment_text="cute cat")), "comment")
    assert check.outcome == "pass", check.detail


@pytest.mark.integration
def test_comment_through_a_short_link(tt, make_verifier):
    short = f"https://vm.tiktok.com/{sandbox_tiktok.short_code(VIDEO)}/"
    check = live(make_verifier(tt).verify(proof("comment", short, "wang_junyang")), "comment")
    assert check.outcome == "pass", check.detail
    assert VIDEO in check.detail


@pytest.mark.integration
def test_copied_comment_fails_the_copier_not_the_first_author(tt, make_verifier):
    """Comments carry create_time: only an earlier comment can have been copied."""
    tt.admin(op="add_comment", platform="tiktok", post=VIDEO, author="buko_afk",
             text="Ohhhh, so cute cat!")
    verifier = make_verifier(tt)
    first = live(verifier.verify(proof("comment", VIDEO_URL, "wang_junyang", "p-first")),
                 "comment")
    assert first.outcome == "pass", first.detail
    copier = live(verifier.verify(proof("comment", VIDEO_URL, "buko_afk", "p-copy")),
                  "comment")
    assert copier.outcome == "fail" and "repeats the comment by wang_junyang" in copier.detail


def test_comment_missing_fails(tt, make_verifier):
    check = live(make_verifier(tt).verify(proof("comment", VIDEO_URL, "buko_afk")), "comment")
    assert check.outcome == "fail" and "no comment by buko_afk" in check.detail, check.detail


@pytest.mark.integration
@pytest.mark.parametrize("wall", ["login", "captcha", "rate_limit"])
def test_comment_behind_a_wall_is_unknown(tt, make_verifier, wall):
    tt.admin(op="set_wall", platform="tiktok", wall=wall)
    check = live(make_verifier(tt).verify(proof("comment", VIDEO_URL, "wang_junyang")),
                 "comment")
    assert check.outcome == "unknown", check.detail


# -- like and share (P), locales ---------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("action", ["like", "share"])
def test_like_and_share_are_skipped(tt, make_verifier, action):
    verdict = make_verifier(tt).verify(proof(action, VIDEO_URL, "wang_junyang"))
    check = live(verdict, action)
    assert check.outcome == "skipped" and "does not show who" in check.detail
    assert verdict.status == "flagged"


@pytest.mark.integration
@pytest.mark.parametrize("locale", ["bn", "hi"])
def test_bengali_and_hindi_pages(tt, make_verifier, locale):
    tt.admin(op="set_locale", platform="tiktok", locale=locale)
    verifier = make_verifier(tt)
    follow = live(verifier.verify(proof("follow", PROFILE, "wang_junyang", "pf")), "follow")
    assert follow.outcome == "pass", follow.detail
    comment = live(verifier.verify(proof("comment", VIDEO_URL, "buko_afk", "pc")), "comment")
    assert comment.outcome == "fail", comment.detail


# -- parsers and targets (no browser) -------------------------------------------------------


def test_parsers_read_the_web_app_shapes() -> None:
    comments = parse_comments({"comments": [{"cid": "1", "text": "Ohhhh, so cute cat!",
                                             "user": {"unique_id": "wang_junyang",
                                                      "nickname": "Wang Junyang"}}],
                               "cursor": 20, "has_more": 1, "status_code": 0})
    assert comments.names == [("wang_junyang", "Ohhhh, so cute cat!")] and comments.has_more
    assert parse_comments({"comments": None, "has_more": 0, "status_code": 0}).layout_ok
    assert not parse_comments({"unexpected": True}).layout_ok
    users = parse_user_list({"userList": [{"user": {"uniqueId": "a", "nickname": "A"}}],
                             "hasMore": False, "minCursor": 1, "statusCode": 0})
    assert users.names == [("a", "A")] and not users.has_more
    walls = load_platform_data("tiktok")["walls"]
    assert api_wall(429, sandbox_tiktok.ERR_RATE, walls)[0] == "rate_limit"  # type: ignore
    assert api_wall(200, sandbox_tiktok.VERIFY, walls)[0] == "captcha"  # type: ignore
    assert api_wall(200, sandbox_tiktok.ERR_LOGIN, walls)[0] == "login"  # type: ignore
    assert api_wall(200, {"statusCode": 0}, walls) is None


@pytest.mark.parametrize(("url", "kind", "key"), [
    ("https://www.tiktok.com/@stack.cats", "account", "stack.cats"),
    ("https://www.tiktok.com/@stack.cats?lang=bn", "account", "stack.cats"),
    (f"https://www.tiktok.com/@stack.cats/video/{VIDEO}?is_from_webapp=1", "post", VIDEO),
    (f"https://m.tiktok.com/@stack.cats/video/{VIDEO}", "post", VIDEO),
    (f"https://m.tiktok.com/v/{VIDEO}.html", "post", VIDEO),
    ("https://vm.tiktok.com/ZSabc123/", "post", "ZSabc123"),
    ("https://vt.tiktok.com/ZSabc123", "post", "ZSabc123"),
    ("https://www.tiktok.com/t/ZTRabc12/", "post", "ZTRabc12"),
    ("https://tiktok.com/@wang_junyang", "account", "wang_junyang"),
])
def test_parse_target(url: str, kind: str, key: str) -> None:
    target = TikTokAdapter().parse_target(url)
    assert (target.platform, target.kind, target.key) == ("tiktok", kind, key)


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/@stack.cats",
    "https://www.tiktok.com/",
    "https://www.tiktok.com/foryou",
    "https://www.tiktok.com/@stack.cats/video/notanid",
    "https://www.tiktok.com.evil.example/@stack.cats",
])
def test_refused_urls(url: str) -> None:
    with pytest.raises(TargetError):
        TikTokAdapter().parse_target(url)


def test_foreign_url_message() -> None:
    with pytest.raises(TargetError, match="is not a TikTok URL"):
        TikTokAdapter().parse_target("https://x.com/stack")
