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

from dataclasses import dataclass
from typing import cast

from flask import render_template

from ..access import Viewer, can_moderate_group, can_reply, viewer_id
from ..memo import Memo, app_memo
from ..models import Thread, User
from .marks import thread_marks
from .personal import Marked, split_marked
from .queries import load_thread_page

MAX_BYTES = 64 * 1024 * 1024  # per process; a 20-reply page is about 40 KB


@dataclass(frozen=True)
class PostsSection:
    """A rendered page of posts, with what the per-reader pass and the page need."""

    marked: Marked  # the rendered posts, split at their per-reader markers
    authors: dict[int, int | None]  # post id -> author id
    statuses: dict[int, str]  # post id -> status
    page: int
    pages: int
    newest_post_id: int


_EXTENSION_KEY = "fivec_thread_page_cache"


def _cache() -> Memo[PostsSection]:
    return app_memo(
        _EXTENSION_KEY,
        lambda: Memo[PostsSection](
            "thread pages",
            maxsize=100_000,
            weigh=lambda entry: entry.marked.size,
            max_weight=MAX_BYTES,
        ),
    )


def clear() -> None:
    """Forget every rendered section (tests; after restoring the database in place)."""
    _cache().clear()


def _sees_posts_others_do_not(viewer: Viewer | None, thread: Thread) -> bool:
    if viewer_id(viewer) is None:
        return False
    return thread_marks(cast(User, viewer), thread).has_unshared_posts


def posts_section(
    viewer: Viewer | None, thread: Thread, number: int, more: int | None
) -> PostsSection | None:
    """Return the rendered page ``number`` of ``thread`` for ``viewer``'s kind of reader,
    or None when there is no such page."""
    moderates = can_moderate_group(viewer, thread.group)
    replying = can_reply(viewer, thread)
    shared = moderates or not _sees_posts_others_do_not(viewer, thread)
    key = (thread.id, thread.content_version, number, more, replying, moderates)
    if shared and (entry := _cache().peek(key)) is not None:
        return entry
    page = load_thread_page(viewer, thread, number, more=more)
    if page is None:
        return None
    nodes = [page.opening, *page.nodes]
    entry = PostsSection(
        marked=split_marked(
            render_template(
                "discussions/_thread_posts.html",
                page=page,
                thread=thread,
                more=more,
                can_reply=replying,
            )
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
