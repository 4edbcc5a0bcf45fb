"""What proof forensics looks for as the target: only names a page can show."""

from __future__ import annotations

import pytest

from verifier.platforms import get_adapter
from verifier.verify import shown_name


@pytest.mark.parametrize(("platform", "url", "shown"), [
    ("x", "https://x.com/acme_bd", "acme_bd"),
    ("x", "https://x.com/acme_bd/status/1861000000000000001", "acme_bd"),
    ("instagram", "https://www.instagram.com/cafe.dhanmondi/", "cafe.dhanmondi"),
    ("instagram", "https://www.instagram.com/p/C9xYz12AbCd/", None),  # a shortcode
    ("facebook", "https://www.facebook.com/acme.bangladesh/posts/3065154550235644",
     "acme.bangladesh"),
    ("facebook", "https://www.facebook.com/groups/117507531664134", None),  # a numeric id
    ("reddit", "https://www.reddit.com/r/AcmeDeals/", "AcmeDeals"),
    ("reddit", "https://www.reddit.com/r/AcmeDeals/comments/1abcde/eid_sale/", None),
    ("reddit", "https://www.reddit.com/register/", None),  # the site itself
    ("youtube", "https://www.youtube.com/watch?v=eidSale2024", None),  # a video id
    ("tiktok", "https://www.tiktok.com/@acme.shop/video/7301234567890123456", "acme.shop"),
    ("telegram", "https://t.me/acme_news", "acme_news"),
    ("telegram", "https://t.me/+AbCdEf123", None),  # a private invite
    ("github", "https://github.com/orgs/AcmeOrg", "AcmeOrg"),
    ("github", "https://github.com/octo-bd/widgets", "octo-bd"),
    ("playstore", "https://play.google.com/store/apps/details?id=com.acme.shop", None),
])
def test_shown_name(platform: str, url: str, shown: str | None) -> None:
    adapter = get_adapter(platform)
    assert adapter is not None
    assert shown_name(adapter.parse_target(url)) == shown
