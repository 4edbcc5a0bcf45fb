"""Reads the relay data www.facebook.com (Comet) pages carry in their script tags.

Today's www pages render from GraphQL answers embedded in the page's JSON
script tags as ``"data": {...}`` objects (:func:`relay_objects` cuts them
out as forki's ``find_graphql_data_strings`` does: every outermost
``"data"`` object, in page order). The shapes are those of the July/August
2023 captures in ``shared/realdata/current/facebook`` (forki's extracted
relay objects, logged in): a post's feedback object (``id`` = base64
``feedback:POST``) carries ``reaction_count.count`` /
``unified_reactors.count``, ``share_count.count``, ``total_comment_count`` or
``comment_count.total_count``, the *viewer's* ``viewer_feedback_reaction_info``
(null: the checker has not reacted) and, in its comment list,
``display_comments`` with ``page_info.has_next_page``; comments are
``__typename: Comment`` nodes with ``author.name`` / ``author.url``,
``body.text``, ``created_time``, ``depth`` and ``parent_feedback.id`` (the
post they belong to).

The same feedback id appears in several objects, each with some of the
counters, so they are merged by id. Who reacted or shared is not in these
captures (no reactor or resharer list was captured), so nothing here claims
to read it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborHTMLParser


@dataclass(frozen=True)
class RelayComment:
    author: str
    author_id: str
    text: str
    created: int | None
    depth: int
    feedback_id: str  # the post's feedback this comment hangs under
    author_url: str = ""

    @property
    def handle(self) -> str | None:
        """The author's username (or profile.php id) from ``author.url``."""
        return handle_from_url(self.author_url)


@dataclass
class RelayFeedback:
    id: str
    reactions: int | None = None
    shares: int | None = None
    comments: int | None = None
    viewer_reacted: bool | None = None  # None: no object said either way
    # The comment list's ``page_info.has_next_page``: None when no list was seen, so
    # nobody can tell whether the comments carried are all of them.
    more_comments: bool | None = None
    comment_nodes: list[RelayComment] = field(default_factory=list)


def feedback_id(post: str) -> str:
    """The relay id of a post's feedback: base64 of ``feedback:POST``."""
    return base64.b64encode(f"feedback:{post}".encode()).decode()


def relay_objects(markup: str) -> list[dict[str, Any]]:
    """Every outermost ``"data"`` object in the page's JSON script tags, in page order."""
    tree = LexborHTMLParser(markup)
    found: list[dict[str, Any]] = []
    for script in tree.css('script[type="application/json"]'):
        try:
            document = json.loads(script.text(deep=True, strip=False))
        except ValueError:
            continue
        found.extend(_outer_data(document))
    return found


def _outer_data(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, dict):
                yield value
            else:
                yield from _outer_data(value)
    elif isinstance(node, list):
        for value in node:
            yield from _outer_data(value)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _count(node: Any, key: str = "count") -> int | None:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_feedback(node: dict[str, Any]) -> bool:
    return isinstance(node.get("id"), str) and any(
        k in node for k in ("reaction_count", "unified_reactors", "share_count",
                            "total_comment_count", "comment_count",
                            "viewer_feedback_reaction_info", "display_comments"))


def read_relay(objects: Any) -> dict[str, RelayFeedback]:
    """Every feedback object in the page's relay data, by feedback id, comments attached."""
    found: dict[str, RelayFeedback] = {}
    seen_comments: set[str] = set()
    for node in _walk(objects):
        if node.get("__typename") == "Comment":
            comment = _comment(node)
            ident = str(node.get("id") or "")
            if comment is not None and ident not in seen_comments:
                seen_comments.add(ident)
                found.setdefault(comment.feedback_id, RelayFeedback(comment.feedback_id)) \
                    .comment_nodes.append(comment)
            continue
        if not _is_feedback(node):
            continue
        fb = found.setdefault(node["id"], RelayFeedback(node["id"]))
        reactions = _count(node.get("reaction_count")) or _count(node.get("unified_reactors"))
        fb.reactions = fb.reactions if reactions is None else max(fb.reactions or 0, reactions)
        shares = _count(node.get("share_count"))
        fb.shares = fb.shares if shares is None else shares
        comments = _count(node, "total_comment_count")
        if comments is None:
            comments = _count(node.get("comment_count"), "total_count")
        fb.comments = fb.comments if comments is None else max(fb.comments or 0, comments)
        if "viewer_feedback_reaction_info" in node:
            reacted = node["viewer_feedback_reaction_info"] is not None
            fb.viewer_reacted = reacted or bool(fb.viewer_reacted)
        listing = node.get("display_comments")
        page_info = listing.get("page_info") if isinstance(listing, dict) else None
        if isinstance(page_info, dict) and isinstance(page_info.get("has_next_page"), bool):
            fb.more_comments = page_info["has_next_page"] or bool(fb.more_comments)
    return found


def _comment(node: dict[str, Any]) -> RelayComment | None:
    author, body = node.get("author"), node.get("body")
    parent = node.get("parent_feedback")
    if not (isinstance(author, dict) and isinstance(author.get("name"), str)
            and isinstance(body, dict) and isinstance(body.get("text"), str)
            and isinstance(parent, dict) and isinstance(parent.get("id"), str)):
        return None
    created, depth = node.get("created_time"), node.get("depth")
    url = author.get("url")
    return RelayComment(author=author["name"], author_id=str(author.get("id") or ""),
                        text=body["text"],
                        created=created if isinstance(created, int) else None,
                        depth=depth if isinstance(depth, int) else 0,
                        feedback_id=parent["id"], author_url=url if isinstance(url, str) else "")


def target_feedback(objects: Any, feedback: dict[str, RelayFeedback], key: str) -> str | None:
    """The feedback id of the post, video or reel ``key`` names, if the page carries it.

    A plain post's feedback is ``feedback:KEY``; a video's or reel's hangs on
    the story that holds it (``post_id``), whose feedback also names the video
    as ``associated_video.id`` (both as in the 2023 captures).
    """
    wanted = feedback_id(key)
    if wanted in feedback:
        return wanted
    for node in _walk(objects):
        post = node.get("post_id")
        if isinstance(post, str) and feedback_id(post) in feedback and _names(node, key):
            return feedback_id(post)
        video = node.get("associated_video")
        if (isinstance(video, dict) and video.get("id") == key
                and node.get("id") in feedback):
            return str(node["id"])
    return None


def _names(story: dict[str, Any], key: str) -> bool:
    """Whether a story node is the one for ``key`` (its post id, video or URL)."""
    if story.get("post_id") == key:
        return True
    for name in ("video", "shareable"):
        inner = story.get(name)
        if isinstance(inner, dict) and inner.get("id") == key:
            return True
    url = story.get("url")
    return isinstance(url, str) and f"/{key}" in url


def owner_subscribe_status(objects: Any, owner_id: str) -> str | None:
    """``subscribe_status`` of the page or profile ``owner_id`` as the viewer sees it
    (``CAN_SUBSCRIBE``: the checker does not follow it)."""
    for node in _walk(objects):
        if node.get("id") == owner_id and isinstance(node.get("subscribe_status"), str):
            return str(node["subscribe_status"])
    return None


def handle_from_url(url: str | None) -> str | None:
    """``https://www.facebook.com/ayesha.rahman`` -> ``ayesha.rahman``; profile.php -> its id."""
    if not url:
        return None
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    if segments[0] == "profile.php":
        ident = parse_qs(parts.query).get("id", [""])[0]
        return ident or None
    return None if segments[0].endswith(".php") else segments[0]
