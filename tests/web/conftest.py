"""Fixtures of the web-app tests: a fresh database per test, a TestClient, accounts.

SQLite (a file in the test's temporary directory) always: a copy of a database migrated once
per session (per xdist worker), or, for tests marked ``fresh_database``, an empty file that
``create_app`` migrates itself; PostgreSQL too when
``MAGNERVE_TEST_DATABASE_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
each test then gets its own schema, dropped afterwards, so parallel runs do not clash.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from magnerve.web import Settings, create_app

PG_URL = os.environ.get("MAGNERVE_TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _no_user_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own food aliases must not change what the server parses."""
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path / "config"))


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with every Alembic migration applied by ``create_app``, made once per
    session: copying it is much cheaper than migrating an empty file for every test."""
    path = tmp_path_factory.mktemp("web-template") / "migrated.sqlite3"
    create_app(Settings(database_url=_sqlite_url(path))).state.engine.dispose()
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database (WAL included) with SQLite's own backup API."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh database, at the newest migration (``create_app`` still runs the
    migrations; on a copy of the migrated template they have nothing to do): every web test
    runs on SQLite, and again on PostgreSQL when ``MAGNERVE_TEST_DATABASE_URL`` is set
    (skipped otherwise)."""
    if request.param == "sqlite":
        path = tmp_path / "web.sqlite3"
        if request.node.get_closest_marker("fresh_database") is None:
            _copy_sqlite(request.getfixturevalue("migrated_sqlite"), path)
        yield Settings(database_url=_sqlite_url(path))
        return
    if not PG_URL:
        pytest.skip("MAGNERVE_TEST_DATABASE_URL is not set")
    schema = f"mnt_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    yield Settings(database_url=PG_URL, database_schema=schema)
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Iterator[object]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        yield c


@dataclass
class Account:
    """A signed-in API user: its client (cookie), CSRF token and a bearer token."""

    email: str
    client: TestClient
    csrf: str
    token: str
    id: int

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def csrf_header(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


def make_account(app: object, email: str, password: str = PASSWORD) -> Account:
    """Sign up and sign in through the API (own cookie jar), and create a bearer token."""
    c = TestClient(app)  # type: ignore[arg-type]
    r = c.post("/api/v1/auth/signup", json={"email": email, "password": password})
    assert r.status_code == 201, r.text
    r = c.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    user_id = r.json()["user"]["id"]
    r = c.post("/api/v1/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    return Account(email, c, csrf, r.json()["token"], user_id)


@pytest.fixture
def alice(app: object) -> Account:
    return make_account(app, "alice@example.org")


@pytest.fixture
def bob(app: object) -> Account:
    return make_account(app, "bob@example.org")
