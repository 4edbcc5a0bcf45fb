"""Facebook: comments on the public post page, and the lists only a logged-in
account can open (reactions, sharers, group members).

DESIGN table: follow P (Facebook does not show who follows a profile), like S
(the reactions list), comment L (public post page, logged out), share S (the
sharers list), join S (the group's members list). Every page is read on
m.facebook.com, whose HTML is rendered on the server: the HTML the browser
fetched is what the check parses (``facebook_html``), and a screenshot of the
same page is the evidence. Facebook shows display names, not usernames, so a
worker is found by either: the proof's handle may be "Ayesha Rahman" or
"ayesha.rahman".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from verifier.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms import facebook_html as fh
from verifier.platforms.base import Adapter, LiveEnv, Target, TargetError, load_platform_data

ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
NAME_RE = re.compile(r"^[A-Za-z0-9.\-_]{1,80}$")
LIST_ACTIONS = {"like": "reactions", "share": "shares", "join": "members"}
LIST_WORDS = {"reactions": "reactions list", "shares": "list of people who shared it",
              "members": "members list"}


class PageError(Exception):
    """The page could not be read: a wall, a timeout, a changed layout."""


class FacebookAdapter(Adapter):
    platform = "facebook"

    def __init__(self) -> None:
        self.data = load_platform_data("facebook")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.short_hosts = {h.lower() for h in self.data["short_hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.base = self.data["mobile_base"]

    # -- targets -----------------------------------------------------------------------
    def _page(self, name: str, **values: str) -> str:
        return self.base + self.data["pages"][name].format(**values)

    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts | self.short_hosts:
            raise TargetError(f"{url!r} is not a Facebook URL (expected https://www.facebook.com/"
                              "PAGE/posts/ID, a group or a profile)")
        segments = [s for s in parts.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
        if host in self.short_hosts:
            if len(segments) != 1 or not ID_RE.match(segments[0]):
                raise TargetError(f"{url!r} is not an fb.watch video link")
            return Target("facebook", "post", segments[0], f"https://{host}/{segments[0]}/")
        if not segments:
            raise TargetError(f"{url!r} names no Facebook post, group or profile")
        first = segments[0].lower()
        if first in ("story.php", "permalink.php"):
            post, owner = query.get("story_fbid", ""), query.get("id", "")
            if not ID_RE.match(post) or not ID_RE.match(owner):
                raise TargetError(f"{url!r} lacks story_fbid and id")
            return Target("facebook", "post", post, self._page("post", post=post, owner=owner),
                          owner=owner)
        if first in ("photo.php", "photo"):
            return self._single(url, query.get("fbid", ""), "photo")
        if first == "watch" or first == "video.php":
            return self._single(url, query.get("v", ""), "video")
        if first == "groups":
            return self._group(url, segments)
        if first == "profile.php":
            pid = query.get("id", "")
            if not pid.isdigit():
                raise TargetError(f"{url!r} lacks a numeric profile id")
            return Target("facebook", "account", pid, f"{self.base}/profile.php?id={pid}")
        if first in self.reserved or not NAME_RE.match(segments[0]):
            raise TargetError(f"{url!r} does not name a Facebook post, group or profile")
        owner = segments[0]
        if len(segments) >= 3 and segments[1] in ("posts", "videos", "photos"):
            post = segments[-1]
            if not ID_RE.match(post):
                raise TargetError(f"{post!r} in {url!r} is not a Facebook post id")
            if segments[1] == "posts":
                return Target("facebook", "post", post,
                              self._page("post", post=post, owner=owner), owner=owner)
            kind = "photo" if segments[1] == "photos" else "video"
            return Target("facebook", "post", post, self._page(kind, post=post), owner=owner)
        if len(segments) == 1:
            return Target("facebook", "account", owner, f"{self.base}/{owner}")
        raise TargetError(f"{url!r} is not a Facebook post, group or profile URL")

    def _single(self, url: str, post: str, kind: str) -> Target:
        if not ID_RE.match(post):
            raise TargetError(f"{url!r} lacks the {kind}'s id")
        return Target("facebook", "post", post, self._page(kind, post=post))

    def _group(self, url: str, segments: list[str]) -> Target:
        if len(segments) < 2 or not ID_RE.match(segments[1]):
            raise TargetError(f"{url!r} names no Facebook group")
        group = segments[1]
        if len(segments) >= 4 and segments[2] in ("permalink", "posts"):
            post = segments[3]
            if not ID_RE.match(post):
                raise TargetError(f"{post!r} in {url!r} is not a group post id")
            return Target("facebook", "post", post,
                          self._page("group_post", group=group, post=post), owner=None)
        return Target("facebook", "group", group, f"{self.base}/groups/{group}")

    # -- live checks -------------------------------------------------------------------
    def live_check(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        action = proof.task.action
        name = f"live.{action}"
        if action in ("follow", "subscribe"):
            return Check(name=name, outcome="skipped",
                         detail="Facebook does not show who follows a profile to a third party; "
                                "the proof screenshot decides")
        worker = (proof.worker.handle or "").strip().lstrip("@")
        if not worker:
            return self.unknown(name, "the proof gives no Facebook name or username for the "
                                      "worker, so the action cannot be looked up")
        wanted = "group" if action == "join" else "post"
        if action not in ("comment", *LIST_ACTIONS):
            return self.unknown(name, f"Facebook has no {action} action this verifier can check")
        if target.kind != wanted:
            return self.unknown(name, f"a {action} task needs a Facebook {wanted} URL, "
                                      f"got a {target.kind}")
        if action == "comment":
            return self._check_comment(name, worker, proof, target, env)
        if env.pool.session_file("facebook") is None:
            return self.unknown(name, f"Facebook shows the {LIST_WORDS[LIST_ACTIONS[action]]} "
                                      "only to a logged-in account and no checker session for "
                                      "facebook is configured")
        return self._check_list(name, action, worker, target, env)

    def _open(self, page: Page, url: str) -> str:
        """Go to ``url``; the HTML the server sent, or ``PageError`` for a wall."""
        try:
            response = page.goto(url, wait_until="domcontentloaded")
        except PlaywrightTimeout as exc:
            raise PageError(f"Facebook did not answer {url} in time") from exc
        except Exception as exc:
            raise PageError(f"Facebook could not be opened at {url}: {exc}") from exc
        try:
            markup = response.text() if response is not None else page.content()
        except Exception:
            markup = page.content()
        self._raise_for_wall(markup, url)
        return markup

    def _raise_for_wall(self, markup: str, url: str) -> None:
        wall = fh.detect_wall(markup, self.data["walls"])
        if wall is not None:
            raise PageError(wall[1])
        title = fh.page_title(markup)
        nf = self.data["not_found"]
        if title in nf["title"] or any(t in markup for t in nf["text"]):
            raise PageError(f"Facebook says the page {url} is not available (deleted, private "
                            "or a wrong link)")

    def _shot(self, page: Page, env: LiveEnv, evidence: list[str]) -> None:
        try:
            evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
        except Exception:
            return

    def _check_comment(self, name: str, worker: str, proof: Proof, target: Target,
                       env: LiveEnv) -> Check:
        evidence: list[str] = []
        comments: list[fh.FbComment] = []
        pages = 0
        truncated = False
        with env.pool.context(None) as (ctx, info):
            page = ctx.new_page()
            url: str | None = target.url
            try:
                while url:
                    markup = self._open(page, url)
                    if pages == 0:
                        self._shot(page, env, evidence)
                    post = fh.parse_post(markup, target.key, self.data)
                    if not post.layout_ok:
                        return self.unknown(name, "layout changed: the post page at "
                                                  f"{url} has no comment section", evidence)
                    pages += 1
                    comments.extend(post.comments)
                    if any(_by(c, worker) for c in post.comments):
                        if pages > 1:
                            self._shot(page, env, evidence)
                        break
                    url = urljoin(url, post.next_comments_url) if post.next_comments_url else None
                    if url and pages >= env.settings.max_list_pages:
                        truncated = True
                        break
            except PageError as exc:
                return self.unknown(name, f"{exc}; the comment could not be checked", evidence)
            if info.blocked:
                evidence.append(env.evidence.put_text("\n".join(info.blocked)))
        own = [c for c in comments if _by(c, worker)]
        if not own and truncated:
            return self.unknown(name, f"no comment by {worker} among the first {len(comments)} "
                                      f"comments ({pages} pages) and the post has more",
                                evidence)
        evidence.append(env.evidence.put_json({
            "post": target.key, "pages": pages,
            "worker_comments": [{"author": c.author, "handle": c.handle, "text": c.text}
                                for c in own]}))
        # Each comment's time (ld+json dateCreated, else its age) tells who wrote first, so
        # only the later of two same comments is a copy; a tie or no time flags both.
        judged = [Comment(author=worker if c in own else c.author, text=c.text, when=c.when,
                          span=c.span) for c in comments]
        return judge_comment(name, [worker], judged, proof.task,
                             f"the Facebook post {target.key}", evidence)

    def _check_list(self, name: str, action: str, worker: str, target: Target,
                    env: LiveEnv) -> Check:
        kind = LIST_ACTIONS[action]
        what = LIST_WORDS[kind]
        url = (self._page(kind, group=target.key) if kind == "members"
               else self._page(kind, post=target.key))
        where = f"the group {target.key}" if kind == "members" else f"the post {target.key}"
        evidence: list[str] = []
        seen, pages = 0, 0
        found: fh.FbPerson | None = None
        with env.pool.context("facebook") as (ctx, info):
            page = ctx.new_page()
            try:
                markup = self._open(page, url)
                self._shot(page, env, evidence)
                result = fh.parse_people(markup, kind, self.data)
                while True:
                    if not result.layout_ok:
                        return self.unknown(name, f"layout changed: the {what} of {where} was "
                                                  "not found on the page", evidence)
                    pages += 1
                    seen += len(result.people)
                    found = result.find(worker)
                    if found is not None or not result.next_url:
                        break
                    if pages >= env.settings.max_list_pages:
                        return self.unknown(name, f"{worker} was not among the first {seen} "
                                                  f"people of the {what} of {where}, which goes "
                                                  "on past the page limit", evidence)
                    url = urljoin(page.url, result.next_url)
                    result = self._next_people(page, url, kind)
            except PageError as exc:
                return self.unknown(name, f"{exc}; the {action} could not be checked", evidence)
            if info.blocked:
                evidence.append(env.evidence.put_text("\n".join(info.blocked)))
        counted = f"{seen} people over {pages} page(s)"
        if found is not None:
            evidence.append(env.evidence.put_json({"list": kind, "target": target.key,
                                                   "name": found.name, "handle": found.handle}))
            verb = {"like": "reacted to", "share": "shared", "join": "is a member of"}[action]
            return Check(name=name, outcome="pass", evidence=evidence,
                         detail=f"{worker} {verb} {where}: found as {found.name} in its {what} "
                                f"({counted})")
        return Check(name=name, outcome="fail", evidence=evidence,
                     detail=f"{worker} is not in the {what} of {where} ({counted})")

    def _next_people(self, page: Page, url: str, kind: str) -> fh.PeoplePage:
        """The next page of a list: reactions load it by XHR, the others are plain links."""
        if kind == "reactions":
            try:
                text: Any = page.evaluate(
                    "async (u) => { const r = await fetch(u, {credentials: 'include'});"
                    " return r.text(); }", url)
            except Exception as exc:
                raise PageError(f"Facebook did not load more of the list: {exc}") from exc
            self._raise_for_wall(str(text), url)
            return fh.parse_pager_payload(str(text), kind, self.data)
        return fh.parse_people(self._open(page, url), kind, self.data)


def _same(a: str, b: str) -> bool:
    return a.strip().lstrip("@").casefold() == b.strip().lstrip("@").casefold()


def _by(comment: fh.FbComment, worker: str) -> bool:
    """Facebook shows display names; the ld+json and links add the username."""
    return _same(comment.author, worker) or bool(comment.handle and _same(comment.handle, worker))
