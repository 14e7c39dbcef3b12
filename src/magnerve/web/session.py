"""The session and CSRF cookies: HttpOnly, SameSite=Lax, ``Secure`` when configured."""

from __future__ import annotations

from starlette.responses import Response

from magnerve.web.core.config import Settings

__all__ = ["clear_session_cookie", "set_csrf_cookie", "set_session_cookie"]


def set_session_cookie(response: Response, raw: str, settings: Settings) -> None:
    """Set the session cookie (a browser-session cookie; the server enforces the expiry)."""
    response.set_cookie(
        settings.session_cookie,
        raw,
        max_age=int(settings.session_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(
        settings.session_cookie,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def set_csrf_cookie(response: Response, raw: str, settings: Settings) -> None:
    """The pre-sign-in CSRF cookie (double submit: the form carries the same value)."""
    response.set_cookie(
        settings.csrf_cookie,
        raw,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
