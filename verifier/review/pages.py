"""Sign-in, the flagged queue, one proof, decisions (single and bulk), and
the images behind the session."""

from __future__ import annotations

import hmac
import math
from typing import Literal, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from verifier.evidence import EvidenceStore
from verifier.review import proofview
from verifier.review.decisions import moderate
from verifier.review.web import (
    LOGIN_COOKIE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    Flash,
    Session,
    check_csrf,
    first,
    form_of,
    redirect,
    render,
    signin_page,
    state,
    store,
    webhook_queue,
)
from verifier.store import UnknownProofError
from verifier.store.moderators import SESSION_TTL
from verifier.store.review import FACETS, QueueFilters

router = APIRouter(prefix="/review", include_in_schema=False)
PER_PAGE = 50
DECISIONS = {"approved": "approved", "approve": "approved", "rejected": "rejected",
             "reject": "rejected"}


def _flash(request: Request) -> Flash | None:
    done = request.query_params.get("done", "")[:300]
    if not done:
        return None
    kind = "bad" if done.startswith("error:") else "ok"
    return Flash(done.removeprefix("error:"), kind)


# -- sign-in -----------------------------------------------------------------------


@router.get("")
def queue_or_signin(request: Request) -> Response:
    """The queue for a signed-in moderator; the sign-in form for anyone else."""
    session = store(request).moderators.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return signin_page(request)
    filters = QueueFilters.from_query(request.query_params)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    review = store(request).review
    rows, total = review.queue(filters, page, PER_PAGE)
    facets = review.facets(filters)
    pages = max(1, math.ceil(total / PER_PAGE))
    return render(request, "queue.html", session=session, rows=rows, total=total, page=page,
                  pages=pages, filters=filters, facets=facets, facet_names=FACETS,
                  flash=_flash(request),
                  back=urlencode({**filters.params(), **({"page": str(page)} if page > 1 else {})}))


@router.post("/login")
async def sign_in(request: Request) -> Response:
    form = await form_of(request)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), first(form, "csrf").encode()):
        return signin_page(request, "The sign-in form expired; please try again.", 403)
    name, password = first(form, "username", 128), first(form, "password", 1024)
    address = request.client.host if request.client else None
    result = await run_in_threadpool(store(request).moderators.sign_in, name, password, address)
    if result.token is None:
        if result.locked_for is not None:
            minutes = max(1, math.ceil(result.locked_for.total_seconds() / 60))
            message = (f"Too many failed sign-ins for this name; try again in {minutes} "
                       f"minute{'s' if minutes > 1 else ''}.")
            return signin_page(request, message, 429)
        return signin_page(request, "Wrong username or password.", 401)
    response = redirect("/review")
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="lax",
                        path="/review", secure=request.url.scheme == "https",
                        max_age=int(SESSION_TTL.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/review")
    return response


@router.post("/logout")
async def sign_out(request: Request, session: Session) -> Response:
    check_csrf(session, await form_of(request))
    store(request).moderators.sign_out(request.cookies.get(SESSION_COOKIE))
    response = redirect("/review")
    response.delete_cookie(SESSION_COOKIE, path="/review")
    return response


# -- one proof ------------------------------------------------------------------------


@router.get("/proofs/{proof_id}")
def proof_page(proof_id: str, request: Request, session: Session) -> Response:
    st = store(request)
    proof, verdict = st.get_proof(proof_id), st.get_verdict(proof_id)
    if proof is None or verdict is None:
        return render(request, "missing.html", 404, session=session, proof_id=proof_id)
    filters = QueueFilters.from_query(request.query_params)
    evidence = EvidenceStore(state(request).settings.evidence_dir)
    view = proofview.build(proof, verdict, evidence, "/review/evidence/{ref}",
                           f"/review/proofs/{proof_id}/screenshots/{{n}}")
    history, counts = st.review.worker_history(proof.worker.id, proof_id)
    decided = counts.get("approved", 0) + counts.get("rejected", 0)
    rate = round(100 * counts.get("approved", 0) / decided) if decided else None
    exact = {seen.proof_id for ref in _image_shas(verdict) for seen in
             st.find_exact(ref, exclude_proof=proof_id, limit=20)}
    duplicates = list(dict.fromkeys([*view.duplicates, *sorted(exact)]))
    prev_id, next_id = st.review.neighbours(proof_id, filters)
    params = filters.params()
    back = urlencode(params)
    return render(request, "proof.html", session=session, proof=proof, verdict=verdict,
                  view=view, history=history, counts=counts, rate=rate, decided=decided,
                  duplicates=duplicates, prev_id=prev_id, next_id=next_id, back=back,
                  audit=st.audit(proof_id), flash=_flash(request),
                  moderatable=verdict.status in ("flagged", "approved"))


def _image_shas(verdict: object) -> list[str]:
    """The sha256 of each screenshot the verifier read (proof.screenshot's evidence)."""
    out: list[str] = []
    for check in getattr(verdict, "checks", []):
        if check.name == "proof.screenshot":
            out += [r.removeprefix("sha256:").split(".", 1)[0] for r in check.evidence
                    if proofview.is_image_ref(r)]
    return out


@router.post("/proofs/{proof_id}/decision")
async def decide(proof_id: str, request: Request, session: Session) -> Response:
    form = await form_of(request)
    check_csrf(session, form)
    decision = DECISIONS.get(first(form, "decision"))
    back = first(form, "back", 1000)
    if decision is None:
        return redirect(f"/review/proofs/{proof_id}?{back}&done=error:Choose+Approve+or+Reject")
    filters = QueueFilters.from_query(dict(_pairs(back)))
    st = store(request)
    _, next_id = st.review.neighbours(proof_id, filters)
    try:
        await run_in_threadpool(moderate, st, webhook_queue(request), proof_id,
                                cast(Literal["approved", "rejected"], decision),
                                session.moderator, first(form, "note", 4000).strip(),
                                state(request).settings)
    except (ValueError, UnknownProofError) as exc:
        return redirect(f"/review/proofs/{proof_id}?" + urlencode(
            {**filters.params(), "done": f"error:{exc}"}))
    done = urlencode({"done": f"{proof_id} {decision}"})
    if next_id:
        return redirect(f"/review/proofs/{next_id}?{back}&{done}" if back
                        else f"/review/proofs/{next_id}?{done}")
    return redirect(f"/review?{back}&{done}" if back else f"/review?{done}")


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=False)[:20]


@router.post("/bulk")
async def bulk(request: Request, session: Session) -> Response:
    """Approve or reject every selected proof with one note; each is its own
    decision (own log entry, own webhook)."""
    form = await form_of(request)
    check_csrf(session, form)
    decision = DECISIONS.get(first(form, "decision"))
    ids = list(dict.fromkeys(form.get("ids", [])))[:500]
    back = first(form, "back", 1000)
    if decision is None or not ids:
        return redirect(f"/review?{back}&" + urlencode(
            {"done": "error:Select proofs, then Approve selected or Reject selected"}))
    note = first(form, "note", 4000).strip()
    st, queue = store(request), webhook_queue(request)
    done, failed = 0, []
    for proof_id in ids:
        try:
            await run_in_threadpool(moderate, st, queue, proof_id,
                                    cast(Literal["approved", "rejected"], decision),
                                    session.moderator, note, state(request).settings)
            done += 1
        except (ValueError, UnknownProofError):
            failed.append(proof_id)
    text = f"{done} proof{'s' if done != 1 else ''} {decision}"
    if failed:
        text = f"error:{text}; not decided: {', '.join(failed[:10])}"
    return redirect(f"/review?{back}&" + urlencode({"done": text}))


# -- images, behind the session ---------------------------------------------------------


@router.get("/evidence/{ref}")
def evidence_file(ref: str, request: Request, _: Session) -> Response:
    """A stored image (capture or screenshot) by its content address."""
    if not proofview.is_image_ref(ref):
        return Response("not an image", 404)
    try:
        data = EvidenceStore(state(request).settings.evidence_dir).read(ref)
    except (OSError, ValueError):
        return Response("no such evidence", 404)
    kind = proofview.image_type(data)
    if kind is None:
        return Response("not an image", 415)
    return Response(data, media_type=kind, headers={
        **SECURITY_HEADERS, "Cache-Control": "private, max-age=86400"})


@router.get("/proofs/{proof_id}/screenshots/{n}")
def submitted_screenshot(proof_id: str, n: int, request: Request, _: Session) -> Response:
    """A screenshot the worker sent inline, decoded; its type read from its bytes."""
    proof = store(request).get_proof(proof_id)
    data = proofview.submitted_image(proof, n) if proof else None
    if data is None:
        return Response("no such screenshot", 404)
    return Response(data, media_type=proofview.image_type(data),
                    headers={**SECURITY_HEADERS, "Cache-Control": "private, max-age=3600"})
