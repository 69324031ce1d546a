"""SQLite tuning: WAL, busy timeout, foreign keys and ``BEGIN IMMEDIATE`` writes.

SQLite in WAL mode lets readers run beside one writer. A *deferred* transaction that
reads first and writes later can fail at once with "database is locked" when another
writer committed meanwhile (its snapshot is stale, so the busy timeout cannot help).
Write transactions therefore start with ``BEGIN IMMEDIATE``, which waits (up to the busy
timeout) for the write lock before reading anything. Safe requests (GET/HEAD) keep
cheap deferred transactions so readers never queue behind writers. Writers queue in
``fivec.write_lock`` first, so the lock passes on at once rather than after SQLite's
sleep-and-retry backoff.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, event
from sqlalchemy.engine import CursorResult, Engine

from .extensions import db
from .write_lock import WriteLock

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

    lock = _write_lock_for(engine)
    holders: set[int] = set()  # ids of the DBAPI connections whose transaction holds it

    def release(dbapi_connection: Any) -> None:
        if id(dbapi_connection) in holders:
            holders.discard(id(dbapi_connection))
            lock.release()  # type: ignore[union-attr]

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not _write_intent.get():
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if lock is not None and id(dbapi_connection) not in holders:
            lock.acquire(BUSY_TIMEOUT_MS / 1000)
            holders.add(id(dbapi_connection))
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(dbapi_connection)
            raise

    if lock is None:
        return
    # Hand the turn on only once SQLite has really committed or rolled back (engine
    # events fire just before), and whenever a connection goes back to the pool.
    engine.dialect.do_commit = _then(engine.dialect.do_commit, release)  # type: ignore[method-assign]
    engine.dialect.do_rollback = _then(engine.dialect.do_rollback, release)  # type: ignore[method-assign]
    for pool_event in ("checkin", "close"):
        event.listen(engine.pool, pool_event, lambda connection, _record: release(connection))


def _write_lock_for(engine: Engine) -> WriteLock | None:
    """A writers' queue for a file database (see fivec.write_lock); none in memory."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriteLock(Path(f"{database}-writelock"))


def _then(action: Callable[[Any], None], after: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(dbapi_connection: Any) -> None:
        try:
            action(dbapi_connection)
        finally:
            after(dbapi_connection)

    return run


def set_read_only_request(read_only: bool) -> None:
    """Mark the current request's transactions as reads (deferred) or writes (immediate)."""
    _write_intent.set(not read_only)


@contextmanager
def reads_only() -> Iterator[None]:
    """Run reads that follow a write (live broadcasts, the redirect's page lookup) in a
    deferred transaction, ended on the way out, so they do not hold the write lock and
    keep the next writer waiting. Nothing inside may write."""
    if db.session().in_transaction():
        db.session.commit()
    token = _write_intent.set(False)
    try:
        yield
    finally:
        if db.session().in_transaction():
            db.session.commit()
        _write_intent.reset(token)


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


def read_columns(statement: Executable, params: dict[str, Any]) -> CursorResult[Any]:
    """Run a prebuilt statement of plain columns (no mapped objects) on the session's
    connection, in the session's transaction.

    ``Session.execute`` prepares every statement for the ORM even when it selects only
    columns, which costs about a third more than the statement itself on SQLite; pages
    that run the same small reads on every view use this instead.
    """
    return db.session.connection().execute(statement, params)
