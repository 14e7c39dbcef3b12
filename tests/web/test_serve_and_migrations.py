"""``magnerve serve`` end to end (a real server process), the Alembic migrations, and the
rule that the web app uses only the core's public modules."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from magnerve.web import Settings, create_app
from magnerve.web.models import Base

from .conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]


def _head_revision() -> str:
    """The newest revision shipped in the package's migration scripts."""
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("magnerve.web").joinpath("migrations"))
    )
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


@pytest.mark.fresh_database
def test_migrations_match_the_models_and_rerun_cleanly(settings: Settings) -> None:
    app = create_app(settings)
    create_app(settings).state.engine.dispose()  # applying them again changes nothing
    with app.state.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == _head_revision()
        assert compare_metadata(ctx, Base.metadata) == []
        tables = set(conn.dialect.get_table_names(conn))
    assert {"users", "auth_sessions", "access_tokens", "diary_entries"} <= tables
    app.state.engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _magnerve() -> str:
    exe = shutil.which("magnerve", path=str(Path(sys.executable).parent))
    assert exe is not None
    return exe


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_magnerve_serve_end_to_end(tmp_path: Path, backend: str) -> None:
    if backend == "postgresql" and not PG_URL:
        pytest.skip("MAGNERVE_TEST_DATABASE_URL is not set")
    port = _free_port()
    env = {**os.environ, "MAGNERVE_DATA_DIR": str(tmp_path / "data")}
    args = [_magnerve(), "serve", "--port", str(port)]
    schema = f"mns_{uuid.uuid4().hex[:12]}"
    if backend == "postgresql":
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        args += ["--database-url", f"{PG_URL}?options=-csearch_path%3D{schema}"]
    log = tmp_path / "server.log"
    password = f"serve-test-{uuid.uuid4().hex}"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and 'action="/signin"' in r.text
        assert all(
            p.startswith("/api/v1/") for p in httpx.get(base + "/openapi.json").json()["paths"]
        )
        with httpx.Client(base_url=base) as c:
            creds = {"email": "serve@example.org", "password": password}
            assert c.post("/api/v1/auth/signup", json=creds).status_code == 201
            assert c.post("/api/v1/auth/login", json=creds).status_code == 200
            assert c.get("/api/v1/users/me").status_code == 200
        if backend == "sqlite":
            assert (tmp_path / "data" / "magnerve.sqlite3").is_file()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()
    logged = log.read_text(errors="replace")
    assert "POST /api/v1/auth/login" in logged  # the access log was written ...
    assert password not in logged  # ... without the password


def test_serve_rejects_a_bad_database_url(tmp_path: Path) -> None:
    r = subprocess.run(
        [_magnerve(), "serve", "--database-url", "mysql://x@localhost/db"],
        capture_output=True,
        text=True,
        env={**os.environ, "MAGNERVE_DATA_DIR": str(tmp_path)},
        timeout=60,
    )
    assert r.returncode == 1 and "database" in r.stderr and "Traceback" not in r.stderr


def test_web_imports_no_private_core_module() -> None:
    """magnerve.web may import only public modules of the core (names without a leading
    underscore), including private modules added after this test was written."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("magnerve")
    web = {m for m in graph.modules if m == "magnerve.web" or m.startswith("magnerve.web.")}
    imported = {
        (m, i)
        for m in web
        for i in graph.find_modules_directly_imported_by(m)
        if not i.startswith("magnerve.web")
    }
    assert ("magnerve.web.crud", "magnerve.foods") in imported  # the check sees imports
    private = [(m, i) for m, i in imported if any(p.startswith("_") for p in i.split(".")[1:])]
    assert private == []
