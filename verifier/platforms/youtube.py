"""YouTube: comments and public subscriptions, read from the page's own JSON.

What a third party can see on YouTube (DESIGN table): comments are public
(L); a channel's subscriptions are public only when its owner chose so (L,
else P); likes are private (P). So:

- ``comment``: open the watch page, scroll to the comments so the page fetches
  them from ``/youtubei/v1/next`` as YouTube's own client does, read those
  JSON responses in order, and look for the worker's handle among the authors;
  the task's ``comment_text`` words and ``min_comment_words`` are checked on
  the worker's comment.
- ``subscribe`` (and ``follow``): resolve the target channel, then read the
  worker's channels tab; when it lists subscriptions, look for the target
  (scrolling fetches more from ``/youtubei/v1/browse``); when the worker keeps
  them private, the check is ``skipped`` and the proof decides.
- ``like``: nobody but the viewer sees their like; the check only confirms
  the video exists and is ``skipped``.

Nothing here needs a logged-in session; an operator's session, if present,
is loaded anyway (it lowers YouTube's "confirm you're not a bot" rate).
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page

from verifier.browser.pool import ContextInfo
from verifier.comments import Comment as Said
from verifier.comments import judge_comment
from verifier.models import Check, Outcome, Proof
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    load_platform_data,
    normalize_handle,
)
from verifier.platforms.comment_times import relative_time
from verifier.platforms.youtube_capture import JsonCapture, Loaded
from verifier.platforms.youtube_data import (
    Channel,
    Comment,
    comment_text_problem,
    extract_var,
    first,
    parse_channel,
    parse_channel_list,
    parse_comments,
    parse_player,
    parse_watch,
    text_of,
    walk,
)


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
            return self._comment(name, proof, worker, target, env)
        if action in ("subscribe", "follow"):
            worker = self._worker_channel(proof.worker.handle)
            if worker is None:
                return self.unknown(name, "the proof gives no valid YouTube handle for the worker, "
                                          "so their subscriptions cannot be looked up")
            return self._subscribe(name, worker, target, env)
        return Check(name=name, outcome="skipped",
                     detail=f"YouTube has no {action} action a third party can see; "
                            "the proof screenshot decides")

    # -- page loading ------------------------------------------------------------------
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
            page = ctx.new_page()
            loaded = self._open(page, target.url, info)
            self._screenshot(page, env, evidence)
            verdict = self._video_problem(loaded, target, info)
            if isinstance(verdict, tuple):
                return Check(name=name, outcome=verdict[0], detail=verdict[1], evidence=evidence)
        return Check(name=name, outcome="skipped", evidence=evidence,
                     detail=f"YouTube likes are private: nobody but the worker can see them; "
                            f"the video exists: \u201c{verdict}\u201d")

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

    # -- comment -----------------------------------------------------------------------
    def _comment(self, name: str, proof: Proof, worker: str, target: Target,
                 env: LiveEnv) -> Check:
        evidence: list[str] = []
        with env.pool.context("youtube") as (ctx, info):
            page = ctx.new_page()
            capture = JsonCapture(self.json_re)
            page.on("response", capture.on_response)
            loaded = self._open(page, target.url, info)
            title = self._video_problem(loaded, target, info)
            if isinstance(title, tuple):
                self._screenshot(page, env, evidence)
                return Check(name=name, outcome=title[0], detail=title[1], evidence=evidence)
            data = extract_var(loaded.html, self.data["page_vars"]["data"])
            watch = parse_watch(data, None, self.js["comments_section"])
            if watch is None:
                self._screenshot(page, env, evidence)
                return self.unknown(name, "layout changed: the watch page's ytInitialData has no "
                                          "video owner", evidence)
            if watch.comments_token is None:
                self._screenshot(page, env, evidence)
                off = self._comments_message(data)
                if off:
                    return Check(name=name, outcome="fail", evidence=evidence,
                                 detail=f"nobody can comment on \u201c{title}\u201d: "
                                        f"YouTube says \u201c{off}\u201d")
                return self.unknown(name, "layout changed: the watch page has no comment section "
                                          "continuation", evidence)
            found, seen, outcome, detail, read = self._scan_comments(page, capture, worker,
                                                                     proof, env)
            if found is not None:
                self._reveal(page, found.text)
                evidence.append(env.evidence.put_json({
                    "video": target.key, "comment_id": found.comment_id, "author": found.author,
                    "author_channel_id": found.author_channel_id, "text": found.text}))
            self._screenshot(page, env, evidence)
        who = f"@{worker.lstrip('@')}" if worker.startswith("@") else worker
        where = f"\u201c{title}\u201d ({seen} comment(s) read)"
        if outcome == "pass" and found is not None:
            # The same words as another account's comment: the cheapest comment fraud.
            # YouTube's order ("Top comments") says nothing of who wrote first, but each
            # comment's "2 days ago" does: a later copy fails, the same age flags both.
            mine, now = [c for c in read if self._mine(c, worker)], time.time()
            judged = [Said(worker if c in mine else c.author, c.text, *(relative_time(
                c.published, self.data["published_time"], now) or (None, 0.0))) for c in read]
            copied = judge_comment(name, [worker], judged, proof.task, where, evidence)
            if copied.outcome != "pass":
                return copied
            return Check(name=name, outcome="pass", evidence=evidence,
                         detail=f"{who} commented on {where}: \u201c{found.text}\u201d")
        if outcome == "mismatch" and found is not None:
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=f"{who}'s comment on {where} {detail}: \u201c{found.text}\u201d")
        if outcome == "exhausted":
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=f"no comment by {who} on {where}")
        return self.unknown(name, detail, evidence)

    def _comments_message(self, data: dict[str, Any] | None) -> str:
        """What the comment section says instead of comments ("Comments are turned off")."""
        for section in walk(data, "itemSectionRenderer"):
            if isinstance(section, dict) and (
                    section.get("sectionIdentifier") == self.js["comments_section"]):
                message = first(section.get("contents"), "messageRenderer")
                if isinstance(message, dict):
                    return text_of(message.get("text"))
        return ""

    @staticmethod
    def _mine(comment: Comment, worker: str) -> bool:
        channel_id = worker.removeprefix("channel/") if worker.startswith("channel/") else ""
        return comment.by(worker) or (bool(channel_id)
                                      and comment.author_channel_id == channel_id)

    def _scan_comments(self, page: Page, capture: JsonCapture, worker: str, proof: Proof,
                       env: LiveEnv) -> tuple[Comment | None, int, str, str, list[Comment]]:
        """Read comment pages in fetch order: (comment, seen, outcome, detail, all read).

        After the worker's comment is found the remaining pages are read too
        (up to the page limit), so a copy of a comment further down is seen.
        """
        endpoint = self.js["comments_endpoint"]
        try:
            page.locator(self.data["selectors"]["comments"]).first.scroll_into_view_if_needed()
        except Exception:
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        seen, index = 0, 0
        mismatch: Comment | None = None
        mismatch_detail = ""
        passed: Comment | None = None
        read: list[Comment] = []
        task = proof.task
        while True:
            arrived = index < len(capture.of(endpoint)) or self._wait_for(
                page, capture, endpoint, index + 1)
            if not arrived:
                if passed is not None:
                    return passed, seen, "pass", "", read
                wall = self._json_wall(capture, page)
                return mismatch, seen, "unknown", wall or (
                    f"YouTube stopped loading comments after {index} page(s)"), read
            status, body = capture.of(endpoint)[index]
            index += 1
            if status != 200 or not isinstance(body, dict):
                if passed is not None:
                    return passed, seen, "pass", "", read
                wall = self._json_wall(capture, page)
                return (mismatch, seen, "unknown",
                        wall or f"YouTube answered {status} for comments", read)
            result = parse_comments(body, self.js["comments_key"], self.js["comment_renderer"])
            if not result.layout_ok:
                if passed is not None:
                    return passed, seen, "pass", "", read
                return mismatch, seen, "unknown", ("layout changed: the comments response has no "
                                                   f"{self.js['comments_key']}"), read
            seen += len(result.comments)
            read.extend(result.comments)
            for comment in result.comments:
                if passed is not None or not self._mine(comment, worker):
                    continue
                problem = comment_text_problem(comment.text, task.comment_text,
                                               task.min_comment_words)
                if problem is None:
                    passed = comment
                elif mismatch is None:
                    mismatch, mismatch_detail = comment, problem
            if not result.continuation or index >= env.settings.max_list_pages:
                if passed is not None:
                    return passed, seen, "pass", "", read
                if mismatch is not None:
                    return mismatch, seen, "mismatch", mismatch_detail, read
                if not result.continuation:
                    return None, seen, "exhausted", "", read
                return None, seen, "unknown", (f"no comment by the worker among the first {seen} "
                                               "and the comments go on past the page limit"), read
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    def _wait_for(self, page: Page, capture: JsonCapture, endpoint: str, count: int) -> bool:
        waited, step, limit = 0, 100, 8000
        while waited < limit:
            if len(capture.of(endpoint)) >= count:
                return True
            if any(status >= 400 for _e, status, _b in capture.responses):
                return False
            page.wait_for_timeout(step)
            waited += step
        return len(capture.of(endpoint)) >= count

    def _json_wall(self, capture: JsonCapture, page: Page) -> str | None:
        statuses = [s for _e, s, _b in capture.responses]
        for spec in self.data["walls"].values():
            if any(s in spec.get("status", []) for s in statuses):
                return f"{spec['reason']}; the check could not finish"
        return None

    def _reveal(self, page: Page, text: str) -> None:
        """Bring the matched comment into view so the capture shows it to a moderator."""
        item = page.locator(self.data["selectors"]["comment"]).filter(has_text=text[:60])
        try:
            if item.count():
                item.first.scroll_into_view_if_needed(timeout=2000)
        except Exception:
            return

    # -- subscribe ---------------------------------------------------------------------
    def _subscribe(self, name: str, worker: str, target: Target, env: LiveEnv) -> Check:
        evidence: list[str] = []
        with env.pool.context("youtube") as (ctx, info):
            page = ctx.new_page()
            capture = JsonCapture(self.json_re)
            page.on("response", capture.on_response)
            channel = self._target_channel(page, target, info)
            if isinstance(channel, tuple):
                self._screenshot(page, env, evidence)
                return Check(name=name, outcome=channel[0], detail=channel[1], evidence=evidence)
            url = self.data["base_url"] + self.data["subscriptions_path"].format(channel=worker)
            capture.responses.clear()
            loaded = self._open(page, url, info)
            outcome, detail, match = self._scan_subscriptions(page, capture, loaded, worker,
                                                              channel, env)
            if match is not None:
                evidence.append(env.evidence.put_json({
                    "worker": worker, "channel_id": match.channel_id, "title": match.title,
                    "list": url}))
                item = page.locator(self.data["selectors"]["channel_item"]).filter(
                    has_text=match.title)
                try:
                    if item.count():
                        item.first.scroll_into_view_if_needed(timeout=2000)
                except Exception:
                    pass
            self._screenshot(page, env, evidence)
        return Check(name=name, outcome=outcome, detail=detail, evidence=evidence)

    def _target_channel(self, page: Page, target: Target,
                        info: ContextInfo) -> Channel | tuple[Outcome, str]:
        loaded = self._open(page, target.url, info)
        if target.kind == "post":
            title = self._video_problem(loaded, target, info)
            if isinstance(title, tuple):
                return title
            player = parse_player(extract_var(loaded.html, self.data["page_vars"]["player"]))
            assert player is not None
            return Channel(channel_id=player.channel_id, title=player.author,
                           url=f"/channel/{player.channel_id}")
        if loaded.blocked:
            return "unknown", f"{loaded.blocked}; the channel could not be checked"
        if loaded.status == 404:
            return "fail", f"the YouTube channel {target.key} does not exist"
        channel = parse_channel(extract_var(loaded.html, self.data["page_vars"]["data"]))
        if channel is None or not channel.channel_id:
            return "unknown", f"layout changed: the channel page {target.url} names no channel"
        return channel

    def _scan_subscriptions(self, page: Page, capture: JsonCapture, loaded: Loaded, worker: str,
                            channel: Channel, env: LiveEnv) -> tuple[Outcome, str, Channel | None]:
        wanted = f"\u201c{channel.title}\u201d" if channel.title else channel.channel_id
        if loaded.blocked:
            return "unknown", f"{loaded.blocked}; the subscriptions could not be checked", None
        if loaded.status == 404:
            return "fail", f"the worker's YouTube channel {worker} does not exist", None
        data = extract_var(loaded.html, self.data["page_vars"]["data"])
        if data is None:
            return "unknown", (f"layout changed: {worker}'s channels tab carries no "
                               "ytInitialData"), None
        pages = [parse_channel_list(data, self.js["channel_renderers"], self.js["list_renderers"])]
        if not pages[0].listed:
            return "skipped", (f"{worker} keeps their YouTube subscriptions private, so whether "
                               f"they subscribe to {wanted} cannot be seen; the proof screenshot "
                               "decides"), None
        seen, index, endpoint = 0, 0, self.js["list_endpoint"]
        while True:
            current = pages[index]
            index += 1
            seen += len(current.channels)
            match = current.find("", channel.channel_id)
            if match is not None:
                return "pass", (f"{worker} subscribes to {wanted}: found in their public "
                                f"subscriptions ({seen} channel(s) read)"), match
            if not current.continuation:
                return "fail", (f"{worker} does not subscribe to {wanted}: their public "
                                f"subscriptions ({seen} channel(s)) do not include it"), None
            if index >= env.settings.max_list_pages:
                return "unknown", (f"{wanted} was not among the first {seen} of {worker}'s "
                                   "subscriptions and the list goes on past the page limit"), None
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            if not self._wait_for(page, capture, endpoint, index):
                wall = self._json_wall(capture, page)
                return "unknown", wall or (f"YouTube stopped loading {worker}'s subscriptions "
                                           f"after {index} page(s)"), None
            status, body = capture.of(endpoint)[index - 1]
            if status != 200 or not isinstance(body, dict):
                return "unknown", f"YouTube answered {status} for {worker}'s subscriptions", None
            pages.append(parse_channel_list(body, self.js["channel_renderers"],
                                            self.js["list_renderers"]))
