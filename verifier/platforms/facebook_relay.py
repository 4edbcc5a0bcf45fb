"""Reads the relay data www.facebook.com (Comet) pages carry in their script tags.

Today's www pages render from GraphQL answers embedded as ``"data": {...}``
objects. The shapes are those of the July/August 2023 captures in
``shared/realdata/current/facebook`` (forki's extracted relay objects, logged
in): a post's feedback object (``id`` = base64 ``feedback:POST``) carries
``reaction_count.count`` / ``unified_reactors.count``, ``share_count.count``,
``total_comment_count`` or ``comment_count.total_count`` and the *viewer's*
``viewer_feedback_reaction_info`` (null: the checker has not reacted);
comments are ``__typename: Comment`` nodes with ``author.name``,
``body.text``, ``created_time``, ``depth`` and ``parent_feedback.id`` (the
post they belong to).

The same feedback id appears in several objects, each with some of the
counters, so they are merged by id. Who reacted or shared is not in these
captures (no reactor or resharer list was captured), so nothing here claims
to read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RelayComment:
    author: str
    author_id: str
    text: str
    created: int | None
    depth: int
    feedback_id: str  # the post's feedback this comment hangs under


@dataclass
class RelayFeedback:
    id: str
    reactions: int | None = None
    shares: int | None = None
    comments: int | None = None
    viewer_reacted: bool | None = None  # None: no object said either way
    comment_nodes: list[RelayComment] = field(default_factory=list)


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
                            "viewer_feedback_reaction_info"))


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
    return found


def _comment(node: dict[str, Any]) -> RelayComment | None:
    author, body = node.get("author"), node.get("body")
    parent = node.get("parent_feedback")
    if not (isinstance(author, dict) and isinstance(author.get("name"), str)
            and isinstance(body, dict) and isinstance(body.get("text"), str)
            and isinstance(parent, dict) and isinstance(parent.get("id"), str)):
        return None
    created, depth = node.get("created_time"), node.get("depth")
    return RelayComment(author=author["name"], author_id=str(author.get("id") or ""),
                        text=body["text"],
                        created=created if isinstance(created, int) else None,
                        depth=depth if isinstance(depth, int) else 0,
                        feedback_id=parent["id"])


def owner_subscribe_status(objects: Any, owner_id: str) -> str | None:
    """``subscribe_status`` of the page or profile ``owner_id`` as the viewer sees it
    (``CAN_SUBSCRIBE``: the checker does not follow it)."""
    for node in _walk(objects):
        if node.get("id") == owner_id and isinstance(node.get("subscribe_status"), str):
            return str(node["subscribe_status"])
    return None
