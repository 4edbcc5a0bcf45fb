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

from playwright.sync_api import Page

from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Check, Proof
from verifier.platforms.base import LiveEnv, Target, reveal
from verifier.platforms.visit import LayoutChanged, NotFound, Stop, Visit, Wall
from verifier.platforms.x import ListOutcome, ListResult, XAdapter
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

    outcome: str = ListOutcome.EXHAUSTED
    tweets: list[XTweet] = field(default_factory=list)
    pages: int = 0


def check_like(name: str) -> Check:
    return Check(name=name, outcome="skipped", detail=LIKES_PRIVATE)


# -- comment -----------------------------------------------------------------------------


def check_comment(adapter: XAdapter, name: str, proof: Proof, target: Target,
                  env: LiveEnv) -> Check:
    worker = adapter.worker(name, proof, "comment")
    if isinstance(worker, Check):
        return worker
    where = f"@{target.owner}'s post {target.key}"
    stopped: Stop | None = None
    with adapter.visit(env) as visit:
        try:
            replies = _read_replies(adapter, visit, target, worker, env)
        except Stop as stop:
            replies, stopped = Replies(), stop
        mine = [t for t in replies.tweets if t.screen_name.lower() == worker.lower()]
        if mine:
            _reveal(adapter, visit.page, mine[0].text)
        visit.shot()
        if mine:
            visit.put_json({
                "post": target.url, "replies": [
                    {"id": t.rest_id, "screen_name": t.screen_name, "text": t.text}
                    for t in mine]})
    evidence = visit.evidence
    if isinstance(stopped, LayoutChanged):
        return adapter.unknown(name, stopped.detail, evidence)
    if stopped is not None:
        return adapter.unknown(name, f"{stopped.detail}; the comment could not be checked",
                               evidence)
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


def _read_replies(adapter: XAdapter, visit: Visit, target: Target, worker: str,
                  env: LiveEnv) -> Replies:
    """Read the post page's TweetDetail pages until the worker's reply shows or they end."""
    operation = adapter.gql["tweet"]
    result = Replies()
    adapter._open(visit, target.url)
    page, capture = visit.page, adapter.capture(visit)
    adapter._wait_for(visit, operation, 1)
    seen: list[XTweet] = []
    index = 0
    while True:
        pages = capture.of(operation)
        if index >= len(pages):
            if index == 0:
                wall = adapter._wall(visit)
                if wall:
                    raise Wall(*wall)
                raise LayoutChanged(f"the post page {target.url} fetched no {operation}")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            if not adapter._wait_for(visit, operation, index + 1):
                raise adapter.stopped(visit, f"X stopped loading replies on {target.url} after "
                                             f"{result.pages} page(s)")
            continue
        status, body = pages[index]
        index += 1
        if status != 200 or not isinstance(body, dict):
            raise adapter.stopped(visit, f"X answered {status} for {target.url}")
        if set(adapter.gql["missing_post_error_codes"]) & set(graphql_error_codes(body)):
            raise NotFound(f"X says the post {target.key} does not exist (deleted?), so nothing "
                           "on it can be checked", outcome="unknown")
        conversation = parse_tweet_detail(body)
        if conversation is None:
            raise LayoutChanged(f"{operation} for {target.url} holds no conversation")
        if index == 1 and not _logged_in(adapter, page):
            raise Wall("login", "X showed the post to a logged-out visitor (checker session "
                                "missing or expired), and replies are shown only to logged-in "
                                "accounts")
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
    worker = adapter.worker(name, proof, "share")
    if isinstance(worker, Check):
        return worker
    url = f"{target.url}/{adapter.data['post_pages']['reposts']}"
    where = f"@{target.owner}'s post {target.key}"
    result: ListResult | None = None
    stopped: Stop | None = None
    with adapter.visit(env) as visit:
        try:
            result = adapter._scan_list(visit, url, adapter.gql["retweeters"], worker, env)
        except Stop as stop:
            stopped = stop
        missing = set(adapter.gql["missing_post_error_codes"])
        codes = {c for _op, _s, body in adapter.capture(visit).responses
                 for c in graphql_error_codes(body)}
        visit.shot()
        if result is not None and result.match is not None:
            visit.put_json({
                "rest_id": result.match.rest_id, "screen_name": result.match.screen_name,
                "list": url})
    evidence = visit.evidence
    if missing & codes:
        return adapter.unknown(name, f"X says the post {target.key} does not exist (deleted?), "
                                     "so its reposts cannot be checked", evidence)
    if result is None or stopped is not None:
        assert stopped is not None
        if isinstance(stopped, NotFound):  # the post's author: the post cannot be there
            return adapter.unknown(name, stopped.detail, evidence)
        return adapter.unknown(name, f"{stopped.detail}; the repost could not be checked",
                               evidence)
    return _share_verdict(adapter, name, worker, where, result, evidence)


def _share_verdict(adapter: XAdapter, name: str, worker: str, where: str, result: ListResult,
                   evidence: list[str]) -> Check:
    seen = f"{result.users_seen} accounts over {result.pages} page(s)"
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
