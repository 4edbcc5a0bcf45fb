"""Every file in ``realdata/current/`` is accounted for: parsed to its MANIFEST truth, or
named as a format no adapter reads (and why).

Issue 11 asks that every current capture an adapter covers parses to its
ground truth in tests. The per-platform test modules do the parsing; this
table says which module asserts which file, checks that module really names
the file, and holds the few truths no other module asserts (Google Play). A
new capture dropped into ``current/`` fails here until it is classified.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.realdata import realdata_dir
from verifier.platforms.base import load_platform_data
from verifier.platforms.playstore import app_name

CURRENT = realdata_dir() / "current"
HERE = Path(__file__).resolve().parent

# file -> (test module beside this one that asserts its MANIFEST truth, a string that module
# must contain to read the file: the file's stem, or the part its loader completes).
TESTED_IN: dict[str, tuple[str, str]] = {
    **{f"youtube/{name}": ("test_youtube_current.py", name) for name in (
        "npe_browse_channel_CaptainDisillusion.json", "npe_browse_channel_ShempOfficial.json",
        "npe_next_comments_VsFjP58j5i8.json", "npe_next_comments_bem4adjGKjE.json",
        "npe_next_comments_bjFtFMilb34.json", "npe_next_watch_3sbYbckT1VY.json",
        "npe_next_watch_kX3nB4PpJko.json", "pyyoutube_subscriptions_list_TED_forChannelId.json",
        "pyyoutube_subscriptions_list_empty.json")},
    **{f"instagram/{name}.json": ("test_instagram_api.py", f'real("{name}")') for name in (
        "pgrimaud_web_profile_info_robertdowneyjr", "pgrimaud_v1_user_info_robertdowneyjr",
        "pgrimaud_v1_media_info_CAnqPB-Jzcj", "pgrimaud_v1_feed_timeline",
        "pgrimaud_graphql_shortcode_media_comments")},
    **{f"facebook/forki_comet_{name}.json": ("test_facebook_relay.py", f'real("{name}")')
       for name in ("watch_video_394367115960503", "video_page_588866298398729",
                    "reel_809749953859034")},
    **{f"reddit/{name}": ("test_reddit_api.py", f'current("{name}")') for name in (
        "praw_oauth_user_about_Lil_SpazBot_2025.json", "praw_oauth_comments_1kh35wk_2025.json",
        "praw_TestInbox.test_message__unauthorized.json")},
}

# file -> why no adapter reads it.
NOT_COVERED: dict[str, str] = {
    "instagram/pgrimaud_web_follow_result.json":
        "the answer to a follow POST; the verifier only reads, it never follows anyone",
    "instagram/pyfacebook_ig_business_discovery_user.json":
        "official Graph API business discovery: needs a business account and app token, and "
        "has no viewer or relationship state, so it cannot answer follow or like",
    "instagram/pyfacebook_ig_business_discovery_medias_p1.json":
        "same Graph API: counters only, no liker list and no viewer state",
    "instagram/pyfacebook_ig_comments_fields.json":
        "Graph API comments are readable only with the media owner's token; the adapter "
        "reads comments through the web API instead (pgrimaud_* files)",
    "facebook/pyfacebook_graph_post_comments_p1.json":
        "Graph API comments carry no author (`from`) without the Page's token, so who "
        "commented cannot be read; the adapter reads the www page's relay data (forki_*)",
}


def _playstore_igtv() -> None:
    """The 2019 details page: ld+json names the app; without it, the ``itemprop`` heading."""
    page = (CURRENT / "playstore" / "jomingyu_details_com.instagram.igtv_2019.html").read_text(
        encoding="utf-8")
    ld_type = load_platform_data("playstore")["ld_json_type"]
    assert app_name(page, ld_type) == "IGTV"
    without_ld = re.sub(r'<script[^>]*application/ld\+json.*?</script>', "", page, flags=re.S)
    assert "ld+json" not in without_ld
    assert app_name(without_ld, ld_type) == "IGTV"  # <h1 class="AHFaub" itemprop="name">


TESTED_HERE = {
    "playstore/jomingyu_details_com.instagram.igtv_2019.html": _playstore_igtv,
}


def test_every_current_file_is_classified() -> None:
    files = {str(p.relative_to(CURRENT)) for p in CURRENT.rglob("*") if p.is_file()}
    tables = [set(TESTED_IN), set(TESTED_HERE), set(NOT_COVERED)]
    assert sum(len(t) for t in tables) == len(set().union(*tables)), "a file is listed twice"
    assert files == set().union(*tables), files ^ set().union(*tables)


@cache
def _source(module: str) -> str:
    return (HERE / module).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(TESTED_IN))
def test_the_named_module_reads_the_file(name: str) -> None:
    module, token = TESTED_IN[name]
    assert token in _source(module), f"{module} no longer reads {name}"


@pytest.mark.parametrize("name", sorted(TESTED_HERE))
def test_current_file_parses_to_its_ground_truth(name: str) -> None:
    TESTED_HERE[name]()
