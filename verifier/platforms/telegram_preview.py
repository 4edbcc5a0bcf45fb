"""A pure parser for Telegram's public web previews (``t.me/s/CHANNEL``) and
its discussion widget (``t.me/CHANNEL/POST?embed=1&discussion=1``).

Telegram's previews carry no JSON: the HTML document is itself what the page
fetched, so it is the first thing in the truth order and is read here with
the standard library's HTML parser (no browser needed, and the real capture
in ``shared/realdata/telegram`` parses the same way). Elements are found by
their ``tgme_*`` class names, which ``data/telegram.yaml`` lists, so a
renamed class is an edit there. A page that has none of them parses to an
empty ``Preview``, which the adapter reports as "layout changed".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

DEFAULT_CLASSES: dict[str, str] = {
    "message": "tgme_widget_message",
    "text": "tgme_widget_message_text",
    "author": "tgme_widget_message_author",
    "views": "tgme_widget_message_views",
    "channel_info": "tgme_channel_info",
    "channel_title": "tgme_channel_info_header_title",
    "channel_username": "tgme_channel_info_header_username",
    "counter": "tgme_channel_info_counter",
    "counter_value": "counter_value",
    "counter_type": "counter_type",
    "header_counter": "tgme_header_counter",
    "join": "tgme_channel_join_telegram",
    "error": "tgme_widget_message_error",
    "more": "tme_messages_more",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
_SPACES = re.compile(r"\s+")
_BR = "\x00"  # a <br>; source newlines are only whitespace in HTML


def _clean(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split(_BR)]
    return "\n".join(line for line in lines if line)


@dataclass
class Message:
    """A channel post or a comment in the discussion widget."""

    post: str = ""  # data-post: "channel/70989"
    comment_id: str = ""  # data-comment-id in the discussion widget
    author_name: str = ""
    author_url: str = ""
    text: str = ""
    views: str = ""
    datetime: str = ""

    @property
    def author_handle(self) -> str:
        """The username the author's link points at (``https://t.me/NAME``), or ""."""
        match = re.match(r"^(?:https?:)?//(?:t\.me|telegram\.me)/([A-Za-z0-9_]+)/?$",
                         self.author_url)
        return match.group(1) if match else ""

    def by(self, handle: str) -> bool:
        """Whether the author is ``handle`` (a username) or, without one, that display name."""
        wanted = handle.strip().lstrip("@").lower()
        if self.author_handle:
            return self.author_handle.lower() == wanted
        return bool(wanted) and self.author_name.strip().lower() == handle.strip().lower()


@dataclass
class Preview:
    title: str = ""
    username: str = ""
    counters: dict[str, str] = field(default_factory=dict)  # counter_type -> counter_value
    header_counter: str = ""  # "109K subscribers"
    join_label: str = ""  # the "Join" link a logged-out visitor gets
    messages: list[Message] = field(default_factory=list)
    error: str = ""  # e.g. "Post not found"
    more_before: str | None = None  # data-before of the "load older" link
    more_href: str | None = None

    @property
    def is_channel(self) -> bool:
        return bool(self.title or self.username)

    @property
    def comments(self) -> list[Message]:
        return [m for m in self.messages if m.comment_id]

    def post(self, key: str) -> Message | None:
        return next((m for m in self.messages if m.post.lower() == key.lower()
                     and not m.comment_id), None)


class _Parser(HTMLParser):
    def __init__(self, classes: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.by_class = {v: k for k, v in classes.items()}
        self.result = Preview()
        self.stack: list[tuple[str, list[str]]] = []  # (tag, roles opened here)
        self.buffers: dict[str, list[str]] = {}
        self.message: Message | None = None
        self.counter: dict[str, str] = {}
        self.nested: dict[str, int] = {}  # same-role elements inside an open one

    def _open(self, role: str) -> None:
        if role in self.buffers:  # t.me wraps a media post's text in a second text div
            self.nested[role] = self.nested.get(role, 0) + 1
            return
        self.buffers[role] = []

    def _text(self, role: str) -> str:
        return _clean("".join(self.buffers.pop(role, [])))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        roles = [self.by_class[c] for c in attr.get("class", "").split() if c in self.by_class]
        if tag == "br":
            for buf in self.buffers.values():
                buf.append(_BR)
        if tag == "a" and "author" in self.buffers and self.message and attr.get("href"):
            self.message.author_url = self.message.author_url or attr["href"]
        if tag == "time" and self.message is not None and attr.get("datetime"):
            self.message.datetime = attr["datetime"]
        for role in roles:
            if role == "message":
                self.message = Message(post=attr.get("data-post", ""),
                                       comment_id=attr.get("data-comment-id", ""))
            elif role == "more":
                self.result.more_before = attr.get("data-before") or None
                self.result.more_href = attr.get("href") or None
            elif role == "counter":
                self.counter = {}
            self._open(role)
        if tag not in VOID:
            self.stack.append((tag, roles))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        for buf in self.buffers.values():
            buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not any(t == tag for t, _r in self.stack):
            return
        while self.stack:
            open_tag, roles = self.stack.pop()
            for role in reversed(roles):
                self._close(role)
            if open_tag == tag:
                break

    def _close(self, role: str) -> None:
        if self.nested.get(role):
            self.nested[role] -= 1
            return
        value = self._text(role)
        result, message = self.result, self.message
        if role == "message" and message is not None:
            result.messages.append(message)
            self.message = None
        elif role == "text" and message is not None:
            message.text = value
        elif role == "author" and message is not None:
            message.author_name = value
        elif role == "views" and message is not None:
            message.views = value
        elif role == "channel_title":
            result.title = value
        elif role == "channel_username":
            result.username = value.lstrip("@")
        elif role in ("counter_value", "counter_type"):
            self.counter[role] = value
        elif role == "counter" and self.counter.get("counter_type"):
            result.counters[self.counter["counter_type"]] = self.counter.get("counter_value", "")
        elif role == "header_counter":
            result.header_counter = value
        elif role == "join":
            result.join_label = value
        elif role == "error":
            result.error = value


def parse_preview(html: str, classes: Mapping[str, str] | None = None) -> Preview:
    """Channel info, posts and comments from a t.me preview or discussion page."""
    parser = _Parser({**DEFAULT_CLASSES, **(classes or {})})
    parser.feed(html)
    parser.close()
    return parser.result
