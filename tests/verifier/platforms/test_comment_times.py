"""Comment times: YouTube's publishedTimeText in en/bn/hi.

The YouTube words are checked on the real pages in shared/realdata/youtube:
they carry no comment JSON, but the related videos and the channel's uploads
use the same ``publishedTimeText`` field and wording as comments do.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tests.contract import CONTRACT
from verifier.platforms import youtube_data as yd
from verifier.platforms.base import load_platform_data
from verifier.platforms.comment_times import relative_time

NOW = 1_700_000_000.0
DAY = 86400


@cache
def spec(platform: str, key: str) -> dict[str, Any]:
    return load_platform_data(platform)[key]


@pytest.mark.parametrize(("text", "count", "unit"), [
    ("2 days ago", 2, DAY),
    ("1 day ago (edited)", 1, DAY),
    ("৩ দিন আগে", 3, DAY),
    ("২ সপ্তাহ আগে (সম্পাদিত)", 2, 7 * DAY),
    ("2 दिन पहले", 2, DAY),
    ("5 महीने पहले", 5, 30 * DAY),
    ("1 साल पहले (संपादित)", 1, 365 * DAY),
    ("11 months ago", 11, 30 * DAY),
    ("3 hours ago", 3, 3600),
])
def test_youtube_published_time_is_a_bucket(text: str, count: int, unit: int) -> None:
    assert relative_time(text, spec("youtube", "published_time"), NOW + 0.7) == (
        NOW - count * unit, unit)


@pytest.mark.parametrize("text", ["", "Streamed 2 days ago", "2 fortnights ago", "ago"])
def test_an_unreadable_time_is_unknown(text: str) -> None:
    assert relative_time(text, spec("youtube", "published_time"), NOW) is None


@pytest.mark.parametrize("name", ["yt_watch_2lAe1cqCOXo.html",
                                  "yt_channel_ProgrammingKnowledge_videos.html"])
def test_every_published_time_on_the_real_pages_reads(name: str) -> None:
    html = (CONTRACT.parent / "realdata" / "youtube" / name).read_text(encoding="utf-8")
    texts = [yd.text_of(v) for v in yd.walk(yd.extract_var(html, "ytInitialData"),
                                            "publishedTimeText")]
    assert len(texts) >= 20
    read = {t: relative_time(t, spec("youtube", "published_time"), NOW) for t in texts}
    assert all(v is not None for v in read.values()), read
    if "2 weeks ago" in read and "1 month ago" in read:
        two_weeks, month = read["2 weeks ago"], read["1 month ago"]
        assert two_weeks is not None and month is not None
        assert month[0] < two_weeks[0] - two_weeks[1]  # a month old is before 2..3 weeks old
