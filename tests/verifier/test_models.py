import json

import jsonschema
import pytest

from tests.contract import contract_dir
from verifier.models import ProofError, Verdict, parse_proof


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
