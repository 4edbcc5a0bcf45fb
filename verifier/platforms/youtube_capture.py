"""What the YouTube checker's browser fetched: the page's own JSON calls.

Kept apart from the adapter so ``youtube.py`` holds the checks only; the
capture is filled by Playwright's response events (``Visit`` wires it to the
page) and read in fetch order by the comment check, which waits on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page

from verifier.platforms.capture import ResponseCapture
from verifier.platforms.visit import Seen, Walls


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

    def wall(self, walls: Walls) -> str | None:
        """The wall (rate limit ...) a JSON status shows, when a scan stopped short."""
        for _e, status, _b in self.responses:
            found = walls.match(Seen(status=status))
            if found is not None:
                return f"{found[1]}; the check could not finish"
        return None

