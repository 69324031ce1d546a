"""Render a page of a thread's posts once, serve it to every reader of the same kind.

Rendering twenty posts with their buttons and forms is most of a thread page's cost, yet
all ordinary readers see the same HTML but for a few per-reader details, which the
templates leave as markers (``personal``). So the rendered section is kept in a small
in-process LRU keyed on

    (thread id, thread.content_version, page, ?more, may reply, moderates the group)

``content_version`` is bumped by database triggers on any change to the thread's posts
(new, edited, deleted, hidden, moved, a helpful mark, the author's new name: migration
0008), so a stale entry can never be served: it is simply never asked for again. The
version is read in the same snapshot as the posts. Two kinds of reader need no special
rule: moderators (a key of their own: they see hidden posts and moderation tools) and
readers with held or hidden posts of their own in the thread (they see posts others do
not, so their page is rendered for them alone and not stored).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template
from sqlalchemy import select

from ..access import Viewer, can_moderate_group, can_reply, is_member
from ..extensions import db
from ..models import Post, Thread
from .queries import load_thread_page

MAX_BYTES = 64 * 1024 * 1024  # per process; a 20-reply page is about 40 KB


@dataclass(frozen=True)
class PostsSection:
    """A rendered page of posts, with what the per-reader pass and the page need."""

    html: str
    authors: dict[int, int | None]  # post id -> author id
    statuses: dict[int, str]  # post id -> status
    page: int
    pages: int
    newest_post_id: int


class _LRU:
    def __init__(self, max_bytes: int) -> None:
        self._entries: OrderedDict[tuple[object, ...], PostsSection] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> PostsSection | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[object, ...], entry: PostsSection) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += len(entry.html)
            while self._bytes > self._max and self._entries:
                _key, old = self._entries.popitem(last=False)
                self._bytes -= len(old.html)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_EXTENSION_KEY = "fivec_thread_page_cache"


def _cache() -> _LRU:
    """This app's cache: one per app, so two apps (tests) never share thread ids."""
    extensions = current_app.extensions
    cache = extensions.get(_EXTENSION_KEY)
    if cache is None:
        cache = extensions.setdefault(_EXTENSION_KEY, _LRU(MAX_BYTES))
    return cache  # type: ignore[no-any-return]


def clear() -> None:
    """Forget every rendered section (tests; after restoring the database in place)."""
    _cache().clear()


def _sees_posts_others_do_not(viewer: Viewer | None, thread: Thread) -> bool:
    user_id = getattr(viewer, "id", None) if is_member(viewer) else None
    if user_id is None:
        return False
    return (
        db.session.scalar(
            select(Post.id)
            .where(
                Post.thread_id == thread.id,
                Post.author_id == user_id,
                Post.status.in_(["held", "hidden"]),
            )
            .limit(1)
        )
        is not None
    )


def posts_section(
    viewer: Viewer | None, thread: Thread, number: int, more: int | None
) -> PostsSection | None:
    """Return the rendered page ``number`` of ``thread`` for ``viewer``'s kind of reader,
    or None when there is no such page."""
    moderates = can_moderate_group(viewer, thread.group)
    replying = can_reply(viewer, thread)
    shared = moderates or not _sees_posts_others_do_not(viewer, thread)
    key = (thread.id, thread.content_version, number, more, replying, moderates)
    if shared and (entry := _cache().get(key)) is not None:
        return entry
    page = load_thread_page(viewer, thread, number, more=more)
    if page is None:
        return None
    nodes = [page.opening, *page.nodes]
    entry = PostsSection(
        html=render_template(
            "discussions/_thread_posts.html",
            page=page,
            thread=thread,
            more=more,
            can_reply=replying,
        ),
        authors={node.post.id: node.post.author_id for node in nodes},
        statuses={node.post.id: node.post.status for node in nodes},
        page=page.page,
        pages=page.pages,
        newest_post_id=page.newest_post_id,
    )
    if shared:
        _cache().put(key, entry)
    return entry
