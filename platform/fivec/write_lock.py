"""Queue SQLite writers ourselves instead of leaving it to SQLite's busy handler.

SQLite lets one writer in at a time. A writer that finds the lock taken sleeps and
retries on a growing schedule (1, 2, 5, 10 … up to 100 ms between tries), so under a few
concurrent writers one unlucky request can sleep through many turns while newcomers get
in first: measured with 4 members posting at once, median 25 ms but p99 1.3 s
(docs/performance.md, "Discussions"). Taking a lock of our own *before* ``BEGIN
IMMEDIATE`` hands the write lock on within a millisecond of its release:

* threads of one process wait on a ``threading.Lock`` (woken at once, no polling);
* processes (gunicorn workers, the search worker) then take an exclusive ``flock`` on a
  file beside the database, polled every millisecond or two (only one thread per process
  polls, because the thread lock comes first).

SQLite's own locking still guards the data; this only decides who asks first. Reads are
never queued: only transactions that begin IMMEDIATE take the lock.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

POLL_SECONDS = 0.0015


class WriteLock:
    """One per database file and process: a thread lock, then a cross-process flock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        """Open the lock file once per process: a descriptor inherited across ``fork``
        shares its flock with the parent, so a forked worker opens its own."""
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for our turn to write, or raise as SQLite would."""
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            raise sqlite3.OperationalError("database is locked (waited for other writers)")
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise sqlite3.OperationalError(
                            "database is locked (waited for another process's writer)"
                        ) from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        """Let the next writer in."""
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
