"""A small DOM for server-rendered pages, built with the standard library's parser.

m.facebook.com renders everything on the server and ships deferred parts
inside ``<code><!-- ... --></code>``; this tree and its attribute-token
selectors (``{"tag": "div", "class": "_2b05", "data-sigil": "comment"}``)
are all its parsers need, with no third-party HTML library.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
Selector = Mapping[str, str]


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        """This node and every element below it, in document order."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(c for c in reversed(node.children) if isinstance(c, Node))

    def text(self) -> str:
        parts: list[str] = []
        stack: list[Node | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
            elif item.tag not in ("script", "style"):
                stack.extend(reversed(item.children))
        return " ".join("".join(parts).split())

    def find_all(self, selector: Selector) -> list[Node]:
        return [n for n in self.iter() if matches(n, selector)]

    def find(self, selector: Selector) -> Node | None:
        return next((n for n in self.iter() if matches(n, selector)), None)


def matches(node: Node, selector: Selector) -> bool:
    """``{"tag": "div", "class": "_2b05", "data-sigil": "comment", "id_prefix": "x"}``.

    Attribute values match as whitespace-separated tokens (``data-sigil``
    holds several words), ``id`` and ``id_prefix`` against the whole id.
    """
    for key, want in selector.items():
        if key == "tag":
            if node.tag != want:
                return False
        elif key == "id":
            if node.attrs.get("id") != want:
                return False
        elif key == "id_prefix":
            if not node.attrs.get("id", "").startswith(want):
                return False
        else:
            value = node.attrs.get(key)
            if value is None or want not in value.split():
                return False
    return True


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack: list[Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(markup: str) -> Node:
    """The document tree; Facebook ships deferred content inside ``<code><!-- ... --></code>``,
    so comment markers are dropped first (as facebook-scraper does) to parse that too."""
    builder = _Builder()
    builder.feed(markup.replace("<!--", "").replace("-->", ""))
    builder.close()
    return builder.root
