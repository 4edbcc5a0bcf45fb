"""``POST /v1/reverify`` and ``GET /v1/batches/{id}``: re-verification over HTTP.

A batch is scoped to the token's marketplace: it selects only that
marketplace's proofs, and another marketplace's batch id is a 404, as a
proof id is.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from verifier.api.app import Marketplace, _state
from verifier.api.intake import ApiError
from verifier.cli_reverify import parse_since
from verifier.models import Action, Platform
from verifier.store.retention import Filters

router = APIRouter(tags=["re-verification"])


class ReverifyRequest(BaseModel):
    """The same filters as ``verifier reverify``; all optional."""

    model_config = ConfigDict(extra="forbid")

    since: str | None = Field(default=None, description="Decided at or after: an ISO date "
                                                        "or time, or an age such as 14d")
    action: Action | None = None
    platform: Platform | None = None
    campaign: str | None = None
    status: Literal["approved", "flagged", "rejected", "any"] = "approved"


class BatchCounts(BaseModel):
    batch_id: str
    total: int
    done: int
    queued: int
    checked: int
    held: int
    dropped: int
    unknown: int
    skipped: int = Field(description="Proof-only proofs: nothing a third party can re-check")
    finished: bool
    created_at: str
    filters: dict[str, Any]


@router.post("/v1/reverify", status_code=202, response_model=BatchCounts,
             summary="Start re-checking decided proofs (is the action still there?)")
def start(body: ReverifyRequest, request: Request, marketplace: Marketplace) -> JSONResponse:
    from jobs.queues import get_reverify_queue
    from jobs.reverify import start_batch

    state = _state(request)
    try:
        filters = Filters(since=parse_since(body.since), action=body.action,
                          platform=body.platform, campaign=body.campaign, status=body.status,
                          marketplace=marketplace)
    except ValueError as exc:
        raise ApiError(422, f"since: {exc}") from exc
    batch = start_batch(state.store, get_reverify_queue(state.redis, state.settings), filters)
    url = f"/v1/batches/{batch.id}"
    return JSONResponse({**batch.to_json(), "status_url": url}, status_code=202,
                        headers={"Location": url})


@router.get("/v1/batches/{batch_id}", response_model=BatchCounts,
            summary="A re-verification batch's progress and counts")
def progress(batch_id: str, request: Request, marketplace: Marketplace) -> JSONResponse:
    batch = _state(request).store.retention.batch(batch_id)
    if batch is None or batch.marketplace != marketplace:
        raise ApiError(404, f"no batch {batch_id}")
    return JSONResponse(batch.to_json())
