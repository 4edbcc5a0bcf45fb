"""Instagram: follows and likes through the checker's logged-in view, comments
on the public post page; shares are proof-only.

DESIGN table: follow S (followers/following lists), like S (likers), comment
L/S, share P. The pages fetch their data from ``/api/v1/`` in today's shapes
(``instagram_api``: ``web_profile_info`` profiles, v1 media ``items[]`` and
comments); the check reads those responses in the order the page fetched
them, and scrolls or presses "Load more comments" for further pages.

What the viewer-relative flags can and cannot say: ``has_liked``,
``followed_by_viewer`` and ``friendship_status.following`` are the
*checker's* state, never the worker's, so a like or follow is read from the
likers and follower lists. When the operator's session for Instagram is the
target account's own (an employer who handed over its session), the worker's
profile as that session sees it answers directly: ``follows_viewer`` passes,
``has_requested_viewer`` (a request to a private account, not approved)
fails as "follow request pending".

``fail`` only on an answer that was understood: a list or comment page that
comes back empty or short while the profile or post counts entries is a
changed layout (``unknown``), not an absence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms import instagram_api as ia
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    load_platform_data,
    normalize_handle,
    reveal,
)
from verifier.platforms.capture import ResponseCapture

HANDLE_RE = re.compile(r"^[A-Za-z0-9._]{1,30}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


class Stop(Exception):
    """The page cannot tell: a wall, a timeout or a changed layout."""


@dataclass
class Capture(ResponseCapture):
    """The page's own ``/api/v1/`` answers, by kind (``kinds``), in fetch order."""

    kinds: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def key(self, match: re.Match[str]) -> str:
        rest = match.group("rest")
        return next((k for k, r in self.kinds.items() if r.search(rest)), "other")


class InstagramAdapter(Adapter):
    platform = "instagram"

    def __init__(self) -> None:
        self.data = load_platform_data("instagram")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.base = self.data["base_url"]
        api = self.data["api"]
        self.kinds = {k: re.compile(v) for k, v in api["kinds"].items()}
        self.url_re = re.compile(api["url_pattern"])

    # -- targets -----------------------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts:
            raise TargetError(f"{url!r} is not an Instagram URL (expected "
                              "https://www.instagram.com/USER/ or /p/SHORTCODE/)")
        seg = [s for s in parts.path.split("/") if s]
        posts = set(self.data["post_paths"])
        if len(seg) >= 2 and seg[0].lower() in posts:
            return self._post(url, seg[1], None)
        if len(seg) >= 3 and seg[1].lower() in posts:  # /USER/p/CODE/
            return self._post(url, seg[2], seg[0])
        if not seg or seg[0].lower() in self.reserved:
            raise TargetError(f"{url!r} does not name an Instagram account or post")
        if not HANDLE_RE.match(seg[0]):
            raise TargetError(f"{seg[0]!r} in {url!r} is not a valid Instagram username")
        return Target("instagram", "account", seg[0], f"{self.base}/{seg[0]}/")

    def _post(self, url: str, code: str, owner: str | None) -> Target:
        if not CODE_RE.match(code):
            raise TargetError(f"{code!r} in {url!r} is not an Instagram post shortcode")
        return Target("instagram", "post", code, f"{self.base}/p/{code}/", owner=owner)

    # -- live checks -------------------------------------------------------------------
    def live_check(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        action = proof.task.action
        name = f"live.{action}"
        if action == "share":
            return Check(name=name, outcome="skipped",
                         detail="Instagram does not show who shared a post to a third party; "
                                "the proof screenshot decides")
        wanted = {"follow": "account", "subscribe": "account", "like": "post",
                  "comment": "post"}.get(action)
        if wanted is None:
            return self.unknown(name, f"Instagram has no {action} action this verifier checks")
        if target.kind != wanted:
            return self.unknown(name, f"a {action} task needs an Instagram {wanted} URL, got "
                                      f"a {target.kind}")
        worker = normalize_handle(proof.worker.handle)
        if not worker or not HANDLE_RE.match(worker):
            return self.unknown(name, "the proof gives no valid Instagram username for the "
                                      "worker, so the action cannot be looked up")
        if action == "comment":
            return self._comment(name, worker, proof, target, env)
        if env.pool.session_file("instagram") is None:
            what = "follower lists" if wanted == "account" else "who liked a post"
            return self.unknown(name, f"Instagram shows {what} only to a logged-in account and "
                                      "no checker session for instagram is configured")
        with env.pool.context("instagram") as (ctx, info):
            page = ctx.new_page()
            capture = Capture(self.url_re, kinds=self.kinds)
            page.on("response", capture.on_response)
            evidence: list[str] = []
            try:
                if wanted == "account":
                    check = self._follow(name, worker, target.key, page, capture, env, evidence)
                else:
                    check = self._like(name, worker, target.key, page, capture, env, evidence)
            except Stop as exc:
                check = self.unknown(name, f"{exc}; the {action} could not be checked")
            self._shot(page, env, evidence)
            if info.blocked:
                evidence.append(env.evidence.put_text("\n".join(info.blocked)))
        check.evidence = [*evidence, *check.evidence]
        return check

    def _shot(self, page: Page, env: LiveEnv, evidence: list[str]) -> None:
        try:
            evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
        except Exception:
            return

    def _goto(self, page: Page, capture: Capture, path: str) -> None:
        capture.responses.clear()
        try:
            page.goto(self.base + path, wait_until="domcontentloaded")
        except Exception as exc:
            raise Stop(f"Instagram could not be opened at {self.base}{path}: {exc}") from exc
        reason = self._page_wall(page)  # login and challenge pages come from the server
        if reason:
            raise Stop(reason)

    def _wait(self, page: Page, capture: Capture, kind: str, count: int) -> tuple[int, Any]:
        """The ``count``-th answer of ``kind``; ``Stop`` on a wall or when none comes."""
        waited = 0
        while waited < 8000:
            found = capture.of(kind)
            if len(found) >= count:
                status, body = found[count - 1]
                wall = ia.api_wall(status, body, self.data["walls"])
                if wall:
                    raise Stop(wall[1])
                return status, body
            for _k, status, body in capture.responses:
                wall = ia.api_wall(status, body, self.data["walls"])
                if wall:
                    raise Stop(wall[1])
            page.wait_for_timeout(100)
            waited += 100
        reason = self._page_wall(page)
        raise Stop(reason or f"layout changed: the page {page.url} fetched no {kind} data")

    def _page_wall(self, page: Page) -> str | None:
        try:
            text = page.inner_text("body", timeout=2000)
        except Exception:
            text = ""
        for wall in self.data["walls"].values():
            if any(t in text for t in wall.get("text", [])):
                return str(wall["reason"])
        return None

    def _profile(self, page: Page, capture: Capture, user: str) -> ia.IgProfile | None:
        status, body = self._wait(page, capture, "profile", 1)
        if status == 404:
            return None
        found = ia.parse_profile(body, self.data)
        if found is None:
            raise Stop(f"layout changed: Instagram's profile data for @{user} has no username")
        return found

    def _viewer(self, page: Page) -> str | None:
        try:
            raw = page.locator(self.data["selectors"]["viewer"]).first.text_content(timeout=2000)
            viewer = ia.dig(json.loads(raw or "{}"), ["config", "viewer", "username"])
        except Exception:
            return None
        return viewer if isinstance(viewer, str) else None

    def _follow(self, name: str, worker: str, target: str, page: Page, capture: Capture,
                env: LiveEnv, evidence: list[str]) -> Check:
        self._goto(page, capture, self.data["pages"]["profile"].format(user=worker))
        profile = self._profile(page, capture, worker)
        if profile is None:
            return Check(name=name, outcome="fail",
                         detail=f"the Instagram account @{worker} does not exist")
        if (self._viewer(page) or "").casefold() == target.casefold():
            return self._relationship(name, worker, target, profile)
        first = self._scan(page, capture, "following", worker, target, env)
        if first[0] == "closed":
            second = self._scan(page, capture, "followers", target, worker, env)
            if second[0] == "closed":
                return self.unknown(name, f"both @{worker}'s following list and @{target}'s "
                                          "followers list are private to the checker account")
            outcome, seen, where = second[0], second[1], f"@{target}'s followers list"
        else:
            outcome, seen, where = first[0], first[1], f"@{worker}'s following list"
        if outcome == "found":
            evidence.append(env.evidence.put_json({"worker": worker, "target": target,
                                                   "list": where}))
            return Check(name=name, outcome="pass",
                         detail=f"@{worker} follows @{target}: found in {where} ({seen})")
        if outcome == "missing":
            return Check(name=name, outcome="fail",
                         detail=f"the Instagram account @{target} does not exist")
        if outcome == "truncated":
            return self.unknown(name, f"not found among the first {seen} of {where}, which "
                                      "goes on past the page limit")
        return Check(name=name, outcome="fail",
                     detail=f"@{worker} does not follow @{target}: {where} ends without them "
                            f"({seen})")

    def _relationship(self, name: str, worker: str, target: str,
                      profile: ia.IgProfile) -> Check:
        seen = f"as @{target}'s own session sees @{worker}"
        if profile.follows_viewer is None:
            raise Stop("layout changed: Instagram's profile data has no follows_viewer")
        if profile.follows_viewer:
            return Check(name=name, outcome="pass", detail=f"@{worker} follows @{target} ({seen})")
        if profile.requested_viewer:
            return Check(name=name, outcome="fail",
                         detail=f"follow request pending: @{worker} asked to follow the private "
                                f"account @{target}, which has not approved it ({seen})")
        return Check(name=name, outcome="fail",
                     detail=f"@{worker} does not follow @{target} ({seen})")

    def _scan(self, page: Page, capture: Capture, kind: str, owner: str, wanted: str,
              env: LiveEnv) -> tuple[str, str]:
        """(found|exhausted|truncated|closed|missing, what was seen) for one list."""
        self._goto(page, capture, self.data["pages"][kind].format(user=owner))
        profile = self._profile(page, capture, owner)
        if profile is None:
            return "missing", ""
        users, pages = 0, 0
        while True:
            status, body = self._wait(page, capture, kind, pages + 1)
            if status in (400, 403) and ia.api_error(body) in self.data["errors"]["not_allowed"]:
                return "closed", ""
            result = ia.parse_user_list(body, self.data)
            if status != 200 or not result.layout_ok:
                raise Stop(f"layout changed: Instagram's {kind} list of @{owner} has no data")
            pages += 1
            users += len(result.users)
            seen = f"{users} accounts over {pages} page(s)"
            if result.find(wanted) is not None:
                self._reveal(page, wanted)
                return "found", seen
            if not result.next_cursor:
                if kind == "followers" and not users and profile.followers:
                    raise Stop(f"layout changed: @{owner} counts {profile.followers} followers "
                               "but the list read none")
                return "exhausted", seen
            if pages >= env.settings.max_list_pages:
                return "truncated", seen
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    def _reveal(self, page: Page, username: str) -> None:
        reveal(page.locator(self.data["selectors"]["user_row"]).filter(has_text=username))

    def _like(self, name: str, worker: str, code: str, page: Page, capture: Capture,
              env: LiveEnv, evidence: list[str]) -> Check:
        self._goto(page, capture, self.data["pages"]["likers"].format(code=code))
        status, body = self._wait(page, capture, "media", 1)
        media = ia.parse_media(body, self.data) if status == 200 else None
        if media is None:
            return self.unknown(name, f"Instagram shows no post {code} (deleted, private or a "
                                      "wrong link)")
        likers: list[ia.IgUser] = []
        pages = 0
        while True:
            status, body = self._wait(page, capture, "likers", pages + 1)
            result = ia.parse_user_list(body, self.data)
            if status != 200 or not result.layout_ok:
                raise Stop(f"layout changed: Instagram's likers of {code} have no data")
            pages += 1
            likers.extend(result.users)
            if result.find(worker) or not result.next_cursor:
                break
            if pages >= env.settings.max_list_pages:
                return self.unknown(name, f"@{worker} was not among the first {len(likers)} "
                                          f"likers of {code}, which go on past the page limit")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        if any(u.username.casefold() == worker.casefold() for u in likers):
            self._reveal(page, worker)
            return Check(name=name, outcome="pass",
                         detail=f"@{worker} liked the Instagram post {code} (found among "
                                f"{len(likers)} likers)")
        if media.like_count and not likers:
            raise Stop(f"layout changed: the post {code} counts {media.like_count} likes but "
                       "the likers list read none")
        return Check(name=name, outcome="fail",
                     detail=f"@{worker} is not among the {len(likers)} likers of the Instagram "
                            f"post {code}")

    def _comment(self, name: str, worker: str, proof: Proof, target: Target,
                 env: LiveEnv) -> Check:
        evidence: list[str] = []
        comments: list[ia.IgComment] = []
        with env.pool.context(None) as (ctx, _info):
            page = ctx.new_page()
            capture = Capture(self.url_re, kinds=self.kinds)
            page.on("response", capture.on_response)
            try:
                self._goto(page, capture, self.data["pages"]["post"].format(code=target.key))
                status, body = self._wait(page, capture, "media", 1)
                media = ia.parse_media(body, self.data) if status == 200 else None
                if media is None:
                    return self.unknown(name, f"Instagram shows no post {target.key}")
                pages = 0
                while True:
                    status, body = self._wait(page, capture, "comments", pages + 1)
                    result = ia.parse_comments(body, self.data)
                    if status != 200 or not result.layout_ok:
                        raise Stop("layout changed: Instagram's comments have no data")
                    pages += 1
                    comments.extend(result.comments)
                    mine = any(c.username.casefold() == worker.casefold()
                               for c in result.comments)
                    if mine or not result.next_cursor:
                        counted = media.comment_count or result.count or 0
                        if counted and not comments:
                            raise Stop(f"layout changed: the post counts {counted} comments "
                                       "but none could be read")
                        break
                    if pages >= env.settings.max_list_pages:
                        self._shot(page, env, evidence)
                        return self.unknown(name, f"no comment by @{worker} among the first "
                                                  f"{len(comments)} and the post has more",
                                            evidence)
                    page.locator(self.data["selectors"]["load_more_comments"]).first.click()
            except Stop as exc:
                self._shot(page, env, evidence)
                return self.unknown(name, f"{exc}; the comment could not be checked", evidence)
            self._shot(page, env, evidence)
        # With every comment dated, only an earlier one can have been copied.
        dated = bool(comments) and all(c.created is not None for c in comments)
        ordered = sorted(comments, key=lambda c: c.created or 0) if dated else comments
        judged = [Comment(author=c.username, text=c.text) for c in ordered]
        return judge_comment(name, [worker], judged, proof.task,
                             f"the Instagram post {target.key}", evidence, oldest_first=dated)
