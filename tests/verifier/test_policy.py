from verifier.models import Check, parse_proof
from verifier.policy import Policy

PROOF = parse_proof({"id": "p1", "task": {"action": "follow", "platform": "x",
                                          "target": "https://x.com/acme_bd"},
                     "worker": {"id": "w1", "handle": "rafi_bd"}})


def c(name, outcome, detail=""):
    return Check(name=name, outcome=outcome, detail=detail or f"{name} {outcome}")


def test_live_pass_and_nothing_failed_approves():
    status, reasons = Policy().decide(PROOF, [c("live.follow", "pass"),
                                              c("proof.handle", "pass"),
                                              c("proof.screenshot", "skipped")])
    assert (status, reasons) == ("approved", [])


def test_unknown_never_approves():
    status, reasons = Policy().decide(PROOF, [c("live.follow", "pass"),
                                              c("proof.screenshot", "unknown", "not fetched")])
    assert status == "flagged"
    assert reasons == ["could not be checked: not fetched"]


def test_any_failure_flags_with_its_sentence():
    status, reasons = Policy().decide(PROOF, [c("live.follow", "pass"),
                                              c("proof.duplicate", "fail", "reused")])
    assert status == "flagged" and reasons == ["reused"]


def test_live_unknown_flags():
    status, reasons = Policy().decide(PROOF, [c("live.follow", "unknown", "login wall")])
    assert status == "flagged" and "login wall" in reasons[0]


def test_skipped_live_needs_moderator_unless_policy_allows(tmp_path):
    checks = [c("live.like", "skipped", "likes are private"), c("proof.state", "pass"),
              c("proof.handle", "pass")]
    status, reasons = Policy().decide(PROOF, checks)
    assert status == "flagged" and "moderator" in reasons[0]
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("proof_only:\n  follow: [proof.state, proof.handle]\n")
    assert Policy.load(policy_file).decide(PROOF, checks) == ("approved", [])


def test_required_checks(tmp_path):
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


def test_a_valid_completion_code_is_positive_ground_for_web():
    checks = [c("live.visit", "skipped", "a visit leaves no public trace"),
              c("code.valid", "pass"), c("proof.screenshot", "skipped")]
    assert Policy().decide(WEB_VISIT, checks) == ("approved", [])


def test_a_wrong_or_unverifiable_code_flags_web_tasks():
    wrong = [c("live.visit", "skipped"), c("code.valid", "fail", "another worker's code")]
    assert Policy().decide(WEB_VISIT, wrong) == ("flagged", ["another worker's code"])
    unknown = [c("live.visit", "skipped"), c("code.valid", "unknown", "no secret")]
    assert Policy().decide(WEB_VISIT, unknown)[0] == "flagged"


def test_web_signup_member_page_and_code():
    assert Policy().decide(WEB_SIGNUP, [c("live.signup", "pass"),
                                        c("code.valid", "skipped")]) == ("approved", [])
    status, reasons = Policy().decide(WEB_SIGNUP, [c("live.signup", "fail", "no member"),
                                                   c("code.valid", "pass")])
    assert status == "flagged" and reasons == ["no member"]


def test_code_valid_is_no_ground_outside_web():
    checks = [c("live.like", "skipped", "likes are private"), c("code.valid", "pass")]
    assert Policy().decide(PROOF, checks)[0] == "flagged"
