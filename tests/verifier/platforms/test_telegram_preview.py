"""The t.me preview parser on the real capture, the sandbox's pages, and targets.

``shared/realdata/telegram/tme_s_topwar_official.html`` is a real public
preview (logged out, Feb 2023), read in place; its ground truths come from
MANIFEST.md. The sandbox's pages go through the same parser.
"""

from __future__ import annotations

from functools import cache

import pytest

from fixtures.sandbox import telegram_pages as tp
from tests.contract import CONTRACT
from verifier.platforms import TargetError
from verifier.platforms.base import load_platform_data
from verifier.platforms.telegram import TelegramAdapter
from verifier.platforms.telegram_preview import Message, parse_preview

REAL = CONTRACT.parent / "realdata" / "telegram" / "tme_s_topwar_official.html"


@cache
def real() -> str:
    assert REAL.is_file(), f"realdata file missing: {REAL}"
    return REAL.read_text(encoding="utf-8")


def classes() -> dict[str, str]:
    return dict(load_platform_data("telegram")["classes"])


def test_real_preview_channel_card() -> None:
    preview = parse_preview(real(), classes())
    assert preview.is_channel
    assert preview.title == "Военное обозрение"
    assert preview.username == "topwar_official"
    assert preview.header_counter == "109K subscribers"
    assert preview.counters["subscribers"] == "109K"
    assert preview.join_label == "Join"  # logged out
    assert preview.more_before == "70989"


def test_real_preview_posts() -> None:
    preview = parse_preview(real(), classes())
    assert len(preview.messages) == 12
    post = preview.post("topwar_official/70989")
    assert post is not None
    assert post.views == "37.2K"
    assert post.author_name == "Военное обозрение"
    assert post.author_handle == "topwar_official"
    assert post.datetime == "2023-02-28T07:47:53+00:00"
    assert post.text.startswith("В Санкт-Петербурге в небо над городом")
    assert "\n" in post.text  # the <br/> is kept, source line breaks are not
    assert preview.comments == []  # a preview shows posts, not comments
    # A media post wraps its text in a second text div: the text is still read.
    media = preview.post("topwar_official/70992")
    assert media is not None and media.views == "33.8K"
    assert media.text.startswith("Сегодня ночью в Республике Адыгея упал неизвестный")
    assert all(m.text for m in preview.messages)


def test_unrelated_page_parses_empty() -> None:
    preview = parse_preview("<html><body><h1>Hello</h1></body></html>", classes())
    assert not preview.is_channel and preview.messages == [] and preview.error == ""


def test_sandbox_discussion_page_parses() -> None:
    post = tp.message("acme_news/101", "Acme News", "https://t.me/acme_news", True, "Sale!",
                      tp.views_footer("1.2K", tp.labels("en")), time="2024-03-04T10:00:00+00:00")
    comments = "".join([
        tp.message("acme_news/101", "Rafi", "https://t.me/rafi_bd", False, "দারুণ অফার", "",
                   comment_id="1"),
        tp.message("acme_news/101", "No Username", "", False, "hello", "", comment_id="2"),
    ])
    html = tp.discussion_page("bn", post, comments, 25, "/acme_news/101?embed=1&discussion=1"
                              "&before=1", "1")
    preview = parse_preview(html, classes())
    assert preview.post("acme_news/101") is not None
    assert [(c.author_name, c.author_handle, c.text) for c in preview.comments] == [
        ("Rafi", "rafi_bd", "দারুণ অফার"), ("No Username", "", "hello")]
    assert preview.more_href == "/acme_news/101?embed=1&discussion=1&before=1"
    assert preview.comments[0].by("@rafi_bd") and not preview.comments[0].by("rafi")
    assert preview.comments[1].by("No Username")


def test_not_found_widget() -> None:
    preview = parse_preview(tp.not_found_widget("hi"), classes())
    assert preview.error == "पोस्ट नहीं मिली"


def test_author_handle_forms() -> None:
    assert Message(author_url="https://t.me/rafi_bd").author_handle == "rafi_bd"
    assert Message(author_url="//telegram.me/rafi_bd/").author_handle == "rafi_bd"
    assert Message(author_url="https://t.me/rafi_bd/12").author_handle == ""


# -- targets ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def adapter() -> TelegramAdapter:
    return TelegramAdapter()


@pytest.mark.parametrize(("url", "kind", "key", "owner"), [
    ("https://t.me/topwar_official", "group", "topwar_official", None),
    ("https://t.me/s/topwar_official", "group", "topwar_official", None),
    ("https://t.me/topwar_official/70989", "post", "topwar_official/70989", "topwar_official"),
    ("https://t.me/s/topwar_official/70989", "post", "topwar_official/70989", "topwar_official"),
    ("https://t.me/topwar_official/70989?comment=12", "post", "topwar_official/70989",
     "topwar_official"),
    ("https://telegram.me/topwar_official", "group", "topwar_official", None),
    ("http://www.telegram.me/topwar_official/70989", "post", "topwar_official/70989",
     "topwar_official"),
    ("https://t.me/+AbCdEf123_xyz", "group", "+AbCdEf123_xyz", None),
    ("https://t.me/joinchat/AbCdEf123", "group", "+AbCdEf123", None),
    ("https://t.me/c/1084368520/70989", "post", "c/1084368520/70989", None),
])
def test_target_forms(adapter: TelegramAdapter, url: str, kind: str, key: str,
                      owner: str | None) -> None:
    target = adapter.parse_target(url)
    assert (target.platform, target.kind, target.key, target.owner) == (
        "telegram", kind, key, owner)
    assert target.url.startswith("https://t.me/")


@pytest.mark.parametrize(("url", "says"), [
    ("https://www.youtube.com/@acme", "is not a Telegram URL"),
    ("https://t.me.evil.example/acme_news", "is not a Telegram URL"),
    ("https://web.telegram.org/k/#@acme_news", "is not a Telegram URL"),
    ("https://t.me/", "does not name a Telegram channel"),
    ("https://t.me/share/url?url=x", "does not name a Telegram channel"),
    ("https://t.me/ab", "is not a valid Telegram username"),
    ("https://t.me/1channel", "is not a valid Telegram username"),
])
def test_foreign_or_wrong_urls_are_refused(adapter: TelegramAdapter, url: str,
                                           says: str) -> None:
    with pytest.raises(TargetError, match=says):
        adapter.parse_target(url)
