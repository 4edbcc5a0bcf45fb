"""The ASGI application: ``verifier serve`` runs ``create_app(settings)``.

FastAPI, because the contract asks for a generated OpenAPI document and the
verdict and proof models are already pydantic: the schema comes from the
same models that validate. The store is synchronous SQLAlchemy, so the
routes that touch it are plain functions FastAPI runs in its thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from redis import Redis
from rq import Queue
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from verifier import __version__
from verifier.api.intake import ApiError, accept, parse_submission
from verifier.api.limits import BadJson, BodyLimitMiddleware, parse_json
from verifier.api.schemas import install_openapi
from verifier.metrics import api_registry
from verifier.models import Verdict
from verifier.settings import Settings
from verifier.store import Store


@dataclass
class ApiState:
    settings: Settings
    store: Store
    redis: Redis
    queue: Queue
    metrics: CollectorRegistry


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


_bearer = HTTPBearer(auto_error=False, description="A marketplace's API token "
                                                  "(`verifier token create NAME`).")


def marketplace_of(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The marketplace the bearer token belongs to; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "missing API token: send Authorization: Bearer TOKEN")
    market = _state(request).store.marketplaces.authenticate(credentials.credentials)
    if market is None:
        raise ApiError(401, "invalid or revoked API token")
    return market


Marketplace = Annotated[str, Depends(marketplace_of)]


def create_app(settings: Settings, *, store: Store | None = None,
               redis: Redis | None = None) -> FastAPI:
    from jobs.connections import redis_from_url
    from jobs.queues import get_queue

    if not settings.redis_url and redis is None:
        raise RuntimeError("REDIS_URL is needed by the API (proofs go through the queue)")
    own_store = store is None
    store = store or Store(settings.db_url)
    conn = redis or redis_from_url(settings.redis_url or "")
    queues = [settings.queue_name, settings.webhook_queue_name]
    state = ApiState(settings, store, conn, get_queue(conn, settings),
                     api_registry(store, conn, queues))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_store:
            store.close()

    app = FastAPI(
        title="microtask-verifier", version=__version__, lifespan=lifespan,
        description="Submit micro-task proofs, read verdicts; verdicts are also sent as "
                    "signed webhooks to each proof's callback_url.",
    )
    app.state.api = state
    app.add_middleware(BodyLimitMiddleware, limit=settings.api_max_body_bytes)
    _errors(app)
    _routes(app)
    from verifier.review import install as install_review

    install_review(app)

    from verifier.api.reverify import router as reverify_router  # imports this module

    app.include_router(reverify_router)
    install_openapi(app)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [".".join(str(x) for x in e["loc"]) + f": {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(DBAPIError)
    async def store_down(_: Request, exc: DBAPIError) -> JSONResponse:
        # A database outage is the operator's problem, not a bad request: say so and
        # when to come back; nothing was half-stored (each write is one transaction).
        return JSONResponse({"error": "the verifier's database is unavailable; retry later"},
                            status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))


def _routes(app: FastAPI) -> None:
    @app.post("/v1/proofs", status_code=202, tags=["proofs"],
              summary="Submit a proof or a batch {\"proofs\": [...]}",
              openapi_extra={"x-body": "ProofSubmission"})
    async def submit(request: Request, marketplace: Marketplace) -> JSONResponse:
        state = _state(request)
        try:
            raw = parse_json(await request.body())
        except BadJson as exc:
            raise ApiError(400, str(exc)) from exc
        proofs, batch = parse_submission(raw, marketplace, state.settings.callback_host_set,
                                         state.settings.api_max_batch)
        results = await run_in_threadpool(accept, state.store, state.queue, proofs)
        if batch:
            return JSONResponse({"proofs": results}, status_code=202)
        return JSONResponse(results[0], status_code=202,
                            headers={"Location": results[0]["status_url"]})

    @app.get("/v1/proofs/{proof_id}", tags=["proofs"], response_model=Verdict,
             response_model_exclude_none=True, summary="The proof's current verdict")
    def get_proof(proof_id: str, request: Request, marketplace: Marketplace) -> Any:
        store = _state(request).store
        proof = store.get_proof(proof_id)
        # Another marketplace's proof is indistinguishable from a missing one.
        if proof is None or proof.marketplace != marketplace:
            raise ApiError(404, f"no proof {proof_id}")
        verdict = store.get_verdict(proof_id)
        assert verdict is not None
        return JSONResponse(verdict.to_json())

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def prometheus(request: Request) -> Response:
        state = _state(request)
        data = generate_latest(state.metrics)
        return Response(data, media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["operations"], summary="The process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"],
             summary="The database (at the current schema) and Redis answer")
    def readyz(request: Request) -> JSONResponse:
        state = _state(request)
        problems = []
        try:
            state.store.check_schema("the API")
        except Exception as exc:
            problems.append(f"database: {exc}")
        try:
            state.redis.ping()
        except Exception as exc:
            problems.append(f"redis: {exc}")
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems},
                                status_code=503)
        return JSONResponse({"status": "ready"})


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` with several processes: settings from the environment."""
    from verifier.settings import get_settings

    return create_app(get_settings())
