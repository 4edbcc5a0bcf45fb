"""Which URLs the verifier may open.

Targets and screenshot URLs are chosen by untrusted people, so every request
the browser or the image fetcher makes goes through ``UrlGuard.check``: only
platform hosts, declared web targets and declared image hosts, never a private
or loopback address (the configured sandbox is the one exception, because it
stands in for the public platforms), and each redirect hop is checked again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "x": ("x.com", "twitter.com", "twimg.com"),
    "instagram": ("instagram.com", "instagr.am", "cdninstagram.com"),
    "facebook": ("facebook.com", "fb.com", "fb.watch", "fbcdn.net"),
    "reddit": ("reddit.com", "redd.it", "redditstatic.com"),
    # www.googleapis.com: the YouTube Data API (subscriptions.list), not all of Google.
    "youtube": ("youtube.com", "youtu.be", "ytimg.com", "ggpht.com", "www.googleapis.com"),
    "tiktok": ("tiktok.com",),
    "telegram": ("t.me", "telegram.me", "telegram.dog", "telegram.org"),
    "github": ("github.com", "githubusercontent.com"),
    "playstore": ("play.google.com",),
}


class UrlRefused(ValueError):
    """The URL is not one the verifier will open; the message says why."""


def host_matches(host: str, domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def platform_of_host(host: str) -> str | None:
    for platform, domains in PLATFORM_HOSTS.items():
        if host_matches(host, domains):
            return platform
    return None


def _is_public(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    return addr.is_global and not addr.is_multicast


Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


class UrlGuard:
    """Allow-list of hosts plus a public-address check.

    ``sandboxed`` hosts are answered by the sandbox and never resolved; every
    other allowed host must resolve only to public addresses, which closes the
    door on a target such as ``https://x.com.attacker.test`` pointing at
    127.0.0.1 or a cloud metadata address.
    """

    def __init__(
        self,
        web_hosts: Iterable[str] = (),
        image_hosts: Iterable[str] = (),
        sandboxed: bool = False,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.web_hosts = frozenset(h.lower() for h in web_hosts)
        self.image_hosts = frozenset(h.lower() for h in image_hosts)
        self.sandboxed = sandboxed
        self._resolve = resolver

    def allowed_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return (
            platform_of_host(host) is not None
            or host_matches(host, self.web_hosts)
            or host_matches(host, self.image_hosts)
        )

    def check(self, url: str) -> str:
        """Return the URL's host if it may be opened, else raise ``UrlRefused``."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UrlRefused(f"only http and https URLs are opened, not {parts.scheme or 'none'!r}")
        if parts.username or parts.password:
            raise UrlRefused("URLs with credentials are not opened")
        host = (parts.hostname or "").lower()
        if not host:
            raise UrlRefused("the URL has no host")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            raise UrlRefused(f"IP address {host} is not a platform or declared host")
        if not self.allowed_host(host):
            raise UrlRefused(f"host {host} is neither a platform host nor a declared target")
        if not self.sandboxed:
            try:
                addresses = self._resolve(host)
            except OSError as exc:
                raise UrlRefused(f"host {host} does not resolve: {exc}") from exc
            private = [a for a in addresses if not _is_public(a)]
            if private or not addresses:
                raise UrlRefused(f"host {host} resolves to a non-public address {private}")
        return host
