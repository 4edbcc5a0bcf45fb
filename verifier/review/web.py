"""What every review page shares: templates, the session, CSRF, headers.

A request without a live session never reaches a page's code: the
``moderator`` dependency raises ``NotSignedIn``, whose handler sends the
browser to the sign-in page. Every POST carries the session's CSRF token
in a hidden field (the session cookie is also ``SameSite=Lax``); the
sign-in form, which has no session yet, uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from rq import Queue

from verifier.api.app import ApiState
from verifier.store import Store
from verifier.store.moderators import ReviewSession

SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_signin"
# Everything from this server: no CDN, no inline script, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; script-src 'self'; "
                               "style-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

templates = Environment(loader=PackageLoader("verifier.review", "templates"),
                        autoescape=select_autoescape(("html", "svg")),
                        trim_blocks=True, lstrip_blocks=True)
templates.filters["qs"] = lambda params: urlencode(params)
templates.filters["when"] = lambda dt: dt.strftime("%Y-%m-%d %H:%M") if dt else ""


class NotSignedIn(Exception):
    """No live session: the page is not shown."""


class Forbidden(Exception):
    """A form without its CSRF token (or with another session's)."""


def state(request: Request) -> ApiState:
    api: ApiState = request.app.state.api
    return api


def store(request: Request) -> Store:
    return state(request).store


def webhook_queue(request: Request) -> Queue:
    """The webhook queue, made once per app."""
    queue: Queue | None = getattr(request.app.state, "review_webhooks", None)
    if queue is None:
        from jobs.queues import get_webhook_queue

        api = state(request)
        queue = get_webhook_queue(api.redis, api.settings)
        request.app.state.review_webhooks = queue
    return queue


def current_session(request: Request) -> ReviewSession:
    session = store(request).moderators.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotSignedIn
    return session


Session = Annotated[ReviewSession, Depends(current_session)]


async def form_of(request: Request) -> dict[str, list[str]]:
    """The urlencoded body (the review forms post nothing else)."""
    body = (await request.body()).decode("utf-8", "replace")
    return parse_qs(body, keep_blank_values=True, max_num_fields=2000)


def first(form: dict[str, list[str]], name: str, limit: int = 2000) -> str:
    return (form.get(name) or [""])[0][:limit]


def check_csrf(session: ReviewSession, form: dict[str, list[str]]) -> None:
    if not hmac.compare_digest(first(form, "csrf").encode(), session.csrf.encode()):
        raise Forbidden


def render(request: Request, name: str, status_code: int = 200,
           session: ReviewSession | None = None, **context: Any) -> HTMLResponse:
    html = templates.get_template(name).render(request=request, session=session, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def signin_page(request: Request, error: str = "", status_code: int = 200) -> Response:
    """The sign-in form with a fresh double-submit token in cookie and form."""
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", status_code=status_code, csrf=token, error=error)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/review",
                        secure=request.url.scheme == "https", max_age=3600)
    return response


@dataclass(frozen=True)
class Flash:
    """A one-line message carried in the URL after a redirect (?done=...)."""

    text: str
    kind: str = "ok"
