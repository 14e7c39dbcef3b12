"""Settings of the web app: where the database is, and the security policy.

Numbers come from ``magnerve/web/settings.toml`` (each with its source); the database
location comes from the caller (``magnerve serve --database-url``) or the data directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

__all__ = ["Limits", "Settings", "data_dir", "default_database_url", "policy"]


@cache
def policy() -> dict[str, Any]:
    """The parsed ``settings.toml`` of the web app (defaults with their sources)."""
    text = resources.files("magnerve.web").joinpath("settings.toml").read_text("utf-8")
    return tomllib.loads(text)


def data_dir() -> Path:
    """The user's data directory for magnerve.

    Returns
    -------
    pathlib.Path
        ``$MAGNERVE_DATA_DIR`` when set, else ``$XDG_DATA_HOME/magnerve``, else
        ``~/.local/share/magnerve`` (the same rule as the cache and config directories).
    """
    env = os.environ.get("MAGNERVE_DATA_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "magnerve"


def default_database_url() -> str:
    """SQLite file ``magnerve.sqlite3`` in :func:`data_dir` (created when missing)."""
    d = data_dir()
    d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{d / 'magnerve.sqlite3'}"


@dataclass(frozen=True, slots=True)
class Limits:
    """Sanity bounds on request content (``settings.toml`` ``[limits]`` and ``[password]``)."""

    email_max_length: int
    text_max_length: int
    note_max_length: int
    meal_max_length: int
    token_name_max_length: int
    search_default_limit: int
    search_max_limit: int
    list_max_days: int
    password_min_length: int
    password_max_length: int

    @classmethod
    def from_policy(cls) -> Limits:
        """The bounds of ``settings.toml``."""
        p = policy()
        lim = p["limits"]
        return cls(
            email_max_length=lim["email_max_length"],
            text_max_length=lim["text_max_length"],
            note_max_length=lim["note_max_length"],
            meal_max_length=lim["meal_max_length"],
            token_name_max_length=lim["token_name_max_length"],
            search_default_limit=lim["search_default_limit"],
            search_max_limit=lim["search_max_limit"],
            list_max_days=lim["list_max_days"],
            password_min_length=p["password"]["min_length"],
            password_max_length=p["password"]["max_length"],
        )


def _lifetime() -> timedelta:
    return timedelta(hours=policy()["session"]["lifetime_hours"])


def _idle() -> timedelta:
    return timedelta(minutes=policy()["session"]["idle_minutes"])


def _rate_window() -> timedelta:
    return timedelta(minutes=policy()["login_rate_limit"]["window_minutes"])


def _max_failures() -> int:
    return int(policy()["login_rate_limit"]["max_failures"])


@dataclass(frozen=True, slots=True)
class Settings:
    """What :func:`magnerve.web.main.create_app` needs.

    Attributes
    ----------
    database_url : str
        SQLAlchemy URL: ``sqlite:///path`` or ``postgresql+psycopg://user@host:port/db``.
        Empty: :func:`default_database_url`.
    database_schema : str or None
        PostgreSQL schema to use (created when missing; tests use one per run). None: the
        server's default search path.
    session_lifetime : datetime.timedelta
        Absolute lifetime of a sign-in session.
    session_idle : datetime.timedelta
        A session unused for this long ends (idle timeout), within its absolute lifetime.
    login_max_failures : int
        Failed sign-ins allowed per (account, client IP) within ``login_window``.
    login_window : datetime.timedelta
        Observation window of the login rate limit.
    cookie_secure : bool
        Mark cookies ``Secure`` (set it behind HTTPS; the default serves plain HTTP on
        loopback).
    run_migrations : bool
        Apply the Alembic migrations when the app is created.
    sqlite_synchronous : {"NORMAL", "FULL"}
        SQLite's ``synchronous`` in WAL mode. NORMAL (default): a committed write survives
        a killed server process (it is in the WAL file, written before the answer is sent),
        and the database stays consistent after a power cut, which may lose the last
        commits. FULL: the WAL is synced to disk at every commit, so commits also survive
        a power cut, at one fsync per write (about 6 ms on the reference machine, which
        caps SQLite writes below the issue's load target; see ``docs/web.md``).
    """

    database_url: str = ""
    database_schema: str | None = None
    session_lifetime: timedelta = field(default_factory=_lifetime)
    session_idle: timedelta = field(default_factory=_idle)
    login_max_failures: int = field(default_factory=_max_failures)
    login_window: timedelta = field(default_factory=_rate_window)
    cookie_secure: bool = False
    run_migrations: bool = True
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"

    session_cookie: str = "magnerve_session"
    csrf_cookie: str = "magnerve_csrf"

    def resolved_url(self) -> str:
        """``database_url``, or the default SQLite file when it is empty."""
        return self.database_url or default_database_url()
