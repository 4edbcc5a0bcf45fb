"""The deployment files say what the README promises, and every command they
run exists with the options they pass (there is no Docker engine here to
build them; this is what can be checked without one)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from verifier.cli import main

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_redis_is_append_only_with_a_password_from_the_environment() -> None:
    redis = compose()["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--requirepass ${REDIS_PASSWORD" in command
    env = compose()["x-verifier-env"]
    assert env["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")
    assert "${POSTGRES_PASSWORD" in env["VERIFIER_DATABASE_URL"]


def test_no_secret_is_written_into_the_files() -> None:
    text = (ROOT / "compose.yaml").read_text() + (ROOT / "Dockerfile").read_text()
    for match in re.finditer(r"(?i)\b(\w*(?:password|secret|token)\w*)\s*(?::\s+|=)(\S+)", text):
        assert match.group(2).startswith(("${", "...", "$$")), match.group(0)


def test_every_command_the_services_run_exists_with_its_options() -> None:
    runner = CliRunner()
    for name, service in compose()["services"].items():
        if "image" in service and service["image"] != "microtask-verifier":
            continue
        args = service["command"]
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_the_image_runs_unprivileged_under_an_init_with_a_health_check() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER verifier$", docker, re.M)
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "verifier"]' in docker
    assert "HEALTHCHECK" in docker and "tini" in docker
    assert "'.[postgres]'" in docker  # compose runs on PostgreSQL
    for name in ("api", "worker"):
        assert compose()["services"][name]["environment"]["VERIFIER_HEALTH_URL"]
