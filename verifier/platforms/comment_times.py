"""When a comment was written, from the time a platform's page shows beside it.

Knowing who wrote first lets ``verifier.forensics.comments`` fail only the later copy of
a comment instead of both authors. Exact times (Facebook's ``created_time``,
unix seconds) need nothing from here; relative ones do: YouTube's
``publishedTimeText`` ("2 days ago", "২ দিন আগে", "2 दिन पहले") is a bucket.
"2 days ago" means an age of 2 up to 3 days, so it becomes ``(when, span)``
with ``when`` = now - 2 days (the latest possible moment) and ``span`` = 1
day: the comment was written in ``(when - span, when]``.

The words (units, "ago", "(edited)" per language) come from the platform's
data file, never from here; a text this module cannot read gives ``None``
(time unknown, which keeps the copy judgement fail-closed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_NUMBER = re.compile(r"(\d+)")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def relative_time(text: str, spec: Mapping[str, Any], now: float) -> tuple[float, float] | None:
    """``(when, span)`` of a relative time such as "2 days ago", or None if unreadable.

    ``spec`` holds ``units`` (a list of ``{seconds, words}``), the ``ago``
    words, the ``strip`` marks (" (edited)") and the ``just_now`` phrases.
    The count may be written in any script's digits (Python's ``int`` reads
    Bengali and Devanagari digits). ``now`` is rounded to whole seconds so two
    comments of one page compare exactly at a bucket's edge.
    """
    base = float(int(now))
    rest = _norm(text)
    for mark in spec.get("strip", []):
        rest = rest.replace(_norm(mark), " ")
    rest = " ".join(rest.split())
    units = spec.get("units", [])
    if rest in {_norm(p) for p in spec.get("just_now", [])}:
        smallest = min((int(u["seconds"]) for u in units), default=60)
        return base, float(smallest)
    match = _NUMBER.search(rest)
    if match is None or rest[:match.start()].strip():
        return None
    count = int(match.group(1))
    word = rest[match.end():].strip()
    for ago in spec.get("ago", []):
        a = _norm(ago)
        if word.endswith(a):
            word = word[: -len(a)].strip()
            break
    for unit in units:
        if word in {_norm(w) for w in unit["words"]}:
            seconds = float(unit["seconds"])
            return base - count * seconds, seconds
    return None
