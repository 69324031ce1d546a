"""SQLite tuning: WAL, busy timeout, foreign keys and ``BEGIN IMMEDIATE`` writes.

SQLite in WAL mode lets readers run beside one writer. A *deferred* transaction that
reads first and writes later can fail at once with "database is locked" when another
writer committed meanwhile (its snapshot is stale, so the busy timeout cannot help).
Write transactions therefore start with ``BEGIN IMMEDIATE``, which waits (up to the busy
timeout) for the write lock before reading anything. Safe requests (GET/HEAD) keep
cheap deferred transactions so readers never queue behind writers.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

BUSY_TIMEOUT_MS = 15_000

# True: the next transaction on this thread/task is a write transaction.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def configure_sqlite(engine: Engine) -> None:
    """Install the pragmas and the transaction-begin hook on a SQLite engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would issue a
        # deferred BEGIN of its own otherwise).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def set_read_only_request(read_only: bool) -> None:
    """Mark the current request's transactions as reads (deferred) or writes (immediate)."""
    _write_intent.set(not read_only)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run a write inside a read-only request: end the read snapshot, then begin immediate."""
    if db.session().in_transaction():  # scoped_session does not proxy in_transaction
        db.session.commit()
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)
