"""Log records carry the proof id they were logged for, and no secrets."""

from __future__ import annotations

import json
import logging

from verifier import logs


def test_json_lines_carry_the_bound_proof_id_and_hide_keys(capsys) -> None:
    logs.setup(logging.INFO, "json")
    log = logging.getLogger("verifier.test")
    with logs.bound(proof_id="p-42"):
        log.info("fetched https://www.googleapis.com/youtube/v3/x?part=s&key=SECRET123")
    log.info("outside")
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["proof_id"] == "p-42" and first["level"] == "info"
    assert "SECRET123" not in first["message"] and "key=***" in first["message"]
    assert "proof_id" not in second


def test_text_lines_name_the_proof(capsys) -> None:
    logs.setup(logging.INFO, "text")
    with logs.bound(proof_id="p-7"):
        logging.getLogger("verifier.test").warning("late")
    assert "[proof=p-7]" in capsys.readouterr().err
    logs.setup(logging.WARNING, "text")
