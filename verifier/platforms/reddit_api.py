"""Parsers for Reddit's JSON (the OAuth API and the ``.json`` views: the same shapes).

Reddit shows a third party a post's comment tree and whether an account
exists; it hides votes, follows and subreddit membership (DESIGN table). The
comment tree is what ``https://www.reddit.com/comments/ID.json`` answers: a
pair of Listings, the post then its comments, each comment carrying its
``replies`` as another Listing (or ``""`` when it has none) and long threads
cut short by ``more`` stubs. The parsers are pure and tested against the
cassettes PRAW recorded (``shared/realdata/reddit``, and the 2025 OAuth
answers in ``shared/realdata/current/reddit``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# An answer no longer in the shape the data file describes: the one stop every adapter
# raises for it ("layout changed: ..."), never a "no".
from verifier.platforms.visit import LayoutChanged, Walls


@dataclass(frozen=True)
class HttpReply:
    """One HTTP answer as the page's ``fetch`` saw it (header names lower-cased)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    url: str = ""

    def json(self) -> Any:
        """The decoded body, or None when it is not JSON (an HTML wall or login page)."""
        if not self.text:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None


@dataclass(frozen=True)
class RedditComment:
    id: str
    author: str
    body: str
    parent_id: str
    depth: int
    created_utc: float | None = None


@dataclass
class RedditThread:
    post_id: str
    title: str
    author: str
    subreddit: str
    num_comments: int | None
    comments: list[RedditComment] = field(default_factory=list)
    hidden: int = 0  # comments Reddit left behind "more" stubs

    def by(self, author: str) -> list[RedditComment]:
        low = author.lower()
        return [c for c in self.comments if c.author.lower() == low]


@dataclass(frozen=True)
class RedditAccount:
    name: str
    id: str | None
    suspended: bool = False


def _listing_children(node: Any, where: str) -> list[Any]:
    if not isinstance(node, dict) or node.get("kind") != "Listing":
        raise LayoutChanged(f"{where} is not a Listing")
    children = (node.get("data") or {}).get("children")
    if not isinstance(children, list):
        raise LayoutChanged(f"{where} has no data.children list")
    return children


@dataclass(frozen=True)
class ThreadKeys:
    """Where a comment keeps its author, text and replies (``json`` in data/reddit.yaml)."""

    author: str = "author"
    body: str = "body"
    replies: str = "replies"


def _walk(children: list[Any], depth: int, thread: RedditThread,
          keys: ThreadKeys) -> Iterator[RedditComment]:
    for child in children:
        kind = child.get("kind") if isinstance(child, dict) else None
        data = child.get("data") if isinstance(child, dict) else None
        if not isinstance(data, dict):
            raise LayoutChanged("a comment-tree child has no data")
        if kind == "more":
            count = data.get("count")
            thread.hidden += int(count) if isinstance(count, int) and count > 0 else \
                len(data.get("children") or [])
            continue
        if kind != "t1":
            raise LayoutChanged(f"unexpected {kind!r} in the comment tree")
        author, body = data.get(keys.author), data.get(keys.body)
        if not isinstance(author, str) or not isinstance(body, str):
            raise LayoutChanged(f"a comment has no '{keys.author}' or '{keys.body}'")
        created = data.get("created_utc")
        yield RedditComment(
            id=str(data.get("id", "")), author=author, body=body,
            parent_id=str(data.get("parent_id", "")),
            depth=int(data["depth"]) if isinstance(data.get("depth"), int) else depth,
            created_utc=float(created) if isinstance(created, int | float) else None)
        replies = data.get(keys.replies)
        if isinstance(replies, dict):
            yield from _walk(_listing_children(replies, "a comment's replies"), depth + 1,
                             thread, keys)
        elif replies not in ("", None):
            raise LayoutChanged("a comment's 'replies' is neither a Listing nor empty")


def parse_thread(payload: Any, keys: ThreadKeys | None = None) -> RedditThread:
    """``/comments/ID.json``: the post and every comment in it, replies included."""
    if not isinstance(payload, list) or len(payload) != 2:
        raise LayoutChanged("expected a pair of Listings [post, comments]")
    posts = _listing_children(payload[0], "the post Listing")
    if not posts or not isinstance(posts[0], dict) or posts[0].get("kind") != "t3":
        raise LayoutChanged("the post Listing holds no t3 post")
    post = posts[0].get("data") or {}
    if not isinstance(post.get("id"), str) or not isinstance(post.get("author"), str):
        raise LayoutChanged("the post has no 'id' or 'author'")
    count = post.get("num_comments")
    thread = RedditThread(post_id=post["id"], title=str(post.get("title", "")),
                          author=post["author"], subreddit=str(post.get("subreddit", "")),
                          num_comments=count if isinstance(count, int) else None)
    thread.comments = list(_walk(_listing_children(payload[1], "the comment Listing"), 0,
                                 thread, keys or ThreadKeys()))
    if thread.num_comments and not thread.comments and not thread.hidden:
        # A "not there" read off an answer we could not read would be a false fail.
        raise LayoutChanged(f"the post counts {thread.num_comments} comments but none could "
                            "be read from the answer")
    return thread


def in_time_order(comments: list[RedditComment]) -> list[RedditComment]:
    """Oldest first (tree order where Reddit gives no time), for copy detection."""
    indexed = list(enumerate(comments))
    indexed.sort(key=lambda pair: (pair[1].created_utc if pair[1].created_utc is not None
                                   else float("inf"), pair[0]))
    return [c for _i, c in indexed]


def parse_about(body: Any) -> RedditAccount:
    """``/user/NAME/about.json`` answered 200: the account, suspended or not."""
    if not isinstance(body, dict) or body.get("kind") != "t2":
        raise LayoutChanged("the account JSON is not a t2 thing")
    data = body.get("data") or {}
    if not isinstance(data.get("name"), str):
        raise LayoutChanged("the account JSON has no data.name")
    ident = data.get("id")
    return RedditAccount(name=data["name"], id=str(ident) if ident else None,
                         suspended=bool(data.get("is_suspended")))


def parse_username_available(body: Any) -> bool:
    """``/api/username_available.json``: True = free (no such account), False = taken."""
    if not isinstance(body, bool):
        raise LayoutChanged("username_available did not answer true or false")
    return body


def error_reason(body: Any) -> str | None:
    """Reddit's machine-readable error, e.g. ``USER_DOESNT_EXIST`` (None if absent)."""
    if isinstance(body, dict) and isinstance(body.get("reason"), str):
        return str(body["reason"])
    return None


def account_missing(status: int, body: Any) -> bool:
    """An answer that says the account does not exist (404, or 400 USER_DOESNT_EXIST)."""
    return status == 404 or (status == 400 and error_reason(body) == "USER_DOESNT_EXIST")


def wall_of(reply: HttpReply, walls: Walls) -> tuple[str, str] | None:
    """(kind, reason) when the answer is a Reddit wall, else None.

    Walls are HTML (Reddit's "whoa there, pardner!" rate limit, its network
    block page, the login page a redirect lands on); a JSON answer never is,
    and a status alone is a wall only where the data file says ``status_alone``.
    """
    if reply.json() is not None:
        return None
    for kind, spec in walls.walls.items():
        by_status = reply.status in spec.status
        by_text = any(t.lower() in reply.text.lower() for t in spec.text)
        if by_text or (by_status and spec.status_alone):
            return kind, spec.reason
    return None
