"""Google Play targets and the app-page reader (no browser)."""

from __future__ import annotations

import pytest

from fixtures.sandbox import playstore as sandbox_play
from fixtures.sandbox.world import parse_world
from verifier.platforms import TargetError
from verifier.platforms.playstore import PlayStoreAdapter, app_name


@pytest.fixture(scope="module")
def adapter() -> PlayStoreAdapter:
    return PlayStoreAdapter()


@pytest.mark.parametrize(("url", "package"), [
    ("https://play.google.com/store/apps/details?id=org.telegram.messenger",
     "org.telegram.messenger"),
    ("https://play.google.com/store/apps/details?id=com.acme.shop&hl=bn&gl=BD", "com.acme.shop"),
    ("http://play.google.com/store/apps/details/?hl=en&id=com.acme_bd.app2", "com.acme_bd.app2"),
])
def test_app_page_urls(adapter: PlayStoreAdapter, url: str, package: str) -> None:
    target = adapter.parse_target(url)
    assert (target.platform, target.kind, target.key) == ("playstore", "app", package)
    assert target.url == f"https://play.google.com/store/apps/details?id={package}"


@pytest.mark.parametrize(("url", "says"), [
    ("https://apps.apple.com/app/id686449807", "is not a Google Play URL"),
    ("https://play.google.com.evil.example/store/apps/details?id=com.acme",
     "is not a Google Play URL"),
    ("https://play.google.com/store/apps/dev?id=5700313618786177705", "is not a Google Play app"),
    ("https://play.google.com/store/search?q=acme", "is not a Google Play app page"),
    ("https://play.google.com/store/apps/details", "does not name a valid app package"),
    ("https://play.google.com/store/apps/details?id=acme", "does not name a valid app package"),
    ("https://play.google.com/store/apps/details?id=com.acme;rm", "valid app package"),
])
def test_other_urls_are_refused(adapter: PlayStoreAdapter, url: str, says: str) -> None:
    with pytest.raises(TargetError, match=says):
        adapter.parse_target(url)


def test_app_name_from_ld_json_then_heading() -> None:
    world = parse_world({"platforms": {"playstore": {
        "accounts": [{"handle": "acme", "name": "Acme Ltd"}],
        "posts": [{"id": "com.acme.shop", "author": "acme", "text": "Acme <Shop> & Deals"}]}}})
    platform = world.require("playstore")
    post = platform.post("com.acme.shop")
    assert post is not None
    page = sandbox_play._details(platform, post, None)
    assert app_name(page) == "Acme <Shop> & Deals"
    heading_only = '<h1 itemprop="name"><span class="AfwdI">Acme &amp; Co</span></h1>'
    assert app_name(heading_only) == "Acme & Co"
    assert app_name('<script type="application/ld+json">not json</script>') is None
    assert app_name("<html><body>nothing</body></html>") is None
