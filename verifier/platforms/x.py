"""X (x.com / twitter.com): follow checks through the checker's logged-in view
(comments, reposts and likes: ``x_posts``).

Since 2023 X shows followers and following lists only to a logged-in account,
so this adapter needs the operator's checker session (DESIGN table: "S").
It opens the worker's following list, reads the GraphQL pages the list
itself fetched, and scrolls for more until the target is found or the list
ends; when that list is closed to the checker (protected account), it reads
the target's followers instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from verifier.models import Check, Proof
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
from verifier.platforms.x_graphql import (
    TimelinePage,
    XUser,
    graphql_error_codes,
    parse_timeline,
    parse_user_by_screen_name,
)

HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


log = logging.getLogger(__name__)


@dataclass
class Capture(ResponseCapture):
    """The GraphQL responses a page fetched, in order, keyed by operation name, and the
    rate-limit budget X's headers announced (``x-rate-limit-remaining``)."""

    group: str = "operation"
    budget_header: str = "x-rate-limit-remaining"
    exhausted: bool = False  # some answer said no requests are left in this window
    warned: bool = False  # the operator was warned about a locked checker account

    def on_response(self, response: Response) -> None:
        before = len(self.responses)
        super().on_response(response)
        if len(self.responses) == before:
            return
        try:
            left = response.headers.get(self.budget_header)
        except Exception:
            left = None
        if left is not None and left.strip() == "0":
            self.exhausted = True


class ListOutcome:
    FOUND = "found"
    EXHAUSTED = "exhausted"
    TRUNCATED = "truncated"
    CLOSED = "closed"  # protected list or missing account


@dataclass
class ListResult:
    outcome: str
    pages: int = 0
    users_seen: int = 0
    match: XUser | None = None
    wall: str | None = None
    detail: str = ""
    owner: XUser | None = None


class XAdapter(Adapter):
    platform = "x"

    def __init__(self) -> None:
        self.data = load_platform_data("x")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.gql = self.data["graphql"]
        self.operation_re = re.compile(self.gql["url_pattern"])

    # -- targets -----------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts:
            raise TargetError(f"{url!r} is not an X URL (expected https://x.com/HANDLE)")
        segments = [s for s in parts.path.split("/") if s]
        if segments[:2] == ["intent", "follow"] or segments[:2] == ["intent", "user"]:
            handle = (parse_qs(parts.query).get("screen_name") or [""])[0]
            segments = [handle] if handle else []
        if not segments or segments[0].lower() in self.reserved:
            raise TargetError(f"{url!r} does not name an X account or post")
        handle = segments[0]
        if not HANDLE_RE.match(handle):
            raise TargetError(f"{handle!r} in {url!r} is not a valid X handle")
        base = self.data["base_url"]
        if len(segments) >= 3 and segments[1] == "status" and segments[2].isdigit():
            return Target("x", "post", segments[2], f"{base}/{handle}/status/{segments[2]}",
                          owner=handle)
        return Target("x", "account", handle, f"{base}/{handle}")

    # -- live checks -----------------------------------------------------------
    def live_check(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        action = proof.task.action
        name = f"live.{action}"
        if action in ("like", "comment", "share"):
            from verifier.platforms import x_posts  # x_posts builds on this module

            if action == "like":
                return x_posts.check_like(name)
            check = x_posts.check_comment if action == "comment" else x_posts.check_share
            return check(self, name, proof, target, env)
        if action not in ("follow", "subscribe"):
            return self.unknown(name, f"{action} is not an action on X")
        if target.kind != "account":
            return self.unknown(name, f"a follow task needs an account URL, got a {target.kind}")
        worker = normalize_handle(proof.worker.handle)
        if not worker or not HANDLE_RE.match(worker):
            return self.unknown(name, "the proof gives no valid X handle for the worker, so the "
                                      "follow cannot be looked up")
        if env.pool.session_file("x") is None:
            return self.unknown(name, "X shows follower lists only to a logged-in account and no "
                                      "checker session for x is configured")
        return self._check_follow(name, worker, target.key, env)

    def _check_follow(self, name: str, worker: str, target: str, env: LiveEnv) -> Check:
        base = self.data["base_url"]
        evidence: list[str] = []
        with env.pool.context("x") as (ctx, info):
            page = ctx.new_page()
            capture = Capture(self.operation_re)
            page.on("response", capture.on_response)
            first = self._scan_list(page, capture, f"{base}/{worker}/following",
                                    self.gql["following"], target, env)
            result = first
            closed = first.outcome == ListOutcome.CLOSED and first.wall is None
            if closed and not first.detail.startswith("missing:"):
                capture.responses.clear()
                result = self._scan_list(page, capture, f"{base}/{target}/followers",
                                         self.gql["followers"], worker, env)
            evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
            if result.match is not None:
                evidence.append(env.evidence.put_json({
                    "rest_id": result.match.rest_id, "screen_name": result.match.screen_name,
                    "name": result.match.name, "list": page.url,
                }))
            if info.blocked:
                evidence.append(env.evidence.put_text("\n".join(info.blocked)))
        return self._verdict(name, worker, target, first, result, evidence)

    def _verdict(self, name: str, worker: str, target: str, first: ListResult,
                 result: ListResult, evidence: list[str]) -> Check:
        seen = f"{result.users_seen} accounts over {result.pages} page(s)"
        if result.wall:
            return self.unknown(name, f"{result.detail}; the follow could not be checked", evidence)
        if result.outcome == ListOutcome.FOUND:
            where = (f"@{worker}'s following list" if result is first
                     else f"@{target}'s followers list")
            return Check(name=name, outcome="pass", evidence=evidence,
                         detail=f"@{worker} follows @{target}: found in {where} ({seen})")
        if result.outcome == ListOutcome.EXHAUSTED:
            where = (f"@{worker}'s following list" if result is first
                     else f"@{target}'s followers list")
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=f"@{worker} does not follow @{target}: {where} ends without "
                                f"@{target if result is first else worker} ({seen})")
        if result.outcome == ListOutcome.TRUNCATED:
            return self.unknown(name, f"@{target} was not among the first {seen} and the list "
                                      "goes on past the page limit", evidence)
        if result.detail.startswith("missing:"):
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=result.detail.removeprefix("missing:").strip())
        return self.unknown(name, result.detail or "the lists were not readable", evidence)

    # -- list scanning -----------------------------------------------------------
    def _wait_for(self, page: Page, capture: Capture, operation: str, count: int) -> bool:
        """Wait until ``count`` responses of ``operation`` arrived or the page gave up."""
        waited, step, limit = 0, 100, 8000
        while waited < limit:
            if len(capture.of(operation)) >= count:
                return True
            if any(status >= 400 for _op, status, _b in capture.responses):
                return False
            if operation != self.gql["user"] and self._account_missing(capture):
                return False  # X's page fetches no list for an account that does not exist
            # A wall page (login form, captcha) never fetches the query: stop waiting.
            if waited and waited % 1000 == 0 and self._wall(page, capture):
                return False
            page.wait_for_timeout(step)
            waited += step
        return len(capture.of(operation)) >= count

    def _account_missing(self, capture: Capture) -> bool:
        return any(status == 200 and isinstance(body, dict)
                   and parse_user_by_screen_name(body) is None
                   for status, body in capture.of(self.gql["user"]))

    def _wall(self, page: Page, capture: Capture) -> tuple[str, str] | None:
        walls: dict[str, dict[str, Any]] = self.data["walls"]
        statuses = [status for _op, status, _b in capture.responses]
        codes = [c for _op, _s, body in capture.responses for c in graphql_error_codes(body)]
        try:
            text = page.inner_text("body", timeout=2000)
        except Exception:
            text = ""
        bare = [s for _op, s, body in capture.responses if not graphql_error_codes(body)]
        for kind, spec in walls.items():
            hit = any(part in page.url for part in spec.get("url_contains", []))
            hit = hit or any(c in codes for c in spec.get("graphql_error_codes", []))
            hit = hit or any(s in bare for s in spec.get("bare_status", []))
            hit = hit or (bool(spec.get("exhausted_header")) and capture.exhausted
                          and any(s != 200 for s in statuses))
            hit = hit or (
                any(s in statuses for s in spec.get("graphql_status", []))
                and not spec.get("graphql_error_codes")
            )
            hit = hit or any(t in text for t in spec.get("text", []))
            if spec.get("selector") and not hit:
                hit = page.locator(spec["selector"]).count() > 0
            if hit:
                if kind == "locked" and not capture.warned:
                    capture.warned = True
                    log.warning("x: %s (page %s)", spec["reason"], page.url)
                return kind, spec["reason"]
        return None

    def _scan_list(self, page: Page, capture: Capture, url: str, operation: str,
                   wanted: str, env: LiveEnv) -> ListResult:
        result = ListResult(outcome=ListOutcome.CLOSED)
        try:
            page.goto(url, wait_until="domcontentloaded")
        except PlaywrightTimeout:
            result.wall, result.detail = "timeout", f"X did not answer {url} in time"
            return result
        except Exception as exc:
            result.wall, result.detail = "error", f"X could not be opened: {exc}"
            return result
        self._wait_for(page, capture, operation, 1)
        owner_payloads = [b for s, b in capture.of(self.gql["user"]) if s == 200 and b]
        if owner_payloads:
            result.owner = parse_user_by_screen_name(owner_payloads[-1])
            if result.owner is None:
                handle = url.split("/")[3]
                result.detail = f"missing:the X account @{handle} does not exist"
                return result
        wall = self._wall(page, capture)
        pages = [(s, b) for s, b in capture.of(operation)]
        if not pages:
            if wall:
                result.wall, result.detail = wall
                return result
            if self._dom_has(page, wanted):
                result.outcome = ListOutcome.FOUND
                result.match = XUser(rest_id="", screen_name=wanted, name="")
                result.detail = "found in the rendered list (no JSON seen)"
                return result
            result.detail = f"X served no list at {url}"
            return result
        max_pages = env.settings.max_list_pages
        index = 0  # pages are read in the order the list fetched them
        while True:
            if index >= len(pages):
                before = len(pages)
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                if not self._wait_for(page, capture, operation, before + 1):
                    wall = self._wall(page, capture)
                    result.wall, result.detail = wall or (
                        "timeout",
                        f"X stopped loading the list at {url} after {result.pages} pages")
                    return result
                pages = capture.of(operation)
            status, body = pages[index]
            index += 1
            if status == 403 and not wall:
                result.detail = f"the list at {url} is closed to the checker account"
                return result
            if status != 200 or not isinstance(body, dict):
                found = wall or ("error", f"X answered {status} for the list at {url}")
                result.wall, result.detail = found
                return result
            timeline: TimelinePage = parse_timeline(body)
            result.pages += 1
            result.users_seen += len(timeline.users)
            match = timeline.find(wanted)
            if match is not None:
                result.outcome, result.match = ListOutcome.FOUND, match
                self._reveal(page, wanted)
                return result
            if not timeline.users or not timeline.bottom_cursor:
                result.outcome = ListOutcome.EXHAUSTED
                return result
            if result.pages >= max_pages:
                result.outcome = ListOutcome.TRUNCATED
                return result

    def _dom_has(self, page: Page, handle: str) -> bool:
        cells = page.locator(self.data["selectors"]["user_cell"])
        try:
            texts = cells.all_inner_texts()
        except Exception:
            return False
        return any(f"@{handle.lower()}" in t.lower().split() for t in texts)

    def _reveal(self, page: Page, handle: str) -> None:
        """Bring the matched row into view so the capture shows it to a moderator."""
        reveal(page.locator(self.data["selectors"]["user_cell"]).filter(has_text=f"@{handle}"))

