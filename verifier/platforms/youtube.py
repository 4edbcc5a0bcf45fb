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
consent page is answered with its cookie before any page opens (``_consent``).

This module holds the targets, the like check and the page loading both other
checks share; the comment reading is in ``youtube_comments`` and the
subscription reading in ``youtube_subscriptions``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Page

from verifier.browser.pool import ContextInfo
from verifier.models import Check, Outcome, Proof
from verifier.platforms import youtube_comments, youtube_subscriptions
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    load_platform_data,
    normalize_handle,
)
from verifier.platforms.youtube_capture import Loaded
from verifier.platforms.youtube_data import extract_var, parse_player


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
    def live_check(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        action = proof.task.action
        name = f"live.{action}"
        if action == "like":
            if target.kind != "post":
                return self.unknown(name, f"a like task needs a video URL, got a {target.kind}")
            return self._like(name, target, env)
        if action == "comment":
            if target.kind != "post":
                return self.unknown(name, f"a comment task needs a video URL, got a {target.kind}")
            worker = self._worker_channel(proof.worker.handle)
            if worker is None:
                return self.unknown(name, "the proof gives no valid YouTube handle for the worker, "
                                          "so their comment cannot be looked up")
            return youtube_comments.check_comment(self, name, proof, worker, target, env)
        if action in ("subscribe", "follow"):
            worker = self._worker_channel(proof.worker.handle)
            if worker is None:
                return self.unknown(name, "the proof gives no valid YouTube handle for the worker, "
                                          "so their subscriptions cannot be looked up")
            return youtube_subscriptions.check_subscribe(self, name, worker, target, env)
        return Check(name=name, outcome="skipped",
                     detail=f"YouTube has no {action} action a third party can see; "
                            "the proof screenshot decides")

    # -- page loading ------------------------------------------------------------------
    def _consent(self, ctx: BrowserContext) -> None:
        """Answer the EU cookie consent page ("Before you continue to YouTube") before it
        shows: a checker in the EU is sent to consent.youtube.com until this cookie is set.
        That page is a question about cookies, not a login; if it shows anyway the check is
        ``unknown`` under the ``consent`` wall."""
        cookie = self.data["consent_cookie"]
        try:
            ctx.add_cookies([{"name": cookie["name"], "value": cookie["value"],
                              "domain": cookie["domain"], "path": "/", "secure": True}])
        except Exception:
            return  # best effort: the wall check still reports the page if it shows

    def _open(self, page: Page, url: str, info: ContextInfo) -> Loaded:
        loaded = Loaded()
        try:
            response = page.goto(url, wait_until="domcontentloaded")
        except Exception as exc:
            loaded.wall = self._wall_of(page.url, "", 0, info)
            if loaded.wall is None:
                loaded.error = f"YouTube could not be opened at {url}: {exc}"
            return loaded
        if response is None:
            loaded.error = f"YouTube sent nothing for {url}"
            return loaded
        loaded.status = response.status
        try:
            loaded.html = response.text()
        except Exception:
            loaded.html = page.content()
        loaded.wall = self._wall_of(page.url, loaded.html, loaded.status, info)
        return loaded

    def _wall_of(self, url: str, html: str, status: int, info: ContextInfo,
                 player_reason: str = "") -> str | None:
        walls: dict[str, dict[str, Any]] = self.data["walls"]
        for spec in walls.values():
            urls = [url, *info.blocked]
            hit = any(part in u for part in spec.get("url_contains", []) for u in urls)
            hit = hit or status in spec.get("status", [])
            hit = hit or any(t in player_reason for t in spec.get("player_reason", []))
            hit = hit or (bool(html) and any(t in html for t in spec.get("text", [])))
            if hit:
                return str(spec["reason"])
        return None

    def _screenshot(self, page: Page, env: LiveEnv, evidence: list[str]) -> None:
        try:
            evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
        except Exception:
            return

    # -- like: only that the video exists ------------------------------------------------
    def _like(self, name: str, target: Target, env: LiveEnv) -> Check:
        evidence: list[str] = []
        with env.pool.context("youtube") as (ctx, info):
            self._consent(ctx)
            page = ctx.new_page()
            loaded = self._open(page, target.url, info)
            self._screenshot(page, env, evidence)
            verdict = self._video_problem(loaded, target, info)
            if isinstance(verdict, tuple):
                return Check(name=name, outcome=verdict[0], detail=verdict[1], evidence=evidence)
            player = parse_player(extract_var(loaded.html, self.data["page_vars"]["player"]))
        return Check(name=name, outcome="skipped", evidence=evidence,
                     detail=f"YouTube likes are private: nobody but the worker can see them; "
                            f"the video exists: \u201c{verdict}\u201d"
                     ).owned_by(player.author if player else None)

    def _video_problem(self, loaded: Loaded, target: Target,
                       info: ContextInfo) -> tuple[Outcome, str] | str:
        """The video's title, or (outcome, detail) when it cannot be used."""
        if loaded.blocked:
            return "unknown", f"{loaded.blocked}; the video could not be checked"
        player = parse_player(extract_var(loaded.html, self.data["page_vars"]["player"]))
        if player is None:
            return "unknown", ("layout changed: the watch page carries no "
                               f"{self.data['page_vars']['player']} with a playability status")
        wall = self._wall_of("", "", 0, info, player.reason)
        if wall:
            return "unknown", f"{wall}; the video could not be checked"
        if not player.exists:
            if player.status in self.js["missing_video_statuses"]:
                said = f" (YouTube says: {player.reason})" if player.reason else ""
                return "fail", f"the YouTube video {target.key} does not exist{said}"
            why = player.reason or player.status
            return "unknown", f"the video {target.key} cannot be watched: {why}"
        return player.title or target.key
