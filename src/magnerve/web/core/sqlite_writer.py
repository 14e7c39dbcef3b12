"""One SQLite writer at a time, across threads and processes, without SQLite's sleeps.

SQLite lets one connection write at a time. A connection that finds the write lock taken
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and then
100 ms between tries: under a burst of writes from two server workers, a write that loses a
few rounds waits tens of milliseconds after the lock was free again (the tail of the write
latency, issue 12).

Here each connection to a database file also takes an advisory file lock (``fcntl.flock`` on
``<database>-writer.lock``) just before the statement that begins its write transaction (the
first INSERT, UPDATE, DELETE or REPLACE, where Python's ``sqlite3`` opens the transaction), and
gives it back when the transaction ends (commit, rollback, a failed first statement, close).
Threads of one process first queue on a lock of the process (woken at once, without polling);
the one at the head polls the file lock every 0.1 to 1 ms, so it starts within a millisecond of
the other process's commit; reads never take it (WAL readers do not block). The lock is
released by the kernel when a process dies, so a killed worker leaves nothing behind. Writers
that do not take the lock (another program on the same file) are still serialised by SQLite
itself, whose busy timeout stays the last resort; a writer that cannot get the file lock within
that timeout gets SQLite's own error, "database is locked".

Where ``fcntl`` does not exist (Windows) or the database is in memory, connections are plain
``sqlite3`` connections.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriterLockConnection", "connection_factory", "lock_path"]

# the statements before which Python's sqlite3 (legacy transaction control) opens a transaction
_BEGINS_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)

_FIRST_SLEEP = 0.0001  # [s]
_MAX_SLEEP = 0.001  # [s]

# Threads of one process queue on a lock of the process first (waiting without the GIL, woken
# at once), so that at most one thread per process polls the file lock: pollers would
# otherwise take the GIL from the thread that holds the lock and is writing.
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: str) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        lock = _THREAD_LOCKS.get(path)
        if lock is None:
            lock = _THREAD_LOCKS[path] = threading.Lock()
        return lock


def _forget_thread_locks() -> None:  # in a forked child: no thread holds them there
    global _THREAD_LOCKS_GUARD
    _THREAD_LOCKS.clear()
    _THREAD_LOCKS_GUARD = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_thread_locks)


def lock_path(database: str) -> str | None:
    """The writer-lock file of a SQLite database file; None for an in-memory database."""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):  # a URI: the path part
        database = database[5:].split("?", 1)[0]
        if "mode=memory" in database:
            return None
    return f"{database}-writer.lock"


class WriterLockCursor(sqlite3.Cursor):
    """A cursor whose first write of a transaction takes the connection's writer lock."""

    connection: WriterLockConnection

    def execute(self, sql: str, parameters: Any = (), /) -> WriterLockCursor:
        conn = self.connection
        if not conn.in_transaction and _BEGINS_WRITE.match(sql):
            conn.acquire_writer()
            try:
                super().execute(sql, parameters)
            finally:
                conn.release_if_idle()
            return self
        super().execute(sql, parameters)
        if conn.holds_writer and not conn.in_transaction:  # ended by a COMMIT statement
            conn.release_writer()
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> WriterLockCursor:
        conn = self.connection
        if not conn.in_transaction and _BEGINS_WRITE.match(sql):
            conn.acquire_writer()
            try:
                super().executemany(sql, seq_of_parameters)
            finally:
                conn.release_if_idle()
            return self
        super().executemany(sql, seq_of_parameters)
        return self


class WriterLockConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that takes a cross-process writer lock for each write
    transaction (see the module's description).

    Parameters
    ----------
    database : str
        As for :func:`sqlite3.connect`; the lock file is ``<database>-writer.lock``.
    timeout : float
        How long a writer waits for the lock [s] (``sqlite3.connect``'s own ``timeout``).
    """

    def __init__(self, database: Any, timeout: float = 5.0, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, timeout, *args, **kwargs)
        self._timeout = float(timeout)
        self._fd = -1
        self._thread_lock: threading.Lock | None = None
        self.holds_writer = False
        path = lock_path(os.fsdecode(database)) if fcntl is not None else None
        if path is not None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            self._thread_lock = _thread_lock(os.path.realpath(path))

    def cursor(self, factory: Any = WriterLockCursor) -> Any:
        """A cursor that takes the writer lock at the first write of a transaction."""
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        """As ``sqlite3.Connection.execute``, through a locking cursor."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        """As ``sqlite3.Connection.executemany``, through a locking cursor."""
        return self.cursor().executemany(sql, parameters)

    def set_timeout(self, seconds: float) -> None:
        """How long a writer waits for the lock from now on [s] (SQLite's busy timeout is
        set apart, by ``PRAGMA busy_timeout``)."""
        self._timeout = float(seconds)

    def acquire_writer(self) -> None:
        """Take the writer lock, polling every 0.1 to 1 ms.

        Raises
        ------
        sqlite3.OperationalError
            "database is locked" when another writer held it for longer than the timeout.
        """
        if self._fd < 0 or self._thread_lock is None or self.holds_writer:
            return
        deadline = time.monotonic() + self._timeout
        if not self._thread_lock.acquire(timeout=max(self._timeout, 0.0)):
            raise sqlite3.OperationalError("database is locked")
        pause = _FIRST_SLEEP
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._thread_lock.release()
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, _MAX_SLEEP)
                continue
            except BaseException:
                self._thread_lock.release()
                raise
            self.holds_writer = True
            return

    def release_writer(self) -> None:
        """Give the writer lock back (nothing when not held)."""
        if self.holds_writer:
            self.holds_writer = False
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                if self._thread_lock is not None:
                    self._thread_lock.release()

    def release_if_idle(self) -> None:
        """Give the lock back unless a transaction is open (a first write that failed)."""
        if not self.in_transaction:
            self.release_writer()

    def commit(self) -> None:
        """Commit, then give the writer lock back."""
        try:
            super().commit()
        finally:
            self.release_if_idle()

    def rollback(self) -> None:
        """Roll back, then give the writer lock back."""
        try:
            super().rollback()
        finally:
            self.release_if_idle()

    def close(self) -> None:
        """Close the connection and its lock file (giving the lock back)."""
        try:
            super().close()
        finally:
            self.release_writer()
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def connection_factory() -> type[sqlite3.Connection]:
    """The ``sqlite3.connect(factory=...)`` class to use: :class:`WriterLockConnection` where
    file locks exist, else plain ``sqlite3.Connection``."""
    return WriterLockConnection if fcntl is not None else sqlite3.Connection
