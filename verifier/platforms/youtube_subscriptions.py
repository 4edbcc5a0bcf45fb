"""YouTube subscribe check: the YouTube Data API's ``subscriptions.list``.

YouTube removed the channel "Channels" tab, which listed a channel's public
subscriptions, in November 2023. What a third party can still ask is the Data
API v3: ``subscriptions?part=snippet&channelId=WORKER&forChannelId=TARGET``
with the operator's API key (``VERIFIER_YOUTUBE_API_KEY``). An item for the
target means subscribed, an empty list means not, and a 403 means the worker
keeps their subscriptions private, which is ``unknown`` (not "no").

Both channels are resolved to their ``UC...`` ids first by opening their
pages (a video target stands for its owner's channel); the worker's channel
page is the capture a moderator sees. The API is fetched by the same browser,
so the URL guard and the sandbox routing apply to it like to any page.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from verifier.models import Check, Outcome
from verifier.platforms.base import LiveEnv, Target
from verifier.platforms.visit import LayoutChanged, NotFound, Refused, Stop, Visit
from verifier.platforms.youtube_data import Channel, extract_var, parse_channel, read_subscriptions

if TYPE_CHECKING:
    from verifier.platforms.youtube import YouTubeAdapter


def check_subscribe(adapter: YouTubeAdapter, name: str, worker: str, target: Target,
                    env: LiveEnv) -> Check:
    key = env.settings.youtube_api_key
    channel = None  # once known, its title is what a screenshot of the channel shows
    with Visit(env, "youtube", record_blocked=False) as visit:
        adapter.consent(visit)
        try:
            channel = _target_channel(adapter, visit, target)
            subscriber = _worker_channel(adapter, visit, worker)
        except Stop as stop:
            visit.shot()
            return Check(name=name, outcome=stop.outcome, detail=stop.detail,
                         evidence=visit.evidence).owned_by(channel.title if channel else None)
        visit.shot()
        if not key:
            return adapter.unknown(name, (
                "no YouTube Data API key is configured (VERIFIER_YOUTUBE_API_KEY): since "
                "YouTube removed the channels tab (2023) only the Data API shows whom a "
                "channel subscribes to"), visit.evidence).owned_by(channel.title)
        try:
            outcome, detail = _ask_api(adapter, visit, worker, subscriber, channel, key)
        except Refused as refused:
            outcome, detail = refused.outcome, refused.detail
    return Check(name=name, outcome=outcome, detail=detail,
                 evidence=visit.evidence).owned_by(channel.title)


def _ask_api(adapter: YouTubeAdapter, visit: Visit, worker: str, subscriber: str,
             channel: Channel, key: str) -> tuple[Outcome, str]:
    spec: dict[str, Any] = adapter.data["data_api"]
    url = spec["subscriptions_url"].format(subscriber=subscriber, target=channel.channel_id,
                                           key=key)
    shown = url.replace(key, "KEY")  # the operator's key stays out of evidence and details
    wanted = f"\u201c{channel.title}\u201d" if channel.title else channel.channel_id
    try:
        response = visit.page.goto(url, wait_until="domcontentloaded")
        status = response.status if response else 0
        text = response.text() if response else ""
    except Exception as exc:
        blocked = "; ".join(b.replace(key, "KEY") for b in visit.blocked)
        raise Refused(f"the YouTube Data API could not be reached: "
                      f"{str(exc).replace(key, 'KEY')[:160]} {blocked}".strip()) from exc
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    answer = read_subscriptions(status, body, channel.channel_id, spec)
    visit.put_json({
        "worker": worker, "subscriber_channel_id": subscriber,
        "target_channel_id": channel.channel_id, "request": shown, "status": status,
        "state": answer.state, "reason": answer.reason})
    if answer.state == "subscribed":
        since = f" since {answer.since[:10]}" if answer.since else ""
        return "pass", (f"{worker} subscribes to {wanted}{since}: the YouTube Data API lists "
                        "the subscription")
    if answer.state == "not_subscribed":
        return "fail", (f"{worker} does not subscribe to {wanted}: the YouTube Data API's "
                        "list of their public subscriptions has no such channel")
    if answer.state == "private":
        return "unknown", (f"{worker} keeps their YouTube subscriptions private (the Data API "
                           f"answered {status} {answer.reason}), so whether they subscribe to "
                           f"{wanted} cannot be seen; the proof screenshot decides")
    if answer.state == "quota":
        return "unknown", (f"the YouTube Data API quota is spent or rate-limited "
                           f"({answer.reason}); the subscription could not be checked")
    if answer.state == "key":
        return "unknown", (f"the YouTube Data API refused the operator's key ({answer.reason}); "
                           "check VERIFIER_YOUTUBE_API_KEY")
    return "unknown", (f"format not confirmed: the YouTube Data API answered {status} "
                       f"({answer.reason}) for {shown}")


def _target_channel(adapter: YouTubeAdapter, visit: Visit, target: Target) -> Channel:
    """The channel to look for: a video target stands for its owner's channel."""
    if target.kind == "post":
        html = adapter.open(visit, target.url, "the video")[1]
        player = adapter.video(visit, html, target)
        return Channel(channel_id=player.channel_id, title=player.author,
                       url=f"/channel/{player.channel_id}")
    return _channel_page(adapter, visit, target.url, f"the YouTube channel {target.key}")


def _worker_channel(adapter: YouTubeAdapter, visit: Visit, worker: str) -> str:
    """The worker's ``UC...`` id, read from their channel page (the API takes ids only)."""
    url = f"{adapter.data['base_url']}/{worker}"
    return _channel_page(adapter, visit, url,
                         f"the worker's YouTube channel {worker}").channel_id


def _channel_page(adapter: YouTubeAdapter, visit: Visit, url: str, what: str) -> Channel:
    status, html = adapter.open(visit, url, what)
    if status == 404:
        raise NotFound(f"{what} does not exist")
    channel = parse_channel(extract_var(html, adapter.data["page_vars"]["data"]))
    if channel is None or not channel.channel_id:
        raise LayoutChanged(f"the channel page {url} names no channel")
    return channel
