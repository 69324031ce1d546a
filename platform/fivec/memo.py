"""A small, bounded, thread-safe memo for results keyed by their own inputs.

Used wherever a page remembers what it computed or rendered, keyed so that nothing ever
needs invalidating: a changed input is a new key, and old keys age out. Bounded by a
count, or by a total weight (e.g. bytes of rendered HTML) when ``weigh`` is given.

The scorecard page recomputes the same statistics for every viewer until new figures
arrive: the funnel limits of a period (exact binomial and Poisson quantiles, the costly
part) and each organisation's XmR chart. ``Memo`` keeps the last ``maxsize`` results in
each process, keyed by the complete inputs (every figure, the measure's settings), so
there is nothing to invalidate: a new or corrected submission changes the key and the
next view computes afresh, in every gunicorn worker, without any message between them.
Values must be immutable (frozen dataclasses and tuples), because every caller shares them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app

T = TypeVar("T")


class Memo(Generic[T]):
    """Least-recently-used results, at most ``maxsize`` of them and, with ``weigh``, at
    most ``max_weight`` in total."""

    def __init__(
        self,
        name: str,
        maxsize: int,
        *,
        weigh: Callable[[T], int] | None = None,
        max_weight: int = 0,
    ) -> None:
        self.name = name
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[Hashable, T] = OrderedDict()
        self._weigh = weigh
        self._max_weight = max_weight
        self._weight = 0
        self._lock = threading.Lock()

    def _lookup(self, key: Hashable) -> tuple[bool, T | None]:
        """(found, value), counting the hit or miss and refreshing the key's recency."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return True, self._data[key]
            self.misses += 1
            return False, None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the remembered result for ``key``, computing (and keeping) it if new."""
        found, value = self._lookup(key)
        if found:
            return value  # type: ignore[return-value]
        value = compute()  # outside the lock: two threads may both compute; both agree
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> T | None:
        """Return the remembered result for ``key``, or None (to batch the misses' reads)."""
        return self._lookup(key)[1]

    def put(self, key: Hashable, value: T) -> None:
        """Remember ``value`` for ``key`` (computed by the caller after ``peek`` missed)."""
        with self._lock:
            if key in self._data:
                self._weight -= self._weight_of(self._data[key])
            self._data[key] = value
            self._data.move_to_end(key)
            self._weight += self._weight_of(value)
            while self._data and (
                len(self._data) > self.maxsize
                or (self._weigh is not None and self._weight > self._max_weight)
            ):
                _key, old = self._data.popitem(last=False)
                self._weight -= self._weight_of(old)

    def _weight_of(self, value: T) -> int:
        return self._weigh(value) if self._weigh is not None else 0

    def clear(self) -> None:
        """Forget everything (tests, benchmarks of the cold path)."""
        with self._lock:
            self._data.clear()
            self.hits = self.misses = self._weight = 0

    def __len__(self) -> int:
        return len(self._data)


def app_memo(key: str, make: Callable[[], Memo[T]]) -> Memo[T]:
    """This app's memo under ``key``, made on first use: one per app, so two apps (tests)
    never share entries keyed by row ids."""
    extensions = current_app.extensions
    memo = extensions.get(key)
    if memo is None:
        memo = extensions.setdefault(key, make())
    return memo  # type: ignore[no-any-return]
