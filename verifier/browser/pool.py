"""One warm Chromium per worker process, a fresh context per proof.

A new context per proof keeps one worker's cookies and storage away from the
next proof's; keeping the browser itself warm saves the ~0.5 s launch that
the naive design pays per job (shared/MEASUREMENTS.md). The browser is retired
after ``browser_max_proofs`` contexts, and relaunched when it crashed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import (
    APIResponse,
    Browser,
    BrowserContext,
    Dialog,
    Download,
    Page,
    Playwright,
    Request,
    Route,
    WebSocketRoute,
    sync_playwright,
)

from verifier import metrics
from verifier.browser import process
from verifier.browser.launch import launch_options
from verifier.budget import Budget
from verifier.settings import Settings
from verifier.urlguard import UrlGuard, UrlRefused

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REKILL_S = 0.5  # the watchdog looks again this often while a spent check still runs
ESCALATE_S = 5.0  # and ends the Playwright driver when the check still waits this long
# Sent only to the host the request was made for, never along a redirect to another.
CREDENTIAL_HEADERS = frozenset(("cookie", "authorization", "proxy-authorization"))
VIEWPORT = {"width": 1280, "height": 800}
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


class BudgetSpent(RuntimeError):
    """A context asked for by a check the watchdog already ended."""


def _cookie_header(ctx: BrowserContext, url: str) -> str:
    """The Cookie header the context's own jar holds for ``url`` (domain, path, secure)."""
    return "; ".join(f"{c['name']}={c['value']}" for c in ctx.cookies(url))


class _SharedPlaywright:
    """One Playwright driver per thread, shared by every pool in it.

    The sync API refuses a second driver in a thread that already runs one,
    and a process may well hold several pools (a worker's verifier beside a
    proof renderer); they share the driver, each with its own browser.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def acquire(self) -> Playwright:
        local = self._local
        if getattr(local, "users", 0) == 0:
            before = process.drivers()
            local.pw = sync_playwright().start()
            local.driver = next(iter(process.drivers() - before), None)
            local.users = 0
        local.users += 1
        pw: Playwright = local.pw
        return pw

    def current(self) -> Playwright | None:
        """This thread's driver, None when it has none (or it was ended and not replaced)."""
        return getattr(self._local, "pw", None)

    def driver_pid(self) -> int | None:
        return getattr(self._local, "driver", None)

    def renew(self) -> Playwright:
        """A new driver for this thread, its users kept: the old one was ended."""
        local = self._local
        try:
            local.pw.stop()
        except Exception:  # its connection is gone: nothing to stop
            log.debug("stopping an ended driver failed", exc_info=True)
        users, local.users = local.users, 0
        pw = self.acquire()
        local.users = users
        return pw

    def release(self) -> None:
        local = self._local
        local.users -= 1
        if local.users == 0:
            try:
                local.pw.stop()
            except Exception:
                log.debug("stopping the driver failed", exc_info=True)
            local.pw = None


_PLAYWRIGHT = _SharedPlaywright()


@dataclass
class ContextInfo:
    """What a check needs to know about the context it was given."""

    platform: str | None
    session_used: str | None  # "checker" when a storage state was loaded
    blocked: list[str] = field(default_factory=list)
    # What a page did besides showing itself: pop-ups (closed), dialogs (dismissed),
    # downloads (refused). A check may not take such a page at its word.
    events: list[str] = field(default_factory=list)


class BrowserPool:
    def __init__(self, settings: Settings, guard: UrlGuard) -> None:
        self.settings = settings
        self.guard = guard
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._contexts_served = 0
        self.launches = 0
        self._pid: int | None = None
        self.kills = 0  # browsers the watchdog ended (a check over its budget, a hung browser)
        self._watchdog_lock = threading.Lock()
        self._killed_at = 0.0
        self._driver: int | None = None  # the Playwright driver its browser runs under
        self._driver_ended = False
        self._budget: Budget | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        if self._pw is None:
            self._pw = _PLAYWRIGHT.acquire()
        self._ensure_browser()

    def close(self) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            except Exception:  # already dead: nothing to close
                log.debug("browser close failed", exc_info=True)
            self._browser = None
        if self._pw is not None:
            _PLAYWRIGHT.release()
            self._pw = None

    def __enter__(self) -> BrowserPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_browser(self) -> Browser:
        if self._pw is None:
            self.start()
        assert self._pw is not None
        if self._driver_ended or self._pw is not _PLAYWRIGHT.current():
            # The watchdog ended the driver (or another pool of this thread did): its
            # browsers went with it; a new driver serves the next context.
            self._pw = (_PLAYWRIGHT.renew() if self._driver_ended
                        else _PLAYWRIGHT.current() or _PLAYWRIGHT.acquire())
            self._driver_ended = False
            self._browser = None
        retire = self._contexts_served >= self.settings.browser_max_proofs
        if self._browser is not None and (retire or not self.alive()):
            log.info("recycling browser (served=%d, connected=%s, process %s: %s)",
                     self._contexts_served, self._browser.is_connected(), self._pid,
                     process.state(self._pid) if self._pid else None)
            metrics.BROWSER_RECYCLES.labels("retired" if retire else "crashed or hung").inc()
            if not process.usable(self._pid):
                process.kill(self._pid)  # stopped: close() would wait for it forever
            try:
                self._browser.close()
            except Exception:
                log.debug("closing a dead browser failed", exc_info=True)
            self._browser = None
        if self._browser is None:
            bundled = self._pw.chromium.executable_path
            options = launch_options(self.settings.chromium_path, bundled,
                                     self.settings.chromium_no_sandbox)
            token = uuid.uuid4().hex  # tags this launch's command line (process.py)
            options["args"] = [*options["args"], f"{process.TAG}{token}"]
            self._browser = self._pw.chromium.launch(**options)
            self._pid = process.find_tagged(token)
            self._driver = _PLAYWRIGHT.driver_pid()
            self._contexts_served = 0
            self.launches += 1
        return self._browser

    @property
    def browser_pid(self) -> int | None:
        """The pid of the Chromium this pool launched (None before a launch or off Linux)."""
        return self._pid

    def alive(self) -> bool:
        """Connected, and its process neither gone nor stopped (a SIGSTOPped browser still
        looks connected, and would hold every call forever)."""
        if self._browser is None or not self._browser.is_connected():
            return False
        return self._pid is None or process.usable(self._pid)

    @contextmanager
    def watch(self, budget: Budget) -> Iterator[Budget]:
        """Run a check under ``budget``: contexts opened inside get timeouts capped to what is
        left, and when it runs out the browser is ended, which makes any call still waiting
        on it (a page in an endless script, a hung browser) fail at once. The next context
        gets a fresh browser."""
        self._budget = budget
        timer = threading.Timer(max(budget.remaining, 0.0), self._expire, (budget,))
        timer.daemon = True
        timer.start()
        try:
            yield budget
        finally:
            with self._watchdog_lock:  # a timer past this point finds the watch over
                self._budget = None
            timer.cancel()

    def _expire(self, budget: Budget) -> None:
        """The watchdog (a timer thread): only signals a process, never calls Playwright.

        Only while the check is still running: a timer that fires as its check
        ends (``Timer.cancel`` cannot stop one already firing) must not end the
        next check's browser mid-call.  It looks again every ``REKILL_S``: a
        browser launched as the budget ran out (a relaunch racing the timer) is
        ended too, so no call of the spent check waits on a live browser.
        """
        with self._watchdog_lock:
            if self._budget is not budget:
                return
            if not budget.killed:
                budget.killed = True
                self._killed_at = time.monotonic()
            if process.present(self._pid) and process.kill(self._pid):
                self.kills += 1
                log.warning("a check ran past its %g s budget; browser %s ended",
                            budget.seconds, self._pid)
            elif (time.monotonic() - self._killed_at >= ESCALATE_S and not self._driver_ended
                  and process.present(self._driver) and process.kill(self._driver)):
                # The browser is gone and the check still waits: Playwright missed the
                # end (a page opening as the browser died, under load); ending the
                # driver makes every call on it fail.
                self._driver_ended = True
                log.warning("a check still waited %g s after its browser ended; the "
                            "Playwright driver %s was ended too", ESCALATE_S, self._driver)
            again = threading.Timer(REKILL_S, self._expire, (budget,))
            again.daemon = True
            again.start()

    def _refuse_when_spent(self) -> None:
        if self._budget is not None and self._budget.expired:
            raise BudgetSpent(f"the check's {self._budget.seconds:g} s budget is spent: "
                              "no browser context is opened for it")

    def _timeouts(self) -> tuple[float, float]:
        """Navigation and action timeouts (ms), capped to what the current budget has left."""
        nav, action = float(self.settings.navigation_timeout_ms), float(
            self.settings.action_timeout_ms)
        budget = self._budget
        if budget is not None:
            left = max(budget.remaining * 1000, 1.0)
            nav, action = min(nav, left), min(action, left)
        return nav, action

    # -- contexts --------------------------------------------------------
    def session_file(self, platform: str | None) -> Path | None:
        if platform is None or self.settings.sessions_dir is None:
            return None
        path = Path(self.settings.sessions_dir) / f"{platform}.json"
        return path if path.is_file() else None

    @contextmanager
    def context(self, platform: str | None = None) -> Iterator[tuple[BrowserContext, ContextInfo]]:
        """A fresh context with the platform's checker session, closed in ``finally``."""
        session = self.session_file(platform)
        info = ContextInfo(platform=platform, session_used="checker" if session else None)
        self._refuse_when_spent()
        try:
            browser = self._ensure_browser()
            ctx = browser.new_context(
                viewport=VIEWPORT,  # type: ignore[arg-type]
                user_agent=USER_AGENT,
                storage_state=str(session) if session else None,
                service_workers="block",
                locale="en-US",
                accept_downloads=False,  # a page may offer a file; nothing is saved
            )
        except Exception:
            # A crashed browser shows up here: relaunch once and try again (not for a check
            # whose budget the watchdog ended: the next check gets the fresh browser).
            self._refuse_when_spent()
            log.warning("context creation failed; relaunching the browser", exc_info=True)
            self._browser = None
            browser = self._ensure_browser()
            ctx = browser.new_context(
                viewport=VIEWPORT,  # type: ignore[arg-type]
                user_agent=USER_AGENT,
                storage_state=str(session) if session else None,
                service_workers="block",
                locale="en-US",
                accept_downloads=False,  # a page may offer a file; nothing is saved
            )
        self._contexts_served += 1
        nav, action = self._timeouts()
        ctx.set_default_navigation_timeout(nav)
        ctx.set_default_timeout(action)
        ctx.on("page", lambda page: self._watch_page(page, info))
        ctx.route("**/*", lambda route, request: self._route(route, request, info, ctx))
        # WebSockets bypass ``route``: without this a page script reached loopback over wss://.
        ctx.route_web_socket("**/*", lambda ws: self._route_web_socket(ws, info))
        try:
            yield ctx, info
        finally:
            try:
                ctx.close()
            except Exception:
                log.debug("context close failed", exc_info=True)

    @staticmethod
    def _watch_page(page: Page, info: ContextInfo) -> None:
        """A page's pop-ups are closed, its dialogs dismissed and its downloads refused,
        each noted in ``info.events`` so the check can say what the page did."""

        def popup(opened: Page) -> None:
            info.events.append(f"opened a pop-up ({opened.url})")
            try:
                opened.close()
            except Exception:
                log.debug("closing a pop-up failed", exc_info=True)

        def dialog(shown: Dialog) -> None:
            info.events.append(f"showed a dialog ({shown.type}: {shown.message[:80]!r})")
            try:
                # Leaving is what the checker wants from a beforeunload; the rest are dismissed.
                shown.accept() if shown.type == "beforeunload" else shown.dismiss()
            except Exception:
                log.debug("answering a dialog failed", exc_info=True)

        def download(started: Download) -> None:
            info.events.append(f"started a download ({started.suggested_filename[:80]!r}), "
                               "refused")

        page.on("popup", popup)
        page.on("dialog", dialog)
        page.on("download", download)

    def _route(self, route: Route, request: Request, info: ContextInfo,
               ctx: BrowserContext | None = None) -> None:
        """Every request passes here: guard it, then fetch it ourselves.

        Chromium does not send redirected requests back through the route, so
        redirects are followed here, hop by hop, each hop meeting the guard
        again; the browser only ever sees the final response. In sandbox mode
        the same requests go to the sandbox instead of the internet; nothing
        else differs.
        """
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            route.continue_()
            return
        headers = {k: v for k, v in request.all_headers().items() if not k.startswith(":")}
        first_host = (urlsplit(url).hostname or "").lower()
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                host = self.guard.check(url)
                if host != first_host:
                    # The first host's credentials stay with it; the next host gets the
                    # cookies the context holds for it, as a browser would send them
                    # (m.facebook.com -> www.facebook.com keeps a .facebook.com session).
                    headers = {k: v for k, v in headers.items()
                               if k.lower() not in CREDENTIAL_HEADERS}
                    jar = _cookie_header(ctx, url) if ctx is not None else ""
                    if jar:
                        headers["cookie"] = jar
                # A page may take the navigation timeout to arrive (the fetch would otherwise
                # give up at the shorter action timeout), never more than the budget left.
                response = route.fetch(
                    url=self._upstream(url, host, headers), headers=headers, max_redirects=0,
                    timeout=self._timeouts()[0],
                )
                location = response.headers.get("location")
                if response.status in (301, 302, 303, 307, 308) and location:
                    url = urljoin(url, location)
                    continue
                self._fulfill(route, response)
                return
            raise UrlRefused(f"more than {MAX_REDIRECTS} redirects")
        except UrlRefused as exc:
            info.blocked.append(f"{url}: {exc}")
            route.abort("blockedbyclient")
        except Exception as exc:  # network error, timeout, closed context
            first = (str(exc).splitlines() or [type(exc).__name__])[0]  # not the call log
            if "Timeout" in first:
                info.blocked.append(f"{url}: the server did not finish sending it in time "
                                    f"({first})")
            else:
                info.blocked.append(f"{url}: fetch failed: {first}")
            try:
                route.abort("failed")
            except Exception:
                log.debug("abort after failed fetch failed", exc_info=True)

    def _fulfill(self, route: Route, response: APIResponse) -> None:
        """Hand the response to the page, unless its body is over the cap.

        The body is buffered (Playwright's fetch reads it whole), so the cap
        bounds what one response may cost; beyond it the request is refused.
        """
        cap = self.settings.max_response_bytes
        declared = response.headers.get("content-length", "")
        # The declared length first (no copy); then the body as decoded (a gzip bomb).
        size = int(declared) if declared.isdigit() else 0
        if size <= cap:
            size = len(response.body())
        if size > cap:
            raise UrlRefused(f"the response is {size} bytes, over the {cap} byte cap "
                             "(VERIFIER_MAX_RESPONSE_BYTES)")
        route.fulfill(response=response)

    def _route_web_socket(self, ws: WebSocketRoute, info: ContextInfo) -> None:
        """WebSockets meet the same guard as requests (ws/wss as http/https).

        The sandbox serves no WebSockets, so there an allowed one is closed too
        rather than sent to the internet; elsewhere it connects to its server.
        """
        url = ws.url
        parts = urlsplit(url)
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
        try:
            self.guard.check(parts._replace(scheme=scheme).geturl())
            if self.settings.sandbox:
                raise UrlRefused("the sandbox serves no WebSockets")
        except UrlRefused as exc:
            info.blocked.append(f"{url}: {exc}")
            ws.close(code=1008, reason="refused by the verifier")
            return
        ws.connect_to_server()

    def _upstream(self, url: str, host: str, headers: dict[str, str]) -> str:
        sandbox = self.settings.sandbox
        if not sandbox:
            return url
        parts = urlsplit(url)
        rewritten = f"{sandbox.rstrip('/')}/__host/{host}{parts.path or '/'}"
        if parts.query:
            rewritten += "?" + parts.query
        headers["x-sandbox-host"] = host
        return rewritten
