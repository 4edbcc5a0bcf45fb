"""What the YouTube checker's browser fetched: the page's JSON calls and the document.

Kept apart from the adapter so ``youtube.py`` holds the checks only; these
records are filled by Playwright's response events and read in fetch order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Response


@dataclass
class JsonCapture:
    """The ``/youtubei/v1/*`` responses a page fetched, in order."""

    pattern: re.Pattern[str]
    responses: list[tuple[str, int, Any]] = field(default_factory=list)

    def on_response(self, response: Response) -> None:
        match = self.pattern.search(urlsplit(response.url).path)
        if not match:
            return
        try:
            body: Any = response.json()
        except Exception:
            body = None
        self.responses.append((match.group("endpoint"), response.status, body))

    def of(self, endpoint: str) -> list[tuple[int, Any]]:
        return [(s, b) for e, s, b in self.responses if e == endpoint]


@dataclass
class Loaded:
    """A document the checker opened: its status, HTML and any wall in front of it."""

    status: int = 0
    html: str = ""
    wall: str | None = None  # the wall's reason sentence
    error: str | None = None

    @property
    def blocked(self) -> str | None:
        return self.wall or self.error
