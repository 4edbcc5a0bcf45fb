"""Signed webhooks (contract §3): the signature, the headers, and which
callback URLs may be called.

The receiving side checks a webhook with the same ``verify_signature``
(``verifier.client.verify_webhook`` wraps it for marketplace developers).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from verifier.urlguard import Resolver, _is_public, system_resolver

SIGNATURE_HEADER = "X-Verifier-Signature"
EVENT_HEADER = "X-Verifier-Event"
DELIVERY_HEADER = "X-Verifier-Delivery"


def sign(body: bytes, secret: str) -> str:
    """``sha256=HEX``: HMAC-SHA256 of the exact body bytes with the marketplace's secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(body: bytes, signature: str | None, secret: str) -> bool:
    """True when ``signature`` (the header's value) signs ``body`` with ``secret``."""
    if not signature or not signature.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, secret), signature.strip())


def headers_for(delivery_id: str, event: str, body: bytes, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "microtask-verifier-webhooks",
        SIGNATURE_HEADER: sign(body, secret),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
    }


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever case the web framework gives its keys."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


class CallbackRefused(ValueError):
    """A callback URL the verifier will not call; the message says why."""


def _exempt(host: str, port: int | None, exempt: Iterable[str]) -> bool:
    names = {host, f"{host}:{port}"} if port else {host}
    return any(e in names for e in exempt)


def check_callback_syntax(url: str, exempt: Iterable[str] = ()) -> None:
    """What can be said of a callback URL without resolving it (at intake)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise CallbackRefused("callback_url must be an http or https URL")
    if parts.username or parts.password:
        raise CallbackRefused("callback_url may not carry credentials")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise CallbackRefused("callback_url has no host")
    try:
        port = parts.port
    except ValueError:
        raise CallbackRefused("callback_url has an invalid port") from None
    if _exempt(host, port, {e.lower() for e in exempt}):
        return
    if parts.scheme != "https":
        raise CallbackRefused("callback_url must be https (plain http only for hosts in "
                              "VERIFIER_CALLBACK_HOSTS)")
    if port not in (None, 443):
        raise CallbackRefused(f"callback_url port {port} is not allowed (443 only, or list "
                              "the host:port in VERIFIER_CALLBACK_HOSTS)")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise CallbackRefused(f"callback_url host {host} is not public") from None
        return
    if not _is_public(host):
        raise CallbackRefused(f"callback_url address {host} is not public")


def check_callback(url: str, exempt: Iterable[str] = (),
                   resolver: Resolver = system_resolver) -> None:
    """Before each delivery: the syntax again, and every address the host resolves to
    public, unless the operator exempted the host (``VERIFIER_CALLBACK_HOSTS``)."""
    exempt = {e.lower() for e in exempt}
    check_callback_syntax(url, exempt)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if _exempt(host, parts.port, exempt):
        return
    try:
        addresses = resolver(host)
    except OSError as exc:
        raise OSError(f"callback host {host} does not resolve: {exc}") from exc
    private = [a for a in addresses if not _is_public(a)]
    if private or not addresses:
        raise CallbackRefused(f"callback host {host} resolves to a non-public address {private}")
