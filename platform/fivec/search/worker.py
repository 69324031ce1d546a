"""Index updates off the request path: actions queue the work durably, a thread applies it.

Updating Whoosh costs far more than the rest of a reply (about 80% of it, measured in
``perf/discussion_bench.py``) and only one process may write the index at a time, so doing
it inside the request made every reply wait for every other. Instead the after-commit
signal handlers add rows to ``search_index_queue`` (a tiny write) and wake this
per-process thread, which applies the queue in batches, one index commit per batch.
Rows leave the queue only once applied, so a crash loses nothing: the next wake (or the
periodic poll, or ``search check --fix``) picks them up. Several processes may drain
the same queue; applying an entry twice is harmless because it re-reads the database.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, current_app

from ..extensions import db
from .index import drain_queue, enqueue

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
_EXTENSION_KEY = "fivec_search_worker"


class IndexWorker:
    """One daemon thread per process and app that drains the index queue when woken."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Ask for the queue to be applied soon, starting the thread if needed."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="fivec-search-index", daemon=True
                )
                self._thread.start()
        self._idle.clear()
        self._wake.set()

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Block until the queue has been drained once since the last wake (tests, CLI)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(timeout=POLL_SECONDS)
            self._wake.clear()
            with self.app.app_context():
                try:
                    drain_queue()
                except Exception:  # the rows stay queued; the next wake tries again
                    log.exception("search index worker failed; entries stay queued")
                finally:
                    db.session.remove()
            if not self._wake.is_set():
                self._idle.set()


def worker_for(app: Flask) -> IndexWorker:
    """Return this process's worker for ``app``."""
    worker = app.extensions.get(_EXTENSION_KEY)
    if worker is None:
        worker = app.extensions[_EXTENSION_KEY] = IndexWorker(app)
    return worker


def schedule(items: list[tuple[str, int]]) -> None:
    """Queue index work durably and wake this process's worker thread, unless a separate
    ``search worker`` process applies the queue (``FIVEC_SEARCH_WORKER=process``)."""
    enqueue(items, "")
    if current_app.config["FIVEC"].search_worker == "thread":
        worker_for(current_app._get_current_object()).wake()  # type: ignore[attr-defined]


def run_worker_process(
    app: Flask,
    *,
    poll_seconds: float = 0.25,
    niceness: int = 10,
    stop: threading.Event | None = None,
) -> int:
    """Apply the queue until ``stop`` is set (or forever); return how many entries.

    Runs as ``flask --app fivec search worker``. It lowers its own CPU priority first, so
    on a small machine the web processes' requests are scheduled ahead of index work;
    the index only needs to catch up within a poll interval or so. Polling a small
    indexed table every quarter second costs next to nothing and needs no extra server.
    """
    if niceness:
        os.nice(niceness)
    stop = stop or threading.Event()
    applied = 0
    while not stop.is_set():
        with app.app_context():
            try:
                done = drain_queue()
            except Exception:  # the rows stay queued; try again on the next round
                log.exception("search index worker failed; entries stay queued")
                done = 0
            finally:
                db.session.remove()
        applied += done
        if not done:
            stop.wait(poll_seconds)
    return applied
