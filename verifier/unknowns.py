"""Why a check ended ``unknown``, in the policy's words (``retry_unknown``).

The queue waits and checks again for reasons that pass with time (a rate limit, a
slow page) instead of sending the proof to a moderator at once. The reason is read
from the check's sentence: the wall sentences of ``platforms/data/PLATFORM.yaml``
and the fixed sentences of the budget, the politeness limiter and the adapters.
A sentence nobody here wrote (a list closed to the checker, a format not
confirmed) has no reason: waiting would not change it.
"""

from __future__ import annotations

import re

from verifier.models import Check
from verifier.politeness import wall_kind

# Wall kinds of the data files -> the policy's reasons.
_WALLS = {"rate_limit": "rate_limit", "captcha": "captcha", "login": "login",
          "locked": "login", "consent": "layout_changed", "forbidden": "network"}
# Sentences of this code base -> reasons, first match wins.
_SENTENCES = (
    ("rate_limit", re.compile(r"rate limited by this deployment|is paused after walls|"
                              r"rate.?limit", re.I)),
    ("timeout", re.compile(r"took longer than .* and was stopped|budget .* was spent|"
                           r"\btimeout\b|timed out", re.I)),
    ("login", re.compile(r"no checker session|session (?:has )?expired", re.I)),
    ("layout_changed", re.compile(r"^layout changed\b|: layout changed\b", re.I)),
    ("network", re.compile(r"could not be opened|net::ERR_|sent nothing for|answered 5\d\d",
                           re.I)),
    ("error", re.compile(r"stopped with an error", re.I)),
)


def unknown_reason(platform: str, check: Check) -> str | None:
    """The policy reason of an ``unknown`` check, or None when waiting would not help."""
    if check.outcome != "unknown":
        return None
    kind = wall_kind(platform, check)
    if kind is not None:
        return _WALLS.get(kind)
    for reason, sentence in _SENTENCES:
        if sentence.search(check.detail):
            return reason
    return None
