"""Database engine, sessions and migrations (SQLAlchemy 2, Alembic).

SQLite runs in WAL mode with foreign keys on and ``synchronous`` NORMAL (default) or FULL
(``Settings.sqlite_synchronous``): a committed write survives a killed process either way
(it is in the WAL file); FULL also syncs the WAL at every commit, so that the last commits
survive a power cut too. Writers, in every thread and worker process, take turns on a file
lock next to the database (:mod:`magnerve.web.core.sqlite_writer`) rather than in SQLite's
busy handler, whose sleeps made the tail of the write latency. PostgreSQL uses psycopg 3.
``migrate`` applies the Alembic scripts shipped in ``magnerve/web/migrations``
programmatically (no ``alembic.ini`` needed).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from magnerve.web.core.config import Settings, policy
from magnerve.web.core.sqlite_writer import connection_factory

__all__ = ["make_engine", "make_sessionmaker", "migrate"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def make_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database_url`` (SQLite pragmas or PostgreSQL schema set).

    Raises
    ------
    ValueError
        For an unsupported database or a bad schema name.
    """
    url = make_url(settings.resolved_url())
    if url.drivername == "postgresql":  # SQLAlchemy's default driver is psycopg2: use psycopg 3
        url = url.set(drivername="postgresql+psycopg")
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        connect_args["check_same_thread"] = False
        # writers queue on a file lock, not in SQLite's sleeping busy handler (see
        # magnerve.web.core.sqlite_writer); both wait at most the busy timeout
        connect_args["factory"] = connection_factory()
        connect_args["timeout"] = int(policy()["sqlite"]["busy_timeout_ms"]) / 1000
    elif backend == "postgresql":
        schema = settings.database_schema
        if schema is not None:
            if not _SCHEMA_NAME.match(schema):
                raise ValueError(f"bad PostgreSQL schema name {schema!r}")
            connect_args["options"] = f"-csearch_path={schema}"
    else:
        raise ValueError(
            f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://"
        )
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=backend != "sqlite")
    if backend == "sqlite":
        busy = int(policy()["sqlite"]["busy_timeout_ms"])
        sync = {"NORMAL": "NORMAL", "FULL": "FULL"}.get(str(settings.sqlite_synchronous))
        if sync is None:
            raise ValueError(f"bad sqlite_synchronous {settings.sqlite_synchronous!r}")

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sync}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={busy}")
            cur.close()

    elif settings.database_schema is not None:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.database_schema}"'))
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine`` (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration up to ``head`` on ``engine``."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    location = resources.files("magnerve.web").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
