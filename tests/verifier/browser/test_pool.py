"""The warm browser pool with a real Chromium: routing, guard, recycling."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from verifier.browser import process
from verifier.browser.pool import ESCALATE_S, BrowserPool, BudgetSpent
from verifier.budget import Budget
from verifier.settings import Settings
from verifier.urlguard import UrlGuard

pytestmark = pytest.mark.integration


class Upstream(BaseHTTPRequestHandler):
    """Stands in for the sandbox: answers /__host/HOST/PATH."""

    def do_GET(self) -> None:
        path = self.path.split("/", 3)[-1]
        if path.startswith("hop"):
            n = int(path[3:])
            self.send_response(302)
            self.send_header("Location", f"/hop{n + 1}" if n < 9 else "/end")
            self.end_headers()
            return
        if path.startswith("ws-page"):  # a page whose script opens WebSockets to loopback
            port = path.split("port=")[1]
            script = (f"for (const u of ['ws://127.0.0.1:{port}/', 'wss://127.0.0.1:{port}/', "
                      f"'ws://localhost:{port}/']) {{ try {{ new WebSocket(u); }} catch {{}} }}")
            self._send(f"<html><body><p id=ok>page</p><script>{script}</script></body></html>")
            return
        if path == "big":
            self._send("<html>" + "x" * 300_000 + "</html>")
            return
        if path == "file":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Disposition", "attachment; filename=a.bin")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"data")
            return
        targets = {"to-evil": "https://evil.example/", "to-local": "http://127.0.0.1:9/x",
                   "to-ok": "https://x.com/landing", "to-twitter": "https://twitter.com/landing",
                   "to-www": "https://www.x.com/landing"}
        if path in targets:
            self.send_response(302)
            self.send_header("Location", targets[path])
            self.end_headers()
            return
        body = (f"<html><body><p id=path>{self.path}</p><p id=host>"
                f"{self.headers.get('x-sandbox-host')}</p><p id=cookie>"
                f"{self.headers.get('cookie')}</p><p id=auth>"
                f"{self.headers.get('authorization')}</p></body></html>")
        self._send(body)

    def _send(self, html: str) -> None:
        body = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def pool(upstream: str) -> Iterator[BrowserPool]:
    settings = Settings(VERIFIER_SANDBOX=upstream, VERIFIER_BROWSER_MAX_PROOFS=2)
    with BrowserPool(settings, UrlGuard(sandboxed=True)) as p:
        yield p


def test_platform_requests_reach_the_sandbox_with_their_host_and_cookies(pool):
    with pool.context("x") as (ctx, info):
        ctx.add_cookies([{"name": "auth_token", "value": "t", "domain": ".x.com", "path": "/"}])
        page = ctx.new_page()
        page.goto("https://x.com/acme_bd?x=1")
        assert page.inner_text("#path") == "/__host/x.com/acme_bd?x=1"
        assert page.inner_text("#host") == "x.com"
        assert "auth_token=t" in page.inner_text("#cookie")
        assert info.blocked == []


def test_redirects_are_followed_and_each_hop_is_guarded(pool):
    with pool.context("x") as (ctx, info):
        page = ctx.new_page()
        page.goto("https://x.com/to-ok")
        assert page.inner_text("#path") == "/__host/x.com/landing"
        for path in ("to-evil", "to-local"):
            with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
                page.goto(f"https://x.com/{path}")
        assert any("evil.example" in b for b in info.blocked)
        assert any("127.0.0.1" in b for b in info.blocked)
        with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
            page.goto("https://x.com/hop0")  # an endless chain stops at the limit
        assert any("redirects" in b for b in info.blocked)


def test_loopback_and_undeclared_hosts_are_never_opened(pool):
    with pool.context(None) as (ctx, info):
        page = ctx.new_page()
        for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/", "https://example.org/"):
            with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
                page.goto(url)
        assert len(info.blocked) == 3


def test_browser_is_retired_after_max_proofs(pool):
    for _ in range(5):
        with pool.context(None) as (ctx, _info):
            ctx.new_page()
    assert pool.launches == 3  # 2 contexts per browser


def _recycles(reason: str) -> float:
    from verifier.metrics import WORKER_REGISTRY

    return WORKER_REGISTRY.get_sample_value("verifier_browser_recycles_total",
                                            {"reason": reason}) or 0.0


def test_crashed_browser_is_relaunched(pool):
    crashed = _recycles("crashed or hung")
    with pool.context(None) as (ctx, _info):
        ctx.new_page()
    browser = pool._browser
    assert browser is not None
    session = browser.new_browser_cdp_session()
    with pytest.raises(Exception):  # noqa: B017 - the browser dies answering
        session.send("Browser.crash")
    with pool.context(None) as (ctx, _info):
        page = ctx.new_page()
        page.goto("https://x.com/after-crash")
        assert page.inner_text("#path") == "/__host/x.com/after-crash"
    assert pool.launches == 2
    assert _recycles("crashed or hung") == crashed + 1  # counted for the worker's metrics


def test_a_spent_check_gets_no_new_browser_and_a_late_launch_is_ended(pool):
    """The watchdog ends the browser when a check's budget runs out; the spent check then
    opens no context (no relaunch inside it), and a browser launched as the budget ran out
    is ended on the watchdog's next look. The next check gets a fresh browser."""
    with pool.context(None) as (ctx, _info):
        ctx.new_page()
    first = pool.browser_pid
    with pool.watch(Budget(0.05)) as budget:
        time.sleep(0.3)
        assert budget.killed and not pool.alive()
        with pytest.raises(BudgetSpent), pool.context(None):
            pass
        assert pool.launches == 1
        late = pool._ensure_browser()  # a relaunch that raced the timer
        assert late.is_connected() and pool.browser_pid != first
        deadline = time.monotonic() + 5
        while pool.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pool.alive()
    with pool.context(None) as (ctx, _info):
        ctx.new_page()
    assert pool.alive() and pool.launches == 3


def test_a_watchdog_timer_firing_after_its_check_ends_nothing(pool):
    """``Timer.cancel`` cannot stop a timer already firing: one that fires as its check
    ends must not end the next check's browser mid-call (a page opening hung there)."""
    with pool.context(None) as (ctx, _info):
        ctx.new_page()
    with pool.watch(Budget(30)) as budget:
        pass
    pool._expire(budget)  # the late timer
    assert pool.alive() and not budget.killed and pool.kills == 0


def test_a_call_still_waiting_after_its_browser_ended_is_freed_by_ending_the_driver(pool):
    """Under load, Playwright can miss a browser that died while a page opened, and wait
    forever. A stopped driver stands in for it here: the watchdog ends the browser, the
    call still waits, and ``ESCALATE_S`` later the driver is ended, which fails the call.
    The next context runs on a new driver."""
    with pool.context(None) as (ctx, _info):
        ctx.new_page()
    driver = pool._driver
    assert driver is not None and process.state(driver) is not None
    started = time.monotonic()
    try:
        with pool.watch(Budget(0.5)), pool.context(None) as (ctx, _info):
            os.kill(driver, signal.SIGSTOP)
            with pytest.raises(Exception):  # noqa: B017 - the connection to the driver closes
                ctx.new_page()
    finally:
        os.kill(driver, signal.SIGCONT) if process.state(driver) == "T" else None
    waited = time.monotonic() - started
    assert ESCALATE_S <= waited < ESCALATE_S + 30
    assert process.state(driver) in (None, "Z")
    with pool.context(None) as (ctx, _info):
        ctx.new_page().goto("https://x.com/after-driver")
    assert pool._driver not in (None, driver)


def test_credentials_do_not_follow_a_redirect_to_another_host(pool):
    fetch = "p => fetch(p, {headers: {Authorization: 'Bearer secret'}}).then(r => r.text())"
    with pool.context("x") as (ctx, info):
        ctx.add_cookies([{"name": "auth_token", "value": "secret", "domain": ".x.com",
                          "path": "/"}])
        page = ctx.new_page()
        page.goto("https://x.com/to-ok")  # same host: the session goes along
        assert "auth_token=secret" in page.inner_text("#cookie")
        same = page.evaluate(fetch, "/to-ok")
        assert "<p id=auth>Bearer secret</p>" in same and "auth_token=secret" in same
        page.goto("https://x.com/to-twitter")
        assert page.inner_text("#host") == "twitter.com"
        assert "secret" not in page.inner_text("#cookie")
        other = page.evaluate(fetch, "/to-twitter")
        assert "<p id=host>twitter.com</p>" in other and "secret" not in other
        # Another host of the cookie's domain gets the cookie from the jar, as a
        # browser would send it (m.facebook.com -> www.facebook.com), not the header.
        page.goto("https://x.com/to-www")
        assert page.inner_text("#host") == "www.x.com"
        assert page.inner_text("#cookie") == "auth_token=secret"
        assert "<p id=auth>None</p>" in page.evaluate(fetch, "/to-www")  # never the header
        assert info.blocked == []


@pytest.fixture
def loopback_listener() -> Iterator[tuple[int, list[socket.socket]]]:
    """A real TCP listener on loopback that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_websockets_meet_the_guard(pool, loopback_listener):
    port, accepted = loopback_listener
    with pool.context("x") as (ctx, info):
        page = ctx.new_page()
        page.goto(f"https://x.com/ws-page?port={port}")
        assert page.inner_text("#ok") == "page"
        page.wait_for_function("() => performance.now() > 1500")  # let the sockets try
        refused = [b for b in info.blocked if b.startswith(("ws://", "wss://"))]
    assert len(refused) == 3, info.blocked
    assert any("IP address 127.0.0.1" in b for b in refused)
    assert accepted == []  # nothing reached the listener


def test_response_over_the_cap_is_refused(upstream):
    settings = Settings(VERIFIER_SANDBOX=upstream, VERIFIER_MAX_RESPONSE_BYTES=100_000)
    with BrowserPool(settings, UrlGuard(sandboxed=True)) as small, \
            small.context(None) as (ctx, info):
        page = ctx.new_page()
        page.goto("https://x.com/landing")  # a small page passes
        with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
            page.goto("https://x.com/big")
    assert any("over the 100000 byte cap" in b for b in info.blocked), info.blocked


def test_downloads_are_not_accepted(pool):
    with pool.context(None) as (ctx, _info):
        page = ctx.new_page()
        with page.expect_download() as started, pytest.raises(Exception, match="Download"):
            page.goto("https://x.com/file")
        with pytest.raises(Exception, match="accept_downloads=True"):
            started.value.path()
