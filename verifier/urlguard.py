"""Which URLs the verifier may open.

Targets and screenshot URLs are chosen by untrusted people, so every request
the browser or the image fetcher makes goes through ``UrlGuard.check``: only
platform hosts, declared web targets and declared image hosts, never a private
or loopback address, in any of its IPv6 disguises (mapped, NAT64, 6to4,
Teredo, IPv4-compatible), and only ports 80 and 443 (the configured sandbox is
the one exception, because it stands in for the public platforms), and each
redirect hop is checked again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from verifier.platforms.schema import guard_hosts

# Per platform, the domains (with their subdomains) the browser may open: each
# platform's data file declares them (``guard_hosts`` in platforms/data/*.yaml).
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = guard_hosts()


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


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64: the IPv4 is the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64: any network's own
_TEREDO = ipaddress.ip_network("2001::/32")  # tunnels to an address hidden in the bits
_V4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
DEFAULT_PORTS = {"http": 80, "https": 443}


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, NAT64, 6to4, IPv4-compatible)."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr in _NAT64 or addr in _V4_COMPATIBLE:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def _is_public(ip: str) -> bool:
    """Globally routable, and so is any IPv4 address hidden inside an IPv6 one:
    ``64:ff9b::7f00:1`` reaches 127.0.0.1 through a NAT64 gateway, and Python
    calls it global."""
    addr = ipaddress.ip_address(ip)
    if not addr.is_global or addr.is_multicast:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        if addr in _NAT64_LOCAL or addr in _TEREDO:
            return False
        inner = _embedded_ipv4(addr)
        if inner is not None:
            return inner.is_global and not inner.is_multicast
    return True


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
        try:
            port = parts.port
        except ValueError as exc:
            raise UrlRefused(f"the URL's port is not valid: {exc}") from exc
        if port is not None and port != DEFAULT_PORTS[parts.scheme] and not self.sandboxed:
            raise UrlRefused(f"port {port} is not opened: only {parts.scheme}'s own port "
                             f"{DEFAULT_PORTS[parts.scheme]}")
        if not self.sandboxed:
            try:
                addresses = self._resolve(host)
            except OSError as exc:
                raise UrlRefused(f"host {host} does not resolve: {exc}") from exc
            private = [a for a in addresses if not _is_public(a)]
            if private or not addresses:
                raise UrlRefused(f"host {host} resolves to a non-public address {private}")
        return host
