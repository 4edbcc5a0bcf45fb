"""Reddit: comments and accounts live; follows, votes and joins are proof-only.

Reddit shows anyone a post's comments and whether an account exists, so those
are live checks (DESIGN table: comment L, signup L). It does not show who
upvoted a post, who follows a user or who joined a subreddit, so those cells
are ``skipped`` with the reason and the screenshot and policy decide (P).

A check opens the page a human would look at on www.reddit.com (the capture
a moderator sees), then reads Reddit's JSON for the same thing through the
browser, so every request meets its routing and URL guard. Reddit has blocked
logged-out ``.json`` reads since 2024 (a 403 "You've been blocked by network
security" page), so the JSON comes from one of two places:

- the OAuth API, with the operator's app (``VERIFIER_REDDIT_CLIENT_ID`` /
  ``VERIFIER_REDDIT_CLIENT_SECRET``): an app-only token from
  ``www.reddit.com/api/v1/access_token`` (client credentials), then
  ``oauth.reddit.com`` read in a page of its own that sends the bearer token;
- else the ``.json`` views with the checker session (``reddit.json``).

With neither, the check is ``unknown`` and says what to configure. The
shapes (Listings of ``t3``/``t1``, ``t2`` accounts) are those of praw's 2025
OAuth cassettes. old.reddit.com, redd.it and the other hosts are normalised
to www.reddit.com first.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.models import Outcome as CheckOutcome
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
    normalize_handle,
    reveal,
)
from verifier.platforms.reddit_api import (
    HttpReply,
    RedditComment,
    ThreadKeys,
    account_missing,
    in_time_order,
    parse_about,
    parse_thread,
    parse_username_available,
    wall_of,
)
from verifier.platforms.visit import LayoutChanged, Refused, Seen, Stop, Visit, Wall, Walls

USER_RE = re.compile(r"^[A-Za-z0-9_-]{3,20}$")
SUB_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
POST_RE = re.compile(r"^[a-z0-9]{1,12}$")
Result = tuple[CheckOutcome, str]
NO_WORKER = ("the proof gives no valid Reddit username for the worker, so the action cannot be "
             "looked up")

FETCH_JS = """async ([url, timeout]) => {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    const r = await fetch(url, {credentials: "same-origin", signal: ctl.signal});
    const headers = {};
    r.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
    return {status: r.status, headers, text: await r.text(), url: r.url};
  } catch (e) {
    return {status: 0, headers: {}, text: String(e), url};
  } finally { clearTimeout(timer); }
}"""


TOKEN_JS = """async ([url, basic, timeout]) => {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    const r = await fetch(url, {method: "POST", credentials: "omit", signal: ctl.signal,
      headers: {"Authorization": "Basic " + basic,
                "Content-Type": "application/x-www-form-urlencoded"},
      body: "grant_type=client_credentials"});
    return {status: r.status, text: await r.text()};
  } catch (e) {
    return {status: 0, text: String(e)};
  } finally { clearTimeout(timer); }
}"""


def reddit_user(handle: str | None) -> str | None:
    """A worker's Reddit username: ``u/name``, ``/u/name`` and ``@name`` all mean ``name``."""
    name = normalize_handle(handle)
    if name is None:
        return None
    for prefix in ("/u/", "u/", "/user/", "user/"):
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    return name.strip("/") or None


def earlier_only(comments: list[RedditComment], worker: str) -> list[RedditComment]:
    """The worker's comments and those before the first of them (a copy copies an
    earlier text: whoever wrote it first is not the copier)."""
    low = worker.lower()
    first = next((i for i, c in enumerate(comments) if c.author.lower() == low), None)
    if first is None:
        return comments
    return [c for i, c in enumerate(comments) if i < first or c.author.lower() == low]


class RedditAdapter(Adapter):
    platform = "reddit"

    def __init__(self) -> None:
        self.data = load_platform_data("reddit")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.short_hosts = {h.lower() for h in self.data["short_hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.base = str(self.data["base_url"])
        # A page's wall shows by its status or its head's words, in any case; a JSON
        # reply's by reddit_api.wall_of, over the same walls.
        self.walls = Walls(self.data["walls"], any_case=True)
        self.keys = ThreadKeys(**self.data["comment_keys"])

    # -- targets -------------------------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        seg = [s for s in parts.path.split("/") if s]
        if parts.scheme not in ("http", "https") or host not in self.hosts | self.short_hosts:
            raise TargetError(f"{url!r} is not a Reddit URL (expected https://www.reddit.com/"
                              "r/SUB/comments/ID/..., https://redd.it/ID, /r/SUB or /user/NAME)")
        if host in self.short_hosts:
            if len(seg) != 1:
                raise TargetError(f"{url!r} is not a redd.it post link (https://redd.it/ID)")
            return self._post(seg[0], url)
        if not seg or seg[0].lower() in self.data["signup_paths"]:
            return Target("reddit", "site", "reddit.com", f"{self.base}/")
        first = seg[0].lower()
        if first == "comments" and len(seg) >= 2:
            return self._post(seg[1], url)
        if first == "r" and len(seg) >= 2:
            if len(seg) >= 3 and seg[2] == "s":
                raise TargetError(f"{url!r} is a Reddit share link: open it and use the post's "
                                  "own URL (https://www.reddit.com/r/SUB/comments/ID/...)")
            if len(seg) >= 4 and seg[2] == "comments":
                return self._post(seg[3], url)
            if not SUB_RE.match(seg[1]):
                raise TargetError(f"{seg[1]!r} in {url!r} is not a valid subreddit name")
            return Target("reddit", "group", seg[1], f"{self.base}/r/{seg[1]}/")
        if first in ("user", "u") and len(seg) >= 2:
            if len(seg) >= 4 and seg[2] == "comments":
                return self._post(seg[3], url)
            if not USER_RE.match(seg[1]):
                raise TargetError(f"{seg[1]!r} in {url!r} is not a valid Reddit username")
            return Target("reddit", "account", seg[1], f"{self.base}/user/{seg[1]}/")
        if first in self.reserved:
            raise TargetError(f"{url!r} is a Reddit page, not a post, subreddit or user")
        raise TargetError(f"{url!r} does not name a Reddit post, subreddit or user")

    def _post(self, post_id: str, url: str) -> Target:
        post_id = post_id.lower()
        if not POST_RE.match(post_id):
            raise TargetError(f"{post_id!r} in {url!r} is not a Reddit post id")
        return Target("reddit", "post", post_id, f"{self.base}/comments/{post_id}/")

    # -- live checks ---------------------------------------------------------------------
    @action("follow", "subscribe", "like", "join")
    def check_hidden(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """Reddit shows nobody who follows a user, voted on a post or joined a subreddit."""
        cell = "join" if proof.task.action == "subscribe" else proof.task.action
        return Check(name=name, outcome="skipped", detail=str(self.data["skipped"][cell]))

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"'{proof.task.action}' is not something Reddit shows; the "
                                  "task cannot be checked live")

    @action("comment")
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        # The worker is looked at before the target's kind (no ``kinds=``): that is the
        # order the sentences have always come in.
        worker = reddit_user(proof.worker.handle)
        if not worker or not USER_RE.match(worker):
            return self.unknown(name, NO_WORKER)
        if target.kind != "post":
            return self.unknown(name, f"a Reddit comment task needs a post URL, not a "
                                      f"{target.kind} URL")
        page_url = str(self.data["pages"]["comment"]).format(base=self.base, id=target.key)
        return self._run(name, env, page_url, worker,
                         lambda reads: self._comment(reads, worker, target, proof))

    @action("signup")
    def check_signup(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        worker = reddit_user(proof.worker.handle)
        if not worker or not USER_RE.match(worker):
            return self.unknown(name, NO_WORKER)
        page_url = str(self.data["pages"]["signup"]).format(base=self.base, user=worker)
        return self._run(name, env, page_url, worker, lambda reads: self._signup(reads, worker))

    def _run(self, name: str, env: LiveEnv, page_url: str, worker: str,
             body: Callable[[_Reads], Result]) -> Check:
        settings = env.settings
        app = (settings.reddit_client_id, settings.reddit_client_secret)
        oauth = bool(app[0] and app[1])
        if not oauth and env.pool.session_file("reddit") is None:
            return self.unknown(name, "Reddit blocks logged-out reads of its JSON (\"You've been "
                                      "blocked by network security\"): configure the operator's "
                                      "Reddit app (VERIFIER_REDDIT_CLIENT_ID and "
                                      "VERIFIER_REDDIT_CLIENT_SECRET) or a reddit checker "
                                      "session")
        calls: list[dict[str, Any]] = []
        with Visit(env, "reddit") as visit:  # the refused URLs are evidence too
            page = visit.open_page()
            reads = _Reads(self, visit.ctx, page, calls, app if oauth else None)
            try:
                wall = self._open(page, page_url)
                if wall and not oauth:  # the JSON would come from the same walled site
                    raise wall
                outcome, detail = body(reads)
            except Stop as stop:
                outcome, detail = stop.outcome, stop.detail
            except PlaywrightError as exc:
                outcome, detail = "unknown", f"Reddit could not be read: {exc}".split("\n")[0]
            self._reveal(page, worker)
            visit.shot()
            if calls:
                visit.put_json({
                    "page": page_url, "json": calls,
                    "read_with": "the operator's app (OAuth)" if oauth else "checker session"})
        return Check(name=name, outcome=outcome, detail=detail, evidence=visit.evidence)

    def _open(self, page: Page, url: str) -> Wall | None:
        """Open the page a moderator would look at; the wall in front of it, if any."""
        response = page.goto(url, wait_until="domcontentloaded")
        status = response.status if response else 0
        head = page.title() + "\n" + "\n".join(page.locator("h1").all_inner_texts())
        wall = self.walls.match(Seen(status=status, text=head))
        return Wall(wall[0], f"{wall[1]} at {url}") if wall else None

    def _checked(self, reply: HttpReply, calls: list[dict[str, Any]]) -> HttpReply:
        calls.append({"url": reply.url, "status": reply.status})
        wall = wall_of(reply, self.walls)
        if wall:
            raise Wall(*wall)
        if reply.status == 0:
            raise Refused(f"Reddit could not be reached ({reply.text[:120]})")
        return reply

    def _json(self, reply: HttpReply) -> Any:
        body = reply.json()
        if reply.status != 200:
            raise Refused(f"Reddit answered {reply.status} for {reply.url}")
        if body is None:
            raise LayoutChanged(f"{reply.url} did not answer JSON")
        return body

    def _reveal(self, page: Page, worker: str) -> None:
        """Bring the worker's comment into view so the capture shows it."""
        reveal(page.locator(str(self.data["reveal"]["comment"]).format(user=worker)))

    # -- comment ---------------------------------------------------------------------------
    def _comment(self, reads: _Reads, worker: str, target: Target, proof: Proof) -> Result:
        reply = reads.get("thread", id=target.key)
        if reply.status == 404:
            return "fail", f"the Reddit post {target.key} does not exist (or was removed)"
        thread = parse_thread(self._json(reply), self.keys)
        if thread.post_id.lower() != target.key:
            raise LayoutChanged(f"asked for post {target.key}, Reddit answered {thread.post_id}")
        where = f"the post r/{thread.subreddit} {thread.post_id} (\"{thread.title[:60]}\")"
        ordered = earlier_only(in_time_order(thread.comments), worker)
        comments = [Comment(author=c.author, text=c.body) for c in ordered]
        check = judge_comment("live.comment", [worker], comments, proof.task, where)
        if not thread.by(worker) and thread.hidden:
            return "unknown", (f"no comment by u/{worker} among the {len(thread.comments)} "
                               f"comments shown on {where}, and Reddit left {thread.hidden} "
                               "more behind \"load more\"")
        return check.outcome, check.detail

    # -- signup ----------------------------------------------------------------------------
    def _signup(self, reads: _Reads, worker: str) -> Result:
        about = reads.get("about", user=worker)
        if about.status == 200:
            account = parse_about(self._json(about))
            if account.suspended:
                return "fail", f"the Reddit account u/{account.name} exists but is suspended"
            return "pass", f"the Reddit account u/{account.name} exists"
        if not account_missing(about.status, about.json()):
            return "unknown", f"Reddit answered {about.status} for {about.url}"
        free = reads.get("username_available", user=worker)
        if parse_username_available(self._json(free)):
            return "fail", f"there is no Reddit account named u/{worker} (the name is still free)"
        return "unknown", (f"the name u/{worker} is taken but Reddit shows no profile for it "
                           "(a deleted, suspended or hidden account)")


class _Reads:
    """Reddit's JSON for one check: the OAuth API with the operator's app, else the
    ``.json`` views with the checker session the browser context carries."""

    _tokens: ClassVar[dict[str, tuple[str, float]]] = {}  # client id -> (token, expiry)

    def __init__(self, adapter: RedditAdapter, ctx: BrowserContext, page: Page,
                 calls: list[dict[str, Any]], app: tuple[str | None, str | None] | None) -> None:
        self.adapter, self.ctx, self.page, self.calls, self.app = adapter, ctx, page, calls, app
        self._api_page: Page | None = None

    def get(self, kind: str, **fields: str) -> HttpReply:
        data = self.adapter.data
        if self.app is None:
            url = str(data["json"][kind]).format(base=self.adapter.base, **fields)
            raw = self.page.evaluate(FETCH_JS, [url, data["fetch_timeout_ms"]])
            return self.adapter._checked(HttpReply(status=int(raw["status"]),
                                                   headers=raw["headers"], text=raw["text"],
                                                   url=url), self.calls)
        url = str(data["oauth"][kind]).format(**fields)
        page = self._oauth_page()
        try:
            response = page.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            return self.adapter._checked(HttpReply(status=0, text=str(exc), url=url), self.calls)
        if response is None:
            return self.adapter._checked(HttpReply(status=0, text="no answer", url=url),
                                         self.calls)
        if response.status == 401:  # a revoked or expired token: fetch a new one next time
            self._tokens.pop(self.app[0] or "", None)
        return self.adapter._checked(HttpReply(status=response.status,
                                               headers=response.headers,
                                               text=response.text(), url=url), self.calls)

    def _oauth_page(self) -> Page:
        if self._api_page is None:
            self._api_page = self.ctx.new_page()
            self._api_page.set_extra_http_headers({"Authorization": f"bearer {self._token()}"})
        return self._api_page

    def _token(self) -> str:
        """An app-only token (client credentials), kept until shortly before it expires."""
        assert self.app is not None
        ident, secret = self.app
        cached = self._tokens.get(ident or "")
        if cached and cached[1] > time.time():
            return cached[0]
        url = str(self.adapter.data["oauth"]["token_url"])
        basic = base64.b64encode(f"{ident}:{secret}".encode()).decode()
        raw = self.page.evaluate(TOKEN_JS, [url, basic, self.adapter.data["fetch_timeout_ms"]])
        reply = HttpReply(status=int(raw["status"]), text=raw["text"], url=url)
        self.adapter._checked(reply, self.calls)
        body = reply.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if reply.status != 200 or not isinstance(token, str):
            raise Refused(f"Reddit refused the operator's app credentials "
                          f"(VERIFIER_REDDIT_CLIENT_ID/SECRET): {reply.status} "
                          f"{reply.text[:80]}")
        life = body.get("expires_in")
        ttl = float(life) if isinstance(life, int | float) else 3600.0
        self._tokens[ident or ""] = (token, time.time() + max(0.0, ttl - 60))
        return token
