"""The SQLite writer lock (magnerve.web.core.sqlite_writer): one writer at a time across
connections and processes, taken at the first write of a transaction and always given back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from magnerve.web.core import sqlite_writer
from magnerve.web.core.sqlite_writer import WriterLockConnection, lock_path

pytestmark = pytest.mark.skipif(sqlite_writer.fcntl is None, reason="no file locks here")


def _connect(path: Path, timeout: float = 5.0) -> WriterLockConnection:
    conn = sqlite3.connect(
        path, factory=WriterLockConnection, check_same_thread=False, timeout=timeout
    )
    assert isinstance(conn, WriterLockConnection)
    return conn


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.sqlite3"
    conn = _connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.close()
    return path


def test_lock_file_next_to_the_database_and_none_in_memory() -> None:
    assert lock_path("/data/m.sqlite3") == "/data/m.sqlite3-writer.lock"
    assert lock_path("file:/data/m.sqlite3?mode=rwc") == "/data/m.sqlite3-writer.lock"
    assert lock_path(":memory:") is None
    assert lock_path("") is None
    assert lock_path("file::memory:?cache=shared") is None
    conn = sqlite3.connect(":memory:", factory=WriterLockConnection)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    assert not conn.holds_writer  # nothing to lock
    conn.commit()
    conn.close()


def test_taken_at_the_first_write_and_given_back_at_commit_and_rollback(db: Path) -> None:
    conn = _connect(db)
    conn.execute("SELECT count(*) FROM t").fetchall()
    assert not conn.holds_writer  # reads never take it
    conn.execute("INSERT INTO t VALUES (1)")
    assert conn.holds_writer and conn.in_transaction
    conn.execute("UPDATE t SET x = 2")  # the same transaction: held once
    conn.commit()
    assert not conn.holds_writer
    conn.execute("DELETE FROM t")
    assert conn.holds_writer
    conn.rollback()
    assert not conn.holds_writer
    assert conn.execute("SELECT x FROM t").fetchall() == [(2,)]
    conn.executemany("INSERT INTO t VALUES (?)", [(3,), (4,)])
    assert conn.holds_writer
    conn.execute("COMMIT")  # a transaction ended by a statement gives the lock back too
    assert not conn.holds_writer
    conn.close()


def test_a_failed_first_write_gives_the_lock_back(db: Path) -> None:
    conn = _connect(db)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("INSERT INTO missing VALUES (1)")
    assert not conn.in_transaction and not conn.holds_writer
    other = _connect(db, timeout=0.2)
    other.execute("INSERT INTO t VALUES (1)")  # not blocked by the failed writer
    other.commit()
    other.close()
    conn.close()


def test_a_second_writer_waits_for_the_commit_then_starts_at_once(db: Path) -> None:
    a, b = _connect(db), _connect(db)
    a.execute("INSERT INTO t VALUES (1)")
    started = threading.Event()
    done: dict[str, float] = {}

    def write() -> None:
        started.set()
        b.execute("INSERT INTO t VALUES (2)")
        done["at"] = time.monotonic()
        b.commit()

    th = threading.Thread(target=write)
    th.start()
    started.wait()
    time.sleep(0.2)
    assert "at" not in done  # still waiting: a holds the lock
    committed = time.monotonic()
    a.commit()
    th.join(5)
    assert not th.is_alive()
    # polled every 1 ms at most, not SQLite's 100 ms sleeps (generous bound for a busy CI box)
    assert done["at"] - committed < 0.05
    assert sorted(a.execute("SELECT x FROM t").fetchall()) == [(1,), (2,)]
    a.close()
    b.close()


def test_a_writer_held_too_long_gives_sqlites_own_error(db: Path) -> None:
    a, b = _connect(db), _connect(db, timeout=0.1)
    a.execute("INSERT INTO t VALUES (1)")
    t0 = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        b.execute("INSERT INTO t VALUES (2)")
    assert 0.1 <= time.monotonic() - t0 < 2.0
    assert not b.holds_writer and not b.in_transaction
    a.commit()
    b.execute("INSERT INTO t VALUES (2)")
    b.commit()
    a.close()
    b.close()


def test_a_killed_process_leaves_no_lock(db: Path) -> None:
    code = (
        "import sqlite3, sys, time\n"
        "from magnerve.web.core.sqlite_writer import WriterLockConnection\n"
        f"c = sqlite3.connect({str(db)!r}, factory=WriterLockConnection)\n"
        "c.execute('INSERT INTO t VALUES (9)')\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        waiter = _connect(db, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            waiter.execute("INSERT INTO t VALUES (1)")  # held by the other process
    finally:
        proc.kill()
        proc.wait()
    waiter.execute("INSERT INTO t VALUES (1)")  # the kernel released it with the process
    waiter.commit()
    assert waiter.execute("SELECT x FROM t").fetchall() == [(1,)]  # 9 was never committed
    waiter.close()


def test_the_web_engine_uses_it_for_a_file_database(tmp_path: Path) -> None:
    from magnerve.web.core.config import Settings
    from magnerve.web.core.db import make_engine

    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, WriterLockConnection)
    engine.dispose()
    assert (tmp_path / "m.sqlite3-writer.lock").exists()


def test_many_threads_and_a_second_process_write_in_turn(db: Path) -> None:
    code = (
        "import sqlite3\n"
        "from magnerve.web.core.sqlite_writer import WriterLockConnection\n"
        f"c = sqlite3.connect({str(db)!r}, factory=WriterLockConnection)\n"
        "for i in range(200):\n"
        "    c.execute('INSERT INTO t VALUES (-1)')\n"
        "    c.commit()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    errors: list[BaseException] = []

    def write(k: int) -> None:
        conn = _connect(db)
        try:
            for i in range(25):
                conn.execute("INSERT INTO t VALUES (?)", (k * 100 + i,))
                conn.commit()
                assert not conn.holds_writer
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert proc.wait(60) == 0
    assert not errors
    check = _connect(db)
    assert check.execute("SELECT count(*) FROM t WHERE x >= 0").fetchone() == (200,)
    assert check.execute("SELECT count(*) FROM t WHERE x = -1").fetchone() == (200,)
    check.execute("INSERT INTO t VALUES (0)")  # nobody holds the lock any more
    check.rollback()
    check.close()
