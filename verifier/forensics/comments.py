"""Judging a worker's comment, the same way on every platform.

Adapters find the comments on the live post; this module decides whether
the worker's comment does the task: it exists, contains the words the
employer asked for, is long enough, and is not a copy of another account's
comment on the same post (the cheapest comment fraud: paste what the worker
before you wrote).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from verifier.models import Check, Task

WORD_RE = re.compile(r"[\w']+", re.UNICODE)
COPY_JACCARD = 0.9  # token overlap above which two comments count as one text
COPY_MIN_WORDS = 3  # "Nice!" twice is not a copy, just a short comment


@dataclass(frozen=True)
class Comment:
    """A comment as an adapter read it, with when it was written if the page says.

    ``when`` is POSIX seconds: the latest moment the comment can have been
    written. An absolute time ("2020-05-12T18:01:18-0700") has ``span`` 0 and
    is exact. A relative time is a bucket ("2 days ago": an age of 2 up to 3
    days), so ``when`` is now minus the bucket's smallest age and ``span`` the
    bucket's width: the comment was written in ``(when - span, when]``
    (see :func:`written_after`).
    """

    author: str  # handle or display name as the platform shows it
    text: str
    when: float | None = None
    span: float = 0.0


def written_after(other: Comment, own: Comment) -> bool:
    """Whether ``other`` was certainly written after ``own``, so it cannot be its source.

    Both times are intervals: an exact time is a point, a relative bucket the
    half-open ``(when - span, when]`` (an age floored to whole units). ``other``
    is later when its earliest possible moment is after ``own``'s latest one.
    For a bucket the earliest end is open, so a bucket starting exactly where
    ``own`` ends is still later ("1 day ago" after "2 days ago"); an exact time
    equal to ``own``'s latest moment is a tie. Two comments in the same bucket
    overlap, and an unknown time is never later: both stay possible sources
    (fail closed, a moderator sees both).
    """
    if other.when is None or own.when is None:
        return False
    earliest = other.when - other.span
    return earliest > own.when or (other.span > 0 and earliest == own.when)


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("\u200c", "").replace("\u200d", "")
    return WORD_RE.findall(text)


def _same_author(author: str, worker: Iterable[str]) -> bool:
    a = author.strip().lstrip("@").casefold()
    return any(a == w.strip().lstrip("@").casefold() for w in worker if w)


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def judge_comment(name: str, worker_names: Iterable[str], comments: list[Comment], task: Task,
                  where: str, evidence: list[str] | None = None,
                  oldest_first: bool = False) -> Check:
    """The ``live.comment`` outcome for a worker known by any of ``worker_names``.

    A copy can only be of an earlier comment. When the adapter knows its list
    is oldest first it says so, and only comments before the worker's count.
    When the comments carry times, one certainly written after the worker's
    comment is not its source (:func:`written_after`). Otherwise (order and
    times unknown, or a tie) any same text counts (fail closed: the first
    author is then flagged too, and a moderator sees both).
    """
    names = [n for n in worker_names if n]
    shown = names[0] if names else "the worker"
    own = [c for c in comments if _same_author(c.author, names)]
    if oldest_first and own:
        first = next(i for i, c in enumerate(comments) if _same_author(c.author, names))
        others = [c for c in comments[:first] if not _same_author(c.author, names)]
    else:
        others = [c for c in comments if not _same_author(c.author, names)]
    ev = evidence or []
    if not own:
        return Check(name=name, outcome="fail", evidence=ev,
                     detail=f"no comment by {shown} among the {len(comments)} comment(s) "
                            f"on {where}")
    required = words(task.comment_text or "")
    minimum = task.min_comment_words or 0
    problems: list[str] = []
    for comment in own:
        tokens = words(comment.text)
        missing = [w for w in required if w not in tokens]
        copied = next((o for o in others
                       if len(tokens) >= COPY_MIN_WORDS and not written_after(o, comment)
                       and _jaccard(tokens, words(o.text)) >= COPY_JACCARD), None)
        if copied is not None:
            problems.append(f"{shown}'s comment \"{_short(comment.text)}\" repeats the comment "
                            f"by {copied.author} word for word")
        elif missing:
            problems.append(f"{shown}'s comment \"{_short(comment.text)}\" lacks the required "
                            f"word(s) {', '.join(missing)}")
        elif len(tokens) < minimum:
            problems.append(f"{shown}'s comment \"{_short(comment.text)}\" has {len(tokens)} "
                            f"word(s), fewer than the {minimum} asked for")
        else:
            return Check(name=name, outcome="pass", evidence=ev,
                         detail=f"{shown} commented on {where}: \"{_short(comment.text)}\"")
    return Check(name=name, outcome="fail", evidence=ev, detail="; ".join(problems))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
