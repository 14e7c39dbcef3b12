"""The app factory: ``create_app(settings)`` wires the database, the API, the pages, the
static files, the error handlers and the security headers together.

Layout (after tiangolo's full-stack-fastapi-template): ``core/`` (config, db, security),
``models.py`` (tables), ``schemas.py`` (API bodies), ``crud.py`` (database operations),
``api/`` (``/api/v1`` routes and their dependencies), ``pages.py`` with ``templates/`` and
``static/`` (server-rendered pages), ``migrations/`` (Alembic).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from magnerve import __version__, foods
from magnerve.errors import InputError
from magnerve.web.api.main import api_router
from magnerve.web.core.config import Settings
from magnerve.web.core.db import make_engine, make_sessionmaker, migrate

__all__ = [
    "DATABASE_URL_ENV",
    "SECURITY_HEADERS",
    "create_app",
    "create_worker_app",
    "warm_food_data",
]

# How `magnerve serve --workers N` hands the database URL to its worker processes.
DATABASE_URL_ENV = "MAGNERVE_WEB_DATABASE_URL"

# Scripts and styles only from this server's /static (no inline script, no CDN).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and ``Cache-Control: no-store`` on
    everything but static files) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [h for h in self._headers if h[0] not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _input_error(request: Request, exc: Exception) -> JSONResponse:
    """A user mistake found by the core or the web layer: 422 with the field path."""
    assert isinstance(exc, InputError)
    item: dict[str, Any] = {
        "loc": list(exc.loc) or ["body"],
        "msg": str(exc),
        "type": type(exc).__name__,
    }
    if exc.line is not None:
        item["line"] = exc.line
    suggestions = getattr(exc, "suggestions", None)
    if suggestions:
        item["suggestions"] = list(suggestions)
    return JSONResponse({"detail": [item]}, status_code=422)


async def _healthz() -> Response:
    """Liveness: the process answers (no database call, no thread; the load benchmark's
    baseline)."""
    return Response(b'{"status":"ok"}', media_type="application/json")


#: What a worker reads once before its first request (any food line and prefix would do).
_WARM_LINE = "1 cup milk"
_WARM_PREFIX = "alm"


def warm_food_data() -> None:
    """Load the core's food data once per process: the food table, the search index, the
    measures and the autocomplete completions (about 0.3 s here). Without it every search
    before the process's first diary line reads its rows from the SR28 file again (about
    1.3 ms of a 2.1 ms search)."""
    foods.parse_line(_WARM_LINE, aliases={})
    foods.suggest(_WARM_PREFIX, 1)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(warm_food_data)
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The magnerve web app.

    Parameters
    ----------
    settings : Settings, optional
        Database and security settings; default ``Settings()`` (the SQLite file in the data
        directory).

    Returns
    -------
    fastapi.FastAPI
        With the Alembic migrations applied (unless ``settings.run_migrations`` is False).
    """
    from magnerve.web import pages, pages_more

    settings = settings or Settings()
    engine = make_engine(settings)
    if settings.run_migrations:
        migrate(engine)
    app = FastAPI(
        title="magnerve",
        version=__version__,
        summary="Magnesium status and nerve health: food diary API (screening and education).",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(pages.PageExit, pages.page_exit)
    app.include_router(api_router)
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    app.include_router(pages.router)
    app.include_router(pages_more.router)
    static = resources.files("magnerve.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(SecurityHeaders)
    return app


def create_worker_app() -> FastAPI:
    """The app of one ``magnerve serve --workers N`` worker process (a uvicorn factory).

    The database URL comes from the environment variable :data:`DATABASE_URL_ENV` (empty or
    unset: the default SQLite file). The migrations are not applied here: ``magnerve serve``
    applied them once before starting the workers, so they never race each other.

    Returns
    -------
    fastapi.FastAPI
        The app, on the database the parent process checked and migrated.
    """
    url = os.environ.get(DATABASE_URL_ENV, "")
    return create_app(Settings(database_url=url, run_migrations=False))
