"""The moderator review pages (contract §5), served by ``verifier serve``.

``install(app)`` mounts them on the API's FastAPI app; ``create_moderator``
makes an account with a generated password (the demo prints it).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from verifier.store import Store

STATIC_DIR = Path(__file__).parent / "static"

__all__ = ["create_moderator", "install"]


def create_moderator(store: Store, name: str = "moderator") -> tuple[str, str]:
    """A moderator ``name`` with a generated password; returns (name, password)."""
    store.create_schema()
    return store.moderators.create_with_password(name)


def install(app: FastAPI) -> None:
    """Mount the review routes, their static files and their error pages."""
    from verifier.review import pages, reports
    from verifier.review.web import Forbidden, NotSignedIn, redirect, render

    app.include_router(pages.router)
    app.include_router(reports.router)
    # CSS and the keyboard script only: public, so the sign-in page is styled.
    app.mount("/static/review", StaticFiles(directory=STATIC_DIR), name="review-static")

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _: NotSignedIn) -> Response:
        return redirect("/review")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Forbidden) -> HTMLResponse:
        return render(request, "forbidden.html", 403)
