"""Rebuild the index from the database and report drift between the two."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from . import documents
from .documents import drift_state, iter_documents
from .index import (
    SCHEMA,
    current_generation,
    drain_queue,
    index_posts,
    live_path,
    new_generation,
    queued_count,
    read_only,
    rebuild_marker,
    searcher,
    unindex_posts,
)

#: Seconds an old generation stays on disk after a swap, for searches still reading it.
OLD_GENERATION_GRACE = 2.0


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did."""

    documents: int
    seconds: float
    size_bytes: int
    retried: int


@dataclass
class Drift:
    """Differences between the database and the index."""

    missing: list[int] = field(default_factory=list)  # published in the DB, not in the index
    extra: list[int] = field(default_factory=list)  # indexed, but no longer published or gone
    stale: list[int] = field(default_factory=list)  # indexed with an old group, title, version
    queued: int = 0
    outdated: list[str] = field(default_factory=list)  # fields an older version did not write

    @property
    def total(self) -> int:
        count = len(self.missing) + len(self.extra) + len(self.stale) + self.queued
        return count + (1 if self.outdated else 0)


def folder_size(folder: Path) -> int:
    """Return the bytes used by the files in ``folder``."""
    return sum(entry.stat().st_size for entry in folder.iterdir() if entry.is_file())


def total() -> int:
    """Count the posts a rebuild will index."""
    return int(read_only(documents.count_searchable))


def _swap(live: Path, folder: Path) -> Path | None:
    """Point ``live`` at ``folder`` with an atomic rename; return the old generation."""
    old = Path(os.path.realpath(live)) if live.exists() else None
    if live.exists() and not live.is_symlink():  # a plain folder from an older layout
        legacy = live.with_name(f"{live.name}.legacy-{int(time.time())}")
        live.rename(legacy)
        old = legacy
    temporary = live.with_name(f"{live.name}.swap-{os.getpid()}")
    os.symlink(folder.name, temporary)
    os.replace(temporary, live)
    return old


def rebuild(
    progress: Callable[[int], Any] | None = None, grace: float = OLD_GENERATION_GRACE
) -> RebuildReport:
    """Index every searchable post into a new generation and swap it in atomically.

    While the rebuild runs it holds the live index's lock and leaves a marker, so writers
    from the running site queue their work instead of writing into the old index; the
    queue is applied to the new index after the swap. Searches keep reading the old one.
    """
    started = time.perf_counter()
    live = live_path()
    marker = rebuild_marker(live)
    old_folder = current_generation(live)
    marker.write_text(str(os.getpid()))
    try:
        held = whoosh_index.open_dir(str(old_folder)).writer(timeout=60.0)
        try:
            folder = new_generation(live)
            writer = whoosh_index.open_dir(str(folder)).writer(limitmb=256)

            def fill() -> int:  # one read snapshot: later commits are queued, then applied
                count = 0
                for batch in iter_documents():
                    for doc in batch:
                        writer.add_document(**doc)
                    count += len(batch)
                    if progress is not None:
                        progress(len(batch))
                return count

            count = read_only(fill)
            writer.commit(optimize=True)
            old = _swap(live, folder)
        finally:
            held.cancel()
    finally:
        marker.unlink(missing_ok=True)
    retried = drain_queue()
    if old is not None and old != folder:
        time.sleep(grace)
        shutil.rmtree(old, ignore_errors=True)
    return RebuildReport(count, time.perf_counter() - started, folder_size(folder), retried)


def _indexed_state() -> dict[int, tuple[Any, ...]]:
    state: dict[int, tuple[Any, ...]] = {}
    reader = searcher().reader()
    for _docnum, stored in reader.iter_docs():
        replies = stored["reply_count"] if stored["is_first_post"] else 0
        state[int(stored["post_id"])] = (
            int(stored["thread_id"]),
            int(stored["group_id"]),
            stored["version"],
            stored["title"],
            replies,
        )
    return state


def outdated_fields() -> list[str]:
    """Return the schema's fields the live index lacks (written by an older version).

    Searches still work on such an index (the fast paths for several words and phrases
    need the ``tokens`` column and step aside without it); a rebuild brings it up to date.
    """
    indexed = searcher().schema.names()
    return [name for name in SCHEMA.names() if name not in indexed]


def check() -> Drift:
    """Compare the index with the database, post by post, and its format with ours."""
    indexed = _indexed_state()
    drift = Drift(outdated=outdated_fields())

    def compare() -> None:
        drift.queued = queued_count()
        for post_id, fields in drift_state():
            found = indexed.pop(post_id, None)
            if found is None:
                drift.missing.append(post_id)
            elif found != fields:
                drift.stale.append(post_id)

    read_only(compare)
    drift.extra = sorted(indexed)
    return drift


def fix(drift: Drift) -> None:
    """Repair what ``check`` found: index the missing and stale, drop the extra, retry.

    An index in an older format is rebuilt, which repairs everything else too.
    """
    if drift.outdated:
        rebuild()
        return
    repair = drift.missing + drift.stale
    for start in range(0, len(repair), 1_000):
        index_posts(repair[start : start + 1_000])
    for start in range(0, len(drift.extra), 1_000):
        unindex_posts(drift.extra[start : start + 1_000])
    drain_queue()
