"""The operator's web sites: the employer pages that signup and visit tasks point at.

A web target is not a platform the verifier knows; it is a site an employer
runs, and only the operator can say which sites are real targets, what secret
their completion codes are made with and where their member pages are. The
operator declares them in a YAML file (``VERIFIER_SITES``; without it,
``VERIFIER_SESSIONS_DIR/sites.yaml`` when present, which is where
``verifier sandbox --sessions`` writes the sandbox world's sites)::

    sites:
      - host: shop.example.com
        code_secret: s3cret                  # the site's completion-code key
        member_url: https://shop.example.com/members/{handle}   # optional
        members_need_login: false            # true: open it with the web.json session

The verifier never reads a world file: this file is its only knowledge of a
site. The file is re-read when it changes, so an operator can add a site
without restarting workers.

Completion codes (contract §4): ``vc-`` + the first 16 hex digits of
HMAC-SHA256(key = code_secret, message = ``CAMPAIGN:WORKER_ID``).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from verifier.settings import Settings

CODE_PREFIX = "vc-"
CODE_HEX_DIGITS = 16
HANDLE_PLACEHOLDER = "{handle}"


class SitesError(ValueError):
    """The sites file is not valid; the message names the file and the key."""


class Site(BaseModel):
    """One declared site; the operator's file is validated strictly (a typo fails loudly)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1)
    code_secret: str | None = None
    member_url: str | None = None
    members_need_login: bool = False

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        host = value.strip().lower().rstrip(".")
        if not host or "/" in host or ":" in host or " " in host:
            raise ValueError(f"{value!r} is not a host name (write shop.example.com, no scheme)")
        return host

    @field_validator("code_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        return value or None  # an empty secret is no secret

    @field_validator("member_url")
    @classmethod
    def _member_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if HANDLE_PLACEHOLDER not in value:
            raise ValueError(f"{value!r} must contain {HANDLE_PLACEHOLDER} where the handle goes")
        return value

    def member_page(self, handle: str) -> str | None:
        """The member page URL for ``handle`` (an e-mail keeps its ``@``), or None."""
        if self.member_url is None:
            return None
        return self.member_url.replace(HANDLE_PLACEHOLDER, quote(handle.strip(), safe="@"))


class _SitesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sites: list[Site] = Field(default_factory=list)


@dataclass(frozen=True)
class Sites:
    """The declared sites by host; empty when the operator declared none."""

    by_host: dict[str, Site]
    source: Path | None = None

    def get(self, host: str) -> Site | None:
        return self.by_host.get(host.lower().rstrip("."))

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(self.by_host)


NO_SITES = Sites(by_host={})


def parse_sites(data: Any, source: str = "sites") -> Sites:
    """Validate a parsed sites mapping; ``SitesError`` says what and where."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SitesError(f"{source}: expected a mapping with a 'sites' list")
    try:
        parsed = _SitesFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{where}: {msg.removeprefix('Value error, ')}")
        raise SitesError(f"{source}: " + "; ".join(problems)) from None
    by_host: dict[str, Site] = {}
    for site in parsed.sites:
        if site.host in by_host:
            raise SitesError(f"{source}: the host {site.host} is declared twice")
        by_host[site.host] = site
    return Sites(by_host=by_host, source=Path(source))


_cache: dict[Path, tuple[float, Sites]] = {}
_cache_lock = threading.Lock()


def load_sites(path: Path) -> Sites:
    """Read a sites file, re-reading it only when its modification time changed."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SitesError(f"{path}: cannot read the sites file: {exc}") from exc
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SitesError(f"{path}: not a readable YAML file: {exc}") from exc
    sites = parse_sites(data, str(path))
    with _cache_lock:
        _cache[path] = (mtime, sites)
    return sites


def sites_path(settings: Settings) -> Path | None:
    """``VERIFIER_SITES``, else ``VERIFIER_SESSIONS_DIR/sites.yaml`` if it exists."""
    if settings.sites_file is not None:
        return Path(settings.sites_file)
    if settings.sessions_dir is not None:
        candidate = Path(settings.sessions_dir) / "sites.yaml"
        if candidate.is_file():
            return candidate
    return None


def sites_for(settings: Settings) -> Sites:
    """The sites these settings declare (none when no file is configured)."""
    path = sites_path(settings)
    return load_sites(path) if path is not None else NO_SITES


def completion_code(secret: str, campaign: str, worker_id: str) -> str:
    """The code a site shows worker ``worker_id`` in ``campaign`` (contract §4)."""
    digest = hmac.new(secret.encode("utf-8"), f"{campaign}:{worker_id}".encode(),
                      hashlib.sha256).hexdigest()
    return CODE_PREFIX + digest[:CODE_HEX_DIGITS]
