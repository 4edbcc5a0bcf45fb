"""TikTok: follows through the followers list a logged-in checker can open,
comments from the public video page; likes and shares are proof-only.

DESIGN table: follow S, like P, comment L, share P. TikTok's web app puts
the profile or video in ``__UNIVERSAL_DATA_FOR_REHYDRATION__`` and fetches
lists from ``/api/comment/list/`` (``{"comments": [{"cid", "text", "user":
{"unique_id", "nickname"}}], "cursor", "has_more", "status_code"}``) and
``/api/user/list/`` (``{"userList": [{"user": {"uniqueId", "nickname"}}],
"hasMore", "minCursor", "statusCode"}``); the check reads those answers in
the order the page fetched them and scrolls for more. Short links
(vm.tiktok.com) are opened as they are: the page they land on says which
video it is. Every key and selector lives in ``data/tiktok.yaml``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms.base import (
    Adapter,
    Handler,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
    normalize_handle,
)
from verifier.platforms.capture import ResponseCapture
from verifier.platforms.visit import LayoutChanged, Seen, Stop, Visit, Wall, Walls

HANDLE_RE = re.compile(r"^[A-Za-z0-9_.]{2,24}$")
CODE_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")


# -- parsers (pure) --------------------------------------------------------------------


@dataclass
class ListPage:
    names: list[tuple[str, str]] = field(default_factory=list)  # (unique id, nickname)
    times: list[int | None] = field(default_factory=list)  # comments: create_time, per name
    has_more: bool = False
    layout_ok: bool = True
    code: int | None = None


def _code(payload: Mapping[str, Any]) -> int | None:
    for key in ("statusCode", "status_code"):
        if isinstance(payload.get(key), int):
            return int(payload[key])
    return None


def parse_comments(payload: Any) -> ListPage:
    """``/api/comment/list/``: (unique_id, text) pairs in ``names``."""
    if not isinstance(payload, Mapping):
        return ListPage(layout_ok=False)
    page = ListPage(code=_code(payload), has_more=bool(payload.get("has_more")))
    comments = payload.get("comments")
    if comments is None and page.code == 0 and not page.has_more:
        return page  # TikTok sends "comments": null for a video without comments
    if not isinstance(comments, list):
        page.layout_ok = page.code not in (0, None)
        return page
    for item in comments:
        user = item.get("user") if isinstance(item, Mapping) else None
        if isinstance(user, Mapping) and isinstance(user.get("unique_id"), str):
            page.names.append((user["unique_id"], str(item.get("text") or "")))
            created = item.get("create_time")
            page.times.append(created if isinstance(created, int)
                              and not isinstance(created, bool) else None)
    return page


def parse_user_list(payload: Any) -> ListPage:
    """``/api/user/list/``: (uniqueId, nickname) pairs."""
    if not isinstance(payload, Mapping):
        return ListPage(layout_ok=False)
    page = ListPage(code=_code(payload), has_more=bool(payload.get("hasMore")))
    users = payload.get("userList")
    if not isinstance(users, list):
        page.layout_ok = page.code not in (0, None)
        return page
    for item in users:
        user = item.get("user") if isinstance(item, Mapping) else None
        if isinstance(user, Mapping) and isinstance(user.get("uniqueId"), str):
            page.names.append((user["uniqueId"], str(user.get("nickname") or "")))
    return page


def rehydration(raw: str | None, spec: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """One scope entry (``webapp.user-detail`` ...) of the page's initial data."""
    try:
        data = json.loads(raw or "")
    except ValueError:
        return None
    scope = data.get(spec["rehydration"]["scope"]) if isinstance(data, Mapping) else None
    entry = scope.get(spec["rehydration"][key]) if isinstance(scope, Mapping) else None
    return entry if isinstance(entry, Mapping) else None


def api_wall(status: int, payload: Any, walls: Mapping[str, Mapping[str, Any]]
             ) -> tuple[str, str] | None:
    code = _code(payload) if isinstance(payload, Mapping) else None
    kind = payload.get("type") if isinstance(payload, Mapping) else None
    for name, wall in walls.items():
        if (status in wall.get("api_status", []) or kind in wall.get("api_type", [])
                or (code is not None and code in wall.get("api_codes", []))):
            return name, str(wall["reason"])
    return None


# -- the adapter -----------------------------------------------------------------------


# A handler's reading of the opened page: (name, worker, proof, target, visit, env).
Reader = Callable[[str, str, Proof, Target, Visit, LiveEnv], Check]


class TikTokAdapter(Adapter):
    platform = "tiktok"

    def __init__(self) -> None:
        self.data = load_platform_data("tiktok")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.short_hosts = {h.lower() for h in self.data["short_hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.base = self.data["base_url"]
        self.url_re = re.compile(self.data["api"]["url_pattern"])  # keyed by the path after /api/
        self.walls = Walls(self.data["walls"])

    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts | self.short_hosts:
            raise TargetError(f"{url!r} is not a TikTok URL (expected "
                              "https://www.tiktok.com/@USER or /@USER/video/ID)")
        seg = [s for s in parts.path.split("/") if s]
        if host in self.short_hosts or (seg[:1] == [self.data["short_path"]] and len(seg) == 2):
            code = seg[-1] if seg else ""
            if not CODE_RE.match(code):
                raise TargetError(f"{url!r} is not a TikTok short link")
            return Target("tiktok", "post", code, f"https://{host}/{'/'.join(seg)}/")
        if len(seg) == 2 and seg[0] == "v" and seg[1].removesuffix(".html").isdigit():
            vid = seg[1].removesuffix(".html")  # m.tiktok.com/v/ID.html
            return Target("tiktok", "post", vid, f"{self.base}/@/video/{vid}")
        if not seg or not seg[0].startswith("@"):
            raise TargetError(f"{url!r} does not name a TikTok account (@USER) or video")
        user = seg[0][1:]
        if not HANDLE_RE.match(user):
            raise TargetError(f"{seg[0]!r} in {url!r} is not a valid TikTok username")
        if len(seg) >= 3 and seg[1] in ("video", "photo"):
            if not seg[2].isdigit():
                raise TargetError(f"{seg[2]!r} in {url!r} is not a TikTok video id")
            return Target("tiktok", "post", seg[2], f"{self.base}/@{user}/video/{seg[2]}",
                          owner=user)
        return Target("tiktok", "account", user, f"{self.base}/@{user}")

    @action("like", "share")
    def check_hidden(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        verb = "liked" if proof.task.action == "like" else "shared"
        return Check(name=name, outcome="skipped",
                     detail=f"TikTok does not show who {verb} a video to a third party; "
                            "the proof screenshot decides")

    @action("follow", "subscribe", kinds=("account",), session=True)
    def check_follow(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._visit(name, proof, target, env, "tiktok", self._follow)

    @action("comment", kinds=("post",))
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._visit(name, proof, target, env, None, self._comment)

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"TikTok has no {proof.task.action} action this verifier "
                                  "checks")

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        return self.unknown(name, f"a {act} task needs a TikTok {spec.kinds[0]} URL, got a "
                                  f"{target.kind}")

    def no_session(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        return self.unknown(name, "TikTok shows followers lists only to a logged-in account "
                                  "and no checker session for tiktok is configured")

    def _visit(self, name: str, proof: Proof, target: Target, env: LiveEnv,
               session: str | None, read: Reader) -> Check:
        """Open the target's page and ``read`` it; a ``Stop`` is ``unknown`` with its reason."""
        worker = normalize_handle(proof.worker.handle)
        if not worker or not HANDLE_RE.match(worker):
            return self.unknown(name, "the proof gives no valid TikTok username for the worker")
        capture = ResponseCapture(self.url_re, host=urlsplit(self.base).hostname or "")
        with Visit(env, session, capture=capture) as visit:
            try:
                self._open(visit, target.url)
                check = read(name, worker, proof, target, visit, env)
            except Stop as stop:
                check = self.unknown(name, f"{stop.detail}; the {proof.task.action} could not "
                                           "be checked")
            visit.shot()
        check.evidence = [*visit.evidence, *check.evidence]
        return check

    def _open(self, visit: Visit, url: str) -> None:
        visit.goto(url, label="TikTok")
        self._page_wall(visit.page)

    def _page_wall(self, page: Page) -> None:
        """The login modal, captcha or rate-limit page's text (``data/tiktok.yaml``)."""
        try:
            text = page.inner_text("body", timeout=2000)
        except Exception:
            text = ""
        self.walls.check(Seen(text=text))

    def _initial(self, page: Page, key: str) -> Mapping[str, Any]:
        try:
            raw = page.locator(self.data["rehydration"]["selector"]).first.text_content(
                timeout=3000)
        except Exception:
            raw = None
        entry = rehydration(raw, self.data, key)
        if entry is None:
            raise LayoutChanged(f"the page {page.url} has no {key} in its initial data")
        return entry

    def _wait(self, visit: Visit, kind: str, count: int) -> tuple[int, Any]:
        page, capture = visit.page, visit.capture
        assert capture is not None
        waited = 0
        while waited < 8000:
            for _k, status, body in capture.responses:
                wall = api_wall(status, body, self.data["walls"])
                if wall:
                    raise Wall(*wall)
            found = capture.of(kind)
            if len(found) >= count:
                return found[count - 1]
            if waited % 1000 == 500:
                self._page_wall(page)  # a login modal or captcha instead of a request
            page.wait_for_timeout(100)
            waited += 100
        self._page_wall(page)
        raise LayoutChanged(f"the page {page.url} fetched no {kind} data")

    def _follow(self, name: str, worker: str, proof: Proof, account: Target, visit: Visit,
                env: LiveEnv) -> Check:
        page, target = visit.page, account.key
        detail = self._initial(page, "user_detail")
        if detail.get("statusCode") in self.data["rehydration"]["missing_codes"]:
            return Check(name=name, outcome="fail",
                         detail=f"the TikTok account @{target} does not exist")
        try:
            page.locator(self.data["selectors"]["followers_count"]).first.click(timeout=5000)
        except Exception as exc:
            self._page_wall(page)
            raise LayoutChanged("the profile has no followers count to open") from exc
        kind = self.data["api"]["user_list"]
        seen, pages = 0, 0
        while True:
            status, body = self._wait(visit, kind, pages + 1)
            result = parse_user_list(body)
            if result.code in self.data["api"]["private_codes"]:
                return self.unknown(name, f"@{target}'s followers list is private to the "
                                          "checker account")
            if status != 200 or not result.layout_ok or result.code not in \
                    self.data["api"]["ok_codes"]:
                raise LayoutChanged(f"TikTok answered {status}/{result.code} for the "
                                    "followers list")
            pages += 1
            seen += len(result.names)
            counted = f"{seen} accounts over {pages} page(s)"
            if any(u.casefold() == worker.casefold() for u, _n in result.names):
                return Check(name=name, outcome="pass",
                             detail=f"@{worker} follows @{target}: found in @{target}'s "
                                    f"followers list ({counted})")
            if not result.has_more:
                return Check(name=name, outcome="fail",
                             detail=f"@{worker} does not follow @{target}: @{target}'s followers "
                                    f"list ends without them ({counted})")
            if pages >= env.settings.max_list_pages:
                return self.unknown(name, f"@{worker} was not among the first {counted} of "
                                          f"@{target}'s followers, which go on past the limit")
            self._scroll(page, self.data["selectors"]["user_list"])

    def _scroll(self, page: Page, selector: str) -> None:
        page.evaluate("(s) => { const box = document.querySelector(s);"
                      " if (box) box.scrollTop = box.scrollHeight;"
                      " window.scrollTo(0, document.body.scrollHeight); }", selector)

    def _comment(self, name: str, worker: str, proof: Proof, target: Target, visit: Visit,
                 env: LiveEnv) -> Check:
        page = visit.page
        detail = self._initial(page, "video_detail")
        if detail.get("statusCode") in self.data["rehydration"]["missing_codes"]:
            return self.unknown(name, f"TikTok shows no video at {target.url} (deleted, private "
                                      "or a wrong link)")
        item = (detail.get("itemInfo") or {}).get("itemStruct") or {}
        video = str(item.get("id") or target.key)
        author = str((item.get("author") or {}).get("uniqueId") or "")
        if urlsplit(page.url).hostname != urlsplit(self.base).hostname and author:
            # A short link: continue on the video's own page, as the app lands there.
            assert visit.capture is not None
            visit.capture.responses.clear()
            self._open(visit, f"{self.base}/@{author}/video/{video}")
        kind = self.data["api"]["comments"]
        comments: list[tuple[str, str]] = []
        times: list[int | None] = []
        pages = 0
        while True:
            status, body = self._wait(visit, kind, pages + 1)
            result = parse_comments(body)
            if status != 200 or not result.layout_ok or result.code not in \
                    self.data["api"]["ok_codes"]:
                raise LayoutChanged(f"TikTok answered {status}/{result.code} for the "
                                    "comments")
            pages += 1
            comments.extend(result.names)
            times.extend(result.times)
            if any(u.casefold() == worker.casefold() for u, _t in result.names) or \
                    not result.has_more:
                break
            if pages >= env.settings.max_list_pages:
                return self.unknown(name, f"no comment by @{worker} among the first "
                                          f"{len(comments)} and the video has more")
            self._scroll(page, self.data["selectors"]["comment_list"])
        # With every comment dated, only an earlier one can have been copied.
        dated = bool(comments) and len(times) == len(comments) and None not in times
        pairs = list(zip(comments, times, strict=False))
        if dated:
            pairs.sort(key=lambda pair: pair[1] or 0)
        judged = [Comment(author=u, text=t) for (u, t), _when in pairs]
        return judge_comment(name, [worker], judged, proof.task, f"the TikTok video {video}",
                             oldest_first=dated)
