"""The operator's sites file and the completion code, without a browser."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.contract import contract_dir
from verifier.platforms import TargetError, get_adapter
from verifier.settings import Settings
from verifier.sites import SitesError, completion_code, load_sites, parse_sites, sites_for


@pytest.mark.parametrize("name", ["signup-web.json", "visit-web.json"])
def test_contract_example_codes(name: str) -> None:
    """The examples were made with world.yaml's secret for their campaign and worker."""
    proof = json.loads((contract_dir() / "examples" / name).read_text())
    assert completion_code("s3cret", proof["campaign"], proof["worker"]["id"]) \
        == proof["evidence"]["code"]
    assert completion_code("s3cret", proof["campaign"], "w-32") != proof["evidence"]["code"]


def test_sites_parse_and_member_pages() -> None:
    sites = parse_sites({"sites": [{"host": "Shop.Example.com.", "code_secret": "s",
                                    "member_url": "https://shop.example.com/u/{handle}"}]})
    site = sites.get("SHOP.example.com")
    assert site is not None and site.host == "shop.example.com"
    assert site.member_page("rafi@example.com") == "https://shop.example.com/u/rafi@example.com"
    assert site.member_page("a b/c") == "https://shop.example.com/u/a%20b%2Fc"
    assert not site.members_need_login
    bare = parse_sites({"sites": [{"host": "a.example", "code_secret": ""}]}).get("a.example")
    assert bare is not None and bare.code_secret is None and bare.member_page("x") is None


@pytest.mark.parametrize("data, words", [
    ({"sites": [{"host": "a.example", "secret": "x"}]}, "sites.0.secret: unknown key"),
    ({"sites": [{"host": "https://a.example/"}]}, "not a host name"),
    ({"sites": [{"host": "a.example", "member_url": "https://a.example/u/"}]}, "{handle}"),
    ({"sites": [{"host": "a.example"}, {"host": "A.example"}]}, "declared twice"),
    (["a.example"], "expected a mapping"),
])
def test_bad_sites_files_say_what_is_wrong(data: object, words: str) -> None:
    with pytest.raises(SitesError, match=words.replace("{", r"\{").replace("}", r"\}")):
        parse_sites(data, "sites.yaml")


def test_sites_file_location_and_reload(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    settings = Settings(VERIFIER_SESSIONS_DIR=sessions)  # type: ignore[call-arg]
    assert sites_for(settings).hosts == frozenset()
    (sessions / "sites.yaml").write_text("sites: [{host: a.example}]\n")
    assert sites_for(settings).hosts == {"a.example"}
    own = tmp_path / "operator.yaml"
    own.write_text("sites: [{host: b.example}]\n")
    chosen = Settings(VERIFIER_SESSIONS_DIR=sessions, VERIFIER_SITES=own)  # type: ignore[call-arg]
    assert sites_for(chosen).hosts == {"b.example"}
    own.write_text("sites: [{host: b.example}, {host: c.example}]\n")
    stat = own.stat()
    os.utime(own, (stat.st_atime, stat.st_mtime + 5))
    assert load_sites(own).hosts == {"b.example", "c.example"}
    with pytest.raises(SitesError, match="cannot read"):
        load_sites(tmp_path / "missing.yaml")


def test_web_targets() -> None:
    adapter = get_adapter("web")
    assert adapter is not None
    target = adapter.parse_target("https://Shop.Example.com/register?ref=1")
    assert (target.platform, target.kind, target.key) == ("web", "site", "shop.example.com")
    for url in ("ftp://shop.example.com/", "shop.example.com/register", "https:///x"):
        with pytest.raises(TargetError):
            adapter.parse_target(url)
