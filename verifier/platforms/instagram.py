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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms import instagram_api as ia
from verifier.platforms.base import (
    Adapter,
    Handler,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
    normalize_handle,
    reveal,
)
from verifier.platforms.capture import ResponseCapture
from verifier.platforms.visit import LayoutChanged, Seen, Stop, Visit, Wall, Walls

HANDLE_RE = re.compile(r"^[A-Za-z0-9._]{1,30}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
NO_WORKER = ("the proof gives no valid Instagram username for the worker, so the action "
             "cannot be looked up")


@dataclass
class Capture(ResponseCapture):
    """The page's own ``/api/v1/`` answers, by kind (``kinds``), in fetch order."""

    kinds: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def key(self, match: re.Match[str]) -> str:
        rest = match.group("rest")
        return next((k for k, r in self.kinds.items() if r.search(rest)), "other")


# A logged-in handler's reading: (name, worker, the target's key, visit, env).
Reader = Callable[[str, str, str, Visit, LiveEnv], Check]


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
        self.walls = Walls(self.data["walls"])

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
    @action("share")
    def check_share(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return Check(name=name, outcome="skipped",
                     detail="Instagram does not show who shared a post to a third party; "
                            "the proof screenshot decides")

    @action("follow", "subscribe", kinds=("account",), session=True)
    def check_follow(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._logged_in(name, proof, target, env, self._follow)

    @action("like", kinds=("post",), session=True)
    def check_like(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._logged_in(name, proof, target, env, self._like)

    @action("comment", kinds=("post",))
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        worker = self._worker(proof)
        if worker is None:
            return self.unknown(name, NO_WORKER)
        return self._comment(name, worker, proof, target, env)

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"Instagram has no {proof.task.action} action this verifier "
                                  "checks")

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        return self.unknown(name, f"a {act} task needs an Instagram {spec.kinds[0]} URL, got "
                                  f"a {target.kind}")

    def no_session(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        what = "follower lists" if "account" in spec.kinds else "who liked a post"
        return self.unknown(name, f"Instagram shows {what} only to a logged-in account and "
                                  "no checker session for instagram is configured")

    @staticmethod
    def _worker(proof: Proof) -> str | None:
        worker = normalize_handle(proof.worker.handle)
        return worker if worker and HANDLE_RE.match(worker) else None

    def _visit(self, env: LiveEnv, session: str | None, record_blocked: bool = True) -> Visit:
        """A visit recording the page's own ``/api/v1/`` answers."""
        return Visit(env, session, capture=Capture(self.url_re, kinds=self.kinds),
                     record_blocked=record_blocked)

    def _logged_in(self, name: str, proof: Proof, target: Target, env: LiveEnv,
                   read: Reader) -> Check:
        """``read`` the target with the checker session; a ``Stop`` is ``unknown``."""
        worker = self._worker(proof)
        if worker is None:
            return self.unknown(name, NO_WORKER)
        with self._visit(env, "instagram") as visit:
            try:
                check = read(name, worker, target.key, visit, env)
            except Stop as stop:
                check = self.unknown(name, f"{stop.detail}; the {proof.task.action} could not "
                                           "be checked")
            visit.shot()
        check.evidence = [*visit.evidence, *check.evidence]
        return check

    def _goto(self, visit: Visit, path: str) -> None:
        assert visit.capture is not None
        visit.capture.responses.clear()
        visit.goto(self.base + path, label="Instagram")
        self._page_wall(visit.page)  # login and challenge pages come from the server

    def _wait(self, visit: Visit, kind: str, count: int) -> tuple[int, Any]:
        """The ``count``-th answer of ``kind``; ``Stop`` on a wall or when none comes."""
        page, capture = visit.page, visit.capture
        assert capture is not None
        waited = 0
        while waited < 8000:
            found = capture.of(kind)
            if len(found) >= count:
                status, body = found[count - 1]
                wall = ia.api_wall(status, body, self.data["walls"])
                if wall:
                    raise Wall(*wall)
                return status, body
            for _k, status, body in capture.responses:
                wall = ia.api_wall(status, body, self.data["walls"])
                if wall:
                    raise Wall(*wall)
            page.wait_for_timeout(100)
            waited += 100
        self._page_wall(page)
        raise LayoutChanged(f"the page {page.url} fetched no {kind} data")

    def _page_wall(self, page: Page) -> None:
        """The login, challenge or rate-limit page's text (``data/instagram.yaml``)."""
        try:
            text = page.inner_text("body", timeout=2000)
        except Exception:
            text = ""
        self.walls.check(Seen(text=text))

    def _profile(self, visit: Visit, user: str) -> ia.IgProfile | None:
        status, body = self._wait(visit, "profile", 1)
        if status == 404:
            return None
        found = ia.parse_profile(body, self.data)
        if found is None:
            raise LayoutChanged(f"Instagram's profile data for @{user} has no username")
        return found

    def _viewer(self, page: Page) -> str | None:
        try:
            raw = page.locator(self.data["selectors"]["viewer"]).first.text_content(timeout=2000)
            viewer = ia.dig(json.loads(raw or "{}"), ["config", "viewer", "username"])
        except Exception:
            return None
        return viewer if isinstance(viewer, str) else None

    def _follow(self, name: str, worker: str, target: str, visit: Visit, env: LiveEnv) -> Check:
        page = visit.open_page()
        self._goto(visit, self.data["pages"]["profile"].format(user=worker))
        profile = self._profile(visit, worker)
        if profile is None:
            return Check(name=name, outcome="fail",
                         detail=f"the Instagram account @{worker} does not exist")
        if (self._viewer(page) or "").casefold() == target.casefold():
            return self._relationship(name, worker, target, profile)
        first = self._scan(visit, "following", worker, target, env)
        if first[0] == "closed":
            second = self._scan(visit, "followers", target, worker, env)
            if second[0] == "closed":
                return self.unknown(name, f"both @{worker}'s following list and @{target}'s "
                                          "followers list are private to the checker account")
            outcome, seen, where = second[0], second[1], f"@{target}'s followers list"
        else:
            outcome, seen, where = first[0], first[1], f"@{worker}'s following list"
        if outcome == "found":
            visit.put_json({"worker": worker, "target": target, "list": where})
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
            raise LayoutChanged("Instagram's profile data has no follows_viewer")
        if profile.follows_viewer:
            return Check(name=name, outcome="pass", detail=f"@{worker} follows @{target} ({seen})")
        if profile.requested_viewer:
            return Check(name=name, outcome="fail",
                         detail=f"follow request pending: @{worker} asked to follow the private "
                                f"account @{target}, which has not approved it ({seen})")
        return Check(name=name, outcome="fail",
                     detail=f"@{worker} does not follow @{target} ({seen})")

    def _scan(self, visit: Visit, kind: str, owner: str, wanted: str,
              env: LiveEnv) -> tuple[str, str]:
        """(found|exhausted|truncated|closed|missing, what was seen) for one list."""
        page = visit.open_page()
        self._goto(visit, self.data["pages"][kind].format(user=owner))
        profile = self._profile(visit, owner)
        if profile is None:
            return "missing", ""
        users, pages = 0, 0
        while True:
            status, body = self._wait(visit, kind, pages + 1)
            if status in (400, 403) and ia.api_error(body) in self.data["errors"]["not_allowed"]:
                return "closed", ""
            result = ia.parse_user_list(body, self.data)
            if status != 200 or not result.layout_ok:
                raise LayoutChanged(f"Instagram's {kind} list of @{owner} has no data")
            pages += 1
            users += len(result.users)
            seen = f"{users} accounts over {pages} page(s)"
            if result.find(wanted) is not None:
                self._reveal(page, wanted)
                return "found", seen
            if not result.next_cursor:
                if kind == "followers" and not users and profile.followers:
                    raise LayoutChanged(f"@{owner} counts {profile.followers} followers "
                                        "but the list read none")
                return "exhausted", seen
            if pages >= env.settings.max_list_pages:
                return "truncated", seen
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    def _reveal(self, page: Page, username: str) -> None:
        reveal(page.locator(self.data["selectors"]["user_row"]).filter(has_text=username))

    def _like(self, name: str, worker: str, code: str, visit: Visit, env: LiveEnv) -> Check:
        page = visit.open_page()
        self._goto(visit, self.data["pages"]["likers"].format(code=code))
        status, body = self._wait(visit, "media", 1)
        media = ia.parse_media(body, self.data) if status == 200 else None
        if media is None:
            return self.unknown(name, f"Instagram shows no post {code} (deleted, private or a "
                                      "wrong link)")
        likers: list[ia.IgUser] = []
        pages = 0
        while True:
            status, body = self._wait(visit, "likers", pages + 1)
            result = ia.parse_user_list(body, self.data)
            if status != 200 or not result.layout_ok:
                raise LayoutChanged(f"Instagram's likers of {code} have no data")
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
            raise LayoutChanged(f"the post {code} counts {media.like_count} likes but "
                                "the likers list read none")
        return Check(name=name, outcome="fail",
                     detail=f"@{worker} is not among the {len(likers)} likers of the Instagram "
                            f"post {code}")

    def _comment(self, name: str, worker: str, proof: Proof, target: Target,
                 env: LiveEnv) -> Check:
        with self._visit(env, None, record_blocked=False) as visit:
            try:
                comments = self._comments(name, worker, target, visit, env)
            except Stop as stop:
                visit.shot()
                return self.unknown(name, f"{stop.detail}; the comment could not be checked",
                                    visit.evidence)
            if isinstance(comments, Check):
                return comments
            visit.shot()
        evidence = visit.evidence
        # With every comment dated, only an earlier one can have been copied.
        dated = bool(comments) and all(c.created is not None for c in comments)
        ordered = sorted(comments, key=lambda c: c.created or 0) if dated else comments
        judged = [Comment(author=c.username, text=c.text) for c in ordered]
        return judge_comment(name, [worker], judged, proof.task,
                             f"the Instagram post {target.key}", evidence, oldest_first=dated)

    def _comments(self, name: str, worker: str, target: Target, visit: Visit,
                  env: LiveEnv) -> list[ia.IgComment] | Check:
        """The post's comments up to the worker's (or the end); a ``Check`` when the post
        is not shown or its comments go on past the page limit."""
        self._goto(visit, self.data["pages"]["post"].format(code=target.key))
        status, body = self._wait(visit, "media", 1)
        media = ia.parse_media(body, self.data) if status == 200 else None
        if media is None:
            return self.unknown(name, f"Instagram shows no post {target.key}")
        comments: list[ia.IgComment] = []
        pages = 0
        while True:
            status, body = self._wait(visit, "comments", pages + 1)
            result = ia.parse_comments(body, self.data)
            if status != 200 or not result.layout_ok:
                raise LayoutChanged("Instagram's comments have no data")
            pages += 1
            comments.extend(result.comments)
            mine = any(c.username.casefold() == worker.casefold() for c in result.comments)
            if mine or not result.next_cursor:
                counted = media.comment_count or result.count or 0
                if counted and not comments:
                    raise LayoutChanged(f"the post counts {counted} comments but none could "
                                        "be read")
                return comments
            if pages >= env.settings.max_list_pages:
                visit.shot()
                return self.unknown(name, f"no comment by @{worker} among the first "
                                          f"{len(comments)} and the post has more",
                                    visit.evidence)
            visit.page.locator(self.data["selectors"]["load_more_comments"]).first.click()
