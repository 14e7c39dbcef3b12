"""Dependencies of the API routes: the database session and the caller.

An API call is authenticated by a personal access token (``Authorization: Bearer mnv_…``)
or by the browser's session cookie. A cookie-authenticated call that changes something
(POST, PUT, PATCH, DELETE) must also send the session's CSRF token in ``X-CSRF-Token``;
token calls need none (a token is never sent by the browser on its own). A token of scope
``read`` is refused (403) on every such call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from magnerve.web import crud
from magnerve.web.core import security
from magnerve.web.core.config import Settings
from magnerve.web.models import AuthSession, User

__all__ = ["CSRF_HEADER", "Caller", "CurrentCaller", "Db", "client_ip", "get_db", "get_settings"]

CSRF_HEADER = "X-CSRF-Token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A database session for one request.

    Made in the event loop (a session touches the database only when first used, which
    happens in the route's thread) and closed there when it holds no connection; one
    still in a transaction is closed in the thread pool (closing rolls back, which may
    wait for the database). This saves two thread-pool round trips per request.
    """
    db: Session = request.app.state.sessionmaker()
    try:
        yield db
    finally:
        if db.in_transaction():
            await run_in_threadpool(db.close)
        else:
            db.close()


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


Db = Annotated[Session, Depends(get_db)]


def client_ip(request: Request) -> str:
    """The client's address as seen by the server (no proxy headers are trusted)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the account, how it signed in, and the browser session if any."""

    user: User
    via: Literal["cookie", "token"]
    session: AuthSession | None = None
    scope: str = "read_write"


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_caller(request: Request, db: Db) -> Caller:
    """The authenticated caller, or 401 (403 for a cookie call without its CSRF token, and
    for a write with a read-only token)."""
    settings = get_settings(request)
    auth = request.headers.get("authorization")
    if auth is not None:
        scheme, _, raw = auth.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise _unauthorised("use 'Authorization: Bearer <personal access token>'")
        found_token = crud.token_user(db, raw.strip())
        if found_token is None:
            raise _unauthorised("unknown or revoked access token")
        user, token = found_token
        if request.method in _UNSAFE and token.scope != "read_write":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail="this access token may only read (scope 'read'); use a read_write token",
            )
        return Caller(user, "token", scope=token.scope)
    raw_cookie = request.cookies.get(settings.session_cookie)
    found = crud.session_user(db, raw_cookie, settings.session_idle) if raw_cookie else None
    if found is None:
        raise _unauthorised("sign in, or send a personal access token")
    user, session = found
    if request.method in _UNSAFE and not security.same(
        request.headers.get(CSRF_HEADER), session.csrf_token
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"missing or wrong {CSRF_HEADER} header"
        )
    return Caller(user, "cookie", session)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
