"""What every platform adapter offers the verifier.

An adapter knows one platform: which URLs belong to it, and how to see a
worker's action live. It never decides; it returns a ``Check`` with the
outcome, one plain sentence and evidence references, and the policy decides.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from verifier.models import Check, Proof
from verifier.platforms.schema import DATA_DIR, read

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from verifier.browser.pool import BrowserPool
    from verifier.evidence import EvidenceStore
    from verifier.forensics.ocr import OcrEngine
    from verifier.politeness import Politeness
    from verifier.settings import Settings
    from verifier.store import Store

__all__ = ["DATA_DIR", "Adapter", "Handler", "LiveEnv", "Target", "TargetError", "action",
           "load_platform_data"]


class TargetError(ValueError):
    """The task's target URL is not a URL of the task's platform."""


@dataclass(frozen=True)
class Target:
    platform: str
    kind: str  # account | post | group | site | app
    key: str  # handle, post id, group id, host or app id
    url: str
    owner: str | None = None  # the post's author when the URL names it


@dataclass
class LiveEnv:
    """Shared, warm resources a live check may use (built once per worker)."""

    pool: BrowserPool
    evidence: EvidenceStore
    settings: Settings
    ocr: OcrEngine | None = None
    notes: list[str] = field(default_factory=list)
    store: Store | None = None  # read-only lookups (a completion code cashed before)
    politeness: Politeness | None = None  # rates and wall pauses shared by all workers


def load_platform_data(platform: str) -> dict[str, Any]:
    """Markup knowledge lives in YAML so an operator can follow a site change; the file
    is checked against its schema (``platforms.schema``) first, so a mistyped key is an
    error naming file and key rather than a wall silently never matched."""
    return read(DATA_DIR / f"{platform}.yaml")[0]


def reveal(found: Locator) -> None:
    """Scroll the first match into view, so the check's capture shows it to a moderator.

    Best effort: the verdict rests on what the page fetched, and a capture that
    could not be scrolled still shows the page.
    """
    try:
        if found.count():
            found.first.scroll_into_view_if_needed(timeout=2000)
    except Exception:
        return


@dataclass(frozen=True)
class Handler:
    """One action's handler on a platform: the target kinds it accepts (none named:
    any) and whether it needs the platform's checker session."""

    actions: tuple[str, ...]
    kinds: tuple[str, ...]
    session: bool
    method: str


F = TypeVar("F", bound=Callable[..., Any])


def action(*actions: str, kinds: tuple[str, ...] = (), session: bool = False) -> Callable[[F], F]:
    """Register an adapter method as the handler of ``actions`` (as crawlee's router
    registers one handler per label), instead of a hand-written dispatch per adapter.

    The method is called as ``method(name, proof, target, env)`` once the target's
    kind and the session are known to fit; ``Adapter.live_check`` does the rest.
    """

    def mark(method: F) -> F:
        method.__action__ = Handler(actions, kinds, session, method.__name__)  # type: ignore[attr-defined]
        return method

    return mark


def normalize_handle(handle: str | None) -> str | None:
    if handle is None:
        return None
    handle = handle.strip().removeprefix("@").strip()
    return handle or None


class Adapter(ABC):
    platform: ClassVar[str]

    @abstractmethod
    def parse_target(self, url: str) -> Target:
        """Recognise the platform's URL forms; raise ``TargetError`` otherwise."""

    handlers: ClassVar[dict[str, Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Handler] = {}
        for klass in reversed(cls.__mro__):
            for member in vars(klass).values():
                spec = getattr(member, "__action__", None)
                if isinstance(spec, Handler):
                    found.update(dict.fromkeys(spec.actions, spec))
        cls.handlers = found

    def live_check(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """Look at the live platform and report what it shows about the action: the
        handler registered for it (``@action``), once kind and session fit."""
        act = proof.task.action
        name = f"live.{act}"
        spec = self.handlers.get(act)
        if spec is None:
            return self.no_handler(name, proof, target, env)
        if spec.kinds and target.kind not in spec.kinds:
            return self.wrong_kind(name, act, spec, target)
        if spec.session and env.pool.session_file(self.platform) is None:
            return self.no_session(name, act, spec, target)
        handle: Callable[[str, Proof, Target, LiveEnv], Check] = getattr(self, spec.method)
        return handle(name, proof, target, env)

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """An action the platform registered no handler for."""
        return self.unknown(name, f"{proof.task.action} is not an action on {self.platform}")

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        """A target of a kind the action's handler does not accept."""
        return self.unknown(name, f"a {act} task needs a {' or '.join(spec.kinds)} URL, "
                                  f"got a {target.kind}")

    def no_session(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        """A handler that needs the checker session, and none is configured."""
        return self.unknown(name, f"no checker session for {self.platform} is configured, "
                                  f"and {self.platform} shows a {act} only to a logged-in "
                                  "account")

    def run_live(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """``live_check`` as the deployment allows it: within the platform's rate, not
        during a pause after walls, and counting the walls it meets.

        A check that may not visit is ``unknown`` with the reason, never ``fail``.
        """
        polite = env.politeness
        if polite is None:
            return self.live_check(proof, target, env)
        refused = polite.admit(self.platform)
        if refused is not None:
            return self.unknown(f"live.{proof.task.action}", refused)
        check = self.live_check(proof, target, env)
        polite.observe(self.platform, check, env.pool.session_file(self.platform) is not None)
        return check

    def resolve_target(self, url: str, env: LiveEnv) -> Target:
        """``parse_target`` with the operator's configuration at hand.

        Most targets are recognisable from the URL alone; a web target is a
        target only when the operator declared its site, so the web adapter
        overrides this to check its host against that declaration.
        """
        return self.parse_target(url)

    def proof_checks(self, proof: Proof, target: Target, env: LiveEnv) -> list[Check]:
        """Checks of what the worker submitted that only this platform can read
        (a web site's completion code); most platforms have none."""
        return []

    @staticmethod
    def unknown(name: str, detail: str, evidence: list[str] | None = None) -> Check:
        return Check(name=name, outcome="unknown", detail=detail, evidence=evidence or [])
