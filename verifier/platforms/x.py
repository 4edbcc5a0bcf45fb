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
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
    reveal,
)
from verifier.platforms.capture import ResponseCapture
from verifier.platforms.visit import NotFound, Refused, Seen, Stop, Visit, Wall, Walls
from verifier.platforms.x_graphql import (
    TimelinePage,
    XUser,
    graphql_wall,
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
    CLOSED = "closed"  # the list is not shown to the checker (protected account)


@dataclass
class ListResult:
    """What one list showed; a list that could not be read raises a ``Stop`` instead."""

    outcome: str
    pages: int = 0
    users_seen: int = 0
    match: XUser | None = None
    detail: str = ""  # why a closed list is closed


class XAdapter(Adapter):
    platform = "x"

    def __init__(self) -> None:
        self.data = load_platform_data("x")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.gql = self.data["graphql"]
        self.operation_re = re.compile(self.gql["url_pattern"])
        self.walls = Walls(self.data["walls"])

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
    @action("like")
    def check_like(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        from verifier.platforms import x_posts  # x_posts builds on this module

        return x_posts.check_like(name)

    @action("comment", kinds=("post",), session=True)
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        from verifier.platforms import x_posts

        return x_posts.check_comment(self, name, proof, target, env)

    @action("share", kinds=("post",), session=True)
    def check_share(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        from verifier.platforms import x_posts

        return x_posts.check_share(self, name, proof, target, env)

    @action("follow", "subscribe", kinds=("account",), session=True)
    def check_follow(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        worker = self.worker(name, proof, "follow")
        if isinstance(worker, Check):
            return worker
        return self._check_follow(name, worker, target.key, env)

    def worker(self, name: str, proof: Proof, act: str) -> str | Check:
        """The worker's X handle, or the ``unknown`` that there is none."""
        worker = normalize_handle(proof.worker.handle)
        if not worker or not HANDLE_RE.match(worker):
            return self.unknown(name, "the proof gives no valid X handle for the worker, so the "
                                      f"{act} cannot be looked up")
        return worker

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"{proof.task.action} is not an action on X")

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        if "post" in spec.kinds:
            return self.unknown(name, f"a {act} task needs a post URL "
                                      f"(https://x.com/AUTHOR/status/ID), got a {target.kind}")
        return self.unknown(name, f"a follow task needs an account URL, got a {target.kind}")

    def no_session(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        what = {"comment": "replies", "share": "reposts lists"}.get(act, "follower lists")
        return self.unknown(name, f"X shows {what} only to a logged-in account and no "
                                  "checker session for x is configured")

    def visit(self, env: LiveEnv) -> Visit:
        """A visit with the checker session, recording X's GraphQL answers."""
        return Visit(env, "x", capture=Capture(self.operation_re))

    @staticmethod
    def capture(visit: Visit) -> Capture:
        assert isinstance(visit.capture, Capture)
        return visit.capture

    def _check_follow(self, name: str, worker: str, target: str, env: LiveEnv) -> Check:
        base = self.data["base_url"]
        match: XUser | None = None
        with self.visit(env) as visit:
            try:
                first = self._scan_list(visit, f"{base}/{worker}/following",
                                        self.gql["following"], target, env)
                result = first
                if first.outcome == ListOutcome.CLOSED:
                    self.capture(visit).responses.clear()
                    result = self._scan_list(visit, f"{base}/{target}/followers",
                                             self.gql["followers"], worker, env)
                check, match = self._verdict(name, worker, target, first, result), result.match
            except NotFound as missing:
                check = Check(name=name, outcome="fail", detail=missing.detail)
            except Stop as stop:
                check = self.unknown(name, f"{stop.detail}; the follow could not be checked")
            visit.shot()
            if match is not None:
                visit.put_json({"rest_id": match.rest_id, "screen_name": match.screen_name,
                                "name": match.name, "list": visit.page.url})
        check.evidence = visit.evidence
        return check

    def _verdict(self, name: str, worker: str, target: str, first: ListResult,
                 result: ListResult) -> Check:
        seen = f"{result.users_seen} accounts over {result.pages} page(s)"
        where = (f"@{worker}'s following list" if result is first
                 else f"@{target}'s followers list")
        if result.outcome == ListOutcome.FOUND:
            return Check(name=name, outcome="pass",
                         detail=f"@{worker} follows @{target}: found in {where} ({seen})")
        if result.outcome == ListOutcome.EXHAUSTED:
            return Check(name=name, outcome="fail",
                         detail=f"@{worker} does not follow @{target}: {where} ends without "
                                f"@{target if result is first else worker} ({seen})")
        if result.outcome == ListOutcome.TRUNCATED:
            return self.unknown(name, f"@{target} was not among the first {seen} and the list "
                                      "goes on past the page limit")
        return self.unknown(name, result.detail or "the lists were not readable")

    # -- list scanning -----------------------------------------------------------
    def _wait_for(self, visit: Visit, operation: str, count: int) -> bool:
        """Wait until ``count`` responses of ``operation`` arrived or the page gave up."""
        capture = self.capture(visit)
        waited, step, limit = 0, 100, 8000
        while waited < limit:
            if len(capture.of(operation)) >= count:
                return True
            if any(status >= 400 for _op, status, _b in capture.responses):
                return False
            if operation != self.gql["user"] and self._account_missing(capture):
                return False  # X's page fetches no list for an account that does not exist
            # A wall page (login form, captcha) never fetches the query: stop waiting.
            if waited and waited % 1000 == 0 and self._wall(visit):
                return False
            visit.page.wait_for_timeout(step)
            waited += step
        return len(capture.of(operation)) >= count

    def _account_missing(self, capture: Capture) -> bool:
        return any(status == 200 and isinstance(body, dict)
                   and parse_user_by_screen_name(body) is None
                   for status, body in capture.of(self.gql["user"]))

    def _wall(self, visit: Visit) -> tuple[str, str] | None:
        """The first wall of ``data/x.yaml`` the page or its GraphQL answers show."""
        page, capture = visit.page, self.capture(visit)
        try:
            text = page.inner_text("body", timeout=2000)
        except Exception:
            text = ""
        seen = Seen(urls=[page.url], text=text, has=lambda s: page.locator(s).count() > 0)
        found = self.walls.match(seen, lambda spec: graphql_wall(spec, capture.responses,
                                                                 capture.exhausted))
        if found is not None and found[0] == "locked" and not capture.warned:
            capture.warned = True
            log.warning("x: %s (page %s)", found[1], page.url)
        return found

    def _open(self, visit: Visit, url: str) -> None:
        """Open ``url``; ``Refused`` when X does not answer."""
        try:
            visit.goto(url, failed="could not be opened: {error}", label="X")
        except Refused as refused:
            if isinstance(refused.__cause__, PlaywrightTimeout):
                raise Refused(f"X did not answer {url} in time") from refused
            raise

    def stopped(self, visit: Visit, sentence: str) -> Stop:
        """The wall the page shows, else ``Refused`` with ``sentence``."""
        wall = self._wall(visit)
        return Wall(*wall) if wall else Refused(sentence)

    def _scan_list(self, visit: Visit, url: str, operation: str, wanted: str,
                   env: LiveEnv) -> ListResult:
        """Read the list at ``url`` until ``wanted`` shows, it ends or the page limit."""
        self._open(visit, url)
        page, capture = visit.page, self.capture(visit)
        self._wait_for(visit, operation, 1)
        owner_payloads = [b for s, b in capture.of(self.gql["user"]) if s == 200 and b]
        if owner_payloads and parse_user_by_screen_name(owner_payloads[-1]) is None:
            raise NotFound(f"the X account @{url.split('/')[3]} does not exist")
        wall = self._wall(visit)
        pages = [(s, b) for s, b in capture.of(operation)]
        if not pages:
            if wall:
                raise Wall(*wall)
            if self._dom_has(page, wanted):
                return ListResult(ListOutcome.FOUND,
                                  match=XUser(rest_id="", screen_name=wanted, name=""),
                                  detail="found in the rendered list (no JSON seen)")
            return ListResult(ListOutcome.CLOSED, detail=f"X served no list at {url}")
        result = ListResult(ListOutcome.CLOSED)
        index = 0  # pages are read in the order the list fetched them
        while True:
            if index >= len(pages):
                before = len(pages)
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                if not self._wait_for(visit, operation, before + 1):
                    raise self.stopped(visit, f"X stopped loading the list at {url} after "
                                              f"{result.pages} pages")
                pages = capture.of(operation)
            status, body = pages[index]
            index += 1
            if status == 403 and not wall:
                result.detail = f"the list at {url} is closed to the checker account"
                return result
            if status != 200 or not isinstance(body, dict):
                raise Wall(*wall) if wall else Refused(f"X answered {status} for the list at "
                                                       f"{url}")
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
            if result.pages >= env.settings.max_list_pages:
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
