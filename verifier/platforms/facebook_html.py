"""Pure parsers for the m.facebook.com pages a third party can read.

Facebook's mobile site renders its pages on the server: the comments, the
reactions list, the sharers list and the group members list are all in the
HTML the page fetched, with the counts in an ``MLiveData`` script and the
comments again (with each author's profile URL) in a schema.org ``ld+json``
block. These functions read that HTML; they know no selector themselves:
every class name, ``data-sigil`` and pattern comes from ``data/facebook.yaml``
(the ``spec`` argument) so an operator can follow a markup change there.

A parser that does not find what the spec says must be there returns
``layout_ok=False`` rather than an empty result, so the adapter can say
"layout changed" instead of failing a worker on a page it did not understand.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from verifier.platforms.comment_times import absolute_time, relative_time
from verifier.platforms.mini_dom import Node, Selector, parse_html

# -- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class FbComment:
    author: str  # display name as shown
    text: str
    handle: str | None = None  # profile username from a link or the ld+json author URL
    comment_id: str = ""
    # When it was written (verifier.comments.Comment): the ld+json dateCreated is exact
    # (span 0); the <abbr> age ("2 hrs") is a bucket that long, ending at ``when``.
    when: float | None = None
    span: float = 0.0


@dataclass(frozen=True)
class FbPerson:
    name: str
    handle: str | None  # username or profile.php id from the row's link

    def is_(self, wanted: str) -> bool:
        w = wanted.strip().lstrip("@").casefold()
        return w in {self.name.casefold(), (self.handle or "").casefold()}


@dataclass
class FbPost:
    post_id: str
    layout_ok: bool = True
    like_count: int | None = None
    comment_count: int | None = None
    share_count: int | None = None
    has_viewer_liked: bool | None = None
    like_sentence: str = ""
    comments: list[FbComment] = field(default_factory=list)
    next_comments_url: str | None = None


@dataclass
class PeoplePage:
    layout_ok: bool = True
    people: list[FbPerson] = field(default_factory=list)
    next_url: str | None = None
    title: str = ""

    def find(self, wanted: str) -> FbPerson | None:
        return next((p for p in self.people if p.is_(wanted)), None)


@dataclass
class FbGroup:
    layout_ok: bool = True
    name: str = ""
    join_button: bool = False
    joined: bool = False
    post_authors: list[str] = field(default_factory=list)


# -- helpers -------------------------------------------------------------------------


def _js_unescape(s: str) -> str:
    """A JavaScript string literal's body (``\\x3C``, ``\\u00e9``, ``\\"``, ``\\/``)."""
    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "xu":
            return chr(int(esc[1:], 16))
        return {"n": "\n", "t": "\t", "r": ""}.get(esc, esc)
    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", repl, s)


def _strip_tags(fragment: str) -> str:
    return parse_html(fragment).text()


def handle_from_href(href: str | None, reserved: frozenset[str] = frozenset()) -> str | None:
    """``/ayleen.castanon.1?refid=52`` -> ``ayleen.castanon.1``; profile.php -> its id."""
    if not href:
        return None
    parts = urlsplit(htmllib.unescape(href))
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    if segments[0] == "profile.php":
        match = re.search(r"(?:^|&)id=(\d+)", parts.query)
        return match.group(1) if match else None
    if segments[0] in reserved or segments[0].endswith(".php"):
        return None
    return segments[0]


def _digits(text: str) -> int | None:
    match = re.search(r"\d[\d,.\u00a0]*", text)
    if not match:
        return None
    raw = re.sub(r"[^\d]", "", match.group(0))
    return int(raw) if raw else None


def live_data(markup: str, spec: Mapping[str, Any], post_id: str) -> dict[str, Any] | None:
    """The ``MLiveData`` counters of ``post_id`` (a JavaScript object, not JSON)."""
    for match in re.finditer(spec["live_data"]["pattern"], markup, re.S):
        if match.group("id") != post_id:
            continue
        body = match.group("body")
        found: dict[str, Any] = {}
        for key, pattern in spec["live_data"]["fields"].items():
            m = re.search(pattern, body, re.S)
            if m:
                found[key] = m.group(1)
        return found
    return None


def ld_json_comments(markup: str, spec: Mapping[str, Any]) -> dict[str, FbComment]:
    """schema.org comments by identifier: they carry the author's profile URL and
    the exact time the comment was written (``dateCreated``), when listed."""
    out: dict[str, FbComment] = {}
    for block in re.findall(spec["ld_json"]["pattern"], markup, re.S):
        try:
            data = json.loads(block)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        for item in data.get("comment") or []:
            if not isinstance(item, dict):
                continue
            author = item.get("author") or {}
            url = str(author.get("url") or "")
            handle = handle_from_href(urlsplit(url).path) if url else None
            ident = str(item.get("identifier") or "")
            date = item.get(spec["ld_json"].get("comment_date", "dateCreated"))
            out[ident] = FbComment(author=str(author.get("name") or ""),
                                   text=str(item.get("text") or ""), handle=handle,
                                   comment_id=ident,
                                   when=absolute_time(date) if isinstance(date, str) else None)
    return out


# -- pages ---------------------------------------------------------------------------


def parse_post(markup: str, post_id: str, spec: Mapping[str, Any],
               now: float | None = None) -> FbPost:
    """A post, photo or group permalink page: counts and the visible comments.

    Each comment's time is its ld+json ``dateCreated`` when listed there, else
    its ``<abbr>`` age counted back from ``now`` (the moment the page was
    fetched; the current time when not given).
    """
    sel = spec["selectors"]
    post = FbPost(post_id=post_id)
    root = parse_html(markup)
    ufi = root.find({"id": f"{sel['ufi_id_prefix']}{post_id}"}) or root.find(
        {"id_prefix": sel["ufi_id_prefix"]})
    live = live_data(markup, spec, post_id)
    if ufi is None and live is None:
        post.layout_ok = False
        return post
    if live:
        post.like_count = int(live["like_count"]) if "like_count" in live else None
        post.comment_count = int(live["comment_count"]) if "comment_count" in live else None
        post.share_count = int(live["share_count"]) if "share_count" in live else None
        if "has_viewer_liked" in live:
            post.has_viewer_liked = live["has_viewer_liked"] == "true"
        if "like_sentence" in live:
            post.like_sentence = _strip_tags(_js_unescape(live["like_sentence"]))
    if ufi is None:
        return post
    sharers = ufi.find(sel["sharers"])
    if sharers is not None and post.share_count is None:
        post.share_count = _digits(sharers.text())
    sentence = ufi.find({"id": f"{sel['like_sentence_id_prefix']}{post_id}"})
    if sentence is not None and not post.like_sentence:
        post.like_sentence = sentence.text()
    known = ld_json_comments(markup, spec)
    reserved = frozenset(spec.get("reserved_paths", []))
    for node in ufi.find_all(sel["comment"]):
        author_node = node.find(sel["comment_author"])
        body = node.find(sel["comment_body"])
        if author_node is None or body is None:
            continue
        link = author_node.find({"tag": "a"})
        handle = handle_from_href(link.attrs.get("href") if link else None, reserved)
        cid = body.attrs.get("data-commentid", "") or node.attrs.get("id", "")
        full = cid if "_" in cid else f"{post_id}_{cid}"
        extra = known.get(full)
        if handle is None and extra is not None:
            handle = extra.handle
        when, span = extra.when if extra is not None else None, 0.0
        age = node.find(sel["comment_time"]) if "comment_time" in sel else None
        if when is None and age is not None:
            when, span = relative_time(age.text(), spec.get("relative_time", {}),
                                       time.time() if now is None else now) or (None, 0.0)
        post.comments.append(FbComment(author=author_node.text(), text=body.text(),
                                       handle=handle, comment_id=full, when=when, span=span))
    more = root.find({"id": f"{sel['more_comments_id_prefix']}{post_id}"})
    link = more.find({"tag": "a"}) if more is not None else None
    if link is not None and link.attrs.get("href"):
        post.next_comments_url = htmllib.unescape(link.attrs["href"])
    return post


def _people(container: Node, row: Selector, reserved: frozenset[str]) -> list[FbPerson]:
    people: list[FbPerson] = []
    for node in container.find_all(row):
        link = node.find({"tag": "a"})
        strong = node.find({"tag": "strong"})
        name = (strong or link or node).text()
        if not name:
            continue
        people.append(FbPerson(name=name, handle=handle_from_href(
            link.attrs.get("href") if link else None, reserved)))
    return people


def parse_people(markup: str, kind: str, spec: Mapping[str, Any]) -> PeoplePage:
    """The reactions, shares or group members list (``kind`` names the spec entry)."""
    lists = spec["lists"][kind]
    root = parse_html(markup)
    reserved = frozenset(spec.get("reserved_paths", []))
    title_node = root.find({"tag": "title"})
    page = PeoplePage(title=title_node.text() if title_node else "")
    container = root.find(lists["container"])
    if container is None:
        page.layout_ok = False
        return page
    page.people = _people(container, lists["row"], reserved)
    pager = root.find(lists["pager"])
    link = pager.find({"tag": "a"}) if pager is not None else None
    if link is not None and link.attrs.get("href"):
        page.next_url = htmllib.unescape(link.attrs["href"])
    return page


def parse_pager_payload(text: str, kind: str, spec: Mapping[str, Any]) -> PeoplePage:
    """A ``for (;;);{...}`` answer to a list's "see more" link (append + replace actions)."""
    lists = spec["lists"][kind]
    prefix = spec["ajax_prefix"]
    body = text.strip()
    body = body[len(prefix):] if body.startswith(prefix) else body
    page = PeoplePage()
    try:
        data = json.loads(body)
        actions = data["payload"]["actions"]
    except (ValueError, KeyError, TypeError):
        page.layout_ok = False
        return page
    reserved = frozenset(spec.get("reserved_paths", []))
    for action in actions if isinstance(actions, list) else []:
        fragment = parse_html(str(action.get("html", "")))
        if action.get("cmd") == "append":
            page.people.extend(_people(fragment, lists["row"], reserved))
        elif action.get("cmd") == "replace":
            pager = fragment.find(lists["pager"])
            link = pager.find({"tag": "a"}) if pager is not None else None
            if link is not None and link.attrs.get("href"):
                page.next_url = htmllib.unescape(link.attrs["href"])
    return page


def parse_group(markup: str, spec: Mapping[str, Any]) -> FbGroup:
    """A group's main page: its name, the viewer's Join button and who posted."""
    sel = spec["selectors"]
    root = parse_html(markup)
    name = root.find(sel["group_name"])
    if name is None:
        return FbGroup(layout_ok=False)
    group = FbGroup(name=name.text())
    group.join_button = root.find(sel["join_button"]) is not None
    group.joined = root.find(sel["joined_button"]) is not None
    for story in root.find_all(sel["story"]):
        # A shared post carries its original author's header inside the story too.
        for header in story.find_all(sel["story_actor"]):
            strong = header.find({"tag": "strong"})
            if strong is not None and strong.text() not in group.post_authors:
                group.post_authors.append(strong.text())
    return group


def page_title(markup: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", markup, re.S | re.I)
    return " ".join(htmllib.unescape(match.group(1)).split()) if match else ""


def detect_wall(markup: str, walls: Mapping[str, Mapping[str, Any]]) -> tuple[str, str] | None:
    """(kind, reason) when the page is a login, checkpoint or block page."""
    title = page_title(markup)
    text = parse_html(markup).text() if markup else ""
    for kind, wall in walls.items():
        if any(t.casefold() == title.casefold() for t in wall.get("title", [])):
            return kind, str(wall["reason"])
        if any(t in text for t in wall.get("text", [])):
            return kind, str(wall["reason"])
        if any(t in markup for t in wall.get("markup", [])):
            return kind, str(wall["reason"])
    return None
