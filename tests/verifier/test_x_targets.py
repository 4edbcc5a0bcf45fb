import pytest

from verifier.platforms import TargetError, get_adapter


@pytest.mark.parametrize(
    ("url", "kind", "key"),
    [
        ("https://x.com/acme_bd", "account", "acme_bd"),
        ("https://twitter.com/acme_bd/", "account", "acme_bd"),
        ("https://mobile.twitter.com/acme_bd?s=20", "account", "acme_bd"),
        ("https://x.com/intent/follow?screen_name=acme_bd", "account", "acme_bd"),
        ("https://x.com/acme_bd/status/1861000000000000001", "post", "1861000000000000001"),
    ],
)
def test_x_url_forms(url, kind, key):
    target = get_adapter("x").parse_target(url)
    assert (target.kind, target.key) == (kind, key)


@pytest.mark.parametrize(
    "url",
    ["https://www.instagram.com/acme_bd", "https://x.com/home", "https://x.com/",
     "https://x.com/this_handle_is_far_too_long", "ftp://x.com/acme_bd"],
)
def test_foreign_or_non_account_urls_are_refused(url):
    with pytest.raises(TargetError):
        get_adapter("x").parse_target(url)
