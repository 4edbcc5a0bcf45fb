"""What the YouTube checker's browser fetched: the page's JSON calls and the document.

Kept apart from the adapter so ``youtube.py`` holds the checks only; these
records are filled by Playwright's response events and read in fetch order,
by both the comment and the subscription checks (which wait on them alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from verifier.platforms.capture import ResponseCapture


@dataclass
class JsonCapture(ResponseCapture):
    """The ``/youtubei/v1/*`` responses a page fetched, in order, keyed by endpoint."""

    group: str = "endpoint"

    def wait_for(self, page: Page, endpoint: str, count: int) -> bool:
        """Whether ``count`` responses of ``endpoint`` arrived; an error status stops the wait
        early, as YouTube fetches nothing more after refusing one."""
        waited, step, limit = 0, 100, 8000
        while waited < limit:
            if len(self.of(endpoint)) >= count:
                return True
            if any(status >= 400 for _e, status, _b in self.responses):
                return False
            page.wait_for_timeout(step)
            waited += step
        return len(self.of(endpoint)) >= count

    def wall(self, walls: dict[str, dict[str, Any]]) -> str | None:
        """The wall (rate limit, consent ...) a JSON status shows, when a scan stopped short."""
        statuses = [s for _e, s, _b in self.responses]
        for spec in walls.values():
            if any(s in spec.get("status", []) for s in statuses):
                return f"{spec['reason']}; the check could not finish"
        return None


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
