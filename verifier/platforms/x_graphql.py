"""Parsers for the GraphQL JSON that x.com's own pages fetch.

The page's JSON is the most truthful thing a third party can see (truth
order, DESIGN principle 1), so the follow check reads these responses rather
than the rendered list. X has moved ``screen_name`` from ``legacy`` to
``core`` over the years; both forms appear in real captures and both parse.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from verifier.platforms.schema import WallSpec


@dataclass(frozen=True)
class XUser:
    rest_id: str
    screen_name: str
    name: str
    protected: bool = False
    following: bool | None = None  # relative to the viewer who fetched the JSON
    followed_by: bool | None = None


@dataclass
class TimelinePage:
    users: list[XUser] = field(default_factory=list)
    bottom_cursor: str | None = None
    top_cursor: str | None = None

    def find(self, screen_name: str) -> XUser | None:
        wanted = screen_name.lower()
        return next((u for u in self.users if u.screen_name.lower() == wanted), None)


def parse_user_result(result: dict[str, Any]) -> XUser | None:
    """One ``user_results.result`` object; None for tombstones and unavailable users."""
    if not isinstance(result, dict) or result.get("__typename") not in ("User", None):
        return None
    core = result.get("core") or {}
    legacy = result.get("legacy") or {}
    screen_name = core.get("screen_name") or legacy.get("screen_name")
    rest_id = result.get("rest_id")
    if not screen_name or not rest_id:
        return None
    name = core.get("name") or legacy.get("name") or ""
    privacy = result.get("privacy") or {}
    protected = bool(privacy.get("protected", legacy.get("protected", False)))
    persp = result.get("relationship_perspectives") or {}
    following = persp.get("following", legacy.get("following"))
    followed_by = persp.get("followed_by", legacy.get("followed_by"))
    return XUser(
        rest_id=str(rest_id),
        screen_name=str(screen_name),
        name=str(name),
        protected=protected,
        following=following if isinstance(following, bool) else None,
        followed_by=followed_by if isinstance(followed_by, bool) else None,
    )


def parse_user_by_screen_name(payload: dict[str, Any]) -> XUser | None:
    """``UserByScreenName``: None when X answers ``{"data": {}}`` (no such account)."""
    result = ((payload.get("data") or {}).get("user") or {}).get("result")
    return parse_user_result(result) if result else None


def _find_instructions(node: Any) -> list[dict[str, Any]] | None:
    if isinstance(node, dict):
        instructions = node.get("instructions")
        if isinstance(instructions, list):
            return instructions
        for value in node.values():
            found = _find_instructions(value)
            if found is not None:
                return found
    return None


def _entries(instructions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for instruction in instructions:
        kind = instruction.get("type")
        if kind == "TimelineAddEntries":
            yield from instruction.get("entries") or []
        elif kind == "TimelineReplaceEntry" and "entry" in instruction:
            yield instruction["entry"]


def parse_timeline(payload: dict[str, Any]) -> TimelinePage:
    """A Followers / Following / Retweeters / Favoriters / ListMembers page."""
    page = TimelinePage()
    instructions = _find_instructions(payload.get("data") or {})
    if instructions is None:
        return page
    for entry in _entries(instructions):
        content = entry.get("content") or {}
        if content.get("entryType") == "TimelineTimelineCursor" or content.get("cursorType"):
            if content.get("cursorType") == "Bottom":
                page.bottom_cursor = content.get("value")
            elif content.get("cursorType") == "Top":
                page.top_cursor = content.get("value")
            continue
        item = content.get("itemContent") or {}
        result = (item.get("user_results") or {}).get("result")
        user = parse_user_result(result) if result else None
        if user is not None:
            page.users.append(user)
    return page


def graphql_error_codes(payload: Any) -> list[int]:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    codes: list[int] = []
    for err in errors or []:
        if isinstance(err, dict) and isinstance(err.get("code"), int):
            codes.append(err["code"])
    return codes


def graphql_wall(spec: WallSpec, responses: Sequence[tuple[str, int, Any]],
                 exhausted: bool) -> bool:
    """Whether X's GraphQL answers show the wall ``spec``: an error code in a body, a
    status with no error body (``bare_status``), a status alone when the wall names no
    codes, or a refusal after the rate budget header said none are left. The page's
    own signals (URL, text, selector) are ``visit.Walls``'."""
    statuses = [status for _op, status, _b in responses]
    codes = [c for _op, _s, body in responses for c in graphql_error_codes(body)]
    bare = [s for _op, s, body in responses if not graphql_error_codes(body)]
    return (any(c in codes for c in spec.graphql_error_codes)
            or any(s in bare for s in spec.bare_status)
            or (bool(spec.exhausted_header) and exhausted and any(s != 200 for s in statuses))
            or (any(s in statuses for s in spec.graphql_status)
                and not spec.graphql_error_codes))


# -- posts: TweetDetail ------------------------------------------------------------


@dataclass(frozen=True)
class XTweet:
    rest_id: str
    screen_name: str
    name: str
    text: str  # without the leading "@author " mentions of a reply
    in_reply_to: str | None = None
    favorite_count: int = 0
    reply_count: int = 0
    retweet_count: int = 0


@dataclass
class Conversation:
    """One ``TweetDetail`` page: the tweets it holds, in page order."""

    tweets: list[XTweet] = field(default_factory=list)
    bottom_cursor: str | None = None

    def get(self, tweet_id: str) -> XTweet | None:
        return next((t for t in self.tweets if t.rest_id == tweet_id), None)


def parse_tweet_result(result: Any) -> XTweet | None:
    """A ``tweet_results.result``; None for tombstones. Unwraps the
    ``TweetWithVisibilityResults`` X puts around tweets with limited reach."""
    if not isinstance(result, dict):
        return None
    if result.get("__typename") == "TweetWithVisibilityResults":
        result = result.get("tweet") or {}
    if result.get("__typename") not in ("Tweet", None):
        return None
    legacy = result.get("legacy") or {}
    user_result = ((result.get("core") or {}).get("user_results") or {}).get("result")
    user = parse_user_result(user_result) if user_result else None
    rest_id = result.get("rest_id") or legacy.get("id_str")
    if user is None or not rest_id:
        return None
    full_text = str(legacy.get("full_text") or "")
    shown = legacy.get("display_text_range")
    if isinstance(shown, list) and len(shown) == 2 and all(isinstance(i, int) for i in shown):
        full_text = full_text[shown[0]:shown[1]] if shown[1] else full_text[shown[0]:]

    def count(key: str) -> int:
        value = legacy.get(key)
        return value if isinstance(value, int) else 0

    return XTweet(
        rest_id=str(rest_id), screen_name=user.screen_name, name=user.name, text=full_text,
        in_reply_to=legacy.get("in_reply_to_status_id_str") or None,
        favorite_count=count("favorite_count"), reply_count=count("reply_count"),
        retweet_count=count("retweet_count"),
    )


def _item_tweets(item_content: dict[str, Any]) -> Iterator[XTweet]:
    tweet = parse_tweet_result((item_content.get("tweet_results") or {}).get("result"))
    if tweet is not None:
        yield tweet


def parse_tweet_detail(payload: dict[str, Any]) -> Conversation | None:
    """A ``TweetDetail`` page; None when X sent no conversation (missing post, error)."""
    data = payload.get("data") or {}
    holder = data.get("threaded_conversation_with_injections_v2")
    if not isinstance(holder, dict) or not isinstance(holder.get("instructions"), list):
        return None
    page = Conversation()
    for entry in _entries(holder["instructions"]):
        content = entry.get("content") or {}
        items = [content.get("itemContent") or {}]
        if content.get("entryType") == "TimelineTimelineModule":
            items = [(i.get("item") or {}).get("itemContent") or {}
                     for i in content.get("items") or []]
        for item in items:
            cursor_type = item.get("cursorType") or content.get("cursorType")
            if cursor_type == "Bottom":
                page.bottom_cursor = item.get("value") or content.get("value")
                continue
            page.tweets.extend(_item_tweets(item))
    return page


def replies_to(post_id: str, tweets: list[XTweet]) -> list[XTweet]:
    """Comments on ``post_id``: replies to it, and replies to those, in page order.

    Following the reply chain keeps out what else a post page may carry (the
    post's ancestors, "more posts" suggestions): only a tweet whose
    ``in_reply_to`` leads back to the post is a comment on it.
    """
    under = {post_id}
    found: dict[str, XTweet] = {}
    grew = True
    while grew:
        grew = False
        for tweet in tweets:
            if tweet.rest_id not in found and tweet.rest_id != post_id \
                    and tweet.in_reply_to in under:
                found[tweet.rest_id] = tweet
                under.add(tweet.rest_id)
                grew = True
    return [t for t in tweets if t.rest_id in found]
