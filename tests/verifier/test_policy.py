"""The decision rules and the operator's policy file (fail closed, unknown keys refused)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.forensics.duplicates import DuplicateRules
from verifier.models import Check, parse_proof
from verifier.policy import BUNDLED_POLICY, Policy, PolicyError
from verifier.settings import Settings

PROOF = parse_proof({"id": "p1", "task": {"action": "follow", "platform": "x",
                                          "target": "https://x.com/acme_bd"},
                     "worker": {"id": "w1", "handle": "rafi_bd"}})


def c(name: str, outcome: str, detail: str = "") -> Check:
    return Check(name=name, outcome=outcome,  # type: ignore[arg-type]
                 detail=detail or f"{name} {outcome}")


def test_live_pass_and_nothing_failed_approves() -> None:
    status, reasons = Policy().decide(PROOF, [c("live.follow", "pass"),
                                              c("proof.handle", "pass"),
                                              c("proof.screenshot", "skipped")])
    assert (status, reasons) == ("approved", [])


def test_unknown_never_approves() -> None:
    status, reasons = Policy().decide(PROOF, [c("live.follow", "pass"),
                                              c("proof.screenshot", "unknown", "not fetched")])
    assert status == "flagged"
    assert reasons == ["could not be checked: not fetched"]


def test_any_failure_flags_with_its_sentence() -> None:
    status, reasons = Policy().decide(PROOF, [c("live.follow", "pass"),
                                              c("proof.duplicate", "fail", "reused")])
    assert status == "flagged" and reasons == ["reused"]


def test_live_unknown_flags() -> None:
    status, reasons = Policy().decide(PROOF, [c("live.follow", "unknown", "login wall")])
    assert status == "flagged" and "login wall" in reasons[0]


def test_skipped_live_needs_moderator_unless_policy_allows(tmp_path: Path) -> None:
    checks = [c("live.like", "skipped", "likes are private"), c("proof.state", "pass"),
              c("proof.handle", "pass")]
    status, reasons = Policy().decide(PROOF, checks)
    assert status == "flagged" and "moderator" in reasons[0]
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("proof_only:\n  follow: [proof.state, proof.handle]\n")
    assert Policy.load(policy_file).decide(PROOF, checks) == ("approved", [])


def test_required_checks(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("required:\n  x.follow: [proof.handle]\n")
    status, reasons = Policy.load(policy_file).decide(PROOF, [c("live.follow", "pass")])
    assert status == "flagged" and "proof.handle" in reasons[0]


WEB_VISIT = parse_proof({"id": "p2", "campaign": "c1",
                         "task": {"action": "visit", "platform": "web",
                                  "target": "https://shop.example.com/eid-sale"},
                         "worker": {"id": "w1"}, "evidence": {"code": "vc-0123456789abcdef"}})
WEB_SIGNUP = parse_proof({"id": "p3", "campaign": "c1",
                          "task": {"action": "signup", "platform": "web",
                                   "target": "https://shop.example.com/register"},
                          "worker": {"id": "w1", "handle": "rafi@example.com"}})


def test_a_valid_completion_code_is_positive_ground_for_web() -> None:
    checks = [c("live.visit", "skipped", "a visit leaves no public trace"),
              c("code.valid", "pass"), c("proof.screenshot", "skipped")]
    assert Policy().decide(WEB_VISIT, checks) == ("approved", [])


def test_a_wrong_or_unverifiable_code_flags_web_tasks() -> None:
    wrong = [c("live.visit", "skipped"), c("code.valid", "fail", "another worker's code")]
    assert Policy().decide(WEB_VISIT, wrong) == ("flagged", ["another worker's code"])
    unknown = [c("live.visit", "skipped"), c("code.valid", "unknown", "no secret")]
    assert Policy().decide(WEB_VISIT, unknown)[0] == "flagged"


def test_web_signup_member_page_and_code() -> None:
    assert Policy().decide(WEB_SIGNUP, [c("live.signup", "pass"),
                                        c("code.valid", "skipped")]) == ("approved", [])
    status, reasons = Policy().decide(WEB_SIGNUP, [c("live.signup", "fail", "no member"),
                                                   c("code.valid", "pass")])
    assert status == "flagged" and reasons == ["no member"]


def test_code_valid_is_no_ground_outside_web() -> None:
    checks = [c("live.like", "skipped", "likes are private"), c("code.valid", "pass")]
    assert Policy().decide(PROOF, checks)[0] == "flagged"


# -- the policy file ---------------------------------------------------------------

X_LIKE = parse_proof({"id": "p4", "campaign": "c1",
                      "task": {"action": "like", "platform": "x",
                               "target": "https://x.com/acme_bd/status/1861000000000000001"},
                      "worker": {"id": "w1", "handle": "rafi_bd"}})
PROOF_PASSES = [c(n, "pass") for n in ("proof.screenshot", "proof.handle", "proof.target",
                                       "proof.state", "proof.duplicate", "proof.tamper",
                                       "proof.account")]
LIKE_SKIPPED = c("live.like", "skipped", "likes on X are private")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_the_bundled_policy_is_fail_closed() -> None:
    policy = Policy.load(None)
    assert BUNDLED_POLICY.is_file()
    assert policy.required == {}
    for cell in ("x.like", "instagram.share", "facebook.follow", "reddit.like", "reddit.join",
                 "youtube.like", "youtube.subscribe", "tiktok.like", "telegram.join",
                 "playstore.install"):
        platform, action = cell.split(".")
        assert policy.proof_only_rule(platform, action) is None, cell
    assert policy.duplicates == DuplicateRules(near_distance=10, same_text=0.5)
    assert policy.retry_unknown == ("rate_limit", "timeout")
    status, reasons = policy.decide(X_LIKE, [LIKE_SKIPPED, *PROOF_PASSES])
    assert status == "flagged"
    assert reasons == ["likes on X are private; a moderator has to judge the proof"]


def test_code_defaults_match_the_bundled_file() -> None:
    bundled, code = Policy.load(None), Policy()
    assert (bundled.duplicates, bundled.retry_unknown, bundled.required) == (
        code.duplicates, code.retry_unknown, code.required)
    assert not any(bundled.proof_only.values())


def test_an_operator_allows_proof_only_for_one_cell(tmp_path: Path) -> None:
    policy = Policy.load(write(tmp_path, """
proof_only:
  x.like: {allowed: true, require: [proof.screenshot, proof.handle, proof.state]}
duplicates: {near_distance: 6}
"""))
    assert policy.decide(X_LIKE, [LIKE_SKIPPED, *PROOF_PASSES]) == ("approved", [])
    # The rest of the bundled file still holds.
    assert policy.proof_only_rule("youtube", "like") is None
    assert policy.duplicates == DuplicateRules(near_distance=6, same_text=0.5)
    missing = [LIKE_SKIPPED, c("proof.screenshot", "pass"), c("proof.handle", "skipped")]
    status, reasons = policy.decide(X_LIKE, missing)
    assert status == "flagged"
    assert reasons == ["proof-only approval needs proof.handle, proof.state to pass"]


def test_proof_only_never_outweighs_a_failure_or_an_unknown(tmp_path: Path) -> None:
    policy = Policy.load(write(tmp_path, "proof_only:\n  x.like: true\n"))
    assert policy.proof_only_rule("x", "like") == [
        "proof.screenshot", "proof.handle", "proof.target", "proof.state", "proof.duplicate",
        "proof.tamper", "proof.account"]
    copied = [LIKE_SKIPPED, *PROOF_PASSES[:4], c("proof.duplicate", "fail", "a copy of p1")]
    assert policy.decide(X_LIKE, copied) == ("flagged", ["a copy of p1", (
        "proof-only approval needs proof.duplicate, proof.tamper, proof.account to pass")])
    unread = [LIKE_SKIPPED, *PROOF_PASSES[1:], c("proof.screenshot", "unknown", "not fetched")]
    assert policy.decide(X_LIKE, unread)[0] == "flagged"


def test_platform_action_wins_over_the_action(tmp_path: Path) -> None:
    policy = Policy.load(write(tmp_path, """
proof_only:
  like: [proof.state]
  x.like: false
"""))
    assert policy.proof_only_rule("x", "like") is None
    assert policy.proof_only_rule("reddit", "like") is None  # the bundled file's reddit.like
    assert policy.proof_only_rule("github", "like") == ["proof.state"]


def test_required_by_platform_action_and_by_action(tmp_path: Path) -> None:
    policy = Policy.load(write(tmp_path, """
required:
  follow: [proof.duplicate]
  x.follow: [proof.handle]
"""))
    status, reasons = policy.decide(PROOF, [c("live.follow", "pass"),
                                            c("proof.duplicate", "skipped")])
    assert status == "flagged"
    assert reasons == ["the policy requires proof.handle to pass for x.follow tasks",
                       "the policy requires proof.duplicate to pass for x.follow tasks"]


def test_verifier_policy_points_at_the_operators_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "retry_unknown: [rate_limit, timeout, login]\n")
    monkeypatch.setenv("VERIFIER_POLICY", str(path))
    policy = Policy.load(Settings().policy_file)
    assert policy.retry_unknown == ("rate_limit", "timeout", "login")


@pytest.mark.parametrize(("text", "message"), [
    ("proof_onyl: {}\n", "unknown key 'proof_onyl'"),
    ("duplicates: {near_distance: 8, same_txt: 0.8}\n", "unknown key 'duplicates.same_txt'"),
    ("proof_only:\n  x.like: {allowed: true, requires: [proof.state]}\n",
     "proof_only.x.like: unknown key 'requires'"),
    ("proof_only:\n  x.likes: false\n", "proof_only.x.likes: unknown action 'likes'"),
    ("proof_only:\n  twitter.like: false\n", "proof_only.twitter.like: unknown platform 'twitter'"),
    ("required:\n  x.follow: [proof.hande]\n", "required.x.follow: unknown check 'proof.hande'"),
    ("proof_only:\n  x.like: {allowed: true, require: []}\n", "would approve any claim"),
    ("proof_only:\n  x.like: {allowed: 'yes'}\n",
     "proof_only.x.like.allowed must be true or false"),
    ("duplicates: {near_distance: 40}\n", "duplicates.near_distance must be a whole number"),
    ("duplicates: {same_text: 1.5}\n", "duplicates.same_text must be a share from 0 to 1"),
    ("retry_unknown: [rate_limit, slowness]\n", "retry_unknown: unknown reason 'slowness'"),
    ("- a list\n", "the policy must be a mapping"),
    ("required: [x]\n", "required must be a mapping"),
    ("proof_only: {x.like: [}\n", "not valid YAML"),
])
def test_mistakes_in_the_file_are_errors_naming_the_key(tmp_path: Path, text: str,
                                                        message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        Policy.load(tmp_path / "nope.yaml")


def test_an_empty_file_keeps_the_bundled_policy(tmp_path: Path) -> None:
    policy = Policy.load(write(tmp_path, "# nothing changed\n"))
    assert policy.proof_only == Policy.load(None).proof_only
