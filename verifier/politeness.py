"""Politeness towards the platforms: a request rate per platform, and a pause after walls.

Every worker on every host visits the platforms with the same few checker
accounts (one storage state per platform), so what a platform sees is the sum
of all workers. Two rules keep those accounts from being banned:

- **A rate per platform** (``VERIFIER_RATE_LIMITS``): a live check takes a
  token from the platform's bucket before it opens anything; it waits for one
  at most ``VERIFIER_RATE_WAIT`` seconds, else the check is ``unknown`` ("rate
  limited by this deployment"), never ``fail``.
- **A pause after walls** (``VERIFIER_WALL_BACKOFF``): when a platform answers
  with login walls (with a session loaded), captchas, rate-limit pages or a
  locked-account answer K times within a window, every worker stops visiting
  it for a pause that doubles with each new pause (checks in it are
  ``unknown``, "paused after walls"). After a pause one more wall is enough to
  pause again; the doubling is forgotten after a day without walls.

The state lives in a ``Backend``: ``LocalBackend`` in this process (``verifier
verify``), or Redis for queue workers (``jobs.politeness``), so that all
workers share one budget. The core does not import Redis.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Protocol

from verifier.models import Check

if TYPE_CHECKING:
    from verifier.settings import Settings

log = logging.getLogger(__name__)

PERIODS = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hour": 3600.0,
           "d": 86400.0, "day": 86400.0}

# Per platform, shared by every worker of the deployment (one checker account each).
# A live check may read a few pages (a list and its next pages); these are checks.
DEFAULT_RATES = (
    "x=20/min,instagram=10/min,facebook=10/min,tiktok=20/min,reddit=60/min,"
    "youtube=60/min,telegram=30/min,github=60/min,playstore=30/min,web=off"
)
# Anonymous GitHub reads get 60 requests an hour per address; with a token, 5,000.
GITHUB_ANONYMOUS_RATE = "50/hour"

# Walls that say the platform grew suspicious of the checker. A login wall
# counts only when a session was loaded (without one it is what the page is).
BACKOFF_WALLS = ("login", "captcha", "rate_limit", "locked")
IMMEDIATE_WALLS = ("locked",)  # a locked account is never asked again before a pause


class RateSyntaxError(ValueError):
    """A rate or backoff setting that cannot be read; the message names the variable."""


@dataclass(frozen=True)
class Rate:
    """``count`` checks per ``period_s``, spent at most ``burst`` at a time."""

    count: int
    period_s: float
    burst: int = 1

    @property
    def interval_s(self) -> float:
        return self.period_s / self.count

    def __str__(self) -> str:
        unit = {1.0: "s", 60.0: "min", 3600.0: "hour", 86400.0: "day"}.get(self.period_s)
        per = unit or f"{self.period_s:g}s"
        return f"{self.count}/{per}" + (f" (burst {self.burst})" if self.burst > 1 else "")


def parse_rate(text: str, name: str = "VERIFIER_RATE_LIMITS") -> Rate | None:
    """``30/min``, ``50/hour``, ``2/s``, optionally ``:BURST``; ``off`` is no limit."""
    text = text.strip().lower()
    if text in ("off", "none", "0", ""):
        return None
    found = re.fullmatch(r"(\d+)\s*/\s*(\d*\.?\d*)\s*([a-z]+)(?::(\d+))?", text)
    if not found or found.group(3) not in PERIODS:
        raise RateSyntaxError(f"{name}: {text!r} is not a rate such as 30/min, 50/hour or off")
    count = int(found.group(1))
    period = float(found.group(2) or 1) * PERIODS[found.group(3)]
    if count < 1 or period <= 0:
        raise RateSyntaxError(f"{name}: {text!r} must allow at least one check")
    # Default burst: a tenth of the budget, so a backlog does not hit the platform at once.
    burst = int(found.group(4)) if found.group(4) else max(1, count // 10)
    return Rate(count, period, max(1, min(burst, count)))


def parse_rates(raw: str, name: str = "VERIFIER_RATE_LIMITS") -> dict[str, Rate | None]:
    """``x=30/min,instagram=20/min,web=off`` as a mapping."""
    rates: dict[str, Rate | None] = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        platform, sep, rate = item.partition("=")
        if not sep or not platform.strip():
            raise RateSyntaxError(f"{name}: {item.strip()!r} is not PLATFORM=RATE")
        rates[platform.strip().lower()] = parse_rate(rate, name)
    return rates


def rates_for(settings: Settings) -> dict[str, Rate | None]:
    """The defaults with the operator's ``VERIFIER_RATE_LIMITS`` laid over them.

    The defaults protect the real platforms' checker accounts; a sandbox has
    none to protect, so there only the rates the operator sets apply.
    """
    rates: dict[str, Rate | None] = {}
    if not settings.sandbox:
        rates = parse_rates(DEFAULT_RATES)
        if not settings.github_token:
            rates["github"] = parse_rate(GITHUB_ANONYMOUS_RATE)
    rates.update(parse_rates(settings.rate_limits))
    return rates


@dataclass(frozen=True)
class WallRules:
    """``threshold`` walls within ``window_s``: pause ``pause_s``, doubling to ``max_pause_s``."""

    threshold: int = 3
    window_s: float = 600.0
    pause_s: float = 300.0
    max_pause_s: float = 6 * 3600.0
    memory_s: float = 86400.0  # how long the doubling is remembered after a pause

    def pause_for(self, level: int) -> float:
        """The pause of the ``level``-th pause in a row (1 = the first)."""
        return min(self.pause_s * 2 ** max(level - 1, 0), self.max_pause_s)


def wall_rules_for(settings: Settings) -> WallRules:
    """``VERIFIER_WALL_BACKOFF`` = ``K/WINDOW,PAUSE,MAX`` (e.g. ``3/10min,5min,6h``)."""
    name = "VERIFIER_WALL_BACKOFF"
    parts = [p.strip() for p in settings.wall_backoff.split(",")]
    if len(parts) != 3:
        raise RateSyntaxError(f"{name}: {settings.wall_backoff!r} is not K/WINDOW,PAUSE,MAX "
                              "(such as 3/10min,5min,6h)")
    threshold, _, window = parts[0].partition("/")
    if not threshold.strip().isdigit() or int(threshold) < 1:
        raise RateSyntaxError(f"{name}: {parts[0]!r} must start with a number of walls")
    return WallRules(threshold=int(threshold), window_s=_duration(window, name),
                     pause_s=_duration(parts[1], name), max_pause_s=_duration(parts[2], name))


def _duration(text: str, name: str) -> float:
    found = re.fullmatch(r"(\d*\.?\d+)\s*([a-z]*)", text.strip().lower())
    if not found or (found.group(2) or "s") not in PERIODS:
        raise RateSyntaxError(f"{name}: {text!r} is not a duration such as 90s, 10min or 6h")
    return float(found.group(1)) * PERIODS[found.group(2) or "s"]


class Backend(Protocol):
    """Where the buckets, wall counts and pauses live (this process, or Redis)."""

    def take(self, platform: str, rate: Rate) -> float:
        """Take a token: 0 when taken, else the seconds until one is free."""

    def paused_for(self, platform: str) -> float:
        """Seconds left of the platform's pause (0: not paused)."""

    def record_wall(self, platform: str, rules: WallRules, immediate: bool) -> float:
        """Count a wall; the pause it started in seconds, or 0."""


class LocalBackend:
    """The same rules within one process (``verifier verify`` without Redis)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}  # GCRA: the theoretical arrival time per platform
        self._walls: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}
        self._level: dict[str, tuple[int, float]] = {}  # (pauses in a row, forget at)

    def take(self, platform: str, rate: Rate) -> float:
        with self._lock:
            now = self.clock()
            tat = max(self._tat.get(platform, now), now)
            tolerance = rate.interval_s * (rate.burst - 1)
            if tat - now > tolerance:
                return tat - tolerance - now
            self._tat[platform] = tat + rate.interval_s
            return 0.0

    def paused_for(self, platform: str) -> float:
        with self._lock:
            return max(self._paused_until.get(platform, 0.0) - self.clock(), 0.0)

    def record_wall(self, platform: str, rules: WallRules, immediate: bool) -> float:
        with self._lock:
            now = self.clock()
            if self._paused_until.get(platform, 0.0) > now:
                return 0.0  # a check that started before the pause: already paused
            level, forget_at = self._level.get(platform, (0, 0.0))
            if forget_at <= now:
                level = 0
            walls = self._walls.setdefault(platform, deque())
            walls.append(now)
            while walls and walls[0] <= now - rules.window_s:
                walls.popleft()
            # After a pause one wall is enough: the platform has not forgiven yet.
            if not immediate and level == 0 and len(walls) < rules.threshold:
                return 0.0
            level += 1
            pause = rules.pause_for(level)
            walls.clear()
            self._paused_until[platform] = now + pause
            self._level[platform] = (level, now + pause + rules.memory_s)
            return pause


@dataclass
class Counters:
    """What the limiter did, for logs, metrics and tests."""

    visits: dict[str, int] = field(default_factory=dict)  # checks let through
    taken: dict[str, int] = field(default_factory=dict)  # tokens taken (rated platforms)
    waits: list[tuple[str, float]] = field(default_factory=list)  # sleeps requested
    limited: dict[str, int] = field(default_factory=dict)  # no token within the bound
    paused: dict[str, int] = field(default_factory=dict)  # checks not run in a pause
    walls: dict[str, int] = field(default_factory=dict)
    pauses: list[tuple[str, float]] = field(default_factory=list)

    @staticmethod
    def bump(counter: dict[str, int], platform: str) -> None:
        counter[platform] = counter.get(platform, 0) + 1


class Politeness:
    """Admits a platform visit (or says why not) and watches the answers for walls."""

    def __init__(self, rates: dict[str, Rate | None], rules: WallRules, backend: Backend,
                 max_wait_s: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rates = rates
        self.rules = rules
        self.backend = backend
        self.max_wait_s = max_wait_s
        self.sleep = sleep
        self.counters = Counters()

    @classmethod
    def from_settings(cls, settings: Settings, backend: Backend | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> Politeness:
        return cls(rates_for(settings), wall_rules_for(settings), backend or LocalBackend(),
                   max_wait_s=settings.rate_wait_s, sleep=sleep)

    def admit(self, platform: str) -> str | None:
        """None when the visit may go ahead (a token was taken), else the reason it may not."""
        paused = self.backend.paused_for(platform)
        if paused > 0:
            Counters.bump(self.counters.paused, platform)
            return (f"{platform} is paused after walls (captchas, rate limits or login walls "
                    f"shown to the checker) for {math.ceil(paused)} s more, so that the "
                    "checker account is not banned; the page was not opened")
        rate = self.rates.get(platform)
        if rate is None:
            Counters.bump(self.counters.visits, platform)
            return None
        waited = 0.0
        while True:
            wait = self.backend.take(platform, rate)
            if wait <= 0:
                Counters.bump(self.counters.taken, platform)
                Counters.bump(self.counters.visits, platform)
                return None
            if waited + wait > self.max_wait_s:
                Counters.bump(self.counters.limited, platform)
                return (f"rate limited by this deployment: {platform} allows {rate} checks "
                        f"(VERIFIER_RATE_LIMITS) and none was free within "
                        f"{self.max_wait_s:g} s; the page was not opened")
            self.counters.waits.append((platform, wait))
            self.sleep(wait)
            waited += wait

    def observe(self, platform: str, check: Check, session_loaded: bool) -> None:
        """Count a wall in the check's answer; pause the platform when there are too many."""
        kind = wall_kind(platform, check)
        if kind is None or kind not in BACKOFF_WALLS:
            return
        if kind == "login" and not session_loaded:
            return
        Counters.bump(self.counters.walls, platform)
        pause = self.backend.record_wall(platform, self.rules, kind in IMMEDIATE_WALLS)
        if pause > 0:
            self.counters.pauses.append((platform, pause))
            log.warning("%s paused for %d s after walls (last: %s): %s", platform, pause,
                        kind, check.detail)


@cache
def wall_reasons(platform: str) -> tuple[tuple[str, str], ...]:
    """(kind, reason sentence) of the platform's walls, from its markup data file."""
    from verifier.platforms.base import DATA_DIR, load_platform_data

    if not (DATA_DIR / f"{platform}.yaml").is_file():
        return ()
    walls = load_platform_data(platform).get("walls") or {}
    return tuple((str(kind), str(spec["reason"])) for kind, spec in walls.items()
                 if isinstance(spec, dict) and spec.get("reason"))


def wall_kind(platform: str, check: Check) -> str | None:
    """The wall an ``unknown`` check ran into, by the sentence its adapter reports.

    Every adapter puts the reason of its platform's wall (``platforms/data/
    PLATFORM.yaml``, ``walls``) into the check's detail; that sentence is the
    one place all of them agree on.
    """
    if check.outcome != "unknown":
        return None
    for kind, reason in wall_reasons(platform):
        if reason in check.detail:
            return kind
    return None
