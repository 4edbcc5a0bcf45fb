"""Parsers for the v1-shaped JSON instagram.com's pages fetch.

Instagram's web pages load their lists (followers, following, likers,
comments) and the viewer's relationship with an account from ``/api/v1/``.
The shapes are those of the real captures in shared/realdata/instagram: a
``data`` list of user objects (``username``, ``id``, ``profile_picture``,
sometimes ``full_name``), paging by a cursor, comments with a ``from`` user,
and relationships with ``outgoing_status``/``incoming_status``. Every key
comes from ``data/instagram.yaml`` (the ``spec`` argument).

A private account's follow request is ``outgoing_status: requested`` until
the owner approves it: that is *not* a follow, and these parsers keep the
two apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class IgUser:
    username: str
    user_id: str = ""
    full_name: str = ""
    private: bool | None = None


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


def _seconds(value: Any) -> int | None:
    """The API writes times as numbers or as strings of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


@dataclass
class CommentPage:
    comments: list[IgComment] = field(default_factory=list)
    next_cursor: str | None = None
    layout_ok: bool = True


@dataclass(frozen=True)
class Relationship:
    """The viewer's relationship with one account (as the viewer sees it)."""

    outgoing: str
    incoming: str | None
    spec: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def viewer_follows(self) -> bool:
        return self.outgoing in self.spec.get("follows", ["follows"])

    @property
    def viewer_pending(self) -> bool:
        return self.outgoing in self.spec.get("pending", ["requested"])

    @property
    def followed_by(self) -> bool:
        return (self.incoming or "") in self.spec.get("followed_by", ["followed_by"])

    @property
    def requested_by(self) -> bool:
        return (self.incoming or "") in self.spec.get("requested_by", ["requested_by"])


@dataclass(frozen=True)
class IgMedia:
    media_id: str
    owner: str
    like_count: int | None
    comment_count: int | None
    user_has_liked: bool | None
    sample_likers: tuple[str, ...] = ()
    sample_comments: tuple[IgComment, ...] = ()


def dig(payload: Any, path: Sequence[str] | str) -> Any:
    keys = [path] if isinstance(path, str) else list(path)
    node = payload
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _user(obj: Any, keys: Mapping[str, Any]) -> IgUser | None:
    if not isinstance(obj, Mapping):
        return None
    name = obj.get(keys["username"])
    if not isinstance(name, str) or not name:
        return None
    private = obj.get(keys["private"])
    return IgUser(username=name, user_id=str(obj.get(keys["user_id"], "")),
                  full_name=str(obj.get(keys["full_name"]) or ""),
                  private=private if isinstance(private, bool) else None)


def next_cursor(payload: Any, keys: Mapping[str, Any]) -> str | None:
    for path in keys["cursors"]:
        value = dig(payload, path)
        if value not in (None, ""):
            return str(value)
    for path in keys["next_urls"]:
        url = dig(payload, path)
        if isinstance(url, str) and url:
            query = parse_qs(urlsplit(url).query)
            for name in keys["cursor_params"]:
                if query.get(name):
                    return query[name][0]
            return url
    return None


def parse_profile(payload: Any, spec: Mapping[str, Any]) -> IgUser | None:
    """``/users/ID`` or ``web_profile_info``: the one user in ``data``."""
    keys = spec["json"]
    return _user(dig(payload, keys["data"]), keys)


def parse_user_list(payload: Any, spec: Mapping[str, Any]) -> UserPage:
    """Followers, following, likers, requested-by: a list of users plus a cursor."""
    keys = spec["json"]
    data = dig(payload, keys["data"])
    if not isinstance(data, list):
        return UserPage(layout_ok=False)
    users = [u for u in (_user(item, keys) for item in data) if u is not None]
    return UserPage(users=users, next_cursor=next_cursor(payload, keys))


def parse_comments(payload: Any, spec: Mapping[str, Any]) -> CommentPage:
    keys = spec["json"]
    data = dig(payload, keys["data"])
    if isinstance(data, Mapping) and "data" in data:  # a media object's "comments" block
        data = data.get("data")
    if not isinstance(data, list):
        return CommentPage(layout_ok=False)
    page = CommentPage(next_cursor=next_cursor(payload, keys))
    for item in data:
        if not isinstance(item, Mapping):
            continue
        author = _user(item.get(keys["comment_author"]), keys)
        text = item.get(keys["comment_text"])
        created = _seconds(item.get(keys["comment_time"])) if keys.get("comment_time") else None
        if author is not None and isinstance(text, str):
            page.comments.append(IgComment(author.username, author.full_name, text, created))
    return page


def parse_relationship(payload: Any, spec: Mapping[str, Any]) -> Relationship | None:
    keys = spec["json"]
    rel = keys["relationship"]
    data = dig(payload, keys["data"])
    if not isinstance(data, Mapping) or not isinstance(data.get(rel["outgoing"]), str):
        return None
    incoming = data.get(rel["incoming"])
    return Relationship(outgoing=data[rel["outgoing"]],
                        incoming=incoming if isinstance(incoming, str) else None, spec=rel)


def parse_media(payload: Any, spec: Mapping[str, Any]) -> IgMedia | None:
    """``/media/shortcode/CODE``: the post, its owner and counters."""
    keys = spec["json"]
    data = dig(payload, keys["data"])
    if not isinstance(data, Mapping) or not data.get("id"):
        return None
    owner = _user(data.get("user"), keys)
    likes: Mapping[str, Any] = data["likes"] if isinstance(data.get("likes"), Mapping) else {}
    comments: Mapping[str, Any] = (data["comments"] if isinstance(data.get("comments"), Mapping)
                                   else {})
    likers = tuple(u.username for u in (_user(x, keys) for x in likes.get("data") or []) if u)
    sample = parse_comments({keys["data"]: comments.get("data") or []}, spec).comments
    liked = data.get("user_has_liked")
    return IgMedia(
        media_id=str(data["id"]), owner=owner.username if owner else "",
        like_count=likes.get("count") if isinstance(likes.get("count"), int) else None,
        comment_count=(comments.get("count") if isinstance(comments.get("count"), int)
                       else None),
        user_has_liked=liked if isinstance(liked, bool) else None,
        sample_likers=likers, sample_comments=tuple(sample))


def api_wall(status: int, payload: Any, walls: Mapping[str, Mapping[str, Any]]
             ) -> tuple[str, str] | None:
    """(kind, reason) when an API answer is a login, challenge or rate-limit wall."""
    message = dig(payload, "message") if isinstance(payload, Mapping) else None
    for kind, wall in walls.items():
        if status in wall.get("api_status", []) or (
                isinstance(message, str) and message in wall.get("api_message", [])):
            return kind, str(wall["reason"])
    return None


def api_error_type(payload: Any, spec: Mapping[str, Any]) -> str | None:
    value = dig(payload, spec["json"]["error_type"])
    return value if isinstance(value, str) else None
