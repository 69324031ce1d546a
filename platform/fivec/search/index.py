"""The Whoosh index: schema, where it lives, and the after-commit writes.

The live index is ``Settings.search_index_path`` (``instance/search-index``), a symlink to
a generation folder beside it, so ``rebuild`` can swap a fresh index in with one atomic
rename. Writers take Whoosh's lock with a timeout and read the database *inside* the lock,
so whichever process writes last writes the newest state. A write that fails is recorded
in ``search_index_queue`` and retried by the next write, ``search check --fix`` and
``search rebuild``: never silently lost.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import (
    BOOLEAN,
    DATETIME,
    ID,
    KEYWORD,
    NUMERIC,
    STORED,
    TEXT,
    FieldType,
    Schema,
)
from whoosh.formats import Frequency
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from ..database import set_read_only_request
from ..extensions import db
from ..models import Post, Thread
from .documents import documents_for_posts, iter_documents, opening_post_ids
from .forward import TokenColumn
from .impact import ImpactFilter
from .models import QUEUE_KINDS, SearchIndexQueue

log = logging.getLogger(__name__)

ANALYZER = StemmingAnalyzer()
LOCK_TIMEOUT = 10.0  # seconds a writer waits for another process's write to finish
QUEUE_BATCH = 500

SCHEMA = Schema(
    post_id=ID(stored=True, unique=True),
    thread_id=ID(stored=True),
    group_id=ID(stored=True),
    author_id=ID(stored=True),
    author_name=TEXT(stored=True),
    group_name=TEXT(stored=True),
    # The thread's title on every post (``in:title``, display). Plain words search one
    # field, ``body``, which holds the opening post's title too (so a title word ranks the
    # thread, not each reply): one field keeps Whoosh's matchers simple and fast.
    title=TEXT(stored=True, analyzer=ANALYZER, field_boost=2.0),
    body=TEXT(analyzer=ANALYZER),
    # The body again, as "<tier>:<word>" tokens for how strongly the post uses each word,
    # weighted by the word's count, so common words are ranked from their strongest
    # posts first (see impact.py).
    impact=FieldType(Frequency(), ANALYZER | ImpactFilter(), scorable=False),
    # The body's words once more, in order, as a per-post column: several words and
    # phrases are checked and scored from it instead of the posting lists (forward.py).
    tokens=TokenColumn(ANALYZER),
    excerpt=STORED(),  # the post's own text, for snippets
    tags=KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
    created_at=DATETIME(stored=True, sortable=True),
    reply_count=NUMERIC(stored=True, sortable=True),
    is_first_post=BOOLEAN(stored=True),
    status=ID(stored=True),
    version=NUMERIC(stored=True),
)


class IndexBusy(Exception):
    """The index is being rebuilt or was swapped while we waited; queue the write."""


def enabled() -> bool:
    """Return False when the app turned search off (``SEARCH_ENABLED = False``)."""
    return bool(current_app.config.get("SEARCH_ENABLED", True))


def live_path() -> Path:
    """Return the live index path (a symlink to the current generation folder)."""
    return Path(current_app.config["FIVEC"].search_index_path)


def rebuild_marker(live: Path) -> Path:
    """Return the file whose presence says a rebuild holds the live index."""
    return live.with_name(live.name + ".rebuilding")


def new_generation(live: Path) -> Path:
    """Create an empty index in a fresh generation folder beside ``live``."""
    folder = live.with_name(f"{live.name}.{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}")
    folder.mkdir(parents=True)
    whoosh_index.create_in(str(folder), SCHEMA)
    return folder


def current_generation(live: Path) -> Path:
    """Return the live generation folder, creating an empty index on first use."""
    if not live.exists():
        folder = new_generation(live)
        try:
            os.symlink(folder.name, live)
        except FileExistsError:  # another process created it first: use theirs
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    return Path(os.path.realpath(live))


def _rebuilding(live: Path) -> bool:
    marker = rebuild_marker(live)
    try:
        pid = int(marker.read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # a crashed rebuild left its marker behind
    except PermissionError:
        return True
    return True


def with_writer(apply: Callable[[IndexWriter], None], timeout: float = LOCK_TIMEOUT) -> None:
    """Run ``apply`` with a writer on the live index and commit; raise LockError/IndexBusy."""
    live = live_path()
    for _ in range(3):
        if _rebuilding(live):
            raise IndexBusy("the search index is being rebuilt")
        folder = current_generation(live)
        writer = whoosh_index.open_dir(str(folder)).writer(timeout=timeout)
        if Path(os.path.realpath(live)) != folder:  # swapped by a rebuild while we waited
            writer.cancel()
            continue
        try:
            apply(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return
    raise IndexBusy("the search index kept changing under the writer")


_local = threading.local()


def searcher() -> Searcher:
    """Return this thread's searcher on the live index, reopened after any commit.

    Whoosh's ``Searcher.refresh()`` is not used: it reuses segment readers by segment
    id, so deletions made since (a post hidden or moved) would still be seen.
    """
    live = live_path()
    for attempt in range(3):
        folder = current_generation(live)
        cached: tuple[Path, Any, Searcher] | None = getattr(_local, "searcher", None)
        try:
            unchanged = cached is not None and cached[0] == folder
            if unchanged and cached[1].latest_generation() == cached[2].reader().generation():
                return cached[2]
            ix = whoosh_index.open_dir(str(folder))
            fresh = ix.searcher()
        except (OSError, whoosh_index.EmptyIndexError):
            if attempt == 2:
                raise
            continue  # a rebuild swapped generations while we opened this one
        if cached is not None:
            cached[2].close()
        _local.searcher = (folder, ix, fresh)
        return fresh
    raise AssertionError("unreachable")


# --- Writes ------------------------------------------------------------------------------


def _end_transaction() -> None:
    if db.session().in_transaction():
        db.session.commit()


def read_only(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a database read in its own deferred transaction, ended before returning.

    Signal handlers run after a write request committed, when new transactions would
    begin IMMEDIATE and hold SQLite's write lock while we wait for Whoosh's lock.
    """

    def run() -> Any:
        _end_transaction()
        set_read_only_request(True)  # only inside this copied context
        try:
            return fn(*args)
        finally:
            _end_transaction()

    return contextvars.copy_context().run(run)


def _collect(
    post_ids: set[int], thread_ids: set[int], group_ids: set[int]
) -> tuple[list[tuple[str, str]], dict[int, dict[str, Any]]]:
    """Read what the index should hold for these objects: terms to clear, docs to add."""
    clear: list[tuple[str, str]] = []
    docs: dict[int, dict[str, Any]] = {}
    for group_id in group_ids:
        clear.append(("group_id", str(group_id)))
        for batch in iter_documents(Thread.group_id == group_id):
            docs.update((int(d["post_id"]), d) for d in batch)
    for thread_id in thread_ids:
        clear.append(("thread_id", str(thread_id)))
        for batch in iter_documents(Post.thread_id == thread_id):
            docs.update((int(d["post_id"]), d) for d in batch)
    wanted = post_ids | opening_post_ids(post_ids)
    clear.extend(("post_id", str(post_id)) for post_id in wanted)
    docs.update(documents_for_posts(wanted))
    return clear, docs


def _apply(
    post_ids: set[int], thread_ids: set[int], group_ids: set[int], from_db: bool = True
) -> None:
    """Bring the index in line with the database for these posts, threads and groups."""

    def write(writer: IndexWriter) -> None:
        if from_db:
            clear, docs = read_only(_collect, post_ids, thread_ids, group_ids)
        else:
            clear, docs = [("post_id", str(post_id)) for post_id in post_ids], {}
        for field, value in clear:
            writer.delete_by_term(field, value)
        known = writer.schema.names()  # an index from before a new field was added
        for post_id, doc in docs.items():
            writer.delete_by_term("post_id", str(post_id))
            writer.add_document(**{name: value for name, value in doc.items() if name in known})

    with_writer(write)


def _update(
    post_ids: Iterable[int] = (),
    thread_ids: Iterable[int] = (),
    group_ids: Iterable[int] = (),
    from_db: bool = True,
) -> bool:
    """Write, or queue the work on failure; retry queued work after a success."""
    if not enabled():
        return True
    posts, threads, groups = set(post_ids), set(thread_ids), set(group_ids)
    try:
        _apply(posts, threads, groups, from_db)
    except Exception as error:
        log.warning("search index write failed, queued for retry: %r", error)
        if db.session().in_transaction():
            db.session.rollback()
        enqueue([("post", i) for i in posts] + [("thread", i) for i in threads]
                + [("group", i) for i in groups], repr(error))  # fmt: skip
        return False
    retry_queue()
    return True


def index_posts(post_ids: Iterable[int]) -> bool:
    """Index (or remove, if no longer published) these posts from the database."""
    return _update(post_ids=post_ids)


def unindex_posts(post_ids: Iterable[int]) -> bool:
    """Remove these posts from the index (their rows may already be gone)."""
    return _update(post_ids=post_ids, from_db=False)


def reindex_thread(thread_id: int) -> bool:
    """Re-read every post of a thread (title, group or status changed)."""
    return _update(thread_ids=[thread_id])


def reindex_group(group_id: int) -> bool:
    """Re-read every post of a group (its name, visibility or status changed)."""
    return _update(group_ids=[group_id])


# --- The retry queue ---------------------------------------------------------------------


def enqueue(items: list[tuple[str, int]], error: str) -> None:
    """Record index work durably in its own transaction (``error`` empty: not yet tried)."""
    if not items:
        return
    try:
        db.session.add_all(
            SearchIndexQueue(
                kind=kind, object_id=object_id, attempts=1 if error else 0, last_error=error[:1000]
            )
            for kind, object_id in items
        )
        db.session.commit()
    except Exception:  # `search check` still finds the drift from the database
        db.session.rollback()
        log.exception("could not queue search index work %r", items)


def queued_count() -> int:
    """Count the entries waiting in the retry queue."""
    from sqlalchemy import func

    return int(db.session.scalar(select(func.count(SearchIndexQueue.id))) or 0)


def retry_queue(limit: int = QUEUE_BATCH) -> int:
    """Apply up to ``limit`` queued entries; return how many succeeded."""

    def pending() -> list[tuple[int, str, int]]:
        rows = db.session.execute(
            select(SearchIndexQueue.id, SearchIndexQueue.kind, SearchIndexQueue.object_id)
            .order_by(SearchIndexQueue.id)
            .limit(limit)
        )
        return [tuple(row) for row in rows]

    entries = read_only(pending)
    if not entries:
        return 0
    entry_ids = [entry_id for entry_id, _kind, _object_id in entries]
    wanted = {kind: {o for _i, k, o in entries if k == kind} for kind in QUEUE_KINDS}
    try:
        _apply(wanted["post"], wanted["thread"], wanted["group"])
    except Exception as error:
        db.session.rollback()
        for entry in db.session.scalars(
            select(SearchIndexQueue).where(SearchIndexQueue.id.in_(entry_ids))
        ):
            entry.attempts += 1
            entry.last_error = repr(error)[:1000]
        db.session.commit()
        return 0
    db.session.execute(delete(SearchIndexQueue).where(SearchIndexQueue.id.in_(entry_ids)))
    db.session.commit()
    return len(entry_ids)


def drain_queue() -> int:
    """Apply every queued entry (CLI); return how many succeeded."""
    total = 0
    while done := retry_queue():
        total += done
    return total
