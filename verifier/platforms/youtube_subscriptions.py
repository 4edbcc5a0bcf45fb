"""YouTube subscribe check: the target channel among the worker's public subscriptions.

Kept apart from ``youtube.py`` because it is two page reads of its own: the
target (a channel, or a video whose owner is the channel) is resolved to a
channel id first, then the worker's channels tab is read, scrolling for more
from ``/youtubei/v1/browse``. Subscriptions are public only when their owner
chose so; a private list is ``skipped`` and the proof decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Page

from verifier.browser.pool import ContextInfo
from verifier.models import Check, Outcome
from verifier.platforms.base import LiveEnv, Target, reveal
from verifier.platforms.youtube_capture import JsonCapture, Loaded
from verifier.platforms.youtube_data import (
    Channel,
    extract_var,
    parse_channel,
    parse_channel_list,
    parse_player,
)

if TYPE_CHECKING:
    from verifier.platforms.youtube import YouTubeAdapter


def check_subscribe(adapter: YouTubeAdapter, name: str, worker: str, target: Target,
                    env: LiveEnv) -> Check:
    data = adapter.data
    evidence: list[str] = []
    with env.pool.context("youtube") as (ctx, info):
        page = ctx.new_page()
        capture = JsonCapture(adapter.json_re)
        page.on("response", capture.on_response)
        channel = _target_channel(adapter, page, target, info)
        if isinstance(channel, tuple):
            adapter._screenshot(page, env, evidence)
            return Check(name=name, outcome=channel[0], detail=channel[1], evidence=evidence)
        url = data["base_url"] + data["subscriptions_path"].format(channel=worker)
        capture.responses.clear()
        loaded = adapter._open(page, url, info)
        outcome, detail, match = _scan_subscriptions(adapter, page, capture, loaded, worker,
                                                     channel, env)
        if match is not None:
            evidence.append(env.evidence.put_json({
                "worker": worker, "channel_id": match.channel_id, "title": match.title,
                "list": url}))
            reveal(page.locator(data["selectors"]["channel_item"]).filter(has_text=match.title))
        adapter._screenshot(page, env, evidence)
    return Check(name=name, outcome=outcome, detail=detail, evidence=evidence)


def _target_channel(adapter: YouTubeAdapter, page: Page, target: Target,
                    info: ContextInfo) -> Channel | tuple[Outcome, str]:
    """The channel to look for: a video target stands for its owner's channel."""
    data = adapter.data
    loaded = adapter._open(page, target.url, info)
    if target.kind == "post":
        title = adapter._video_problem(loaded, target, info)
        if isinstance(title, tuple):
            return title
        player = parse_player(extract_var(loaded.html, data["page_vars"]["player"]))
        assert player is not None
        return Channel(channel_id=player.channel_id, title=player.author,
                       url=f"/channel/{player.channel_id}")
    if loaded.blocked:
        return "unknown", f"{loaded.blocked}; the channel could not be checked"
    if loaded.status == 404:
        return "fail", f"the YouTube channel {target.key} does not exist"
    channel = parse_channel(extract_var(loaded.html, data["page_vars"]["data"]))
    if channel is None or not channel.channel_id:
        return "unknown", f"layout changed: the channel page {target.url} names no channel"
    return channel


def _scan_subscriptions(adapter: YouTubeAdapter, page: Page, capture: JsonCapture,
                        loaded: Loaded, worker: str, channel: Channel,
                        env: LiveEnv) -> tuple[Outcome, str, Channel | None]:
    """The first page is in the tab's ytInitialData; the rest arrive as browse JSON only
    when the page is scrolled, so each further page is scrolled for and waited on."""
    js = adapter.js
    wanted = f"\u201c{channel.title}\u201d" if channel.title else channel.channel_id
    if loaded.blocked:
        return "unknown", f"{loaded.blocked}; the subscriptions could not be checked", None
    if loaded.status == 404:
        return "fail", f"the worker's YouTube channel {worker} does not exist", None
    data = extract_var(loaded.html, adapter.data["page_vars"]["data"])
    if data is None:
        return "unknown", (f"layout changed: {worker}'s channels tab carries no "
                           "ytInitialData"), None
    pages = [parse_channel_list(data, js["channel_renderers"], js["list_renderers"])]
    if not pages[0].listed:
        return "skipped", (f"{worker} keeps their YouTube subscriptions private, so whether "
                           f"they subscribe to {wanted} cannot be seen; the proof screenshot "
                           "decides"), None
    seen, index, endpoint = 0, 0, js["list_endpoint"]
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
        if not capture.wait_for(page, endpoint, index):
            wall = capture.wall(adapter.data["walls"])
            return "unknown", wall or (f"YouTube stopped loading {worker}'s subscriptions "
                                       f"after {index} page(s)"), None
        status, body = capture.of(endpoint)[index - 1]
        if status != 200 or not isinstance(body, dict):
            return "unknown", f"YouTube answered {status} for {worker}'s subscriptions", None
        pages.append(parse_channel_list(body, js["channel_renderers"], js["list_renderers"]))
