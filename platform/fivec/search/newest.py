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
import time
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from . import blocks
from .blocks import Span, ids_within
from .permissions import estimated_size

FIELD = blocks.FIELD
MIN_WINDOW = 256  # documents scanned first at least; doubled while the page is unproven


def _prefix_maxima(reader: Any) -> list[int]:
    """Return ``m`` with ``m[i]`` the newest date among the segment's first ``i`` blocks."""
    return list(accumulate(blocks.block_dates(reader)[1], max, initial=0))


def _newest_before(segments: list[tuple[Any, int, list[int]]], docnum: int) -> int:
    """Return an upper bound on ``created_at`` of every document numbered below ``docnum``."""
    newest = 0
    for reader, offset, maxima in segments:
        if offset >= docnum:
            break
        local = min(docnum - offset, reader.doc_count_all())
        covering = -(-local // blocks.BLOCK)  # whole blocks covering it: a safe over-estimate
        newest = max(newest, maxima[min(covering, len(maxima) - 1)])
    return newest


#: (segment index, segment searcher, start, end) -> the segment's matching document
#: numbers in [start, end), ascending.
Window = Callable[[int, Searcher, int, int], Iterator[int]]


def query_window(q: wq.Query, context: Any) -> Window:
    """Return a Window that walks Whoosh's matcher for ``q`` through each window."""

    def matches(_index: int, sub: Searcher, start: int, end: int) -> Iterator[int]:
        return ids_within(q.matcher(sub, context), [(start, end)])

    return matches


def newest_documents(
    s: Searcher,
    q: wq.Query,
    allow: Any,
    mask: Any,
    limit: int,
    deadline: float,
    window_matches: Window | None = None,
    within: list[Span] | None = None,
) -> tuple[list[int], int | None]:
    """Return the newest ``limit`` allowed matches (newest first) and, if every match was
    seen, how many were allowed (else None).

    ``window_matches`` finds the matches in a window (by default Whoosh's matcher);
    ``within``, if given, holds every match (runs of top-level document numbers,
    ascending): windows jump over the rest, and are not widened by it.
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
        if within is not None:
            end = _last_end(within, end)
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


def _last_end(runs: list[Span], end: int) -> int:
    """Return where the last of ``runs`` starting below ``end`` ends (at most ``end``)."""
    for start, stop in reversed(runs):
        if start < end:
            return min(stop, end)
    return 0


def _first_window(s: Searcher, q: wq.Query, allow: Any, limit: int) -> int:
    """Return how many of the last documents to scan first: about twice what should hold
    ``limit`` allowed matches, judging by the query's estimated size (all, if it is rare)."""
    total = s.doc_count_all()
    matches = estimated_size(s, s.reader(), q)
    if matches <= limit * 4:
        return total
    share = (matches / total) * (max(1, len(allow)) / total)
    return min(total, max(MIN_WINDOW, int(2 * limit / share)))
