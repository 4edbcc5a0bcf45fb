"""Each platform's own rules for a handle, checked before any text matching.

``worker.handle`` is typed by an untrusted person and fed to the OCR matcher,
whose cost grows with the handle's length; a handle no platform would accept
is also no account anybody could have followed from.  So a handle is held to
the rules of the platform the task is on (X: 1-15 letters, digits or
underscores, and so on) at intake, and again before forensics match it (proofs
stored before the rules existed).  The sentence names the rule, so a
marketplace knows what to fix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,63}")
_NAME_PUNCT = frozenset(" .'_-")


@dataclass(frozen=True)
class HandleRule:
    """A platform's handle rule: the test and the sentence that states it."""

    test: Callable[[str], bool]
    rule: str


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda handle: compiled.fullmatch(handle) is not None


def _name(max_len: int) -> Callable[[str], bool]:
    """A display name: letters of any script, digits, spaces, ``.'-``, one letter at least."""
    def test(handle: str) -> bool:
        if not 1 <= len(handle) <= max_len:
            return False
        kinds = [unicodedata.category(ch)[0] for ch in handle]
        return "L" in kinds and all(k in "LMN" or ch in _NAME_PUNCT
                                    for k, ch in zip(kinds, handle, strict=True))
    return test


def _either(*tests: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda handle: any(t(handle) for t in tests)


_USERNAME = _pattern(r"[A-Za-z0-9._-]{1,64}")
_EMAIL_TEST = _pattern(_EMAIL.pattern)

RULES: dict[str, HandleRule] = {
    "x": HandleRule(_pattern(r"[A-Za-z0-9_]{1,15}"),
                    "an X handle is 1-15 letters, digits or underscores"),
    "instagram": HandleRule(_pattern(r"[A-Za-z0-9._]{1,30}"),
                            "an Instagram username is at most 30 letters, digits, "
                            "periods or underscores"),
    "tiktok": HandleRule(_pattern(r"[A-Za-z0-9._]{2,24}"),
                         "a TikTok username is 2-24 letters, digits, periods or underscores"),
    "github": HandleRule(_pattern(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"),
                         "a GitHub username is at most 39 letters, digits or single hyphens, "
                         "not starting or ending with a hyphen"),
    "reddit": HandleRule(_pattern(r"[A-Za-z0-9_-]{3,20}"),
                         "a Reddit username is 3-20 letters, digits, underscores or hyphens"),
    "youtube": HandleRule(
        _pattern(r"[A-Za-z0-9._-]{3,30}|UC[A-Za-z0-9_-]{22}"
                 r"|https?://(?:www\.|m\.)?youtube\.com/(?:@[A-Za-z0-9._-]{3,30}"
                 r"|channel/UC[A-Za-z0-9_-]{22})/?"),
        "a YouTube handle is 3-30 letters, digits, periods, underscores or hyphens (or a "
        "UC... channel id, or the channel's youtube.com URL)"),
    # A Telegram account without a username shows its display name in comments.
    "telegram": HandleRule(_either(_pattern(r"[A-Za-z0-9_]{5,32}"), _name(64)),
                           "a Telegram username is 5-32 letters, digits or underscores (or a "
                           "display name of at most 64 characters)"),
    "facebook": HandleRule(_either(_pattern(r"[A-Za-z0-9.]{5,50}"), _name(50)),
                           "a Facebook username (5-50 letters, digits or periods) or a profile "
                           "name of at most 50 letters, digits, spaces, periods, underscores, "
                           "hyphens or apostrophes"),
    "web": HandleRule(_either(_EMAIL_TEST, _USERNAME),
                      "a web account is an e-mail address or a username of at most 64 "
                      "letters, digits, periods, underscores or hyphens"),
    "playstore": HandleRule(_either(_EMAIL_TEST, _USERNAME, _name(64)),
                            "a Google account is an e-mail address, a username or a name of "
                            "at most 64 characters"),
}


def bare(platform: str, handle: str) -> str:
    """The handle without what people type around it: spaces, one ``@``, Reddit's ``u/``."""
    text = handle.strip()
    if platform != "web" or not _EMAIL.fullmatch(text):
        text = text.removeprefix("@")
    if platform == "reddit":
        text = text.removeprefix("/").removeprefix("u/")
    return text


def handle_problem(platform: str, handle: str | None) -> str | None:
    """None when ``handle`` is acceptable on ``platform``, else a sentence naming the rule."""
    if handle is None or not handle.strip().lstrip("@"):
        return None  # no handle: the checks that need one say so
    rule = RULES.get(platform)
    if rule is None or rule.test(bare(platform, handle)):
        return None
    shown = handle.strip()
    shown = shown if len(shown) <= 40 else shown[:40] + "..."
    return f"{shown!r} is not a valid {platform} handle: {rule.rule}"
