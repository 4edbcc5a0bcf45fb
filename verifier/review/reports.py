"""The audit log (filterable, exportable as CSV) and the dashboard."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from verifier.review import charts
from verifier.review.web import SECURITY_HEADERS, Session, render, store

router = APIRouter(prefix="/review", include_in_schema=False)
AUDIT_FILTERS = ("moderator", "decision", "proof_id", "campaign", "since", "until")
PER_PAGE = 100
CSV_COLUMNS = ("at", "moderator", "proof_id", "from_status", "to_status", "note", "marketplace",
               "campaign", "platform", "action", "worker_id")


def _audit_filters(request: Request) -> dict[str, str]:
    values = {k: request.query_params.get(k, "").strip()[:128] for k in AUDIT_FILTERS}
    if values["decision"] not in ("", "approved", "rejected"):
        values["decision"] = ""
    return values


@router.get("/audit")
def audit_page(request: Request, session: Session) -> Response:
    filters = _audit_filters(request)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    review = store(request).review
    rows, total = review.audit(**filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render(request, "audit.html", session=session, rows=rows, total=total, page=page,
                  pages=max(1, math.ceil(total / PER_PAGE)), filters=filters,
                  params={k: v for k, v in filters.items() if v},
                  moderators=review.moderator_names())


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = value.isoformat() if isinstance(value, datetime) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/audit.csv")
def audit_csv(request: Request, _: Session) -> Response:
    """Every decision the filters keep, newest first, as CSV."""
    filters = _audit_filters(request)
    rows, _total = store(request).review.audit(**filters, limit=1_000_000)  # type: ignore[arg-type]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="moderation-audit-{stamp}.csv"'})


@router.get("/dashboard")
def dashboard(request: Request, session: Session) -> Response:
    data = store(request).review.dashboard()
    order = ("flagged", "approved", "rejected", "pending")
    status = [(s, data["status"].get(s, 0)) for s in order]
    figures = {
        "status": charts.hbars(status, "Proofs per status", charts.STATUS_COLOURS),
        "cells": charts.hbars(data["cells"][:15], "Proofs per platform and action"),
        "reasons": charts.hbars(data["reasons"], "Top flag reasons (failing or unknown check)"),
        "throughput": charts.columns(data["days"], data["throughput"],
                                     "Decisions per moderator per day"),
        "flow": charts.columns(data["days"], {"flagged by the verifier": data["new_flags"],
                                              "cleared by moderators": data["cleared"]},
                               "Flagged and cleared per day"),
    }
    return render(request, "dashboard.html", session=session, data=data, figures=figures,
                  now=datetime.now(UTC))
