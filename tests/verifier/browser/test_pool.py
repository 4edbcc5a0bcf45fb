"""The warm browser pool with a real Chromium: routing, guard, recycling."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from verifier.browser.pool import BrowserPool
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
        targets = {"to-evil": "https://evil.example/", "to-local": "http://127.0.0.1:9/x",
                   "to-ok": "https://x.com/landing"}
        if path in targets:
            self.send_response(302)
            self.send_header("Location", targets[path])
            self.end_headers()
            return
        body = (f"<html><body><p id=path>{self.path}</p><p id=host>"
                f"{self.headers.get('x-sandbox-host')}</p><p id=cookie>"
                f"{self.headers.get('cookie')}</p></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
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


def test_crashed_browser_is_relaunched(pool):
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
