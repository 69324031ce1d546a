"""Remember a read for the rest of the request, until the request writes.

Several parts of one page ask the same small question (what has this member seen of the
thread? does anything bar them from posting?). Each answer is read once per request and
kept in ``flask.g``; when any session commits or rolls back, everything kept is
forgotten, since the write (or the undone write) may have changed the answer. Outside a
request nothing is kept and every ask reads afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEY = "fivec_request_memo"


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """Return ``load()``, read once per request and ``key`` until the next commit."""
    if not has_request_context():
        return load()
    kept: dict[Hashable, Any] = g.setdefault(_KEY, {})
    if key not in kept:
        kept[key] = load()
    return kept[key]  # type: ignore[no-any-return]


def keep(key: Hashable, value: Any) -> None:
    """Remember ``value`` for ``key`` as if ``remembered`` had loaded it (a statement read
    it along with something else); outside a request, do nothing."""
    if has_request_context():
        g.setdefault(_KEY, {})[key] = value


def forget_all(*_: Any) -> None:
    """Forget what the request has kept (a session committed or rolled back)."""
    if has_request_context():
        g.pop(_KEY, None)


def init_app() -> None:
    """Forget kept reads whenever any session commits or rolls back (installed once)."""
    if not event.contains(Session, "after_commit", forget_all):
        event.listen(Session, "after_commit", forget_all)
        event.listen(Session, "after_soft_rollback", forget_all)
