"""The JSON a checker's page fetched, recorded from Playwright's response events.

The truth order of the design puts a page's own API answers first (X's
GraphQL, Instagram's ``/api/v1``, TikTok's ``/api``, YouTube's ``youtubei``),
and every adapter records them alike: the responses whose path matches the
platform's pattern, keyed by a part of that path, with their status and parsed
body (``None`` when it is not JSON), in fetch order. Only how the key is taken
differs, so adapters subclass this and override ``key`` where they need to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Response


@dataclass
class ResponseCapture:
    """Matching responses as ``(key, status, body)``, in the order they arrived."""

    pattern: re.Pattern[str]
    group: str = "rest"  # the pattern's named group that keys a response
    host: str | None = None  # only this host's responses count, when set
    responses: list[tuple[str, int, Any]] = field(default_factory=list)

    def key(self, match: re.Match[str]) -> str:
        return match.group(self.group)

    def on_response(self, response: Response) -> None:
        parts = urlsplit(response.url)
        if self.host is not None and parts.hostname != self.host:
            return
        match = self.pattern.search(parts.path)
        if not match:
            return
        try:
            body: Any = response.json()
        except Exception:  # not JSON (an HTML wall, an empty 204): kept with its status
            body = None
        self.responses.append((self.key(match), response.status, body))

    def of(self, key: str) -> list[tuple[int, Any]]:
        return [(status, body) for k, status, body in self.responses if k == key]
