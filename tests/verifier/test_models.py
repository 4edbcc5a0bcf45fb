import json

import jsonschema
import pytest

from tests.contract import contract_dir
from verifier.models import ProofError, Verdict, base64_limit, parse_proof


def examples():
    return sorted((contract_dir() / "examples").glob("*.json"))


def test_contract_has_examples():
    assert len(examples()) >= 9


@pytest.mark.parametrize("path", examples(), ids=lambda p: p.stem)
def test_every_contract_example_parses_and_round_trips(path):
    raw = json.loads(path.read_text())
    proof = parse_proof(raw)
    assert proof.id == raw["id"]
    schema = json.loads((contract_dir() / "proof.schema.json").read_text())
    jsonschema.validate(proof.to_json(), schema)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["task"].update(action="retweet"), "task.action"),
        (lambda p: p["task"].pop("target"), "task.target"),
        (lambda p: p.update(id="has space"), "id"),
        (lambda p: p["worker"].update(nickname="x"), "worker.nickname"),
        (lambda p: p.update(evidence={"screenshots": [{}]}), "evidence.screenshots[0]"),
        (lambda p: p["task"].update(min_comment_words=0), "task.min_comment_words"),
    ],
)
def test_malformed_proof_error_names_the_field(mutate, field):
    raw = json.loads((contract_dir() / "examples" / "follow-x.json").read_text())
    mutate(raw)
    with pytest.raises(ProofError) as info:
        parse_proof(raw)
    assert any(e.startswith(field + ":") for e in info.value.errors), info.value.errors


def test_not_json_is_refused_clearly():
    with pytest.raises(ProofError, match="not valid JSON"):
        parse_proof("{nope")


def test_verdict_matches_schema():
    schema = json.loads((contract_dir() / "verdict.schema.json").read_text())
    verdict = Verdict(proof_id="a", status="flagged", reasons=["r"],
                      checks=[{"name": "live.follow", "outcome": "unknown", "detail": "d"}])
    jsonschema.validate(verdict.to_json(), schema)


def _proof(platform: str, handle: str | None, **evidence: object) -> dict:
    targets = {"x": "https://x.com/acme_bd", "web": "https://shop.example.com/"}
    return {"id": "p-1", "campaign": "c", "task": {"action": "follow" if platform != "web"
                                                   else "signup", "platform": platform,
                                                   "target": targets.get(platform, "t")},
            "worker": {"id": "w-1", "handle": handle}, "evidence": evidence}


@pytest.mark.parametrize(("platform", "handle"), [
    ("x", "rafi_bd"), ("x", "@rafi_bd"), ("instagram", "cafe.dhanmondi"),
    ("facebook", "Rafi Ahmed"), ("facebook", "ayesha.rahman"), ("facebook", "Nintendo"),
    ("reddit", "u/rafi_bd"), ("youtube", "@AcmeBD"), ("youtube", "UC" + "a" * 22),
    ("tiktok", "stack.cats"), ("telegram", "karim_tg"), ("telegram", "Nameless Person"),
    ("youtube", "https://www.youtube.com/@rafi_bd"), ("github", "rafi-dev"),
    ("web", "rafi@example.com"), ("web", "rafi"), ("playstore", "rafi_bd"),
])
def test_genuine_handles_pass_intake(platform: str, handle: str) -> None:
    assert parse_proof(_proof(platform, handle)).worker.handle == handle


@pytest.mark.parametrize(("platform", "handle", "rule"), [
    ("x", "a" * 256, "1-15 letters, digits or underscores"),
    ("x", "rafi.bd", "1-15 letters"),
    ("instagram", "a" * 31, "at most 30"),
    ("github", "-rafi", "not starting or ending with a hyphen"),
    ("telegram", "rafi<script>", "5-32"),
    ("telegram", "a" * 65, "display name of at most 64"),
    ("youtube", "https://evil.example/@rafi_bd", "youtube.com URL"),
    ("reddit", "ab", "3-20"),
    ("web", "a b c", "e-mail address or a username"),
])
def test_handle_breaking_its_platform_rule_is_refused_naming_the_rule(
        platform: str, handle: str, rule: str) -> None:
    with pytest.raises(ProofError) as err:
        parse_proof(_proof(platform, handle))
    assert len(err.value.errors) == 1
    assert err.value.errors[0].startswith("worker.handle: ")
    assert f"not a valid {platform} handle" in err.value.errors[0] and rule in err.value.errors[0]


def test_screenshot_base64_over_the_image_limit_is_refused_before_storage() -> None:
    limit = base64_limit(1000)
    assert limit >= 4 * 334  # an image of exactly the limit still fits, line breaks included
    fits = _proof("x", "rafi_bd", screenshots=[{"data": "A" * limit}])
    assert parse_proof(fits, max_image_bytes=1000).evidence is not None
    over = _proof("x", "rafi_bd", screenshots=[{"url": "https://x.com/a.png"},
                                               {"data": "A" * (limit + 1)}])
    with pytest.raises(ProofError) as err:
        parse_proof(over, max_image_bytes=1000)
    assert err.value.errors == [
        "evidence.screenshots[1].data: 2 KB of base64 is over the 2 KB limit "
        "(images up to 1 KB, VERIFIER_MAX_IMAGE_BYTES)"]


def test_default_base64_limit_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_MAX_IMAGE_BYTES", str(3 * 2**20))
    big = _proof("x", "rafi_bd", screenshots=[{"data": "A" * (5 * 2**20)}])
    with pytest.raises(ProofError) as err:
        parse_proof(big)
    assert err.value.errors[0].startswith("evidence.screenshots[0].data: 5.0 MB of base64 is "
                                          "over the 4.1 MB limit (images up to 3.0 MB")
