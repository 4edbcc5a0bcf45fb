"""Telegram: comments under public channel posts; joins are invisible.

What a third party can see on Telegram (DESIGN table): a public channel's
web preview and, under each post, the comments of the channel's discussion
group (L); who joined a channel or group only its admins see (P, or a bot
API check when an employer adds the verifier's bot: not in this version).

- ``comment``: open the post's discussion widget
  (``t.me/CHANNEL/POST?embed=1&discussion=1``), parse the HTML document the
  page fetched (there is no JSON behind it), follow the "older comments" link
  until the worker's comment is found and the older pages read (or the
  comments end), check the task's ``comment_text`` words and
  ``min_comment_words`` on it, and fail a copy of an earlier comment
  (``judge_comment``, with the comments' ``<time datetime>``).
- ``join``: confirm the public channel exists through its preview
  (``t.me/s/CHANNEL``) and return ``skipped``; private invite links
  (``t.me/+HASH``, ``joinchat/``) are skipped without a visit.

No login exists on t.me previews, so no checker session is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Outcome, Proof
from verifier.platforms.base import (
    Adapter,
    Handler,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
    reveal,
)
from verifier.platforms.telegram_preview import Message, Preview, parse_preview
from verifier.platforms.visit import Refused, Seen, Visit, Walls
from verifier.platforms.youtube_data import comment_text_problem

JOIN_HIDDEN = "Telegram shows a channel's members only to its admins"


@dataclass
class Opened:
    status: int = 0
    html: str = ""
    url: str = ""
    blocked: str | None = None  # a wall's reason or an error sentence


class TelegramAdapter(Adapter):
    platform = "telegram"

    def __init__(self) -> None:
        self.data = load_platform_data("telegram")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.username_re = re.compile(self.data["username_pattern"])
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.classes: dict[str, str] = dict(self.data["classes"])
        self.walls = Walls(self.data["walls"])

    # -- targets -----------------------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts:
            raise TargetError(f"{url!r} is not a Telegram URL (expected https://t.me/CHANNEL "
                              "or https://t.me/CHANNEL/POST)")
        base = self.data["base_url"]
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0].startswith(self.data["invite_prefix"]) and len(segments[0]) > 1:
            return Target("telegram", "group", segments[0], f"{base}/{segments[0]}")
        if segments[:1] == [self.data["invite_path"]] and len(segments) >= 2:
            key = self.data["invite_prefix"] + segments[1]
            path = f"{self.data['invite_path']}/{segments[1]}"
            return Target("telegram", "group", key, f"{base}/{path}")
        if (segments[:1] == [self.data["private_post_path"]] and len(segments) >= 3
                and segments[1].isdigit() and segments[2].isdigit()):
            key = f"c/{segments[1]}/{segments[2]}"
            return Target("telegram", "post", key, f"{base}/{key}")
        if segments[:1] == ["s"]:
            segments = segments[1:]
        if not segments or segments[0].lower() in self.reserved:
            raise TargetError(f"{url!r} does not name a Telegram channel or post")
        channel = segments[0]
        if not self.username_re.match(channel):
            raise TargetError(f"{channel!r} in {url!r} is not a valid Telegram username")
        if len(segments) >= 2 and segments[1].isdigit():
            key = f"{channel}/{segments[1]}"
            return Target("telegram", "post", key, f"{base}/{key}", owner=channel)
        return Target("telegram", "group", channel, f"{base}/{channel}")

    # -- live checks -------------------------------------------------------------------
    def _private(self, target: Target) -> bool:
        return target.key.startswith((self.data["invite_prefix"], "c/"))

    @action("join")
    def check_join(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        if self._private(target):
            return Check(name=name, outcome="skipped",
                         detail=f"{JOIN_HIDDEN}, and this is a private group or channel "
                                "(invite link): nobody outside can see it; the proof "
                                "screenshot decides")
        return self._join(name, target, env)

    @action("comment", kinds=("post",))
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        if self._private(target):
            return Check(name=name, outcome="skipped",
                         detail="the post is in a private channel: only its members see "
                                "the comments; the proof screenshot decides")
        handle = (proof.worker.handle or "").strip()
        if not handle:
            return self.unknown(name, "the proof gives no Telegram username or name for the "
                                      "worker, so their comment cannot be looked up")
        return self._comment(name, proof, handle, target, env)

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        return self.unknown(name, "a comment task needs a post URL "
                                  "(https://t.me/CHANNEL/POST), got a channel")

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return Check(name=name, outcome="skipped",
                     detail=f"Telegram has no {proof.task.action} action a third party can "
                            "see; the proof screenshot decides")

    # -- pages -------------------------------------------------------------------------
    def _open(self, visit: Visit, url: str) -> Opened:
        opened = Opened(url=url)
        try:
            response = visit.goto(url, label="Telegram")
        except Refused as refused:
            opened.blocked = refused.detail
            return opened
        if response is None:
            opened.blocked = f"Telegram sent nothing for {url}"
            return opened
        opened.status, opened.html = visit.document(response)
        opened.url = visit.page.url
        wall = self.walls.match(Seen(status=opened.status, text=opened.html))
        if wall is not None:
            opened.blocked = wall[1]
        if opened.blocked is None and opened.status >= 500:
            opened.blocked = f"Telegram answered {opened.status} for {url}"
        return opened

    # -- join: only that the channel exists ------------------------------------------------
    def _join(self, name: str, target: Target, env: LiveEnv) -> Check:
        channel = target.owner or target.key
        url = self.data["base_url"] + self.data["preview_path"].format(channel=channel)
        with Visit(env, "telegram", record_blocked=False) as visit:
            opened = self._open(visit, url)
            visit.shot()
        evidence = visit.evidence
        if opened.blocked:
            return self.unknown(name, f"{opened.blocked}; the channel could not be checked",
                                evidence)
        preview = parse_preview(opened.html, self.classes)
        if not preview.is_channel:
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=f"there is no public Telegram channel @{channel} "
                                "(its preview page does not exist)")
        size = f", {preview.header_counter}" if preview.header_counter else ""
        return Check(name=name, outcome="skipped", evidence=evidence,
                     detail=f"{JOIN_HIDDEN}; the channel exists: \u201c{preview.title}\u201d "
                            f"(@{preview.username or channel}{size}); the proof screenshot decides")

    # -- comment -----------------------------------------------------------------------
    def _comment(self, name: str, proof: Proof, handle: str, target: Target,
                 env: LiveEnv) -> Check:
        channel, post = target.key.split("/", 1)
        url = self.data["discussion_url"].format(base=self.data["base_url"], channel=channel,
                                                 post=post)
        with Visit(env, "telegram", record_blocked=False) as visit:
            outcome, detail, found = self._scan(visit, url, handle, target, proof, env)
            if found is not None:
                visit.put_json({
                    "post": target.key, "comment_id": found.comment_id,
                    "author": found.author_name, "author_url": found.author_url,
                    "text": found.text})
                reveal(visit.page.locator(self.data["selectors"]["comment"]).filter(
                    has_text=found.text[:60]))
            visit.shot()
        return Check(name=name, outcome=outcome, detail=detail, evidence=visit.evidence)

    def _scan(self, visit: Visit, url: str, handle: str, target: Target, proof: Proof,
              env: LiveEnv) -> tuple[Outcome, str, Message | None]:
        """Read the discussion pages, newest first: (outcome, detail, the worker's comment).

        A copy can only be of an earlier comment, so the pages older than the
        worker's comment are read too (up to the page limit) before it passes.
        """
        who = f"@{handle.lstrip('@')}" if self.username_re.match(handle.lstrip("@")) else handle
        task = proof.task
        pages: list[list[Message]] = []  # newest page first, each oldest first
        found: Message | None = None
        mismatch: tuple[Message, str] | None = None
        ended = False
        while True:
            opened = self._open(visit, url)
            if opened.blocked:
                return "unknown", f"{opened.blocked}; the comments could not be checked", None
            preview = parse_preview(opened.html, self.classes)
            if preview.error:
                return "fail", (f"the Telegram post {target.key} does not exist (Telegram says: "
                                f"{preview.error})"), None
            if not pages and preview.post(target.key) is None:
                return "unknown", (f"layout changed: the discussion page of {target.key} shows "
                                   "no post"), None
            pages.append(preview.comments)
            for comment in reversed(preview.comments if found is None else []):
                if not comment.by(handle):
                    continue
                problem = comment_text_problem(comment.text, task.comment_text,
                                               task.min_comment_words)
                if problem is None:
                    found = comment
                    break
                mismatch = mismatch or (comment, problem)
            ended = not preview.more_href
            if ended or len(pages) >= env.settings.max_list_pages:
                break
            url = urljoin(opened.url, preview.more_href)
        seen = sum(map(len, pages))
        if found is not None:
            return self._judge_copy(found, handle, who, target, proof, pages, ended, seen)
        if mismatch is not None:
            comment, problem = mismatch
            return "fail", (f"{who}'s comment on {target.key} {problem}: "
                            f"\u201c{comment.text}\u201d"), comment
        if not ended:
            return "unknown", (f"no comment by {who} among the latest {seen} and the "
                               "comments go on past the page limit"), None
        return "fail", f"no comment by {who} on {target.key} ({seen} comment(s) read)", None

    @staticmethod
    def _judge_copy(found: Message, handle: str, who: str, target: Target, proof: Proof,
                    pages: list[list[Message]], ended: bool, seen: int
                    ) -> tuple[Outcome, str, Message | None]:
        """Pass the worker's comment unless it repeats an earlier one (``judge_comment``:
        the comments' times say which came first; without them, fail closed)."""
        read = [m for page in reversed(pages) for m in page]  # oldest first
        comments = [Comment(m.author_handle or m.author_name, m.text, _when(m.datetime))
                    for m in read if m is found or not m.by(handle)]
        judged = judge_comment("live.comment", [found.author_handle or found.author_name],
                               comments, proof.task, f"the Telegram post {target.key}",
                               oldest_first=ended)
        if judged.outcome == "fail":
            return "fail", judged.detail or "", found
        return "pass", (f"{who} commented on {target.key} ({seen} comment(s) read): "
                        f"\u201c{found.text}\u201d"), found


def _when(stamp: str) -> float | None:
    """The POSIX time of a comment's ``<time datetime>``, or None when absent or unread."""
    try:
        return datetime.fromisoformat(stamp).timestamp() if stamp else None
    except ValueError:
        return None


__all__ = ["Preview", "TelegramAdapter"]
