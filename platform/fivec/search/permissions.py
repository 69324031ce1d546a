"""The document sets behind ``filter=`` (groups a member may read) and ``mask=`` (hidden).

Built from the index itself, per searcher (so per index generation) and cached for the
searcher's life: many members share the same groups, and a search checks thousands of
documents against these sets, so membership must cost a byte lookup, not a query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.idsets import DocIdSet
from whoosh.searching import Searcher

PERMISSION_CACHE_SIZE = 64
ESTIMATE_CACHE_SIZE = 256
PUBLISHED = "published"
HIDDEN_STATUSES = ("held", "hidden", "deleted")
_local = threading.local()


class DocBits(DocIdSet):
    """A read-only set of top-level document numbers as a bit array (fast ``in``)."""

    __slots__ = ("bits", "count")

    def __init__(self, bits: bytes, count: int) -> None:
        self.bits = bits
        self.count = count

    def __contains__(self, docnum: object) -> bool:
        if not isinstance(docnum, int):
            return False
        index = docnum >> 3
        return index < len(self.bits) and bool(self.bits[index] >> (docnum & 7) & 1)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[int]:
        for index, byte in enumerate(self.bits):
            if byte:
                for bit in range(8):
                    if byte >> bit & 1:
                        yield index * 8 + bit


def _documents(s: Searcher, field: str, values: Iterable[str]) -> tuple[bytearray, int]:
    """Set a bit for every live document with any of ``values`` in ``field``."""
    bits = bytearray((s.doc_count_all() >> 3) + 1)
    count = 0
    wanted = list(values)
    for sub, offset in s.leaf_searchers():
        reader = sub.reader()
        for value in wanted:
            if (field, value) not in reader:
                continue
            for doc in reader.postings(field, value).all_ids():  # skips deleted documents
                docnum = offset + doc
                if not bits[docnum >> 3] >> (docnum & 7) & 1:
                    bits[docnum >> 3] |= 1 << (docnum & 7)
                    count += 1
    return bits, count


def searcher_cache(s: Searcher) -> dict[Any, Any]:
    """Return this thread's cache for ``s``: emptied when the thread's searcher changes."""
    cached = getattr(_local, "cache", None)
    if cached is None or cached[0] is not s:
        cached = (s, {})
        _local.cache = cached
    return cached[1]


def remember(cache: dict[Any, Any], key: Any, value: Any, size: int) -> None:
    """Keep ``value`` under ``key``, dropping the oldest entry once ``size`` are kept."""
    if len(cache) >= size:
        cache.pop(next(iter(cache)))
    cache[key] = value


def estimated_size(s: Searcher, reader: Any, q: Any) -> int:
    """Return ``q.estimate_size(reader)``, cached for the searcher's life.

    Whoosh estimates a date range by listing its trie terms (~3 ms), and that estimate
    shapes matcher trees and first windows of every search with the same range.
    """
    cache = searcher_cache(s).setdefault("sizes", {})
    key = (id(reader), q)
    found = cache.get(key)
    if found is None:
        found = q.estimate_size(reader)
        remember(cache, key, found, ESTIMATE_CACHE_SIZE)
    return found  # type: ignore[no-any-return]


def allowed_documents(s: Searcher, group_ids: frozenset[int]) -> DocBits:
    """Return the published documents in ``group_ids``, for ``filter=``."""
    cache = searcher_cache(s).setdefault("allowed", {})
    found = cache.get(group_ids)
    if found is None:
        bits, count = _documents(s, "group_id", (str(g) for g in sorted(group_ids)))
        if count:
            other = [v for v in s.lexicon("status") if v.decode() != PUBLISHED]
            off, _ = _documents(s, "status", (v.decode() for v in other))
            for index, byte in enumerate(off):
                if byte:
                    count -= bin(bits[index] & byte).count("1")
                    bits[index] &= ~byte & 0xFF
        found = DocBits(bytes(bits), count)
        remember(cache, group_ids, found, PERMISSION_CACHE_SIZE)
    return found


def hidden_documents(s: Searcher) -> DocBits | None:
    """Return the held, hidden or deleted documents, for ``mask=`` (None when there are none).

    The index only ever receives published posts, so this is a second line of defence.
    """
    cache = searcher_cache(s)
    if "hidden" not in cache:
        bits, count = _documents(s, "status", HIDDEN_STATUSES)
        cache["hidden"] = DocBits(bytes(bits), count) if count else None
    return cache["hidden"]
