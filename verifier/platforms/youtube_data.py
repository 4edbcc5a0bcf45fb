"""Pure parsers for the JSON that youtube.com pages carry and fetch.

A YouTube page ships its state as two script variables, ``ytInitialData``
(what the page shows: owner, buttons, the comment section's continuation
token, a channel's tabs) and ``ytInitialPlayerResponse`` (the video itself:
id, title, channel, views, whether it plays); more comments and list pages
come later as JSON from ``/youtubei/v1/next`` and ``/youtubei/v1/browse``.
That JSON is the most truthful thing a third party sees (DESIGN truth order),
so the adapter reads it rather than the rendered page.

YouTube nests its renderers differently from one page version to the next,
so these parsers find renderers by name wherever they sit instead of walking
fixed paths; the renderer names come from ``data/youtube.yaml``. A parser
that finds none of what it needs returns ``None`` (or an empty result with
``layout_ok=False``) so the adapter can say "layout changed" instead of
reporting a false failure.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

_DECODER = json.JSONDecoder()


def extract_var(html: str, name: str) -> dict[str, Any] | None:
    """The object assigned to ``name`` in the page's scripts, or None.

    Real pages write ``var ytInitialData = {...};`` and sometimes
    ``window["ytInitialData"] = {...};``; both are read.
    """
    pattern = re.compile(
        r"(?:var\s+|window\[['\"])" + re.escape(name) + r"(?:['\"]\])?\s*=\s*(?=\{)"
    )
    for match in pattern.finditer(html):
        try:
            value, _end = _DECODER.raw_decode(html, match.end())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def walk(node: Any, key: str) -> Iterator[Any]:
    """Every value stored under ``key`` anywhere in ``node``, in document order."""
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            items = list(current.items())
            for k, v in items:
                if k == key:
                    yield v
            stack.extend(v for _k, v in reversed(items) if isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend(reversed([v for v in current if isinstance(v, dict | list)]))


def first(node: Any, key: str) -> Any:
    return next(walk(node, key), None)


def text_of(value: Any) -> str:
    """YouTube's text object: ``{"simpleText": ...}`` or ``{"runs": [{"text": ...}]}``."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    if isinstance(value.get("simpleText"), str):
        return str(value["simpleText"])
    if isinstance(value.get("content"), str):  # newer view models
        return str(value["content"])
    runs = value.get("runs")
    if isinstance(runs, list):
        return "".join(str(r.get("text", "")) for r in runs if isinstance(r, dict))
    return ""


def label_of(value: Any) -> str:
    """The accessibility label YouTube puts beside a short text ("3,485,266 likes")."""
    if not isinstance(value, dict):
        return ""
    data = (value.get("accessibility") or {}).get("accessibilityData") or {}
    label = data.get("label")
    return label if isinstance(label, str) else ""


# -- the video (ytInitialPlayerResponse) ------------------------------------------------


@dataclass(frozen=True)
class Video:
    video_id: str
    title: str
    channel_id: str
    author: str
    view_count: int | None
    status: str  # playabilityStatus.status: OK, ERROR, LOGIN_REQUIRED, UNPLAYABLE ...
    reason: str  # playabilityStatus.reason, e.g. "Video unavailable"

    @property
    def exists(self) -> bool:
        return bool(self.video_id)


def parse_player(player: dict[str, Any] | None) -> Video | None:
    """``ytInitialPlayerResponse``; None when it has no playability status at all."""
    if not isinstance(player, dict):
        return None
    status_obj = player.get("playabilityStatus")
    if not isinstance(status_obj, dict):
        return None
    details = player.get("videoDetails") or {}
    views = details.get("viewCount")
    return Video(
        video_id=str(details.get("videoId") or ""),
        title=str(details.get("title") or ""),
        channel_id=str(details.get("channelId") or ""),
        author=str(details.get("author") or ""),
        view_count=int(views) if isinstance(views, str | int) and str(views).isdigit() else None,
        status=str(status_obj.get("status") or ""),
        reason=str(status_obj.get("reason") or text_of(status_obj.get("reasonTitle"))),
    )


# -- the watch page (ytInitialData) -----------------------------------------------------


@dataclass(frozen=True)
class WatchData:
    owner: str
    owner_channel_id: str
    owner_url: str
    subscribers: str  # the long label, e.g. "31.5 million subscribers"
    likes: str  # e.g. "3,485,266 likes"
    like_status: str | None  # INDIFFERENT / LIKE / DISLIKE, for the viewer who fetched it
    subscribed: bool | None  # for the viewer who fetched it
    comments_token: str | None


def _continuation_token(node: Any) -> str | None:
    for item in walk(node, "continuationItemRenderer"):
        command = first(item, "continuationCommand")
        if isinstance(command, dict) and isinstance(command.get("token"), str):
            return str(command["token"])
    return None


def comments_section_token(data: dict[str, Any], section_id: str) -> str | None:
    """The token that loads the comments: in the item section named ``section_id``."""
    for section in walk(data, "itemSectionRenderer"):
        if isinstance(section, dict) and section.get("sectionIdentifier") == section_id:
            return _continuation_token(section.get("contents"))
    return None


def parse_watch(
    data: dict[str, Any] | None,
    player: dict[str, Any] | None = None,
    section_id: str = "comment-item-section",
) -> WatchData | None:
    """Owner, counts and the viewer's state from a watch page; None if it has no owner."""
    if not isinstance(data, dict):
        return None
    owner = first(data, "videoOwnerRenderer")
    if not isinstance(owner, dict):
        return None
    endpoint = first(owner.get("navigationEndpoint") or owner.get("title"), "browseEndpoint")
    endpoint = endpoint if isinstance(endpoint, dict) else {}
    entities = framework_entities(data)
    likes, like_status = _likes(data, entities)
    count = owner.get("subscriberCountText")
    return WatchData(
        # A collaboration video's owner has no title, only "A and B" in attributedTitle.
        owner=text_of(owner.get("title")) or text_of(owner.get("attributedTitle")),
        owner_channel_id=str(endpoint.get("browseId") or ""),
        owner_url=str(endpoint.get("canonicalBaseUrl") or ""),
        subscribers=label_of(count) or text_of(count),
        likes=likes,
        like_status=like_status,
        subscribed=_subscribed(data, player, entities),
        comments_token=comments_section_token(data, section_id),
    )


def framework_entities(payload: Any) -> dict[str, dict[str, Any]]:
    """``frameworkUpdates`` entities by key: where today's pages keep texts and states.

    Each mutation's payload holds one entity (``commentEntityPayload``,
    ``subscriptionStateEntity``, ``likeStatusEntity`` ...); the value here is
    ``{name: entity}`` so a caller picks the kind it expects under that key.
    """
    found: dict[str, dict[str, Any]] = {}
    for update in walk(payload, "entityBatchUpdate"):
        mutations = update.get("mutations") if isinstance(update, dict) else None
        for mutation in mutations if isinstance(mutations, list) else []:
            body = mutation.get("payload") if isinstance(mutation, dict) else None
            key = mutation.get("entityKey") if isinstance(mutation, dict) else None
            if isinstance(key, str) and isinstance(body, dict):
                found.setdefault(key, {}).update(
                    {k: v for k, v in body.items() if isinstance(v, dict)})
    return found


def _likes(data: dict[str, Any], entities: dict[str, dict[str, Any]]) -> tuple[str, str | None]:
    """The like count label and the viewer's like state.

    Today: ``likeButtonViewModel`` (count in its ``buttonViewModel``, state in
    ``likeStatusEntity``, inline or in ``frameworkUpdates``); before 2023: a
    ``toggleButtonRenderer`` with a LIKE icon and ``sentimentBar.likeStatus``.
    """
    for model in walk(data, "likeButtonViewModel"):
        if not isinstance(model, dict) or "likeButtonViewModel" in model:
            continue  # the outer wrapper: the same model sits one level down
        button = first(model.get("toggleButtonViewModel"), "buttonViewModel")
        button = button if isinstance(button, dict) else {}
        likes = str(button.get("accessibilityText") or button.get("title") or "")
        entity = model.get("likeStatusEntity")
        key = model.get("likeStatusEntityKey")
        if not isinstance(entity, dict) and isinstance(key, str):
            entity = entities.get(key, {}).get("likeStatusEntity")
        status = entity.get("likeStatus") if isinstance(entity, dict) else None
        return likes, status if isinstance(status, str) else None
    likes = ""
    for button in walk(data, "toggleButtonRenderer"):
        if isinstance(button, dict) and (button.get("defaultIcon") or {}).get("iconType") == "LIKE":
            likes = label_of(button.get("defaultText")) or text_of(button.get("defaultText"))
            break
    status = first(data, "likeStatus")
    return likes, status if isinstance(status, str) else None


def _subscribed(data: dict[str, Any], player: dict[str, Any] | None,
                entities: dict[str, dict[str, Any]]) -> bool | None:
    """The viewer's subscription to the owner, from the owner's subscribe button.

    Today the button names a ``subscriptionStateEntity`` by key and the state
    lives in ``frameworkUpdates``; the text ``"subscribed":true`` also occurs
    inside the button's "unsubscribe" variant, so only the entity (or, on
    older pages, the renderer's own ``subscribed``) is read.
    """
    for source in (data, player or {}):
        for renderer in walk(source, "subscribeButtonRenderer"):
            if not isinstance(renderer, dict):
                continue
            key = renderer.get("subscribedEntityKey")
            entity = entities.get(key, {}).get("subscriptionStateEntity") \
                if isinstance(key, str) else None
            if isinstance(entity, dict) and isinstance(entity.get("subscribed"), bool):
                return bool(entity["subscribed"])
            if isinstance(renderer.get("subscribed"), bool):
                return bool(renderer["subscribed"])
    for model in walk(data, "subscribeButtonViewModel"):
        state = first(model, "subscribeState")
        key = state.get("key") if isinstance(state, dict) else None
        entity = entities.get(key, {}).get("subscriptionStateEntity") \
            if isinstance(key, str) else None
        if isinstance(entity, dict) and isinstance(entity.get("subscribed"), bool):
            return bool(entity["subscribed"])
    if isinstance(first(data, "subscribeButton"), dict):
        return False  # logged out: a plain "Subscribe" button that opens a sign-in modal
    return None


# -- channel pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    channel_id: str
    title: str
    url: str  # canonical path or vanity URL as the page gives it
    subscribers: str = ""

    def matches(self, key: str) -> bool:
        """Whether this channel is the one a target key names (id, @handle, c/ or user/)."""
        key = key.strip().lower()
        own = self.channel_id.lower()
        if own and key in (own, f"channel/{own}"):
            return True
        path = re.sub(r"^https?://(www\.|m\.)?youtube\.com", "", self.url.lower()).rstrip("/")
        return bool(path) and path.lstrip("/") == key.lstrip("/")


def parse_channel(data: dict[str, Any] | None) -> Channel | None:
    """The channel a channel page is about; None when the page names none."""
    if not isinstance(data, dict):
        return None
    meta = first(data.get("metadata"), "channelMetadataRenderer")
    header: Any = None
    for name in ("c4TabbedHeaderRenderer", "pageHeaderRenderer"):
        header = first(data.get("header"), name)
        if isinstance(header, dict):
            break
    header = header if isinstance(header, dict) else {}
    if not isinstance(meta, dict) and not header.get("channelId"):
        return None
    meta = meta if isinstance(meta, dict) else {}
    count = header.get("subscriberCountText")
    subscribers = label_of(count) or text_of(count)
    if not subscribers:
        for part in walk(header, "metadataParts"):
            texts = [text_of(p.get("text")) for p in part if isinstance(p, dict)]
            subscribers = next((t for t in texts if "subscriber" in t.lower()), subscribers)
    return Channel(
        channel_id=str(meta.get("externalId") or header.get("channelId") or ""),
        title=str(meta.get("title") or header.get("title") or ""),
        url=str(meta.get("vanityChannelUrl") or meta.get("channelUrl") or ""),
        subscribers=subscribers,
    )


@dataclass
class ChannelList:
    """One page of a channel list (the channels tab's subscriptions, or a continuation)."""

    channels: list[Channel] = field(default_factory=list)
    continuation: str | None = None
    listed: bool = False  # a list renderer was there (public), as opposed to a message
    message: str = ""  # e.g. "This channel doesn't feature any other channels."

    def find(self, key: str, channel_id: str = "") -> Channel | None:
        for channel in self.channels:
            if (channel_id and channel.channel_id == channel_id) or channel.matches(key):
                return channel
        return None


def _channel_item(item: dict[str, Any]) -> Channel | None:
    endpoint = first(item.get("navigationEndpoint"), "browseEndpoint") or {}
    channel_id = str(item.get("channelId") or endpoint.get("browseId") or "")
    if not channel_id:
        return None
    count = item.get("subscriberCountText") or item.get("videoCountText")
    return Channel(
        channel_id=channel_id,
        title=text_of(item.get("title")),
        url=str(endpoint.get("canonicalBaseUrl") or ""),
        subscribers=label_of(count) or text_of(count),
    )


def parse_channel_list(
    payload: dict[str, Any] | None,
    item_renderers: Sequence[str] = ("gridChannelRenderer", "channelRenderer"),
    list_renderers: Sequence[str] = ("gridRenderer", "shelfRenderer"),
) -> ChannelList:
    """Channels listed in a channels-tab page or a browse continuation, in order."""
    result = ChannelList()
    if not isinstance(payload, dict):
        return result
    # A page lists its selected tab only; a continuation has no tabs.
    scope: Any = payload
    for tab in walk(payload, "tabRenderer"):
        if isinstance(tab, dict) and tab.get("selected"):
            scope = tab.get("content")
            break
    for name in item_renderers:
        for item in walk(scope, name):
            if isinstance(item, dict) and (channel := _channel_item(item)) is not None:
                result.channels.append(channel)
    actions = payload.get("onResponseReceivedActions")
    result.listed = bool(result.channels) or bool(actions) or any(
        first(scope, name) is not None for name in list_renderers
    )
    message = first(scope, "messageRenderer")
    if isinstance(message, dict):
        result.message = text_of(message.get("text"))
    result.continuation = _continuation_token(scope)
    return result


# -- comments (/youtubei/v1/next) -------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    comment_id: str
    author: str  # as shown: "@handle" (older pages: the display name)
    author_channel_id: str
    author_url: str
    text: str
    published: str = ""  # publishedTimeText as shown: "2 days ago", "২ দিন আগে (সম্পাদিত)"

    def by(self, handle: str) -> bool:
        wanted = handle.strip().lstrip("@").lower()
        shown = self.author.strip().lstrip("@").lower()
        url = self.author_url.rstrip("/").rsplit("/", 1)[-1].lstrip("@").lower()
        return wanted in (shown, url)


@dataclass
class CommentPage:
    comments: list[Comment] = field(default_factory=list)
    continuation: str | None = None
    layout_ok: bool = False  # the payload had the comment-loading structure at all
    announced: int | None = None  # the header's count ("5,145 Comments"), first page only
    unread: int = 0  # comment items whose shape no parser here knows


_COUNT_RE = re.compile(r"(\d[\d,.\s]*)\s*([KkMm]?)")


def _count(text: str) -> int | None:
    """"5,145 Comments", "২৫ টি মন্তব্য", "2.4K" as a number (a floor for K and M)."""
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)
    match = _COUNT_RE.search(digits)
    if match is None:
        return None
    number, unit = match.group(1).replace(",", "").replace(" ", ""), match.group(2).lower()
    try:
        value = float(number) if unit else float(number.replace(".", ""))
    except ValueError:
        return None
    return int(value * {"k": 1000, "m": 1_000_000}.get(unit, 1))


def _from_renderer(renderer: dict[str, Any]) -> Comment:
    """A comment of the ``commentRenderer`` era (until 2024): everything inline."""
    endpoint = first(renderer.get("authorEndpoint"), "browseEndpoint") or {}
    return Comment(
        comment_id=str(renderer.get("commentId") or ""),
        author=text_of(renderer.get("authorText")),
        author_channel_id=str(endpoint.get("browseId") or ""),
        author_url=str(endpoint.get("canonicalBaseUrl") or ""),
        text=text_of(renderer.get("contentText")),
        published=text_of(renderer.get("publishedTimeText")),
    )


def _from_view_model(model: dict[str, Any], entities: dict[str, dict[str, Any]],
                     entity_name: str) -> Comment | None:
    """A ``commentViewModel`` (today): only keys inline, the comment in its entity."""
    key = model.get("commentKey")
    entity = entities.get(key, {}).get(entity_name) if isinstance(key, str) else None
    if not isinstance(entity, dict):
        return None
    props = entity.get("properties")
    author = entity.get("author")
    if not isinstance(props, dict) or not isinstance(author, dict):
        return None
    content = props.get("content")
    text = content.get("content") if isinstance(content, dict) else None
    if not isinstance(text, str):
        return None
    endpoint = first(author.get("channelCommand"), "browseEndpoint") or {}
    return Comment(
        comment_id=str(props.get("commentId") or model.get("commentId") or ""),
        author=str(author.get("displayName") or props.get("authorButtonA11y") or ""),
        author_channel_id=str(author.get("channelId") or endpoint.get("browseId") or ""),
        author_url=str(endpoint.get("canonicalBaseUrl") or ""),
        text=text,
        published=str(props.get("publishedTime") or ""),
    )


def parse_comments(
    payload: dict[str, Any] | None,
    endpoints_key: str = "onResponseReceivedEndpoints",
    comment_renderer: str = "commentRenderer",
    thread_renderer: str = "commentThreadRenderer",
    view_model: str = "commentViewModel",
    entity_name: str = "commentEntityPayload",
) -> CommentPage:
    """Comments from one ``/youtubei/v1/next`` response, in the order YouTube sent them.

    Top-level threads only (replies are loaded separately). Each thread holds
    either a ``commentViewModel`` whose text and author are in
    ``frameworkUpdates`` (today) or an inline ``commentRenderer`` (older
    pages); a thread in neither shape is counted in ``unread`` so the caller
    can say "layout changed" rather than miss a comment.
    """
    page = CommentPage()
    if not isinstance(payload, dict):
        return page
    endpoints = payload.get(endpoints_key)
    if not isinstance(endpoints, list):
        return page
    page.layout_ok = True
    entities = framework_entities(payload.get("frameworkUpdates"))
    for header in walk(endpoints, "commentsHeaderRenderer"):
        if isinstance(header, dict):
            page.announced = _count(text_of(header.get("countText"))
                                    or text_of(header.get("commentsCount")))
            break
    for thread in walk(endpoints, thread_renderer):
        if not isinstance(thread, dict):
            continue
        comment: Comment | None = None
        model = first(thread.get(view_model), view_model) or thread.get(view_model)
        if isinstance(model, dict):
            comment = _from_view_model(model, entities, entity_name)
        else:
            renderer = first(thread.get("comment"), comment_renderer)
            if isinstance(renderer, dict):
                comment = _from_renderer(renderer)
        if comment is None:
            page.unread += 1
        else:
            page.comments.append(comment)
    page.continuation = _page_continuation(endpoints)
    return page


def _page_continuation(endpoints: list[Any]) -> str | None:
    """The token for the next page: a ``continuationItemRenderer`` among the list's own
    items, not one inside a thread (its replies) or the header (sort orders)."""
    tokens: list[str] = []
    for items in walk(endpoints, "continuationItems"):
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "continuationItemRenderer" in item:
                token = _continuation_token(item)
                if token:
                    tokens.append(token)
    return tokens[-1] if tokens else None


# -- comment text requirements ----------------------------------------------------------

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of a comment, case-folded and NFC-normalised (Bengali/Devanagari safe)."""
    normal = unicodedata.normalize("NFC", text).casefold()
    return _WORD_RE.findall(normal)


def comment_text_problem(text: str, wanted: str | None, min_words: int | None) -> str | None:
    """Why a comment does not meet the task's text requirements, or None if it does.

    ``wanted`` is the employer's required comment: every one of its words must
    appear in the worker's comment (order and punctuation are free, because
    people add emoji and reorder). ``min_words`` counts the comment's words.
    """
    got = words(text)
    if min_words and len(got) < min_words:
        return f"has {len(got)} word(s), fewer than the {min_words} the task asks for"
    if wanted:
        missing = [w for w in dict.fromkeys(words(wanted)) if w not in set(got)]
        if missing:
            shown = ", ".join(repr(w) for w in missing[:5])
            return f"lacks the required word(s) {shown}"
    return None


# -- subscriptions (YouTube Data API v3 subscriptions.list) -------------------------------


@dataclass(frozen=True)
class ApiSubscriptions:
    """What ``subscriptions.list`` with ``forChannelId`` said about one subscriber.

    ``state`` is ``subscribed`` (an item for the target), ``not_subscribed``
    (a well-formed list without it), ``private`` (403 subscriptionForbidden:
    the owner hides them), ``quota``, ``key`` (the operator's key refused), or
    ``unknown`` (any answer not understood).
    """

    state: str
    reason: str = ""  # Google's error reason or message, when there was one
    title: str = ""  # the matched subscription's channel title
    since: str = ""  # its publishedAt


def _api_error(body: Any) -> tuple[str, str]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    errors = error.get("errors")
    reason = ""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        reason = str(errors[0].get("reason") or "")
    return reason, str(error.get("message") or "")


def read_subscriptions(status: int, body: Any, target_id: str,
                       spec: dict[str, Any]) -> ApiSubscriptions:
    """Judge one ``subscriptions.list`` answer (``spec`` is youtube.yaml's ``data_api``)."""
    if status == 200:
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(body, dict) or body.get("kind") != spec["list_kind"] \
                or not isinstance(items, list):
            return ApiSubscriptions("unknown", "the answer is not a subscription list")
        for item in items:
            snippet = item.get("snippet") if isinstance(item, dict) else None
            if not isinstance(snippet, dict):
                continue
            resource = snippet.get("resourceId")
            if isinstance(resource, dict) and resource.get("channelId") == target_id:
                return ApiSubscriptions("subscribed", title=str(snippet.get("title") or ""),
                                        since=str(snippet.get("publishedAt") or ""))
        return ApiSubscriptions("not_subscribed")
    reason, message = _api_error(body)
    if reason in spec["quota_reasons"] or status == 429:
        return ApiSubscriptions("quota", reason or f"HTTP {status}")
    if status == 403 and reason in spec["private_reasons"]:
        return ApiSubscriptions("private", reason)
    if reason in spec["key_reasons"] or (status == 400 and "API key" in message):
        return ApiSubscriptions("key", reason or message)
    if status == 403:
        # Google's guide: a 403 here means the subscriber's list is not public.
        return ApiSubscriptions("private", reason or "HTTP 403")
    return ApiSubscriptions("unknown", reason or message or f"HTTP {status}")
