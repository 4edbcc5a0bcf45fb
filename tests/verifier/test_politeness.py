"""Politeness rules in one process: rates, bounded waits and the pause after walls.

A fake clock stands in for time: the tests assert the tokens taken, the waits
requested and the pauses started, never how long anything took.
"""

from __future__ import annotations

import pytest

from verifier.models import Check
from verifier.politeness import (
    LocalBackend,
    Politeness,
    Rate,
    RateSyntaxError,
    WallRules,
    parse_rate,
    parse_rates,
    rates_for,
    wall_kind,
    wall_rules_for,
)
from verifier.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def polite(rates: dict[str, Rate | None], clock: Clock, max_wait: float = 30.0,
           rules: WallRules | None = None) -> Politeness:
    return Politeness(rates, rules or WallRules(), LocalBackend(clock), max_wait_s=max_wait,
                      sleep=clock.sleep)


def test_rates_parse_with_units_bursts_and_off() -> None:
    assert parse_rate("30/min") == Rate(30, 60.0, 3)
    assert parse_rate("50/hour") == Rate(50, 3600.0, 5)
    assert parse_rate("2/s:2") == Rate(2, 1.0, 2)
    assert parse_rate("5/10min") == Rate(5, 600.0, 1)
    assert parse_rate("off") is None
    assert parse_rates("x=30/min, web=off") == {"x": Rate(30, 60.0, 3), "web": None}
    for bad in ("x=30", "x=thirty/min", "=3/min", "x=3/fortnight"):
        with pytest.raises(RateSyntaxError, match="VERIFIER_RATE_LIMITS"):
            parse_rates(bad)


def test_defaults_protect_real_platforms_and_the_operator_overrides_them() -> None:
    real = rates_for(Settings(VERIFIER_RATE_LIMITS="x=5/min"))  # type: ignore[call-arg]
    assert real["x"] == Rate(5, 60.0, 1)
    assert real["instagram"] == Rate(10, 60.0, 1)
    assert real["github"] == Rate(50, 3600.0, 5)  # anonymous: 60 an hour per address
    assert real["web"] is None
    with_token = rates_for(Settings(VERIFIER_GITHUB_TOKEN="t"))  # type: ignore[call-arg]
    assert with_token["github"] == Rate(60, 60.0, 6)
    # A sandbox has no checker accounts to protect: only what the operator sets.
    sandboxed = rates_for(Settings(VERIFIER_SANDBOX="http://127.0.0.1:1",  # type: ignore[call-arg]
                                   VERIFIER_RATE_LIMITS="x=5/min"))
    assert sandboxed == {"x": Rate(5, 60.0, 1)}


def test_wall_backoff_setting() -> None:
    rules = wall_rules_for(Settings(VERIFIER_WALL_BACKOFF="2/5min,90s,1h"))  # type: ignore[call-arg]
    assert rules == WallRules(threshold=2, window_s=300.0, pause_s=90.0, max_pause_s=3600.0)
    assert [rules.pause_for(n) for n in (1, 2, 3, 7)] == [90.0, 180.0, 360.0, 3600.0]
    with pytest.raises(RateSyntaxError, match="VERIFIER_WALL_BACKOFF"):
        wall_rules_for(Settings(VERIFIER_WALL_BACKOFF="3/10min"))  # type: ignore[call-arg]


def test_a_check_waits_for_a_token_within_the_bound() -> None:
    clock = Clock()
    limiter = polite({"x": Rate(6, 60.0, 2)}, clock)
    assert limiter.admit("x") is None and limiter.admit("x") is None  # the burst
    assert clock.slept == []
    assert limiter.admit("x") is None  # waits one interval (10 s) for the next token
    assert clock.slept == [pytest.approx(10.0)]
    assert limiter.counters.taken == {"x": 3}
    assert limiter.admit("instagram") is None  # no rate configured: not limited
    assert limiter.counters.visits == {"x": 3, "instagram": 1}


def test_no_token_within_the_bound_is_rate_limited_without_waiting_in_vain() -> None:
    clock = Clock()
    limiter = polite({"x": Rate(1, 60.0)}, clock, max_wait=30.0)
    assert limiter.admit("x") is None
    refused = limiter.admit("x")
    assert refused is not None and refused.startswith("rate limited by this deployment")
    assert clock.slept == []  # the 60 s wait is over the 30 s bound: not even started
    assert limiter.counters.limited == {"x": 1}
    assert limiter.counters.taken == {"x": 1}


def wall(detail: str) -> Check:
    return Check(name="live.follow", outcome="unknown", detail=detail)


CAPTCHA = wall("X showed a captcha to the checker account; the follow could not be checked")
LOGIN = wall("X asked the checker account to log in (session missing or expired); ...")


def test_walls_are_recognised_by_the_adapters_own_sentences() -> None:
    assert wall_kind("x", CAPTCHA) == "captcha"
    assert wall_kind("x", LOGIN) == "login"
    assert wall_kind("instagram", wall("Instagram rate-limited the checker account")) == \
        "rate_limit"
    assert wall_kind("x", wall("X did not answer https://x.com/a in time")) is None
    assert wall_kind("x", Check(name="live.follow", outcome="fail",
                                detail=CAPTCHA.detail)) is None


def test_k_walls_pause_the_platform_and_pauses_grow() -> None:
    clock = Clock()
    rules = WallRules(threshold=3, window_s=600.0, pause_s=300.0, max_pause_s=3600.0,
                      memory_s=86400.0)
    limiter = polite({}, clock, rules=rules)
    for _ in range(2):
        limiter.observe("x", CAPTCHA, session_loaded=True)
    assert limiter.admit("x") is None
    limiter.observe("x", CAPTCHA, session_loaded=True)
    assert limiter.counters.pauses == [("x", 300.0)]
    refused = limiter.admit("x")
    assert refused is not None and "paused after walls" in refused
    assert limiter.admit("instagram") is None  # only the walled platform pauses
    limiter.observe("x", CAPTCHA, session_loaded=True)  # a check begun before the pause
    assert len(limiter.counters.pauses) == 1
    clock.now += 301
    assert limiter.admit("x") is None
    limiter.observe("x", CAPTCHA, session_loaded=True)  # one wall after a pause: again, longer
    assert limiter.counters.pauses[-1] == ("x", 600.0)
    clock.now += 601 + 86400  # a day without walls: forgiven
    limiter.observe("x", CAPTCHA, session_loaded=True)
    assert len(limiter.counters.pauses) == 2
    assert limiter.counters.paused == {"x": 1}


def test_walls_outside_the_window_do_not_add_up() -> None:
    clock = Clock()
    limiter = polite({}, clock, rules=WallRules(threshold=2, window_s=60.0))
    limiter.observe("x", CAPTCHA, session_loaded=True)
    clock.now += 61
    limiter.observe("x", CAPTCHA, session_loaded=True)
    assert limiter.counters.pauses == []


def test_a_login_wall_counts_only_with_a_session_and_a_locked_account_pauses_at_once() -> None:
    clock = Clock()
    limiter = polite({}, clock, rules=WallRules(threshold=1))
    limiter.observe("x", LOGIN, session_loaded=False)  # no session: the page as it is
    assert limiter.counters.walls == {} and limiter.counters.pauses == []
    limiter = polite({}, clock, rules=WallRules(threshold=5))
    locked = wall("the checker account for x is locked or suspended (X error 326 or a bare "
                  "403); the operator must unlock or replace it")
    limiter.observe("x", locked, session_loaded=True)
    assert limiter.counters.pauses == [("x", 300.0)]
