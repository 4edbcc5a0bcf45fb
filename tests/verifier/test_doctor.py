"""``verifier doctor`` against the sandbox: sessions, keys, and a known page per cell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from verifier.cli import main
from verifier.doctor import (
    CELLS,
    DEFAULT_PROBES,
    LAYOUT,
    NEEDS_KEY,
    NEEDS_SESSION,
    NOT_CONFIRMED,
    OK,
    UNREACHABLE,
    format_report,
    key_states,
    load_probes,
    run,
    session_state,
)
from verifier.platforms import get_adapter
from verifier.platforms.reddit_api import ThreadKeys
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO_WORLD = ROOT / "fixtures" / "worlds" / "demo.yaml"
DEMO_PROBES = ROOT / "fixtures" / "worlds" / "demo-probes.yaml"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def settings_for(sandbox, sessions: bool = True, **extra: object) -> Settings:
    return Settings(VERIFIER_SANDBOX=sandbox.url,  # type: ignore[call-arg]
                    VERIFIER_SESSIONS_DIR=sandbox.sessions if sessions else None,
                    VERIFIER_YOUTUBE_API_KEY="sandbox-key", **extra)


def doctor(settings: Settings, shared_pool, probes=None):
    shared_pool.settings = settings
    return run(settings, probes or load_probes(DEMO_PROBES), pool=shared_pool)


def write_state(path: Path, cookies: object) -> None:
    path.write_text(json.dumps({"cookies": cookies, "origins": []}))


def test_session_files_are_read_for_presence_shape_and_expiry(tmp_path: Path) -> None:
    settings = Settings(VERIFIER_SESSIONS_DIR=tmp_path)  # type: ignore[call-arg]
    assert not session_state(settings, "x", NOW).configured
    (tmp_path / "x.json").write_text("{not json")
    assert "not a Playwright storage state" in (session_state(settings, "x", NOW).problem or "")
    write_state(tmp_path / "x.json", [{"name": "guest_id", "value": "1", "expires": -1}])
    assert "no login cookie (auth_token)" in (session_state(settings, "x", NOW).problem or "")
    write_state(tmp_path / "x.json", [{"name": "auth_token", "value": "t",
                                       "expires": NOW.timestamp() - 60}])
    expired = session_state(settings, "x", NOW)
    assert expired.configured and not expired.usable
    assert "auth_token cookie expired on 2026-05-31" in (expired.problem or "")
    write_state(tmp_path / "x.json", [{"name": "auth_token", "value": "t",
                                       "expires": NOW.timestamp() + 86400}])
    assert session_state(settings, "x", NOW).usable
    write_state(tmp_path / "x.json", [{"name": "auth_token", "value": "t", "expires": -1}])
    assert session_state(settings, "x", NOW).usable  # a browser-session cookie


def test_keys_are_reported_and_half_a_reddit_app_is_a_problem() -> None:
    keys = key_states(Settings(VERIFIER_REDDIT_CLIENT_ID="id"))  # type: ignore[call-arg]
    assert not keys["youtube"].configured
    assert keys["reddit"].configured and "only one of" in (keys["reddit"].problem or "")


def test_every_default_probe_names_a_cell_its_adapter_recognises() -> None:
    keys = {c.key for c in CELLS}
    for key, probe in DEFAULT_PROBES.items():
        assert key in keys, key
        adapter = get_adapter(key.split(".")[0])
        assert adapter is not None and adapter.parse_target(probe.target), key


@pytest.mark.integration
def test_with_sessions_every_cell_is_ok(sandbox_for, shared_pool) -> None:
    sandbox = sandbox_for(DEMO_WORLD)
    report = doctor(settings_for(sandbox), shared_pool)
    # Facebook's like, share and join read the page but no real capture confirms who
    # reacted, shared or joined: said so, and not counted as broken.
    unconfirmed = {"facebook.like", "facebook.share", "facebook.join"}
    assert {c.cell.key: c.status for c in report.cells if c.status != OK} == {
        key: NOT_CONFIRMED for key in unconfirmed}
    assert report.broken == []
    text = format_report(report)
    assert "x.follow" in text and "format not confirmed" in text
    assert "praw_oauth_comments_1kh35wk_2025 (2025-05)" in text  # the provenance columns


@pytest.mark.integration
def test_without_sessions_the_session_cells_say_so(sandbox_for, shared_pool) -> None:
    sandbox = sandbox_for(DEMO_WORLD)
    report = doctor(settings_for(sandbox, sessions=False), shared_pool)
    status = {c.cell.key: c.status for c in report.cells}
    for key in ("x.follow", "x.comment", "x.share", "instagram.follow", "instagram.like",
                "facebook.like", "facebook.share", "facebook.join", "tiktok.follow"):
        assert status[key] == NEEDS_SESSION, key
    assert status["reddit.comment"] == NEEDS_KEY  # neither the app nor a session
    for key in ("instagram.comment", "facebook.comment", "github.like", "youtube.comment",
                "telegram.comment", "tiktok.comment"):
        assert status[key] == OK, key
    assert report.broken == []  # nothing configured is broken: exit 0


@pytest.mark.integration
def test_walls_expired_sessions_and_changed_pages_are_reported_not_crashed(
        sandbox_for, shared_pool, monkeypatch) -> None:
    sandbox = sandbox_for(DEMO_WORLD)
    httpx.post(f"{sandbox.url}/__admin/world", json={"ops": [
        {"op": "set_wall", "platform": "x", "wall": "captcha"},
        {"op": "expire_sessions", "platform": "instagram"}]}).raise_for_status()
    # Reddit renamed a comment's ``author``: the adapter reads a key no longer there.
    monkeypatch.setattr(get_adapter("reddit"), "keys", ThreadKeys(author="writer"))
    keys = ("x.follow", "instagram.follow", "reddit.comment", "telegram.comment")
    probes = {k: p for k, p in load_probes(DEMO_PROBES).items() if k in keys}
    report = doctor(settings_for(sandbox), shared_pool, probes)
    got = report.by_key()
    assert got["x.follow"].status == UNREACHABLE and "captcha" in got["x.follow"].detail
    assert got["instagram.follow"].status == NEEDS_SESSION  # a login wall with a session
    assert got["reddit.comment"].status == LAYOUT, got["reddit.comment"].detail
    assert got["telegram.comment"].status == OK
    assert {c.cell.key for c in report.broken} >= {"x.follow", "instagram.follow",
                                                   "reddit.comment"}
    assert "BROKEN x.follow: unreachable" in format_report(report)


@pytest.mark.integration
def test_the_command_exits_non_zero_when_a_configured_cell_is_broken(sandbox_for, tmp_path
                                                                     ) -> None:
    sandbox = sandbox_for(DEMO_WORLD)
    probes = tmp_path / "probes.yaml"
    probes.write_text("probes:\n  x.follow: {target: 'https://x.com/acme_bd', "
                      "worker: rafi_bd, expect: pass}\n")
    env = {"VERIFIER_SANDBOX": sandbox.url, "VERIFIER_SESSIONS_DIR": str(sandbox.sessions),
           "REDIS_URL": ""}
    ok = CliRunner().invoke(main, ["doctor", "--probes", str(probes)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "x.follow" in ok.output and "no configured cell is broken" in ok.output
    httpx.post(f"{sandbox.url}/__admin/world",
               json={"op": "set_wall", "platform": "x", "wall": "rate_limit"}).raise_for_status()
    broken = CliRunner().invoke(main, ["doctor", "--probes", str(probes)], env=env)
    assert broken.exit_code == 1, broken.output
    assert "BROKEN x.follow: unreachable" in broken.output
