"""Parsers for the JSON instagram.com's web app fetches today.

The shapes are those of the real 2021-2022 captures in
``shared/realdata/current/instagram``:

- a profile is ``users/web_profile_info/`` → ``data.user`` with ``id``,
  ``username``, ``is_private``, ``edge_followed_by.count`` and the *viewer's*
  relationship flags (``followed_by_viewer``, ``follows_viewer``,
  ``has_requested_viewer``, ``requested_by_viewer``);
- a post is ``items[]`` of v1 media (``code``, ``pk``, ``like_count``,
  ``comment_count``, ``has_liked`` – the viewer's own like – and ``user`` with
  a ``friendship_status`` that is the viewer's too, and says ``following:
  false`` on a suggested post the viewer does follow: never a worker's state);
- comments are v1 comment objects (``text``, ``created_at``, ``user``) in a
  ``comments`` list with ``next_max_id`` paging, or, in the older GraphQL
  form, ``edge_media_to_comment.edges[].node`` with an ``owner``;
- follower, following and liker lists are a ``users`` list of the same user
  objects with ``next_max_id``: that envelope is how Instagram's clients
  (instagrapi, instaloader's v1 paths) read ``friendships/ID/followers/`` and
  ``media/ID/likers/``; no real capture of those two answers exists, which
  the README's provenance table says.

Every key comes from ``data/instagram.yaml`` (the ``spec`` argument). A
private account's follow request is *not* a follow: these parsers keep
``has_requested_viewer`` apart from ``follows_viewer``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IgUser:
    username: str
    user_id: str = ""
    full_name: str = ""
    private: bool | None = None


@dataclass(frozen=True)
class IgProfile:
    """One account as the checker (the viewer) sees it."""

    user: IgUser
    followers: int | None = None
    follows_viewer: bool | None = None  # this account follows the viewer
    requested_viewer: bool | None = None  # this account asked to follow the (private) viewer
    followed_by_viewer: bool | None = None


@dataclass
class UserPage:
    users: list[IgUser] = field(default_factory=list)
    next_cursor: str | None = None
    layout_ok: bool = True

    def find(self, username: str) -> IgUser | None:
        wanted = username.strip().lstrip("@").casefold()
        return next((u for u in self.users if u.username.casefold() == wanted), None)


@dataclass(frozen=True)
class IgComment:
    username: str
    full_name: str
    text: str
    created: int | None = None  # when it was written (Unix seconds), when the API says


@dataclass
class CommentPage:
    comments: list[IgComment] = field(default_factory=list)
    next_cursor: str | None = None
    layout_ok: bool = True
    count: int | None = None  # the total the answer claims


@dataclass(frozen=True)
class IgMedia:
    media_id: str
    code: str
    owner: str
    like_count: int | None
    comment_count: int | None
    viewer_has_liked: bool | None
    preview_comments: tuple[IgComment, ...] = ()


def dig(payload: Any, path: Sequence[str] | str) -> Any:
    keys = [path] if isinstance(path, str) else list(path)
    node = payload
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _int(value: Any) -> int | None:
    """Counts and times come as numbers or strings of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _user(obj: Any, keys: Mapping[str, Any]) -> IgUser | None:
    if not isinstance(obj, Mapping):
        return None
    name = obj.get(keys["username"])
    if not isinstance(name, str) or not name:
        return None
    ident = next((obj[k] for k in keys["user_ids"] if obj.get(k) not in (None, "")), "")
    return IgUser(username=name, user_id=str(ident),
                  full_name=str(obj.get(keys["full_name"]) or ""),
                  private=_flag(obj.get(keys["private"])))


def _cursor(payload: Any, keys: Mapping[str, Any]) -> str | None:
    for path in keys["cursors"]:
        value = dig(payload, path)
        if value not in (None, "", False):
            return str(value)
    return None


def parse_profile(payload: Any, spec: Mapping[str, Any]) -> IgProfile | None:
    """``web_profile_info`` (``data.user``) or the mobile ``users/ID/info`` (``user``)."""
    keys = spec["json"]
    node = next((n for n in (dig(payload, p) for p in keys["profile"]) if isinstance(n, Mapping)),
                None)
    user = _user(node, keys)
    if node is None or user is None:
        return None
    rel = keys["viewer"]
    followers = next((v for v in (_int(dig(node, p)) for p in keys["followers_count"])
                      if v is not None), None)
    return IgProfile(user=user, followers=followers,
                     follows_viewer=_flag(node.get(rel["follows_viewer"])),
                     requested_viewer=_flag(node.get(rel["requested_viewer"])),
                     followed_by_viewer=_flag(node.get(rel["followed_by_viewer"])))


def parse_user_list(payload: Any, spec: Mapping[str, Any]) -> UserPage:
    """Followers, following, likers: ``users`` plus ``next_max_id``."""
    keys = spec["json"]
    data = dig(payload, keys["users"])
    if not isinstance(data, list):
        return UserPage(layout_ok=False)
    users = [u for u in (_user(item, keys) for item in data) if u is not None]
    return UserPage(users=users, next_cursor=_cursor(payload, keys),
                    layout_ok=len(users) == len(data))


def _comment(item: Any, keys: Mapping[str, Any]) -> IgComment | None:
    if not isinstance(item, Mapping):
        return None
    inner = item.get("node")
    node: Mapping[str, Any] = inner if isinstance(inner, Mapping) else item
    author = next((u for u in (_user(node.get(k), keys) for k in keys["comment_author"]) if u),
                  None)
    text = node.get(keys["comment_text"])
    if author is None or not isinstance(text, str):
        return None
    return IgComment(author.username, author.full_name, text,
                     _int(node.get(keys["comment_time"])))


def parse_comments(payload: Any, spec: Mapping[str, Any]) -> CommentPage:
    """v1 ``comments`` (+ ``next_max_id``) or GraphQL ``edge_media_to_comment``."""
    keys = spec["json"]
    edges: Mapping[str, Any] | None = next(
        (e for e in (dig(payload, p) for p in keys["graphql_comments"]) if isinstance(e, Mapping)),
        None)
    if edges is not None:
        items, count = edges.get("edges"), _int(edges.get("count"))
        raw_info = edges.get("page_info")
        info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
        cursor = info.get("end_cursor") if info.get("has_next_page") else None
    else:
        items, count = dig(payload, keys["comments"]), _int(dig(payload, keys["comment_count"]))
        cursor = _cursor(payload, keys)
    if not isinstance(items, list):
        return CommentPage(layout_ok=False)
    comments = [c for c in (_comment(i, keys) for i in items) if c is not None]
    return CommentPage(comments=comments, next_cursor=str(cursor) if cursor else None,
                       layout_ok=len(comments) == len(items), count=count)


def parse_media(payload: Any, spec: Mapping[str, Any]) -> IgMedia | None:
    """A post page's ``items[0]``: the post, its owner, counters and the viewer's like."""
    keys = spec["json"]
    items = dig(payload, keys["items"])
    if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
        return None
    return parse_media_item(items[0], spec)


def parse_media_item(item: Mapping[str, Any], spec: Mapping[str, Any]) -> IgMedia | None:
    keys = spec["json"]
    ident, code = item.get("pk") or item.get("id"), item.get(keys["code"])
    owner = _user(item.get("user"), keys)
    if ident in (None, "") or not isinstance(code, str) or owner is None:
        return None
    preview = item.get(keys["comments"])
    sample = tuple(c for c in (_comment(x, keys) for x in preview or []) if c) \
        if isinstance(preview, list) else ()
    return IgMedia(media_id=str(ident), code=code, owner=owner.username,
                   like_count=_int(item.get(keys["like_count"])),
                   comment_count=_int(item.get(keys["comment_count"])),
                   viewer_has_liked=_flag(item.get(keys["has_liked"])),
                   preview_comments=sample)


def api_wall(status: int, payload: Any, walls: Mapping[str, Mapping[str, Any]]
             ) -> tuple[str, str] | None:
    """(kind, reason) when an API answer is a login, challenge or rate-limit wall."""
    message = dig(payload, "message") if isinstance(payload, Mapping) else None
    for kind, wall in walls.items():
        if status in wall.get("api_status", []) or (
                isinstance(message, str) and message in wall.get("api_message", [])):
            return kind, str(wall["reason"])
    return None


def api_error(payload: Any) -> str | None:
    """The ``message`` of a ``status: fail`` answer (``Not authorized to view user``)."""
    message = dig(payload, "message")
    return message if isinstance(message, str) else None
