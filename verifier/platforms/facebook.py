"""Facebook: the checks www.facebook.com lets a third party make today.

m.facebook.com's server-rendered markup is gone (m. redirects to www, mbasic
closed in 2024). A www page renders from the relay data it carries in its
script tags; that data is what the checks read (``facebook_relay``), and a
screenshot of the page is the evidence.

DESIGN table, and what real captures confirm (``realdata/current/facebook``,
www pages logged in, July/Aug 2023):

- comment (L): the post's ``Comment`` nodes (author name and profile URL,
  text, creation time) and its counters. Read logged out, or with the
  checker session when one is configured (the captures were logged in).
- like (S), share (S): the post's counters are confirmed, but *who* reacted
  or shared is in no real capture, so the check says "format not confirmed"
  (``unknown``) after confirming the post, never ``pass`` or ``fail``.
- join (S): no capture of a www group page or members list exists: the same.
- follow (P): Facebook does not show who follows a profile to a third party.

A ``fail`` needs a page the adapter understood: a post whose counters say it
has comments but whose relay data yields none is a changed layout, and a
comment list that goes on past what the page carries is not searched
further (its pagination query is in no capture either).
Facebook shows display names, not usernames, so a worker is found by either:
the proof's handle may be "Ayesha Rahman" or "ayesha.rahman".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from selectolax.lexbor import LexborHTMLParser

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms import facebook_relay as fr
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
)
from verifier.platforms.visit import LayoutChanged, Refused, Seen, Stop, Visit, Wall, Walls

ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
NAME_RE = re.compile(r"^[A-Za-z0-9.\-_]{1,80}$")
UNCONFIRMED = {
    "like": "who reacted to a post (the reactions list)",
    "share": "who shared a post (the list of shares)",
    "join": "who is a member of a group (the members list)",
}


class FacebookAdapter(Adapter):
    platform = "facebook"

    def __init__(self) -> None:
        self.data = load_platform_data("facebook")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.short_hosts = {h.lower() for h in self.data["short_hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.base = self.data["base"]
        self.walls = Walls(self.data["walls"])

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
            return Target("facebook", "post", post, self._page("story", post=post, owner=owner),
                          owner=owner)
        if first in ("photo.php", "photo"):
            return self._single(url, query.get("fbid", ""), "photo")
        if first == "watch" or first == "video.php":
            return self._single(url, query.get("v", ""), "video")
        if first == "reel" and len(segments) >= 2:
            return self._single(url, segments[1], "reel")
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
            if segments[1] == "photos":
                return Target("facebook", "post", post, self._page("photo", post=post),
                              owner=owner)
            kind = "post" if segments[1] == "posts" else "owner_video"
            return Target("facebook", "post", post, self._page(kind, post=post, owner=owner),
                          owner=owner)
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
    @action("follow", "subscribe")
    def check_follow(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return Check(name=name, outcome="skipped",
                     detail="Facebook does not show who follows a profile to a third party; "
                            "the proof screenshot decides")

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"Facebook has no {proof.task.action} action this verifier "
                                  "can check")

    # The worker is looked at before the target's kind and the session (no ``kinds=`` or
    # ``session=``): that is the order the sentences have always come in.
    @action("comment")
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        worker = self._asked(name, proof, target)
        if isinstance(worker, Check):
            return worker
        session = "facebook" if env.pool.session_file("facebook") else None
        with Visit(env, session, record_blocked=False) as visit:
            try:
                fb = self._read_post(visit, target)
            except Stop as stop:
                return self.unknown(name, f"{stop.detail}; the comment could not be checked",
                                    visit.evidence)
            visit.put_blocked()
        own = [c for c in fb.comment_nodes if _by(c, worker)]
        if own:
            visit.put_json({
                "post": target.key, "worker_comments": [
                    {"author": c.author, "handle": c.handle, "text": c.text,
                     "created_time": c.created} for c in own]})
        return judge_post_comments(name, worker, fb, proof, target.key, visit.evidence)

    @action("join")
    def check_join(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        asked = self._asked(name, proof, target)
        return asked if isinstance(asked, Check) else self.unknown(name, _not_confirmed("join"))

    @action("like", "share")
    def check_counters(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """Like and share: the post and its counters are confirmed; who did it is not read."""
        act = proof.task.action
        asked = self._asked(name, proof, target)
        if isinstance(asked, Check):
            return asked
        if env.pool.session_file("facebook") is None:
            return self.unknown(name, f"Facebook shows {UNCONFIRMED[act]} only to a "
                                      "logged-in account and no checker session for facebook "
                                      "is configured")
        with Visit(env, "facebook", record_blocked=False) as visit:
            try:
                fb = self._read_post(visit, target)
            except Stop as stop:
                return self.unknown(name, f"{stop.detail}; the {act} could not be checked",
                                    visit.evidence)
            visit.put_blocked()
        counted = f"{fb.reactions} reaction(s)" if act == "like" else f"{fb.shares} share(s)"
        return self.unknown(name, f"the post {target.key} exists ({counted}); "
                                  f"{_not_confirmed(act)}", visit.evidence)

    def _asked(self, name: str, proof: Proof, target: Target) -> str | Check:
        """The worker's name, or the ``unknown`` saying why the task cannot be looked up."""
        act = proof.task.action
        worker = (proof.worker.handle or "").strip().lstrip("@")
        if not worker:
            return self.unknown(name, "the proof gives no Facebook name or username for the "
                                      "worker, so the action cannot be looked up")
        wanted = "group" if act == "join" else "post"
        if target.kind != wanted:
            return self.unknown(name, f"a {act} task needs a Facebook {wanted} URL, "
                                      f"got a {target.kind}")
        return worker

    def _open(self, visit: Visit, url: str) -> str:
        """Go to ``url``; the HTML the server sent, or the ``Stop`` for a wall or a missing
        page."""
        try:
            response = visit.goto(url, label="Facebook")
        except Refused as refused:
            if isinstance(refused.__cause__, PlaywrightTimeout):
                raise Refused(f"Facebook did not answer {url} in time") from refused.__cause__
            raise
        markup = visit.document(response)[1] if response is not None else visit.page.content()
        self._raise_for_wall(markup, visit.page.url, url)
        return markup

    def _raise_for_wall(self, markup: str, landed: str, url: str) -> None:
        path = urlsplit(landed).path.lower()
        for kind, prefixes in self.data["wall_paths"].items():  # where a wall redirects to
            if any(path == p or path.startswith(p + "/") for p in prefixes):
                raise Wall(kind, self.walls.walls[kind].reason)
        wall = detect_wall(markup, self.walls)
        if wall is not None:
            raise Wall(*wall)
        title, text = visible(markup)
        nf = self.data["not_found"]
        if title in nf["title"] or any(t in text for t in nf["text"]):
            raise Refused(f"Facebook says the page {url} is not available (deleted, private "
                          "or a wrong link)")

    def _read_post(self, visit: Visit, target: Target) -> fr.RelayFeedback:
        """The target post's feedback from the page's relay data; a ``Stop`` when the page
        carries none for it (a changed layout, never an empty post)."""
        markup = self._open(visit, target.url)
        visit.shot()
        objects = fr.relay_objects(markup)
        feedback = fr.read_relay(objects)
        found = fr.target_feedback(objects, feedback, target.key)
        landed = self._landed_key(visit.page.url)
        if found is None and landed and landed != target.key:  # fb.watch/CODE -> ?v=ID
            found = fr.target_feedback(objects, feedback, landed)
        if found is None:
            raise LayoutChanged(f"the page {target.url} carries no relay data for the post "
                                f"{target.key} ({len(objects)} relay objects read)")
        fb = feedback[found]
        visit.put_json({
            "post": target.key, "feedback": found, "reactions": fb.reactions,
            "shares": fb.shares, "comments": fb.comments,
            "comments_read": len(fb.comment_nodes), "more_comments": fb.more_comments,
            "checker_reacted": fb.viewer_reacted})
        return fb

    def _landed_key(self, url: str) -> str | None:
        """The post id in the URL a page ended up at, when it is another post URL."""
        try:
            landed = self.parse_target(url)
        except TargetError:
            return None
        return landed.key if landed.kind == "post" else None


def judge_post_comments(name: str, worker: str, fb: fr.RelayFeedback, proof: Proof, post: str,
                        evidence: list[str] | None = None) -> Check:
    """The comment outcome from a post's relay feedback: ``fail`` only on a comment list
    the page carries whole, ``unknown`` when the page was not understood."""
    ev = evidence if evidence is not None else []
    nodes = fb.comment_nodes
    if fb.comments is None and not nodes:
        return Adapter.unknown(name, f"layout changed: the post {post} shows no comment count "
                                     "and no comments", ev)
    if (fb.comments or 0) > 0 and not nodes:
        return Adapter.unknown(name, f"layout changed: the post {post} counts {fb.comments} "
                                     "comment(s) but none could be read from the page", ev)
    own = [c for c in nodes if _by(c, worker)]
    if not own and fb.comments != 0 and fb.more_comments is not False:
        more = ("the post has more than the page carries" if fb.more_comments
                else "the page does not say whether these are all of them")
        return Adapter.unknown(name, f"no comment by {worker} among the {len(nodes)} comments "
                                     f"the page carries ({fb.comments} counted); {more}, and "
                                     "the query that loads the rest is in no real capture "
                                     "(format not confirmed)", ev)
    # created_time is exact, so only the later of two same comments is a copy.
    judged = [Comment(author=worker if c in own else c.author, text=c.text,
                      when=float(c.created) if c.created is not None else None)
              for c in nodes]
    return judge_comment(name, [worker], judged, proof.task, f"the Facebook post {post}", ev)


def _not_confirmed(action: str) -> str:
    return (f"format not confirmed: no real capture shows {UNCONFIRMED[action]} on today's "
            "www.facebook.com, so the verifier does not read it and the proof screenshot "
            "decides")


def visible(markup: str) -> tuple[str, str]:
    """The page's title and the text it shows (scripts and styles left out: the relay
    data holds strings of every kind)."""
    if not markup:
        return "", ""
    tree = LexborHTMLParser(markup)
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node is not None else ""
    tree.strip_tags(["script", "style", "title"])
    body = tree.body
    return title, " ".join(body.text(separator=" ").split()) if body is not None else ""


def detect_wall(markup: str, walls: Walls | dict[str, Any]) -> tuple[str, str] | None:
    """(kind, reason) when the page is a login, checkpoint or block page: by its title,
    the text it shows (not the relay data's strings) or its raw markup."""
    title, text = visible(markup)
    matcher = walls if isinstance(walls, Walls) else Walls(walls)
    return matcher.match(Seen(title=title, text=text, markup=markup))


def _same(a: str, b: str) -> bool:
    return a.strip().lstrip("@").casefold() == b.strip().lstrip("@").casefold()


def _by(comment: fr.RelayComment, worker: str) -> bool:
    """Facebook shows display names; ``author.url`` adds the username."""
    return _same(comment.author, worker) or bool(comment.handle and _same(comment.handle, worker))
