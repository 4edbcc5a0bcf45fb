"""The platform data files: checked by a schema, and the source of the registry and
the URL guard's platform hosts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from verifier.platforms import adapter_class
from verifier.platforms.schema import (
    DATA_DIR,
    DataFileError,
    guard_hosts,
    platform_model,
    platforms,
    read,
)
from verifier.urlguard import PLATFORM_HOSTS, UrlGuard, host_matches


def test_every_data_file_matches_its_schema() -> None:
    for platform in platforms():
        for kind, wall in platform_model(platform).walls.items():
            assert wall.reason, (platform, kind)


def _copy(tmp_path: Path, platform: str) -> tuple[Path, dict]:
    path = tmp_path / f"{platform}.yaml"
    shutil.copy(DATA_DIR / f"{platform}.yaml", path)
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_wrong_wall_key_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    path, raw = _copy(tmp_path, "x")
    raw["walls"]["login"]["url_contain"] = raw["walls"]["login"].pop("url_contains")
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(DataFileError) as refused:
        read(path)
    assert str(path) in str(refused.value)
    assert "walls.login.url_contain" in str(refused.value)


def test_a_wrong_top_level_key_is_refused_naming_it(tmp_path: Path) -> None:
    path, raw = _copy(tmp_path, "playstore")
    raw["base_ur"] = raw.pop("base_url")
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(DataFileError) as refused:
        read(path)
    assert "playstore.yaml" in str(refused.value)
    assert "base_ur:" in str(refused.value) and "base_url:" in str(refused.value)


def test_a_wall_without_its_sentence_is_refused(tmp_path: Path) -> None:
    path, raw = _copy(tmp_path, "telegram")
    del raw["walls"]["rate_limit"]["reason"]
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"walls\.rate_limit\.reason"):
        read(path)


def test_the_guard_allows_exactly_the_hosts_the_data_files_declare() -> None:
    declared = {p: tuple(platform_model(p).guard_hosts) for p in platforms()
                if platform_model(p).guard_hosts}
    assert PLATFORM_HOSTS == declared == guard_hosts()
    guard = UrlGuard(sandboxed=True)
    for platform in platforms():
        spec = platform_model(platform)
        for host in [*spec.hosts, *spec.short_hosts]:  # every target host can be opened
            assert host_matches(host, PLATFORM_HOSTS[platform]), (platform, host)
            assert guard.allowed_host(host)


def test_a_new_platform_is_its_data_file(tmp_path: Path) -> None:
    (tmp_path / "mastodon.yaml").write_text(
        "guard_hosts: [mastodon.social]\nhosts: [mastodon.social]\n"
        "walls: {login: {text: [Sign in], reason: Mastodon asked to sign in}}\n",
        encoding="utf-8")
    (tmp_path / "state_words.yaml").write_text("actions: {}\n", encoding="utf-8")
    assert platforms(tmp_path) == ("mastodon",)
    assert guard_hosts(tmp_path) == {"mastodon": ("mastodon.social",)}


def test_the_registry_is_the_data_files() -> None:
    for platform in platforms():
        cls = adapter_class(platform)
        assert cls is not None and cls.platform == platform
    assert adapter_class("myspace") is None
