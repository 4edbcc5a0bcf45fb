"""One way for an adapter to visit a page: ``Visit``, its stops and its walls.

Every live check does the same things around what it reads: take a browser
context from the pool (with the platform's checker session or none), open one
page, record the JSON the page fetches (``capture.ResponseCapture``), keep the
screenshot and what it read as evidence, record the requests the URL guard
refused, stop early when the page cannot tell, and recognise the platform's
walls from ``data/PLATFORM.yaml``. ``Visit`` does those once, as a context
manager; an adapter only says what to read.

A check stops early by raising a ``Stop``: ``Wall`` (the platform's wall:
its ``reason`` sentence is what ``verifier.politeness.wall_kind`` recognises),
``LayoutChanged`` (a page not understood: "layout changed: ..."),
``NotFound`` (``fail``: the thing asked about does not exist), ``Refused`` (the
page could not be opened or answered: ``unknown``). Each carries the outcome
and the sentence, so the adapter words the verdict and nothing is guessed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

from verifier.models import Outcome
from verifier.platforms.schema import WallSpec

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Response

    from verifier.browser.pool import ContextInfo
    from verifier.platforms.base import LiveEnv
    from verifier.platforms.capture import ResponseCapture


# -- stops ----------------------------------------------------------------------------------


class Stop(Exception):
    """Ends a check early with an outcome and its sentence."""

    outcome: Outcome = "unknown"

    def __init__(self, detail: str, outcome: Outcome | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if outcome is not None:
            self.outcome = outcome


class Wall(Stop):
    """The platform put a wall (login, captcha, rate limit ...) in front of the page."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class LayoutChanged(Stop):
    """The page was not understood: never a ``fail``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"layout changed: {reason}")
        self.reason = reason


class NotFound(Stop):
    """What the task names does not exist: a ``fail`` on a page that was understood."""

    outcome: Outcome = "fail"


class Refused(Stop):
    """The page could not be opened, or answered with something that says nothing."""


# -- walls ----------------------------------------------------------------------------------


@dataclass
class Seen:
    """What a page showed, for the wall matcher; a signal left empty is not looked at."""

    urls: list[str] = field(default_factory=list)  # where it landed, requests refused
    status: int | None = None
    text: str = ""  # the text (or HTML) a wall's ``text`` is looked for in
    title: str | None = None
    markup: str = ""
    player_reason: str = ""
    has: Callable[[str], bool] | None = None  # whether the page has an element (``selector``)


ApiHit = Callable[[WallSpec], bool]  # whether a platform's API answers show a wall


class Walls:
    """One matcher for the ``walls`` of a platform's data file, in the file's order.

    The page-level signals (``url_contains``, ``status``, ``text``, ``title``,
    ``markup``, ``selector``, ``player_reason``) are matched here; a wall's API-level
    keys (X's GraphQL codes, TikTok's API codes ...) are read by that platform's
    API module, which raises the same ``Wall``.
    """

    def __init__(self, walls: Mapping[str, WallSpec | Mapping[str, Any]], *,
                 any_case: bool = False) -> None:
        """``any_case``: a wall's ``text`` is found in the page's text whatever its case
        (Reddit words the same wall "Too Many Requests" and "too many requests")."""
        self.walls = {kind: spec if isinstance(spec, WallSpec) else WallSpec.model_validate(spec)
                      for kind, spec in walls.items()}
        self.any_case = any_case
        if any_case:
            self.walls = {kind: spec.model_copy(update={"text": [t.lower() for t in spec.text]})
                          for kind, spec in self.walls.items()}

    def match(self, seen: Seen, api: ApiHit | None = None) -> tuple[str, str] | None:
        """(kind, reason) of the first wall the page shows, else None.

        ``api(spec)``, when given, says whether the platform's API answers show that
        wall (its API-level keys), so both kinds of signal keep the file's order.
        """
        if self.any_case:
            seen = replace(seen, text=seen.text.lower())
        for kind, wall in self.walls.items():
            if (api is not None and api(wall)) or self._hit(wall, seen):
                return kind, wall.reason
        return None

    def check(self, seen: Seen, api: ApiHit | None = None) -> None:
        """Raise ``Wall`` for the first wall the page (or, with ``api``, its API) shows."""
        found = self.match(seen, api)
        if found is not None:
            raise Wall(*found)

    @staticmethod
    def _hit(wall: WallSpec, seen: Seen) -> bool:
        if any(part in url for part in wall.url_contains for url in seen.urls):
            return True
        if seen.status is not None and seen.status in wall.status:
            return True
        if seen.text and any(t in seen.text for t in wall.text):
            return True
        if seen.title is not None and any(t.casefold() == seen.title.casefold()
                                          for t in wall.title):
            return True
        if seen.markup and any(t in seen.markup for t in wall.markup):
            return True
        if seen.player_reason and any(t in seen.player_reason for t in wall.player_reason):
            return True
        if wall.selector and seen.has is not None:
            try:
                return seen.has(wall.selector)
            except Exception:  # a page that cannot be asked shows no wall by it
                return False
        return False


# -- the visit -------------------------------------------------------------------------------


class Visit:
    """One browser context and page for one check, and the evidence it leaves.

    ``with Visit(env, "telegram") as visit:`` opens a context from the pool with
    the platform's checker session (``session=None`` for none), one page, and the
    capture when given; leaving it records the URLs the guard refused (when
    ``record_blocked``) and closes the context. ``visit.evidence`` is what the
    check cites.
    """

    def __init__(self, env: LiveEnv, session: str | None, *,
                 capture: ResponseCapture | None = None, record_blocked: bool = True) -> None:
        self.env = env
        self.session = session
        self.capture = capture
        self.record_blocked = record_blocked
        self.evidence: list[str] = []
        self._context: AbstractContextManager[tuple[BrowserContext, ContextInfo]] | None = None
        self.ctx: BrowserContext
        self.info: ContextInfo
        self.page: Page

    def __enter__(self) -> Visit:
        self._context = self.env.pool.context(self.session)
        self.ctx, self.info = self._context.__enter__()
        return self

    def open_page(self) -> Page:
        """The visit's page (opened on first use, after any cookie the check sets on
        ``ctx``), with the capture listening to its responses."""
        if not hasattr(self, "page"):
            self.page = self.ctx.new_page()
            if self.capture is not None:
                self.page.on("response", self.capture.on_response)
        return self.page

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        assert self._context is not None
        try:
            if kind is None and self.record_blocked:
                self.put_blocked()
        finally:
            closed = self._context.__exit__(kind, exc, tb)
        return closed

    @property
    def blocked(self) -> list[str]:
        """The requests the URL guard refused so far."""
        return self.info.blocked

    # -- pages ---------------------------------------------------------------------------
    def goto(self, url: str, failed: str = "could not be opened at {url}: {error}",
             label: str = "") -> Response | None:
        """Open ``url``; ``Refused`` with ``label`` + ``failed`` when it cannot be."""
        page = self.open_page()
        try:
            return page.goto(url, wait_until="domcontentloaded")
        except Exception as exc:
            sentence = failed.format(url=url, error=exc)
            raise Refused(f"{label} {sentence}".strip()) from exc

    def document(self, response: Response | None) -> tuple[int, str]:
        """(status, HTML the server sent) of a ``goto``; the page's content when the
        body cannot be read."""
        if response is None:
            return 0, ""
        try:
            return response.status, response.text()
        except Exception:
            return response.status, self.page.content()

    # -- evidence ------------------------------------------------------------------------
    def shot(self) -> None:
        """The page as the checker saw it, for the moderator; best effort."""
        with contextlib.suppress(Exception):
            self.evidence.append(self.env.evidence.put(self.open_page().screenshot(type="png"),
                                                       "png"))

    def put_json(self, data: Any) -> None:
        self.evidence.append(self.env.evidence.put_json(data))

    def put_blocked(self) -> None:
        """The URLs the guard refused, once, when there were any."""
        if self.info.blocked:
            self.evidence.append(self.env.evidence.put_text("\n".join(self.info.blocked)))
            self.record_blocked = False
