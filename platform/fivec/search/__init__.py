"""Search: a Whoosh index of posts kept in step with the database after each commit.

The seam other code uses is small: ``index_posts``, ``unindex_posts`` and ``search``
(plus ``reindex_thread``/``reindex_group``); the signal handlers here call them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app

from .. import signals
from .index import index_posts, reindex_group, reindex_thread, unindex_posts
from .results import search
from .worker import schedule

bp = Blueprint("search", __name__)

__all__ = [
    "bp",
    "index_posts",
    "init_app",
    "reindex_group",
    "reindex_thread",
    "search",
    "unindex_posts",
]


def _inline() -> bool:
    """Index inside the request (tests, one-off scripts) instead of in the worker thread."""
    return bool(current_app.config.get("SEARCH_INDEX_INLINE", False))


def _on_post_saved(_sender: Any, post_id: int, **_extra: Any) -> None:
    if _inline():
        index_posts([post_id])
    else:
        schedule([("post", post_id)])


def _on_thread_saved(_sender: Any, thread_id: int, **_extra: Any) -> None:
    if _inline():
        reindex_thread(thread_id)
    else:
        schedule([("thread", thread_id)])


def _on_thread_removed(
    _sender: Any, thread_id: int, post_ids: list[int] | None = None, **_extra: Any
) -> None:
    if _inline():
        unindex_posts(post_ids or [])
        reindex_thread(thread_id)
    else:  # a queued post that no longer exists is removed from the index when applied
        schedule([("post", post_id) for post_id in post_ids or []] + [("thread", thread_id)])


def _on_group_access_changed(_sender: Any, group_id: int, **_extra: Any) -> None:
    if _inline():
        reindex_group(group_id)
    else:
        schedule([("group", group_id)])


def init_app(app: Flask) -> None:
    """Subscribe the index to the domain signals (idempotent: one receiver per signal)."""
    from . import models  # noqa: F401  (the retry-queue table)

    signals.post_saved.connect(_on_post_saved)
    signals.thread_saved.connect(_on_thread_saved)
    signals.thread_removed.connect(_on_thread_removed)
    signals.group_access_changed.connect(_on_group_access_changed)


from . import views  # noqa: E402,F401
