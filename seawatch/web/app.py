"""The FastAPI application: :func:`create_app` wires store, accounts, live map and routes."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from seawatch import __version__
from seawatch.config import Settings
from seawatch.errors import ConflictError, DataError, NotFoundError, PositionError
from seawatch.web import api, cap, drifts, pages
from seawatch.web.accounts import AccountStore
from seawatch.web.auth import HashSlots, LoginLimiter
from seawatch.web.cache import QueryCache
from seawatch.web.mapcache import MapCache, Renderer
from seawatch.web.models import describe_errors, record_json
from seawatch.web.risk import RiskData
from seawatch.web.security import (
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    security_headers,
)

log = logging.getLogger("seawatch.web")
STATIC = Path(__file__).with_name("static")
MAX_ERRORS = 20  # validation errors listed in one 422 answer

DESCRIPTION = """\
Incidents off Libya for the coordination group: report, move, correct and retract incidents,
read their history, ask the capsize hazard at a point.

Scripts authenticate with `Authorization: Bearer TOKEN` (`seawatch users token NAME`).
Positions are WGS84 decimal degrees; GeoJSON follows RFC 7946 (`[lon, lat]`); times are UTC.
Invalid input answers 422 with `detail`, one line saying what is wrong.
`GET /api/incidents` answers carry an `ETag`: poll with `If-None-Match` to get an empty 304 while
nothing changed; with `Accept-Encoding: gzip` they come compressed (about 9 times smaller).
"""


def create_app(
    settings: Settings,
    *,
    store: Any | None = None,
    accounts: AccountStore | None = None,
    render: Renderer | None = None,
    login_limiter: LoginLimiter | None = None,
    map_poll_seconds: float = 5.0,
) -> FastAPI:
    """Build the seawatch web service.

    Parameters
    ----------
    settings
        Effective settings (``[web]``, ``[store] url``, data directory, language).
    store
        Incident store (default :meth:`IncidentStore.from_settings`).
    accounts
        Account store (default: in the incident store's database).
    render
        Live-map renderer (default :func:`seawatch.maps.interactive.render_interactive`).
    login_limiter
        Sign-in rate limit (growing delays per address and name; see :class:`LoginLimiter`).
    map_poll_seconds
        How often the live map looks for a new risk file.
    """
    if store is None:
        from seawatch.incidents.store import IncidentStore

        store = IncidentStore.from_settings(settings)
    accounts = accounts or AccountStore.from_settings(settings)
    map_cache = MapCache(
        settings, snippet=pages.editor_snippet, render=render, poll_seconds=map_poll_seconds
    )
    from seawatch.incidents.drifts import DriftStore

    drift_store = DriftStore(store)
    drift_runner = drifts.DriftRunner(settings, drift_store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interrupted = drift_store.interrupt_unfinished()
        if interrupted:
            log.warning("%d drift(s) left unfinished by the last run marked failed", interrupted)
        map_cache.start()
        app.state.hash_slots.start()
        log.info("seawatch web service ready (data in %s)", settings.data_dir)
        try:
            yield
        finally:
            map_cache.stop()
            drift_runner.stop()
            app.state.hash_slots.close()
            store.close()
            accounts.close()
            log.info("seawatch web service stopped")

    app = FastAPI(
        title="seawatch",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.accounts = accounts
    app.state.map_cache = map_cache
    app.state.risk = RiskData(settings)
    app.state.login_limiter = login_limiter or LoginLimiter()
    app.state.hash_slots = HashSlots()
    app.state.query_cache = QueryCache(store)
    sqlite = getattr(store, "dialect", "") == "sqlite"
    app.state.write_lock = threading.Lock() if sqlite else contextlib.nullcontext()
    app.state.log = log
    app.state.drifts = drift_store
    app.state.drift_runner = drift_runner

    if settings.web.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.web.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.web.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    _add_error_handlers(app)
    app.include_router(api.router)
    app.include_router(drifts.router)
    app.include_router(pages.router)
    app.include_router(cap.router)
    app.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    return app


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in (
        "/healthz",
        "/openapi.json",
        "/incidents.csv",
        "/incidents.geojson",
    ):
        return False
    return "text/html" in request.headers.get("accept", "")


async def _error(
    request: Request, status: int, detail: str, signed_in: bool = True, **extra: Any
) -> Response:
    """The error as a page for a browser, JSON otherwise. The page's header names who is
    signed in, read in a worker thread (not on the event loop); not when the error is the
    database itself (``signed_in=False``: the read would wait out the same fault)."""
    if _wants_html(request):
        who = await run_in_threadpool(pages.page_principal, request) if signed_in else None
        response = pages.error_page(request, status, detail, who=who)
        if status >= 500:
            # Starlette answers these outside the middleware that adds the security headers
            response.headers.update(security_headers(request.url.scheme == "https"))
        return response
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        found = exc.errors()
        # A body of a million unknown keys must not answer with megabytes of errors.
        errors = describe_errors(found[:MAX_ERRORS])
        detail = "; ".join(e["message"] for e in errors) or "the request is not valid"
        if len(found) > MAX_ERRORS:
            detail += f"; and {len(found) - MAX_ERRORS} more problems"
        return await _error(request, 422, detail, errors=errors)

    @app.exception_handler(DataError)
    @app.exception_handler(PositionError)
    async def invalid_data(request: Request, exc: Exception) -> Response:
        return await _error(request, 422, str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return await _error(request, 404, str(exc))

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        current = record_json(exc.current) if isinstance(exc.current, dict) else None
        return JSONResponse({"detail": str(exc), "current": current}, status_code=409)

    @app.exception_handler(pages.LoginRequiredError)
    async def login_required(request: Request, exc: pages.LoginRequiredError) -> Response:
        return pages.login_redirect(request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and _wants_html(request):
            return pages.login_redirect(request)
        response = await _error(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback for the operator; the person gets a page, not
        # "Internal Server Error" in plain text.
        return await _error(
            request,
            500,
            "an unexpected error; the operator finds it in the service log",
        )

    @app.exception_handler(sa.exc.OperationalError)
    async def database_busy(request: Request, exc: sa.exc.OperationalError) -> Response:
        log.error("incident database error: %s", str(exc.orig).splitlines()[0])
        response = await _error(
            request, 503, "the incident database is busy or unreachable; try again", signed_in=False
        )
        response.headers["Retry-After"] = "5"
        return response


__all__ = ["create_app"]
