"""Per-block date minima and maxima: skip the posts a date filter rules out.

Posts enter the index in about the order they are written (a rebuild adds them by id,
later posts are appended), so each block of ``BLOCK`` documents covers a short stretch
of dates. For every segment we keep the oldest and newest ``created_at`` of each block
(deleted documents included: a wider range is still safe). A date range every match
must satisfy (``after:``, ``before:``) then becomes the spans of document numbers whose
blocks could hold a match, and the anchored scans, counts and newest-first windows
(``multiword.py``) skip to those spans in the posting lists. Without this,
``shift after:2026-06-01`` checked the word's posts from the oldest, ~35,000 of them,
to count 1,001 matches. Only blocks where no document can be in range are skipped,
and every post checked still goes through the permission sets, so results and totals
are unchanged. Newest-first ordering reads its prefix maxima from the same blocks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.searching import Searcher

FIELD = "created_at"  # the only column that follows document order
BLOCK = 512  # documents per block
Span = tuple[int, int]  # [start, end) in segment document numbers
_cache: dict[tuple[str, int, int], tuple[list[int], list[int]]] = {}
_lock = threading.Lock()
_CACHE_SIZE = 64


def block_dates(reader: Any) -> tuple[list[int], list[int]]:
    """Return the oldest and newest raw ``created_at`` of each block of a segment.

    A segment's documents and their column values never change (deletions only hide
    them), so this is cached by segment id across searchers and threads.
    """
    key = (reader.segment().segment_id(), reader.doc_count_all(), BLOCK)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    column = reader.column_reader(FIELD, translate=False)
    total = reader.doc_count_all()
    oldest, newest = [], []
    for start in range(0, total, BLOCK):
        values = [column[doc] for doc in range(start, min(start + BLOCK, total))]
        oldest.append(min(values))
        newest.append(max(values))
    found = (oldest, newest)
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = found
    return found


def range_edges(schema: Schema, q: Any) -> tuple[Any, Any, bool, bool]:
    """Return a NumericRange/DateRange's (low, high, low excluded, high excluded).

    The edges go through the field's own column encoding (a DateRange keeps its
    dates), so they compare with the column's raw values as the numbers compare.
    """
    field = schema[q.fieldname]
    start, end = getattr(q, "startdate", q.start), getattr(q, "enddate", q.end)
    low = None if start is None else field.to_column_value(start)
    high = None if end is None else field.to_column_value(end)
    return low, high, bool(q.startexcl), bool(q.endexcl)


def spans(reader: Any, schema: Schema, ranges: Iterable[wq.Query]) -> list[Span]:
    """Return the runs of a segment's documents that may satisfy every date range.

    Ranges on other columns do not follow document order and are ignored (they are
    still checked per post); edges are compared inclusively, which keeps a block
    whenever in doubt.
    """
    total = reader.doc_count_all()
    dated = [range_edges(schema, q) for q in ranges if q.fieldname == FIELD]
    if not dated or not total:
        return [(0, total)] if total else []
    oldest, newest = block_dates(reader)
    runs: list[Span] = []
    for n, (first, last) in enumerate(zip(oldest, newest, strict=True)):
        if any(
            (low is not None and last < low) or (high is not None and first > high)
            for low, high, _, _ in dated
        ):
            continue
        start, end = n * BLOCK, min(total, (n + 1) * BLOCK)
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def searcher_spans(s: Searcher, ranges: Iterable[wq.Query]) -> list[Span]:
    """Return ``spans`` of every segment, as runs of top-level document numbers."""
    found = list(ranges)
    return [
        (offset + start, offset + end)
        for sub, offset in s.leaf_searchers()
        for start, end in spans(sub.reader(), s.schema, found)
    ]


def ids_below(matcher: Any, local_end: int) -> Iterator[int]:
    """Yield the matcher's document numbers below ``local_end`` (from where it stands)."""
    while matcher.is_active():
        doc = matcher.id()
        if doc >= local_end:
            return
        yield doc
        matcher.next()


def ids_within(matcher: Any, runs: Iterable[Span]) -> Iterator[int]:
    """Yield the matcher's document numbers inside ``runs`` (ascending, disjoint)."""
    for start, end in runs:
        if not matcher.is_active():
            return
        if matcher.id() < start:
            matcher.skip_to(start)
        yield from ids_below(matcher, end)


def clip(runs: list[Span], start: int, end: int) -> list[Span]:
    """Return the parts of ``runs`` inside [start, end)."""
    return [(max(a, start), min(b, end)) for a, b in runs if a < end and b > start]
