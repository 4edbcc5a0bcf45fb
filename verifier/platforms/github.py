"""GitHub: follows, stars, comments, org membership and accounts, all public.

GitHub still shows a third party who follows whom, who starred a repository,
who commented, who is a public member of an organisation and whether an
account exists (DESIGN table: "L" in every GitHub cell), through the same
REST API its own pages call. The adapter opens the github.com page a human
would look at (the capture a moderator sees), then reads api.github.com from
that page with ``fetch``, exactly as GitHub's scripts do, so every request
goes through the browser's routing and URL guard.

Lists are long and oldest-first (stargazers, followers, comments), while the
worker's action is recent: after page 1 the adapter jumps to the last page
named by the ``Link`` header and reads backwards, so a fresh star or comment
is found within the page limit on a popular repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.models import Outcome as CheckOutcome
from verifier.platforms.base import (
    Adapter,
    Handler,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
    normalize_handle,
    reveal,
)
from verifier.platforms.github_api import (
    ApiReply,
    Scan,
    earlier_only,
    find_login,
    page_number,
    parse_comments,
    parse_link_header,
    parse_logins,
    parse_user,
    presence,
    wall_of,
)
from verifier.platforms.visit import (
    LayoutChanged,
    NotFound,
    Refused,
    Seen,
    Stop,
    Visit,
    Wall,
    Walls,
)

LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_])){0,38}$")
REPO_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
Outcome = tuple[CheckOutcome, str]  # (outcome, detail)

FETCH_JS = """async ([url, timeout, accept]) => {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    const r = await fetch(url, {credentials: "omit", signal: ctl.signal,
                                headers: {Accept: accept}});
    const headers = {};
    r.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
    return {status: r.status, headers, text: await r.text(), url: r.url};
  } catch (e) {
    return {status: 0, headers: {}, text: String(e), url};
  } finally { clearTimeout(timer); }
}"""


class _Browse:
    """One page on github.com and the API reads made from it."""

    def __init__(self, adapter: GitHubAdapter, page: Page, env: LiveEnv) -> None:
        self.adapter, self.page, self.env = adapter, page, env
        self.calls: list[dict[str, Any]] = []
        self.reveal: str | None = None
        self.page_status: int | None = None
        self.accept: str = adapter.data["media_types"]["default"]

    def open(self, url: str) -> None:
        response = self.page.goto(url, wait_until="domcontentloaded")
        self.page_status = response.status if response else None
        head = self.page.title() + "\n" + "\n".join(self.page.locator("h1").all_inner_texts())
        wall = self.adapter.walls.match(Seen(text=head))  # a page's wall shows in its words
        if wall:
            raise Wall(wall[0], f"{wall[1]} at {url}")

    def api(self, path_or_url: str) -> ApiReply:
        url = path_or_url if "://" in path_or_url else self.adapter.api_base + path_or_url
        if urlsplit(url).hostname != urlsplit(self.adapter.api_base).hostname:
            raise LayoutChanged(f"GitHub pointed the list at another host: {url}")
        raw = self.page.evaluate(FETCH_JS, [url, self.adapter.data["fetch_timeout_ms"],
                                            self.accept])
        reply = ApiReply(status=int(raw["status"]), headers=raw["headers"], text=raw["text"],
                         url=url)
        self.calls.append({"url": url, "status": reply.status,
                           "ratelimit_limit": reply.header("x-ratelimit-limit")})
        wall = wall_of(reply, self.adapter.walls)
        if wall:
            raise Wall(*wall)
        if reply.status == 0:
            raise Refused(f"api.github.com could not be reached ({reply.text[:120]})")
        return reply

    def expect_ok(self, reply: ApiReply) -> Any:
        if reply.status != 200:
            raise Refused(f"GitHub answered {reply.status} for {reply.url}")
        body = reply.json()
        if body is None:
            raise LayoutChanged(f"{reply.url} did not answer JSON")
        return body

    def scan(self, first: str, wanted: str, parse: Callable[[Any], list[Any]],
             key: Callable[[Any], str], stop_on_found: bool = True) -> Scan | None:
        """Page through a list for ``wanted``; None when the list itself is 404.

        Page 1 first, then the last page the ``Link`` header names and
        backwards from there: lists are oldest-first and the worker's action
        is recent. Without a ``last`` link, ``next`` is followed instead.
        """
        scan = Scan()
        reply = self.api(first)
        if reply.status == 404:
            return None
        limit = self.env.settings.max_list_pages
        visited: set[int] = set()
        backwards = False
        while True:
            items = parse(self.expect_ok(reply))
            number = page_number(reply.url) or 1
            visited.add(number)
            scan.pages += 1
            scan.seen += len(items)
            scan.by_page[number] = items
            scan.found = scan.found or find_login([key(i) for i in items], wanted)
            links = parse_link_header(reply.header("link"))
            if scan.pages == 1 and (page_number(links.get("last")) or 1) > 1:
                backwards, nxt = True, links.get("last")
            else:
                nxt = links.get("prev" if backwards else "next")
            if nxt is None or (page_number(nxt) or 1) in visited:
                scan.complete = True
                return scan
            if (scan.found and stop_on_found) or scan.pages >= limit:
                return scan
            reply = self.api(nxt)


class GitHubAdapter(Adapter):
    platform = "github"

    def __init__(self) -> None:
        self.data = load_platform_data("github")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.reserved = {p.lower() for p in self.data["reserved_paths"]}
        self.base = str(self.data["base_url"])
        self.api_base = str(self.data["api_base"])
        # One Walls: a page's by its words here, an API reply's by github_api.wall_of.
        self.walls = Walls(self.data["walls"])
        self.json_keys: dict[str, Any] = self.data["json"]

    # -- targets -------------------------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or host not in self.hosts:
            raise TargetError(f"{url!r} is not a GitHub URL (expected https://github.com/USER, "
                              "https://github.com/OWNER/REPO or .../issues/N)")
        seg = [s for s in parts.path.split("/") if s]
        if not seg:
            raise TargetError(f"{url!r} does not name a GitHub account, repository or thread")
        first = seg[0].lower()
        if first in self.data["signup_paths"]:
            return Target("github", "site", "github.com", f"{self.base}/signup")
        if first == "orgs":
            if len(seg) < 2 or not LOGIN_RE.match(seg[1]):
                raise TargetError(f"{url!r} does not name a GitHub organization")
            return Target("github", "group", seg[1], f"{self.base}/orgs/{seg[1]}")
        if first in self.reserved:
            raise TargetError(f"{url!r} is a GitHub page, not an account, repository or thread")
        if not LOGIN_RE.match(seg[0]):
            raise TargetError(f"{seg[0]!r} in {url!r} is not a valid GitHub username")
        owner = seg[0]
        if len(seg) == 1:
            return Target("github", "account", owner, f"{self.base}/{owner}")
        repo = seg[1].removesuffix(".git")
        if not REPO_RE.match(repo) or repo in (".", ".."):
            raise TargetError(f"{seg[1]!r} in {url!r} is not a valid repository name")
        if len(seg) >= 4 and seg[2] in self.data["thread_kinds"] and seg[3].isdigit():
            key = f"{owner}/{repo}/{seg[2]}/{int(seg[3])}"
            return Target("github", "post", key, f"{self.base}/{key}", owner=owner)
        return Target("github", "repo", f"{owner}/{repo}", f"{self.base}/{owner}/{repo}",
                      owner=owner)

    # -- live checks ---------------------------------------------------------------------
    @action("follow", "subscribe", kinds=("account", "group"))
    def check_follow(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._run(name, proof, target, env, "follow", self._follow)

    @action("like", kinds=("repo",))
    def check_star(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._run(name, proof, target, env, "like", self._star)

    @action("comment", kinds=("post",))
    def check_comment(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._run(name, proof, target, env, "comment", self._comment)

    @action("join", kinds=("group", "account"))
    def check_join(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._run(name, proof, target, env, "join", self._join)

    @action("signup")
    def check_signup(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self._run(name, proof, target, env, "signup", self._signup)

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"'{proof.task.action}' is not something GitHub shows; "
                                  "the task cannot be checked live")

    def wrong_kind(self, name: str, act: str, spec: Handler, target: Target) -> Check:
        return self.unknown(name, f"a GitHub {act} task needs a {' or '.join(spec.kinds[:2])} "
                                  f"URL, not a {target.kind} URL")

    def _page_url(self, action: str, worker: str, target: Target) -> str:
        owner, _, rest = target.key.partition("/")
        repo, _, thread = rest.partition("/")
        kind, _, number = thread.partition("/")
        return str(self.data["pages"][action]).format(
            base=self.base, worker=worker, target=target.key, owner=owner, repo=repo,
            kind=kind, number=number, org=target.key)

    def _run(self, name: str, proof: Proof, target: Target, env: LiveEnv, cell: str,
             run: Callable[[_Browse, str, Target, Proof], Outcome]) -> Check:
        """Open the page a moderator would look at, then let ``run`` read the API from it."""
        worker = normalize_handle(proof.worker.handle)
        if not worker or not LOGIN_RE.match(worker):
            return self.unknown(name, "the proof gives no valid GitHub username for the worker, "
                                      "so the action cannot be looked up")
        page_url = self._page_url(cell, worker, target)
        with Visit(env, "github") as visit:  # the refused URLs are evidence too
            page = visit.open_page()
            self._authorize(page, env.settings.github_token)
            browse = _Browse(self, page, env)
            try:
                browse.open(page_url)
                outcome, detail = run(browse, worker, target, proof)
            except Stop as stop:
                outcome, detail = stop.outcome, stop.detail
            except PlaywrightError as exc:
                outcome, detail = "unknown", f"GitHub could not be read: {exc}".split("\n")[0]
            self._reveal(page, browse.reveal)
            visit.shot()
            if browse.calls:
                visit.put_json({"page": page_url, "api": browse.calls})
        return Check(name=name, outcome=outcome, detail=detail, evidence=visit.evidence)

    def _authorize(self, page: Page, token: str | None) -> None:
        """The operator's token (5,000 requests an hour instead of 60), added by the route
        to api.github.com requests only: never to github.com or any other host, and
        never visible to the page's scripts."""
        if not token:
            return
        api_host = urlsplit(self.api_base).hostname

        def add_token(route: Any, request: Any) -> None:
            if urlsplit(request.url).hostname != api_host:
                route.fallback()
                return
            headers = {**request.headers, "authorization": f"Bearer {token}"}
            route.fallback(headers=headers)

        page.route(f"{self.api_base}/**", add_token)

    def _reveal(self, page: Page, selector: str | None) -> None:
        """Bring the matched row or comment into view so the capture shows it."""
        if not selector:
            return
        reveal(page.locator(selector))

    def _reveal_row(self, login: str) -> str:
        return str(self.data["reveal"]["user_row"]).format(login=login)

    def _api_path(self, name: str, **values: str) -> str:
        return str(self.data["api"][name]).format(**values)

    def _exists(self, browse: _Browse, login: str) -> bool:
        reply = browse.api(self._api_path("user", user=login))
        if reply.status == 404:
            return False
        parse_user(browse.expect_ok(reply))
        return True

    def _logins(self, body: Any) -> list[str]:
        return parse_logins(body, self.json_keys["login"])

    def _stargazers(self, body: Any) -> list[str]:
        """``application/vnd.github.star+json`` items are ``{starred_at, user}``."""
        if isinstance(body, list) and body and all(
                isinstance(i, dict) and "starred_at" in i for i in body):
            return parse_logins(body, self.json_keys["star_login"])
        return parse_logins(body, self.json_keys["login"])

    # -- follow ----------------------------------------------------------------------------
    def _follow(self, browse: _Browse, worker: str, target: Target, _proof: Proof) -> Outcome:
        browse.reveal = self._reveal_row(target.key)
        reply = browse.api(self._api_path("follow_check", worker=worker, target=target.key))
        answer = presence(reply)
        if answer:
            return "pass", (f"{worker} follows {target.key} on GitHub (GitHub answers 204 for "
                            f"/users/{worker}/following/{target.key})")
        if answer is False:
            if not self._exists(browse, worker):
                return "fail", f"there is no GitHub account named {worker}"
            if not self._exists(browse, target.key):
                return "fail", f"the account to follow, {target.key}, does not exist on GitHub"
            return "fail", f"{worker} does not follow {target.key} on GitHub (GitHub answers 404)"
        # No yes/no answer: read the target's followers instead.
        scan = browse.scan(self._api_path("followers", target=target.key), worker,
                           self._logins, str)
        if scan is None:
            return "fail", f"the account to follow, {target.key}, does not exist on GitHub"
        return self._list_verdict(scan, worker, f"{target.key}'s followers",
                                  f"{worker} follows {target.key}",
                                  f"{worker} does not follow {target.key}")

    def _list_verdict(self, scan: Scan, worker: str, where: str, yes: str, no: str) -> Outcome:
        if scan.found:
            return "pass", f"{yes}: found among {where} ({scan.summary})"
        if scan.complete:
            return "fail", f"{no}: {worker} is not among {where} ({scan.summary})"
        return "unknown", (f"{worker} was not among the {scan.summary} of {where} read, and "
                           "the list goes on past the page limit")

    # -- star ------------------------------------------------------------------------------
    def _star(self, browse: _Browse, worker: str, target: Target, _proof: Proof) -> Outcome:
        owner, repo = target.key.split("/", 1)
        browse.reveal = self._reveal_row(worker)
        # The star media type answers {starred_at, user} per stargazer (GitHub's own
        # pages ask for it); a plain list of users is read too.
        browse.accept = self.data["media_types"]["stargazers"]
        scan = browse.scan(self._api_path("stargazers", owner=owner, repo=repo), worker,
                           self._stargazers, str)
        if scan is None:
            return "fail", f"the repository {target.key} does not exist on GitHub (or is private)"
        return self._list_verdict(scan, worker, f"the stargazers of {target.key}",
                                  f"{worker} starred {target.key}",
                                  f"{worker} did not star {target.key}")

    # -- comment ---------------------------------------------------------------------------
    def _comment(self, browse: _Browse, worker: str, target: Target, proof: Proof) -> Outcome:
        owner, repo, kind, number = target.key.split("/")
        where = f"{owner}/{repo} {kind.rstrip('s')} #{number}"
        browse.reveal = str(self.data["reveal"]["comment"]).format(login=worker)
        if kind == "discussions":
            comments = self._dom_comments(browse, where)
            complete = True
        else:
            keys = self.json_keys

            def parse(body: Any) -> list[Comment]:
                return parse_comments(body, keys["comment_author"], keys["comment_body"])

            scan = browse.scan(self._api_path("comments", owner=owner, repo=repo, number=number),
                               worker, parse, lambda c: c.author, stop_on_found=False)
            if scan is None:
                return "fail", f"{where} does not exist on GitHub"
            comments, complete = scan.items, scan.complete
        check = judge_comment("live.comment", [worker], earlier_only(comments, worker),
                              proof.task, where)
        if check.outcome == "fail" and not complete and not find_login(
                [c.author for c in comments], worker):
            return "unknown", (f"no comment by {worker} among the {len(comments)} comments read "
                               f"on {where}, and the thread goes on past the page limit")
        return check.outcome, check.detail

    def _dom_comments(self, browse: _Browse, where: str) -> list[Comment]:
        """Discussions: GitHub has no public REST endpoint, the page itself is the truth."""
        spec = self.data["discussion"]
        if browse.page_status == 404:
            raise NotFound(f"{where} does not exist on GitHub")
        page = browse.page
        if page.locator(spec["container"]).count() == 0:
            raise LayoutChanged(f"the discussion page has no comment timeline ({where})")
        comments = []
        for block in page.locator(spec["comment"]).all():
            author = block.locator(spec["author"])
            body = block.locator(spec["body"])
            if not author.count() or not body.count():
                raise LayoutChanged("a discussion comment has no author or body element")
            comments.append(Comment(author=author.first.inner_text().strip(),
                                    text=body.first.inner_text().strip()))
        return comments

    # -- org membership --------------------------------------------------------------------
    def _join(self, browse: _Browse, worker: str, target: Target, _proof: Proof) -> Outcome:
        org = target.key
        browse.reveal = self._reveal_row(worker)
        reply = browse.api(self._api_path("org_member", org=org, worker=worker))
        answer = presence(reply)
        if answer:
            return "pass", f"{worker} is a public member of the GitHub organization {org}"
        if answer is None:
            return "unknown", f"GitHub answered {reply.status} for {reply.url}"
        org_reply = browse.api(self._api_path("org", org=org))
        if org_reply.status == 404:
            return "fail", f"there is no GitHub organization named {org}"
        browse.expect_ok(org_reply)
        if not self._exists(browse, worker):
            return "fail", f"there is no GitHub account named {worker}"
        return "fail", (f"{worker} is not a public member of {org} (GitHub shows a third party "
                        "only public memberships; a private member must make it public)")

    # -- signup ----------------------------------------------------------------------------
    def _signup(self, browse: _Browse, worker: str, _target: Target, _proof: Proof) -> Outcome:
        reply = browse.api(self._api_path("user", user=worker))
        if reply.status == 404:
            return "fail", f"there is no GitHub account named {worker}"
        user = parse_user(browse.expect_ok(reply))
        return "pass", f"the GitHub account {user.login} exists ({user.type})"


__all__ = ["GitHubAdapter"]
