"""YouTube: comments and public subscriptions, read from the page's own JSON.

What a third party can see on YouTube (DESIGN table): comments are public
(L); a channel's subscriptions are public only when its owner chose so (L,
else P); likes are private (P). So:

- ``comment``: open the watch page, scroll to the comments so the page fetches
  them from ``/youtubei/v1/next`` as YouTube's own client does, read those
  JSON responses in order, and look for the worker's handle among the authors;
  the task's ``comment_text`` words and ``min_comment_words`` are checked on
  the worker's comment.
- ``subscribe`` (and ``follow``): resolve the target and the worker's channel
  ids from their pages, then ask the YouTube Data API's ``subscriptions.list``
  with the operator's key (the channels tab that listed subscriptions was
  removed in 2023); a worker who keeps them private, or no key, is ``unknown``
  and the proof decides.
- ``like``: nobody but the viewer sees their like; the check only confirms
  the video exists and is ``skipped``.

Nothing here needs a logged-in session; an operator's session, if present,
is loaded anyway (it lowers YouTube's "confirm you're not a bot" rate). The EU
consent page is answered with its cookie before any page opens (``consent``).

This module holds the targets, the like check and the page loading both other
checks share; the comment reading is in ``youtube_comments`` and the
subscription reading in ``youtube_subscriptions``.
"""

from __future__ import annotations

import contextlib
import re
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from verifier.models import Check, Proof
from verifier.platforms import youtube_comments, youtube_subscriptions
from verifier.platforms.base import (
    Adapter,
    Handler,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
    normalize_handle,
)
from verifier.platforms.visit import (
    LayoutChanged,
    NotFound,
    Refused,
    Seen,
    Stop,
    Visit,
    Wall,
    Walls,
)
from verifier.platforms.youtube_data import Video, extract_var, parse_player


class YouTubeAdapter(Adapter):
    platform = "youtube"

    def __init__(self) -> None:
        self.data = load_platform_data("youtube")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.short_hosts = {h.lower() for h in self.data["short_hosts"]}
        self.video_re = re.compile(self.data["video_id_pattern"])
        self.handle_re = re.compile(self.data["handle_pattern"])
        self.channel_id_re = re.compile(self.data["channel_id_pattern"])
        self.js = self.data["json"]
        self.json_re = re.compile(self.js["url_pattern"])
        self.walls = Walls(self.data["walls"])

    # -- targets -----------------------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts:
            raise TargetError(f"{url!r} is not a YouTube URL (expected "
                              "https://www.youtube.com/watch?v=ID or https://www.youtube.com/@HANDLE)")
        base = self.data["base_url"]
        segments = [s for s in parts.path.split("/") if s]
        video: str | None = None
        if host in self.short_hosts:
            video = segments[0] if segments else None
        elif segments[:1] == ["watch"]:
            video = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in self.data["video_paths"]:
            video = segments[1]
        if video is not None or host in self.short_hosts or segments[:1] == ["watch"]:
            if not video or not self.video_re.match(video):
                raise TargetError(f"{url!r} does not carry a valid YouTube video id")
            return Target("youtube", "post", video, f"{base}/watch?v={video}")
        key = self._channel_key(segments)
        if key is None:
            raise TargetError(f"{url!r} does not name a YouTube video or channel")
        # The name a screenshot shows for the channel, for proof forensics.
        shown = None if key.startswith("channel/") else key.split("/")[-1].lstrip("@")
        return Target("youtube", "account", key, f"{base}/{key}", owner=shown)

    def _channel_key(self, segments: list[str]) -> str | None:
        """``@handle``, ``channel/UC...``, ``c/NAME`` or ``user/NAME`` from a path."""
        if not segments:
            return None
        head = segments[0]
        if head.startswith("@") and self.handle_re.match(head[1:]):
            return head
        if head == "channel" and len(segments) >= 2 and self.channel_id_re.match(segments[1]):
            return f"channel/{segments[1]}"
        if head in self.data["legacy_channel_paths"] and len(segments) >= 2 and segments[1]:
            return f"{head}/{segments[1]}"
        return None

    def _worker_channel(self, handle: str | None) -> str | None:
        """The worker's channel as a path key: they may give "@name", "name" or a URL."""
        if not handle:
            return None
        handle = handle.strip()
        if handle.startswith(("http://", "https://")):
            try:
                target = self.parse_target(handle)
            except TargetError:
                return None
            return target.key if target.kind == "account" else None
        name = normalize_handle(handle)
        if name and self.channel_id_re.match(name):
            return f"channel/{name}"
        return f"@{name}" if name and self.handle_re.match(name) else None

    # -- live checks -------------------------------------------------------------------
    @action("like", kinds=("post",))
    def check_like(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """Only that the video exists: nobody but the viewer sees a like."""
        with Visit(env, "youtube", record_blocked=False) as visit:
            self.consent(visit)
            try:
                video = self.video(visit, self.open(visit, target.url, "the video")[1], target)
            except Stop as stop:
                visit.shot()
                return Check(name=name, outcome=stop.outcome, detail=stop.detail,
                             evidence=visit.evidence)
            visit.shot()
        return Check(name=name, outcome="skipped", evidence=visit.evidence,
                     detail=f"YouTube likes are private: nobody but the worker can see them; "
                            f"the video exists: \u201c{video.title or target.key}\u201d"
                     ).owned_by(video.author)

    @action("comment", kinds=("post",))
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        worker = self._worker_channel(proof.worker.handle)
        if worker is None:
            return self.unknown(name, "the proof gives no valid YouTube handle for the worker, "
                                      "so their comment cannot be looked up")
        return youtube_comments.check_comment(self, name, proof, worker, target, env)

    @action("subscribe", "follow")
    def check_subscribe(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        worker = self._worker_channel(proof.worker.handle)
        if worker is None:
            return self.unknown(name, "the proof gives no valid YouTube handle for the worker, "
                                      "so their subscriptions cannot be looked up")
        return youtube_subscriptions.check_subscribe(self, name, worker, target, env)

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        return self.unknown(name, f"a {act} task needs a video URL, got a {target.kind}")

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return Check(name=name, outcome="skipped",
                     detail=f"YouTube has no {proof.task.action} action a third party can see; "
                            "the proof screenshot decides")

    # -- page loading ------------------------------------------------------------------
    def consent(self, visit: Visit) -> None:
        """Answer the EU cookie consent page ("Before you continue to YouTube") before it
        shows: a checker in the EU is sent to consent.youtube.com until this cookie is set.
        That page is a question about cookies, not a login; if it shows anyway the check is
        ``unknown`` under the ``consent`` wall."""
        cookie = self.data["consent_cookie"]
        with contextlib.suppress(Exception):  # best effort: the wall check still sees the page
            visit.ctx.add_cookies([{"name": cookie["name"], "value": cookie["value"],
                                    "domain": cookie["domain"], "path": "/", "secure": True}])

    def open(self, visit: Visit, url: str, what: str) -> tuple[int, str]:
        """(status, HTML) of ``url``; a ``Wall`` or ``Refused`` saying ``what`` could not
        be checked."""
        try:
            try:
                response = visit.goto(url, label="YouTube")
            except Refused:
                self.walls.check(Seen(urls=[visit.page.url, *visit.blocked]))
                raise
            if response is None:
                raise Refused(f"YouTube sent nothing for {url}")
            status, html = visit.document(response)
            self.walls.check(Seen(urls=[visit.page.url, *visit.blocked], text=html,
                                  status=status))
        except (Wall, Refused) as stop:
            could_not(stop, what)
            raise
        return status, html

    def video(self, visit: Visit, html: str, target: Target) -> Video:
        """The watch page's player, or the ``Stop`` saying why the video cannot be used."""
        var = self.data["page_vars"]["player"]
        player = parse_player(extract_var(html, var))
        if player is None:
            raise LayoutChanged(f"the watch page carries no {var} with a playability status")
        wall = self.walls.match(Seen(urls=list(visit.blocked), player_reason=player.reason))
        if wall:
            raise could_not(Wall(*wall), "the video")
        if not player.exists:
            if player.status in self.js["missing_video_statuses"]:
                said = f" (YouTube says: {player.reason})" if player.reason else ""
                raise NotFound(f"the YouTube video {target.key} does not exist{said}")
            why = player.reason or player.status
            raise Stop(f"the video {target.key} cannot be watched: {why}")
        return player


S = TypeVar("S", bound=Stop)


def could_not(stop: S, what: str) -> S:
    """A wall's or refusal's sentence as the verdict words it: "...; WHAT could not be
    checked" (the wall's own ``reason`` stays what politeness recognises)."""
    stop.detail = f"{stop.detail}; {what} could not be checked"
    return stop

