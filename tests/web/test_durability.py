"""Durability: SIGKILL the real server (``magnerve serve --workers 2``) during a burst of
diary writes, restart it, and find every acknowledged write (HTTP 201) present and the
database intact. SQLite always; PostgreSQL too when ``MAGNERVE_TEST_DATABASE_URL`` is set.

A write acknowledged with 201 was committed before the answer was sent (``crud`` commits,
then the route answers), so it must survive the kill. Writes in flight at the kill were not
acknowledged: they may or may not be stored, but a stored row must be whole.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from magnerve.web import Settings
from magnerve.web.core.db import make_engine

from .conftest import PASSWORD, PG_URL

DAY = "2024-03-01"
LINES = ("1 medium banana", "1/2 cup boiled spinach", "1 oz dry roasted almonds", "1 cup milk")
WRITERS = 8  # concurrent clients
KILL_AFTER = 60  # acknowledged writes before the SIGKILL (the burst is still running)
BURST_SECONDS = 30.0  # bound: the kill happens by then even if writes are slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _magnerve() -> str:
    exe = shutil.which("magnerve", path=str(Path(sys.executable).parent))
    assert exe is not None
    return exe


@dataclass
class Server:
    """A ``magnerve serve`` process group on a free port."""

    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole process group (uvicorn's parent and its workers)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop gracefully (SIGINT), or kill after 20 s."""
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def start_server(tmp_path: Path, args: list[str], name: str) -> Server:
    """Start ``magnerve serve`` with ``args`` in its own session; wait until it answers."""
    port = _free_port()
    env = {
        **os.environ,
        "MAGNERVE_DATA_DIR": str(tmp_path / "data"),
        "MAGNERVE_CONFIG_DIR": str(tmp_path / "config"),  # no user aliases
    }
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [_magnerve(), "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches every worker
        )
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while True:
        try:
            r = httpx.get(server.base + "/healthz", timeout=2)
            assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text
            return server
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"the server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, ``--database-url``): a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'durable.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("MAGNERVE_TEST_DATABASE_URL is not set")
    schema = f"mnd_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield "postgresql", f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _token(base: str) -> str:
    """Sign up, sign in and create a personal access token."""
    with httpx.Client(base_url=base, timeout=30) as c:
        creds = {"email": f"durable-{uuid.uuid4().hex[:8]}@example.org", "password": PASSWORD}
        assert c.post("/api/v1/auth/signup", json=creds).status_code == 201
        r = c.post("/api/v1/auth/login", json=creds)
        assert r.status_code == 200, r.text
        csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
        r = c.post("/api/v1/tokens", json={"name": "durability"}, headers=csrf)
        assert r.status_code == 201, r.text
        return str(r.json()["token"])


def _burst(base: str, token: str, server: Server) -> tuple[dict[int, str], int, list[str]]:
    """Write from ``WRITERS`` threads; SIGKILL the server after ``KILL_AFTER`` acks.

    Returns
    -------
    tuple
        ({entry id: note} of every acknowledged write, writes sent but not acknowledged,
        answers other than 201).
    """
    acked: dict[int, str] = {}
    lost = [0]
    odd: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()
    headers = {"Authorization": f"Bearer {token}"}

    def writer(w: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            i = 0
            while not killed.is_set():
                note = f"w{w}-{i}"
                body = {"date": DAY, "text": LINES[i % len(LINES)], "meal": "lunch", "note": note}
                i += 1
                try:
                    r = c.post("/api/v1/diary/entries", json=body)
                except httpx.TransportError:
                    with lock:
                        lost[0] += 1
                    continue
                if r.status_code != 201:
                    with lock:
                        odd.append(f"{r.status_code} {r.text[:200]}")
                    continue
                with lock:
                    acked[int(r.json()["id"])] = note
                    if len(acked) >= KILL_AFTER and not killed.is_set():
                        server.kill()  # mid-burst: the other writers have requests in flight
                        killed.set()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    if not killed.wait(BURST_SECONDS):
        with lock:
            if not killed.is_set():
                server.kill()
                killed.set()
    for t in threads:
        t.join(timeout=60)
    return acked, lost[0], odd


def _sqlite_checks(path: Path) -> int:
    """``PRAGMA integrity_check`` and ``foreign_key_check``; the number of diary rows."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        return int(con.execute("SELECT count(*) FROM diary_entries").fetchone()[0])
    finally:
        con.close()


def _postgresql_checks(url: str) -> None:
    """amcheck's B-tree check on every index of the schema's tables (when available)."""
    engine = make_engine(Settings(database_url=url))
    try:
        with engine.begin() as conn:
            available = conn.scalar(
                text("SELECT count(*) FROM pg_available_extensions WHERE name = 'amcheck'")
            )
            if not available:
                return
            schema = conn.scalar(text("SELECT current_schema()"))
            conn.execute(text(f'CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA "{schema}"'))
            indexes = conn.scalars(
                text(
                    "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON "
                    "a.oid = c.relam WHERE n.nspname = :s AND a.amname = 'btree'"
                ),
                {"s": schema},
            ).all()
            assert indexes
            for oid in indexes:
                conn.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
    finally:
        engine.dispose()


def test_acknowledged_writes_survive_sigkill(tmp_path: Path, database: tuple[str, str]) -> None:
    backend, url = database
    args = ["--database-url", url, "--workers", "2"]
    server = start_server(tmp_path, args, "first")
    try:
        token = _token(server.base)
        acked, lost, odd = _burst(server.base, token, server)
    finally:
        server.stop()
    assert server.proc.returncode == -signal.SIGKILL
    assert odd == []
    assert len(acked) >= KILL_AFTER, (len(acked), server.log.read_text(errors="replace"))
    assert lost >= 1, "the kill came after the burst, not during it"

    if backend == "sqlite":  # the file as the kill left it (WAL included)
        stored_after_kill = _sqlite_checks(tmp_path / "durable.sqlite3")
        assert stored_after_kill >= len(acked)

    server = start_server(tmp_path, args, "second")
    try:
        with httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            r = c.get("/api/v1/diary/entries", params={"start": DAY})
            assert r.status_code == 200, r.text
            stored = {e["id"]: e for e in r.json()["entries"]}
            missing = sorted(set(acked) - set(stored))
            assert missing == [], f"{len(missing)} acknowledged writes lost: {missing[:10]}"
            for entry_id, note in acked.items():
                assert stored[entry_id]["note"] == note
            for e in stored.values():  # any stored row is whole, acknowledged or not
                assert e["food"]["id"] and e["grams"] > 0 and e["text"] in LINES
                assert e["note"].startswith("w")
            assert len({e["note"] for e in stored.values()}) == len(stored)
            # the restarted server writes again
            r = c.post("/api/v1/diary/entries", json={"date": DAY, "text": LINES[0]})
            assert r.status_code == 201, r.text
    finally:
        server.stop()
    if backend == "sqlite":
        assert _sqlite_checks(tmp_path / "durable.sqlite3") == len(stored) + 1
    else:
        _postgresql_checks(url)


@pytest.mark.parametrize(("sync", "level"), [(None, 1), ("NORMAL", 1), ("FULL", 2)])
def test_sqlite_connections_use_wal(tmp_path: Path, sync: str | None, level: int) -> None:
    """What makes an acknowledged SQLite write durable: WAL, NORMAL by default (survives a
    killed process), FULL on request (survives a power cut too)."""
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    settings = Settings(database_url=url, **({"sqlite_synchronous": sync} if sync else {}))
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == level
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_a_bad_sqlite_synchronous_is_refused(tmp_path: Path) -> None:
    bad = Settings(database_url=f"sqlite:///{tmp_path / 'b.sqlite3'}", sqlite_synchronous="OFF")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        make_engine(bad)
