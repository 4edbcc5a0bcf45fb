"""X comment and share (repost) checks, through the checker's logged-in view.

X shows a post's replies and its reposts list only to a logged-in account
(DESIGN table: "S"), so both checks open the real pages with the operator's
checker session and read the GraphQL the page itself fetched:

- comment: the post page ``/AUTHOR/status/ID`` fetches ``TweetDetail`` (the
  post and its reply threads, paged by a bottom cursor as the reader
  scrolls); the worker's reply is judged by ``verifier.forensics.comments``;
- share: the reposts page ``/AUTHOR/status/ID/retweets`` fetches the
  ``Retweeters`` timeline, paged like a followers list.

Likes have been private on X since 2024: nobody but the liker sees them, so
the like check is ``skipped`` and the proof screenshot decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms.base import LiveEnv, Target, normalize_handle, reveal
from verifier.platforms.x import HANDLE_RE, Capture, ListOutcome, ListResult, XAdapter
from verifier.platforms.x_graphql import (
    XTweet,
    graphql_error_codes,
    parse_tweet_detail,
    replies_to,
)

LIKES_PRIVATE = ("X has shown likes only to the liker since 2024, so no third party can see "
                 "who liked a post; the proof screenshot decides")


@dataclass
class Replies:
    """What the post page showed: its replies so far and whether they went on."""

    outcome: str = ListOutcome.CLOSED
    tweets: list[XTweet] = field(default_factory=list)
    pages: int = 0
    wall: str | None = None
    detail: str = ""


def check_like(name: str) -> Check:
    return Check(name=name, outcome="skipped", detail=LIKES_PRIVATE)


def _preconditions(adapter: XAdapter, name: str, action: str, proof: Proof, target: Target,
                   env: LiveEnv, what: str) -> tuple[str | None, Check | None]:
    if target.kind != "post" or not target.owner:
        return None, adapter.unknown(name, f"a {action} task needs a post URL "
                                           f"(https://x.com/AUTHOR/status/ID), got a {target.kind}")
    worker = normalize_handle(proof.worker.handle)
    if not worker or not HANDLE_RE.match(worker):
        return None, adapter.unknown(name, f"the proof gives no valid X handle for the worker, "
                                           f"so the {action} cannot be looked up")
    if env.pool.session_file("x") is None:
        return None, adapter.unknown(name, f"X shows {what} only to a logged-in account and no "
                                           "checker session for x is configured")
    return worker, None


# -- comment -----------------------------------------------------------------------------


def check_comment(adapter: XAdapter, name: str, proof: Proof, target: Target,
                  env: LiveEnv) -> Check:
    worker, early = _preconditions(adapter, name, "comment", proof, target, env, "replies")
    if early is not None or worker is None:
        return early or adapter.unknown(name, "no worker handle")
    where = f"@{target.owner}'s post {target.key}"
    evidence: list[str] = []
    with env.pool.context("x") as (ctx, info):
        page = ctx.new_page()
        capture = Capture(adapter.operation_re)
        page.on("response", capture.on_response)
        replies = _read_replies(adapter, page, capture, target, worker, env)
        mine = [t for t in replies.tweets if t.screen_name.lower() == worker.lower()]
        if mine:
            _reveal(adapter, page, mine[0].text)
        evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
        if mine:
            evidence.append(env.evidence.put_json({
                "post": target.url, "replies": [
                    {"id": t.rest_id, "screen_name": t.screen_name, "text": t.text}
                    for t in mine]}))
        if info.blocked:
            evidence.append(env.evidence.put_text("\n".join(info.blocked)))
    if replies.wall:
        return adapter.unknown(name, f"{replies.detail}; the comment could not be checked",
                               evidence)
    if replies.outcome == ListOutcome.CLOSED:
        return adapter.unknown(name, replies.detail, evidence)
    if replies.outcome == ListOutcome.TRUNCATED and not mine:
        return adapter.unknown(name, f"no reply by @{worker} among the first "
                                     f"{len(replies.tweets)} replies on {where} and the replies go "
                                     "on past the page limit", evidence)
    # Tweet ids are snowflakes (time-ordered), so X's ranked reply order can be
    # put back in time order: then only an earlier reply can have been copied.
    dated = all(t.rest_id.isdigit() for t in replies.tweets)
    ordered = sorted(replies.tweets, key=lambda t: int(t.rest_id)) if dated else replies.tweets
    comments = [Comment(author=t.screen_name, text=t.text) for t in ordered]
    return judge_comment(name, [f"@{worker}"], comments, proof.task, where, evidence,
                         oldest_first=dated)


def _read_replies(adapter: XAdapter, page: Page, capture: Capture, target: Target,
                  worker: str, env: LiveEnv) -> Replies:
    """Read the post page's TweetDetail pages until the worker's reply shows or they end."""
    operation = adapter.gql["tweet"]
    result = Replies()
    try:
        page.goto(target.url, wait_until="domcontentloaded")
    except PlaywrightTimeout:
        result.wall, result.detail = "timeout", f"X did not answer {target.url} in time"
        return result
    except Exception as exc:
        result.wall, result.detail = "error", f"X could not be opened: {exc}"
        return result
    adapter._wait_for(page, capture, operation, 1)
    seen: list[XTweet] = []
    index = 0
    while True:
        pages = capture.of(operation)
        if index >= len(pages):
            wall = adapter._wall(page, capture)
            if index == 0:
                result.wall, result.detail = wall or (
                    None, f"layout changed: the post page {target.url} fetched no "
                          f"{operation}")
                return result
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            if not adapter._wait_for(page, capture, operation, index + 1):
                result.wall, result.detail = adapter._wall(page, capture) or (
                    "timeout", f"X stopped loading replies on {target.url} after "
                               f"{result.pages} page(s)")
                return result
            continue
        status, body = pages[index]
        index += 1
        problem = _page_problem(adapter, page, capture, status, body, target)
        if problem is not None:
            result.wall, result.detail = problem
            return result
        conversation = parse_tweet_detail(body)
        if conversation is None:
            result.detail = f"layout changed: {operation} for {target.url} holds no conversation"
            return result
        if index == 1 and not _logged_in(adapter, page):
            result.wall, result.detail = "login", (
                "X showed the post to a logged-out visitor (checker session missing or "
                "expired), and replies are shown only to logged-in accounts")
            return result
        result.pages += 1
        seen.extend(conversation.tweets)
        result.tweets = replies_to(target.key, seen)
        if any(t.screen_name.lower() == worker.lower() for t in result.tweets):
            result.outcome = ListOutcome.FOUND
            return result
        if not conversation.bottom_cursor:
            result.outcome = ListOutcome.EXHAUSTED
            return result
        if result.pages >= env.settings.max_list_pages:
            result.outcome = ListOutcome.TRUNCATED
            return result


def _page_problem(adapter: XAdapter, page: Page, capture: Capture, status: int, body: Any,
                  target: Target) -> tuple[str | None, str] | None:
    if status != 200 or not isinstance(body, dict):
        return adapter._wall(page, capture) or ("error", f"X answered {status} for "
                                                         f"{target.url}")
    missing = set(adapter.gql["missing_post_error_codes"])
    if missing & set(graphql_error_codes(body)):
        return "missing", (f"X says the post {target.key} does not exist (deleted?), so nothing "
                           "on it can be checked")
    return None


def _logged_in(adapter: XAdapter, page: Page) -> bool:
    """Replies come only with a session: the page must show the checker as logged in."""
    try:
        return page.locator(adapter.data["selectors"]["logged_in"]).count() > 0
    except Exception:
        return False


def _reveal(adapter: XAdapter, page: Page, text: str) -> None:
    """Scroll the worker's reply into the capture for the moderator."""
    snippet = " ".join(text.split())[:40]
    if snippet:
        reveal(page.locator(adapter.data["selectors"]["tweet"]).filter(has_text=snippet))


# -- share (repost) ----------------------------------------------------------------------


def check_share(adapter: XAdapter, name: str, proof: Proof, target: Target,
                env: LiveEnv) -> Check:
    worker, early = _preconditions(adapter, name, "share", proof, target, env, "reposts lists")
    if early is not None or worker is None:
        return early or adapter.unknown(name, "no worker handle")
    url = f"{target.url}/{adapter.data['post_pages']['reposts']}"
    where = f"@{target.owner}'s post {target.key}"
    evidence: list[str] = []
    with env.pool.context("x") as (ctx, info):
        page = ctx.new_page()
        capture = Capture(adapter.operation_re)
        page.on("response", capture.on_response)
        result = adapter._scan_list(page, capture, url, adapter.gql["retweeters"], worker, env)
        missing = set(adapter.gql["missing_post_error_codes"])
        codes = {c for _op, _s, body in capture.responses for c in graphql_error_codes(body)}
        evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
        if result.match is not None:
            evidence.append(env.evidence.put_json({
                "rest_id": result.match.rest_id, "screen_name": result.match.screen_name,
                "list": url}))
        if info.blocked:
            evidence.append(env.evidence.put_text("\n".join(info.blocked)))
    if missing & codes:
        return adapter.unknown(name, f"X says the post {target.key} does not exist (deleted?), "
                                     "so its reposts cannot be checked", evidence)
    return _share_verdict(adapter, name, worker, where, result, evidence)


def _share_verdict(adapter: XAdapter, name: str, worker: str, where: str, result: ListResult,
                   evidence: list[str]) -> Check:
    seen = f"{result.users_seen} accounts over {result.pages} page(s)"
    if result.wall:
        return adapter.unknown(name, f"{result.detail}; the repost could not be checked",
                               evidence)
    if result.outcome == ListOutcome.FOUND:
        return Check(name=name, outcome="pass", evidence=evidence,
                     detail=f"@{worker} reposted {where}: found in its reposts list ({seen})")
    if result.outcome == ListOutcome.EXHAUSTED:
        return Check(name=name, outcome="fail", evidence=evidence,
                     detail=f"@{worker} has not reposted {where}: its reposts list ends without "
                            f"@{worker} ({seen})")
    if result.outcome == ListOutcome.TRUNCATED:
        return adapter.unknown(name, f"@{worker} was not among the first {seen} who reposted "
                                     f"{where} and the list goes on past the page limit",
                               evidence)
    return adapter.unknown(name, result.detail or "the reposts list was not readable", evidence)
