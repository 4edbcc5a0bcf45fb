"""One warm Chromium per worker process, a fresh context per proof.

A new context per proof keeps one worker's cookies and storage away from the
next proof's; keeping the browser itself warm saves the ~0.5 s launch that
the naive design pays per job (shared/MEASUREMENTS.md). The browser is retired
after ``browser_max_proofs`` contexts, and relaunched when it crashed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import (
    APIResponse,
    Browser,
    BrowserContext,
    Playwright,
    Request,
    Route,
    WebSocketRoute,
    sync_playwright,
)

from verifier.browser.launch import launch_options
from verifier.settings import Settings
from verifier.urlguard import UrlGuard, UrlRefused

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
# Sent only to the host the request was made for, never along a redirect to another.
CREDENTIAL_HEADERS = frozenset(("cookie", "authorization", "proxy-authorization"))
VIEWPORT = {"width": 1280, "height": 800}
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


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
            local.pw = sync_playwright().start()
            local.users = 0
        local.users += 1
        pw: Playwright = local.pw
        return pw

    def release(self) -> None:
        local = self._local
        local.users -= 1
        if local.users == 0:
            local.pw.stop()
            local.pw = None


_PLAYWRIGHT = _SharedPlaywright()


@dataclass
class ContextInfo:
    """What a check needs to know about the context it was given."""

    platform: str | None
    session_used: str | None  # "checker" when a storage state was loaded
    blocked: list[str] = field(default_factory=list)


class BrowserPool:
    def __init__(self, settings: Settings, guard: UrlGuard) -> None:
        self.settings = settings
        self.guard = guard
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._contexts_served = 0
        self.launches = 0

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
        retire = self._contexts_served >= self.settings.browser_max_proofs
        if self._browser is not None and (retire or not self._browser.is_connected()):
            log.info("recycling browser (served=%d, connected=%s)",
                     self._contexts_served, self._browser.is_connected())
            try:
                self._browser.close()
            except Exception:
                log.debug("closing a dead browser failed", exc_info=True)
            self._browser = None
        if self._browser is None:
            bundled = self._pw.chromium.executable_path
            options = launch_options(self.settings.chromium_path, bundled,
                                     self.settings.chromium_no_sandbox)
            self._browser = self._pw.chromium.launch(**options)
            self._contexts_served = 0
            self.launches += 1
        return self._browser

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
            # A crashed browser shows up here: relaunch once and try again.
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
        ctx.set_default_navigation_timeout(self.settings.navigation_timeout_ms)
        ctx.set_default_timeout(self.settings.action_timeout_ms)
        ctx.route("**/*", lambda route, request: self._route(route, request, info))
        # WebSockets bypass ``route``: without this a page script reached loopback over wss://.
        ctx.route_web_socket("**/*", lambda ws: self._route_web_socket(ws, info))
        try:
            yield ctx, info
        finally:
            try:
                ctx.close()
            except Exception:
                log.debug("context close failed", exc_info=True)

    def _route(self, route: Route, request: Request, info: ContextInfo) -> None:
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
                    # The checker's session belongs to the first host; a redirect elsewhere
                    # gets only what the context itself holds for that host.
                    headers = {k: v for k, v in headers.items()
                               if k.lower() not in CREDENTIAL_HEADERS}
                response = route.fetch(
                    url=self._upstream(url, host, headers), headers=headers, max_redirects=0
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
            info.blocked.append(f"{url}: fetch failed: {exc}")
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
