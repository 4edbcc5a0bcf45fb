"""Parsers for the JSON that GitHub's public REST API answers (api.github.com).

GitHub's own pages read the same API a third party may read without an
account, so the follow, star, comment, org-membership and account checks all
rest on these answers (truth order, DESIGN principle 1). The parsers are pure:
they take a status, headers and body, and say what they mean, so they are
tested against real captured answers (``shared/realdata/github``).

GitHub states presence with bare status codes on several endpoints: ``204 No
Content`` means "yes" (follows, is a public member) and ``404`` means "no".
Anything else is not an answer, and the caller must not turn it into a "no".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from verifier.forensics.comments import Comment

# An answer no longer in the shape the data file describes: the one stop every adapter
# raises for it ("layout changed: ..."), never a "no".
from verifier.platforms.visit import LayoutChanged, Walls

_LINK_RE = re.compile(r'<(?P<url>[^>]+)>\s*;\s*rel="(?P<rel>[^"]+)"')


@dataclass(frozen=True)
class ApiReply:
    """One HTTP answer as the page's ``fetch`` saw it (header names lower-cased)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    url: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The decoded body, or None when it is not JSON (an HTML wall, an empty 204)."""
        if not self.text:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def message(self) -> str:
        """GitHub's error ``message`` field, or ""."""
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body["message"])
        return ""


@dataclass(frozen=True)
class GitHubUser:
    login: str
    type: str  # User | Organization | Bot
    name: str | None = None
    id: int | None = None


def parse_link_header(value: str | None) -> dict[str, str]:
    """``Link: <url>; rel="next", <url>; rel="last"`` as ``{"next": url, "last": url}``."""
    links: dict[str, str] = {}
    for match in _LINK_RE.finditer(value or ""):
        for rel in match.group("rel").split():
            links.setdefault(rel, match.group("url"))
    return links


def page_number(url: str | None) -> int | None:
    """The ``page`` query parameter of a paging URL (page 1 when it has none)."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("page")
    if not values:
        return 1
    try:
        return int(values[0])
    except ValueError:
        return None


def presence(reply: ApiReply) -> bool | None:
    """204 = yes, 404 = no, anything else = no answer (None)."""
    if reply.status == 204:
        return True
    if reply.status == 404:
        return False
    return None


def _get(node: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def parse_logins(body: Any, login_path: Sequence[str] = ("login",)) -> list[str]:
    """Logins from a list of user objects (followers, following, stargazers, members).

    Raises ``LayoutChanged`` when the body is not a list of objects with a login:
    a list GitHub reshaped must never read as "the worker is not in it".
    """
    if not isinstance(body, list):
        raise LayoutChanged(f"expected a JSON list of users, got {type(body).__name__}")
    logins: list[str] = []
    for item in body:
        login = _get(item, login_path)
        if not isinstance(login, str):
            raise LayoutChanged("a user in the list has no '" + ".".join(login_path) + "'")
        logins.append(login)
    return logins


def parse_user(body: Any) -> GitHubUser:
    """``GET /users/NAME`` (or ``/orgs/NAME``): the account GitHub answered with."""
    if not isinstance(body, dict) or not isinstance(body.get("login"), str):
        raise LayoutChanged("the account JSON has no 'login'")
    kind = body.get("type") if isinstance(body.get("type"), str) else "User"
    name = body.get("name") if isinstance(body.get("name"), str) else None
    ident = body.get("id") if isinstance(body.get("id"), int) else None
    return GitHubUser(login=str(body["login"]), type=str(kind), name=name, id=ident)


def parse_comments(body: Any, user_path: Sequence[str] = ("user", "login"),
                   body_key: str = "body") -> list[Comment]:
    """``GET /repos/O/R/issues/N/comments``: each comment's author login and text."""
    if not isinstance(body, list):
        raise LayoutChanged(f"expected a JSON list of comments, got {type(body).__name__}")
    comments: list[Comment] = []
    for item in body:
        author = _get(item, user_path)
        text = item.get(body_key) if isinstance(item, dict) else None
        if not isinstance(author, str) or not isinstance(text, str):
            raise LayoutChanged("a comment has no '" + ".".join(user_path)
                                + f"' or '{body_key}'")
        comments.append(Comment(author=author, text=text))
    return comments


def parse_reactions(body: Any) -> list[tuple[str, str]]:
    """``GET /repos/O/R/issues/N/reactions``: (login, content) pairs such as ("x", "+1")."""
    if not isinstance(body, list):
        raise LayoutChanged("expected a JSON list of reactions")
    out: list[tuple[str, str]] = []
    for item in body:
        login = _get(item, ("user", "login"))
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(login, str) or not isinstance(content, str):
            raise LayoutChanged("a reaction has no 'user.login' or 'content'")
        out.append((login, content))
    return out


def find_login(logins: Sequence[str], wanted: str) -> str | None:
    """GitHub logins compare case-insensitively."""
    low = wanted.lower()
    return next((login for login in logins if login.lower() == low), None)


def wall_of(reply: ApiReply, walls: Walls) -> tuple[str, str] | None:
    """(kind, reason) when the answer is a wall (rate limit, login, captcha), else None.

    ``walls`` are those of ``data/github.yaml``: statuses, header values,
    message prefixes and page texts that mark each wall. A status counts only
    with a header or a message: GitHub answers 403 for other reasons too.
    """
    message = reply.message()
    for kind, spec in walls.walls.items():
        status_ok = not spec.status or reply.status in spec.status
        by_header = bool(spec.headers) and status_ok and all(
            (reply.header(k) or "") == str(v) for k, v in spec.headers.items())
        by_message = status_ok and any(message.startswith(m) for m in spec.messages)
        # Page texts only count on a non-JSON answer: a comment quoting a wall's
        # wording must not turn a readable list into a wall.
        by_text = reply.json() is None and any(t in reply.text for t in spec.text)
        if by_header or by_message or by_text:
            return kind, spec.reason
    return None


@dataclass
class Scan:
    """What paging through a user list found."""

    found: str | None = None
    pages: int = 0
    seen: int = 0
    complete: bool = False
    by_page: dict[int, list[Any]] = field(default_factory=dict)

    @property
    def items(self) -> list[Any]:
        """Everything read, in the list's own order (pages are read out of order)."""
        return [item for number in sorted(self.by_page) for item in self.by_page[number]]

    @property
    def summary(self) -> str:
        return f"{self.seen} over {self.pages} page(s)"


def earlier_only(comments: list[Comment], worker: str) -> list[Comment]:
    """The worker's comments and those before the first of them.

    A copy can only be of an earlier comment: whoever wrote the text first is
    not the copier, however many accounts repeat it after them.
    """
    low = worker.lower()
    first = next((i for i, c in enumerate(comments) if c.author.lower() == low), None)
    if first is None:
        return comments
    return [c for i, c in enumerate(comments) if i < first or c.author.lower() == low]
