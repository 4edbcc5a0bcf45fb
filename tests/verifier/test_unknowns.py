"""Why an unknown check is worth a later look (policy ``retry_unknown``)."""

from __future__ import annotations

import pytest

from verifier.budget import Budget, not_run
from verifier.models import Check
from verifier.policy import Policy
from verifier.politeness import wall_reasons
from verifier.unknowns import unknown_reason


def unknown(detail: str, name: str = "live.follow") -> Check:
    return Check(name=name, outcome="unknown", detail=detail)


def wall(platform: str, kind: str) -> str:
    return dict(wall_reasons(platform))[kind]


@pytest.mark.parametrize(("platform", "detail", "reason"), [
    ("x", "rate limited by this deployment: x allows 1/hour checks (VERIFIER_RATE_LIMITS) and "
          "none was free within 0 s; the page was not opened", "rate_limit"),
    ("x", "x is paused after walls (captchas, rate limits or login walls shown to the "
          "checker) for 120 s more, so that the checker account is not banned", "rate_limit"),
    ("x", Budget(20).overrun("live.follow").detail, "timeout"),
    ("x", not_run("live.follow", 90).detail, "timeout"),
    ("web", "the page could not be opened at https://shop.example/: net::ERR_CONNECTION_RESET",
     "network"),
    ("youtube", "layout changed: the comments header says 20 comments and none was read",
     "layout_changed"),
    ("x", "the live check stopped with an error: boom", "error"),
    ("facebook", "Facebook's like list is a format not confirmed by a real capture", None),
    ("x", "@rafi_bd's following list is protected: only approved followers see it", None),
])
def test_reasons_read_from_the_sentences_this_code_writes(platform: str, detail: str,
                                                          reason: str | None) -> None:
    assert unknown_reason(platform, unknown(detail)) == reason


@pytest.mark.parametrize(("platform", "kind", "reason"), [
    ("x", "rate_limit", "rate_limit"), ("instagram", "captcha", "captcha"),
    ("reddit", "login", "login"), ("x", "locked", "login"),
])
def test_walls_of_the_data_files_keep_their_kind(platform: str, kind: str, reason: str) -> None:
    detail = f"{wall(platform, kind)}; the follow could not be checked"
    assert unknown_reason(platform, unknown(detail)) == reason


def test_only_unknown_checks_have_a_reason() -> None:
    check = Check(name="live.follow", outcome="fail", detail="rate limited by this deployment")
    assert unknown_reason("x", check) is None


def test_retry_only_when_every_unknown_is_a_listed_reason_and_nothing_failed() -> None:
    policy = Policy()  # retry_unknown: rate_limit, timeout
    limited = unknown("rate limited by this deployment: x allows 1/hour checks")
    slow = unknown(Budget(20).overrun("proof.state").detail, "proof.state")
    closed = unknown("the following list is protected")
    passed = Check(name="proof.handle", outcome="pass")
    failed = Check(name="proof.duplicate", outcome="fail", detail="a copy")
    assert policy.retry_reason("x", [passed, limited]) == "rate_limit"
    assert policy.retry_reason("x", [limited, slow]) == "rate_limit, timeout"
    assert policy.retry_reason("x", [limited, failed]) is None  # a fail never waits
    assert policy.retry_reason("x", [limited, closed]) is None  # time will not open it
    assert policy.retry_reason("x", [passed]) is None
    assert Policy(retry_unknown=()).retry_reason("x", [limited]) is None
