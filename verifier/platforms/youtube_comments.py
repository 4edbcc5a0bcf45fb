"""YouTube comment check: the worker's comment among the watch page's own comment JSON.

Kept apart from ``youtube.py`` (targets, likes, page loading) because reading
comments is its own loop: the page fetches them from ``/youtubei/v1/next`` only
as the reader scrolls, so the check scrolls, waits for each response and reads
them in fetch order, as YouTube's own client does.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page

from verifier.forensics.comments import Comment as Said
from verifier.forensics.comments import judge_comment
from verifier.models import Check, Proof
from verifier.platforms.base import LiveEnv, Target, reveal
from verifier.platforms.comment_times import relative_time
from verifier.platforms.visit import LayoutChanged, NotFound, Stop, Visit
from verifier.platforms.youtube_capture import JsonCapture
from verifier.platforms.youtube_data import (
    Comment,
    CommentPage,
    comment_text_problem,
    extract_var,
    first,
    parse_comments,
    parse_watch,
    text_of,
    walk,
)

if TYPE_CHECKING:
    from verifier.platforms.youtube import YouTubeAdapter


def check_comment(adapter: YouTubeAdapter, name: str, proof: Proof, worker: str,
                  target: Target, env: LiveEnv) -> Check:
    data_spec = adapter.data
    capture = JsonCapture(adapter.json_re)
    with Visit(env, "youtube", capture=capture, record_blocked=False) as visit:
        adapter.consent(visit)
        try:
            title = _commentable(adapter, visit, target)
        except Stop as stop:
            visit.shot()
            return Check(name=name, outcome=stop.outcome, detail=stop.detail,
                         evidence=visit.evidence)
        found, seen, outcome, detail, read = _scan_comments(adapter, visit.page, capture,
                                                            worker, proof, env)
        if found is not None:
            _reveal(visit.page, data_spec["selectors"]["comment"], found.text)
            visit.put_json({
                "video": target.key, "comment_id": found.comment_id, "author": found.author,
                "author_channel_id": found.author_channel_id, "text": found.text})
        visit.shot()
    evidence = visit.evidence
    who = f"@{worker.lstrip('@')}" if worker.startswith("@") else worker
    where = f"\u201c{title}\u201d ({seen} comment(s) read)"
    if outcome == "pass" and found is not None:
        # The same words as another account's comment: the cheapest comment fraud.
        # YouTube's order ("Top comments") says nothing of who wrote first, but each
        # comment's "2 days ago" does: a later copy fails, the same age flags both.
        mine, now = [c for c in read if _mine(c, worker)], time.time()
        judged = [Said(worker if c in mine else c.author, c.text, *(relative_time(
            c.published, data_spec["published_time"], now) or (None, 0.0))) for c in read]
        copied = judge_comment(name, [worker], judged, proof.task, where, evidence)
        if copied.outcome != "pass":
            return copied
        return Check(name=name, outcome="pass", evidence=evidence,
                     detail=f"{who} commented on {where}: \u201c{found.text}\u201d")
    if outcome == "mismatch" and found is not None:
        return Check(name=name, outcome="fail", evidence=evidence,
                     detail=f"{who}'s comment on {where} {detail}: \u201c{found.text}\u201d")
    if outcome == "exhausted":
        return Check(name=name, outcome="fail", evidence=evidence,
                     detail=f"no comment by {who} on {where}")
    return adapter.unknown(name, detail, evidence)


def _commentable(adapter: YouTubeAdapter, visit: Visit, target: Target) -> str:
    """The video's title, once its watch page shows a comment section to read; else the
    ``Stop`` saying why not."""
    js = adapter.js
    html = adapter.open(visit, target.url, "the video")[1]
    video = adapter.video(visit, html, target)
    title = video.title or target.key
    data = extract_var(html, adapter.data["page_vars"]["data"])
    watch = parse_watch(data, None, js["comments_section"])
    if watch is None:
        raise LayoutChanged("the watch page's ytInitialData has no video owner")
    if watch.comments_token is None:
        off = _comments_message(data, js["comments_section"])
        if off:
            raise NotFound(f"nobody can comment on \u201c{title}\u201d: "
                           f"YouTube says \u201c{off}\u201d")
        raise LayoutChanged("the watch page has no comment section continuation")
    return title


def _comments_message(data: dict[str, Any] | None, comments_section: str) -> str:
    """What the comment section says instead of comments ("Comments are turned off")."""
    for section in walk(data, "itemSectionRenderer"):
        if isinstance(section, dict) and section.get("sectionIdentifier") == comments_section:
            message = first(section.get("contents"), "messageRenderer")
            if isinstance(message, dict):
                return text_of(message.get("text"))
    return ""


def _mine(comment: Comment, worker: str) -> bool:
    """A worker given as ``channel/UC...`` has no handle to match: their channel id decides."""
    channel_id = worker.removeprefix("channel/") if worker.startswith("channel/") else ""
    return comment.by(worker) or (bool(channel_id) and comment.author_channel_id == channel_id)


def _scan_comments(adapter: YouTubeAdapter, page: Page, capture: JsonCapture, worker: str,
                   proof: Proof, env: LiveEnv
                   ) -> tuple[Comment | None, int, str, str, list[Comment]]:
    """Read comment pages in fetch order: (comment, seen, outcome, detail, all read).

    After the worker's comment is found the remaining pages are read too
    (up to the page limit), so a copy of a comment further down is seen.
    """
    js, walls = adapter.js, adapter.walls
    endpoint = js["comments_endpoint"]
    try:
        page.locator(adapter.data["selectors"]["comments"]).first.scroll_into_view_if_needed()
    except Exception:
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    seen, index = 0, 0
    mismatch: Comment | None = None
    mismatch_detail = ""
    passed: Comment | None = None
    read: list[Comment] = []
    task = proof.task
    while True:
        arrived = index < len(capture.of(endpoint)) or capture.wait_for(
            page, endpoint, index + 1)
        if not arrived:
            if passed is not None:
                return passed, seen, "pass", "", read
            wall = capture.wall(walls)
            return mismatch, seen, "unknown", wall or (
                f"YouTube stopped loading comments after {index} page(s)"), read
        status, body = capture.of(endpoint)[index]
        index += 1
        if status != 200 or not isinstance(body, dict):
            if passed is not None:
                return passed, seen, "pass", "", read
            wall = capture.wall(walls)
            return (mismatch, seen, "unknown",
                    wall or f"YouTube answered {status} for comments", read)
        result = parse_comments(body, js["comments_key"], js["comment_renderer"],
                                js["thread_renderer"], js["comment_view_model"],
                                js["comment_entity"])
        changed = _layout_problem(result, first_page=index == 1, keys=js)
        if changed:
            # A page not understood proves nothing either way: never a fail.
            if passed is not None:
                return passed, seen, "pass", "", read
            return mismatch, seen, "unknown", f"layout changed: {changed}", read
        seen += len(result.comments)
        read.extend(result.comments)
        for comment in result.comments:
            if passed is not None or not _mine(comment, worker):
                continue
            problem = comment_text_problem(comment.text, task.comment_text,
                                           task.min_comment_words)
            if problem is None:
                passed = comment
            elif mismatch is None:
                mismatch, mismatch_detail = comment, problem
        if not result.continuation or index >= env.settings.max_list_pages:
            if passed is not None:
                return passed, seen, "pass", "", read
            if mismatch is not None:
                return mismatch, seen, "mismatch", mismatch_detail, read
            if not result.continuation:
                return None, seen, "exhausted", "", read
            return None, seen, "unknown", (f"no comment by the worker among the first {seen} "
                                           "and the comments go on past the page limit"), read
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")


def _layout_problem(result: CommentPage, first_page: bool, keys: dict[str, Any]) -> str:
    """Why a comments response was not understood, or "" when it was.

    A ``fail`` ("no comment by the worker") is only honest on pages whose
    comments were all read: a response without the expected structure, a
    thread in an unknown shape, or a header announcing comments of which none
    could be read all mean YouTube changed its format.
    """
    if not result.layout_ok:
        return f"the comments response has no {keys['comments_key']}"
    if result.unread:
        return (f"{result.unread} comment thread(s) in a shape this verifier does not read "
                f"(neither {keys['comment_view_model']} nor {keys['comment_renderer']})")
    if result.comments:
        return ""
    if first_page and result.announced is None:
        return "the first comments response has neither a comment count nor a comment"
    if result.announced:
        return f"YouTube announces {result.announced} comment(s) but none could be read"
    return ""


def _reveal(page: Page, selector: str, text: str) -> None:
    """Bring the matched comment into view so the capture shows it to a moderator."""
    reveal(page.locator(selector).filter(has_text=text[:60]))
