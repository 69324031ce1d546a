"""Newest-first results without sorting every match.

Posts enter the index in roughly the order they were written (a rebuild adds them by id,
later posts are appended), so the newest matches sit at the end of the document order.
We scan matches backwards in widening windows of document numbers and stop once the
page is full *and* its oldest post is strictly newer than every document before the
window, which each segment's prefix maxima of ``created_at`` tell us. Edited posts are
re-added at the end with their old date: they are simply candidates in the first window.
The answer is therefore exactly what sorting all matches would give.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

FIELD = "created_at"
BLOCK = 512  # documents per prefix-maximum entry
MIN_WINDOW = 256  # documents scanned first at least; doubled while the page is unproven
_prefix_cache: dict[tuple[str, int], list[int]] = {}
_prefix_lock = threading.Lock()
_PREFIX_CACHE_SIZE = 64


def _prefix_maxima(reader: Any) -> list[int]:
    """Return ``m`` with ``m[i]`` the newest date among the segment's first ``i*BLOCK`` docs.

    A segment's documents and their column values never change (deletions only hide
    them), so this is cached by segment id across searchers and threads.
    """
    segment = reader.segment()
    key = (segment.segment_id(), reader.doc_count_all())
    with _prefix_lock:
        found = _prefix_cache.get(key)
    if found is not None:
        return found
    column = reader.column_reader(FIELD, translate=False)
    maxima, newest = [0], 0
    total = reader.doc_count_all()
    for start in range(0, total, BLOCK):
        for doc in range(start, min(start + BLOCK, total)):
            value = column[doc]
            if value > newest:
                newest = value
        maxima.append(newest)
    with _prefix_lock:
        if len(_prefix_cache) >= _PREFIX_CACHE_SIZE:
            _prefix_cache.pop(next(iter(_prefix_cache)))
        _prefix_cache[key] = maxima
    return maxima


def _newest_before(segments: list[tuple[Any, int, list[int]]], docnum: int) -> int:
    """Return an upper bound on ``created_at`` of every document numbered below ``docnum``."""
    newest = 0
    for reader, offset, maxima in segments:
        if offset >= docnum:
            break
        local = min(docnum - offset, reader.doc_count_all())
        blocks = -(-local // BLOCK)  # whole blocks covering it: a safe over-estimate
        newest = max(newest, maxima[min(blocks, len(maxima) - 1)])
    return newest


#: (segment index, segment searcher, start, end) -> the segment's matching document
#: numbers in [start, end), ascending.
Window = Callable[[int, Searcher, int, int], Iterator[int]]


def query_window(q: wq.Query, context: Any) -> Window:
    """Return a Window that walks Whoosh's matcher for ``q`` through each window."""

    def matches(_index: int, sub: Searcher, start: int, end: int) -> Iterator[int]:
        matcher = q.matcher(sub, context)
        if not matcher.is_active():
            return
        if matcher.id() < start:
            matcher.skip_to(start)
        yield from ids_below(matcher, end)

    return matches


def newest_documents(
    s: Searcher,
    q: wq.Query,
    allow: Any,
    mask: Any,
    limit: int,
    deadline: float,
    window_matches: Window | None = None,
) -> tuple[list[int], int | None]:
    """Return the newest ``limit`` allowed matches (newest first) and, if every match was
    seen, how many were allowed (else None).

    ``window_matches`` finds the matches in a window (by default Whoosh's matcher).
    """
    if s.schema[FIELD].column_type is None:
        raise ValueError("created_at must be sortable")
    matches_in = window_matches or query_window(q, s.context())
    leaves = [(sub, offset) for sub, offset in s.leaf_searchers()]
    segments = [(sub.reader(), offset, _prefix_maxima(sub.reader())) for sub, offset in leaves]
    columns = [sub.reader().column_reader(FIELD, translate=False) for sub, _ in leaves]
    heap: list[tuple[int, int]] = []  # (created_at, docnum): newest, then highest docnum
    allowed_seen = 0
    end = s.doc_count_all()
    window = _first_window(s, q, allow, limit)
    while True:
        start = max(0, end - window)
        for index, ((sub, offset), column) in enumerate(zip(leaves, columns, strict=True)):
            size = sub.reader().doc_count_all()
            if offset + size <= start or offset >= end:
                continue
            found = matches_in(index, sub, max(0, start - offset), end - offset)
            for n, doc in enumerate(found):
                if n % 256 == 0 and time.monotonic() > deadline:
                    raise TimeLimit
                docnum = offset + doc
                if docnum not in allow or (mask is not None and docnum in mask):
                    continue
                allowed_seen += 1
                item = (column[doc], docnum)
                if len(heap) < limit:
                    heapq.heappush(heap, item)
                elif item > heap[0]:
                    heapq.heapreplace(heap, item)
        if start == 0:
            return [docnum for _created, docnum in sorted(heap, reverse=True)], allowed_seen
        if len(heap) >= limit and heap[0][0] > _newest_before(segments, start):
            return [docnum for _created, docnum in sorted(heap, reverse=True)], None
        end, window = start, window * 2


def _first_window(s: Searcher, q: wq.Query, allow: Any, limit: int) -> int:
    """Return how many of the last documents to scan first: about twice what should hold
    ``limit`` allowed matches, judging by the query's estimated size (all, if it is rare)."""
    total = s.doc_count_all()
    matches = q.estimate_size(s.reader())
    if matches <= limit * 4:
        return total
    share = (matches / total) * (max(1, len(allow)) / total)
    return min(total, max(MIN_WINDOW, int(2 * limit / share)))


def ids_below(matcher: Any, local_end: int) -> Iterator[int]:
    """Yield the matcher's document numbers below ``local_end`` (from where it stands)."""
    while matcher.is_active():
        doc = matcher.id()
        if doc >= local_end:
            return
        yield doc
        matcher.next()
