"""Reading discussions: a page of a thread's tree in a fixed number of queries.

A page is TOP_LEVEL_PER_PAGE top-level replies with their descendants, loaded as one
range of paths in path order (depth first), capped at PAGE_POST_CAP posts; a page past
the cap continues on ``?more=<last post id>``. Replies nest visibly MAX_INDENT levels
deep; deeper ones line up beside their ancestor and say "in reply to <name>".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from flask_wtf.csrf import generate_csrf
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    bindparam,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import selectinload

from ..access import Viewer, can_moderate_group, editable_post_ids, viewer_id
from ..database import read_columns
from ..extensions import db
from ..models import Bookmark, Post, Reaction, Thread, User
from .personal import Reader

TOP_LEVEL_PER_PAGE = 20
PAGE_POST_CAP = 400
MAX_INDENT = 5
CATCH_UP_LIMIT = 100


class PostSummary(NamedTuple):
    """The little of a post that the access rules for editing need."""

    id: int
    author_id: int | None
    status: str


@dataclass
class PostNode:
    """A post as one reader sees it, with its replies on this page."""

    post: Post
    level: int = 0
    children: list[PostNode] = field(default_factory=list)
    reply_to_name: str | None = None

    @property
    def is_deleted(self) -> bool:
        return self.post.status == "deleted"


@dataclass
class ThreadPage:
    """One page of a thread: the opening post and a forest of replies."""

    thread: Thread
    opening: PostNode | None
    roots: list[PostNode]
    page: int
    pages: int
    continue_after: int | None = None
    newest_post_id: int = 0
    nodes: list[PostNode] = field(default_factory=list)  # the replies, in page order


def visible_posts(viewer: Viewer | None, thread: Thread) -> ColumnElement[bool]:
    """Posts ``viewer`` sees in ``thread``: published and deleted (as a placeholder),
    plus their own held or hidden ones; moderators see everything."""
    if can_moderate_group(viewer, thread.group):
        return true()
    return _visible_to_readers(viewer_id(viewer))


def _visible_to_readers(user_id: int | ColumnElement[int] | None) -> ColumnElement[bool]:
    shown_to_all = Post.status.in_(["published", "deleted"])
    if user_id is None:  # "author_id == None" would read as IS NULL: a former member's posts
        return shown_to_all
    return or_(shown_to_all, Post.author_id == user_id)


def _top_level(
    thread: Thread, opening: Post, visible: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    return [Post.thread_id == thread.id, Post.parent_id == opening.id, visible]


@cache
def _marked_posts() -> CompoundSelect[tuple[str, int]]:
    """The reader's helpful marks and bookmarks among a page's posts: one prebuilt
    statement, as every thread page and catch-up asks."""
    reader, post_ids = bindparam("user_id"), bindparam("post_ids", expanding=True)
    return union_all(
        select(literal("helpful"), Reaction.post_id).where(
            Reaction.user_id == reader, Reaction.post_id.in_(post_ids)
        ),
        select(literal("bookmark"), Bookmark.post_id).where(
            Bookmark.user_id == reader, Bookmark.post_id.in_(post_ids)
        ),
    )


def reader_for(
    viewer: Viewer | None,
    thread: Thread,
    authors: dict[int, int | None],
    statuses: dict[int, str],
    last_seen: int | None,
) -> Reader:
    """What ``viewer`` has done to and may do with the posts on a page (1 query)."""
    user_id = viewer_id(viewer)
    reader = Reader(user_id, generate_csrf(), authors, last_seen)
    if user_id is None or not authors:
        return reader
    ids = list(authors)
    marked = read_columns(_marked_posts(), {"user_id": user_id, "post_ids": ids})
    for mark, post_id in marked:
        (reader.helpful if mark == "helpful" else reader.bookmarked).add(post_id)
    reader.editable = editable_post_ids(
        viewer,
        thread,
        (PostSummary(i, authors[i], statuses[i]) for i in ids if authors[i] == user_id),
    )
    return reader


def first_new_post_id(viewer: Viewer | None, thread: Thread, last_seen: int | None) -> int | None:
    """The oldest post in ``thread`` that ``viewer`` has not seen and did not write."""
    if last_seen is None or last_seen >= (thread.last_post_id or 0):
        return None  # nothing has been posted since (the common repeat visit): no query
    statement = _first_new_post(can_moderate_group(viewer, thread.group))
    return db.session.scalar(
        statement, {"thread_id": thread.id, "last_seen": last_seen, "user_id": viewer_id(viewer)}
    )


@cache
def _first_new_post(moderates: bool) -> Select[tuple[int | None]]:
    """Prebuilt: a long thread's reader usually has unseen posts beyond the page."""
    user_id = bindparam("user_id")
    visible = true() if moderates else _visible_to_readers(user_id)
    return select(func.min(Post.id)).where(
        Post.thread_id == bindparam("thread_id"),
        Post.id > bindparam("last_seen"),
        or_(Post.author_id.is_(None), Post.author_id != user_id),
        visible,
    )


def _author_names(post_ids: set[int]) -> dict[int, str]:
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(Post.id, User.display_name)
        .outerjoin(User, User.id == Post.author_id)
        .where(Post.id.in_(post_ids))
    )
    return {post_id: name or "a former member" for post_id, name in rows}


def _build_forest(posts: list[Post], opening_id: int) -> tuple[list[PostNode], list[PostNode]]:
    """Nest posts (in path order) under their nearest ancestor on the page."""
    nodes: dict[int, PostNode] = {}
    shown_under: dict[int, int] = {}  # node id -> the post it is displayed under
    containers: dict[int, list[PostNode]] = {}
    roots: list[PostNode] = []
    for post in posts:
        node = PostNode(post)
        ancestors = [int(s) for s in post.path.split("/")[:-1]]
        anchor = next((nodes[a] for a in reversed(ancestors) if a in nodes), None)
        if anchor is None:
            roots.append(node)
            shown_under[post.id] = opening_id
            containers[post.id] = roots
        elif anchor.level < MAX_INDENT:
            node.level = anchor.level + 1
            anchor.children.append(node)
            shown_under[post.id] = anchor.post.id
            containers[post.id] = anchor.children
        else:
            node.level = anchor.level
            containers[anchor.post.id].append(node)
            shown_under[post.id] = shown_under[anchor.post.id]
            containers[post.id] = containers[anchor.post.id]
        nodes[post.id] = node
    ordered = list(nodes.values())
    missing = {
        n.post.parent_id
        for n in ordered
        if n.post.parent_id is not None and n.post.parent_id != shown_under[n.post.id]
    }
    names = _author_names(missing)
    for node in ordered:
        parent_id = node.post.parent_id
        if parent_id is not None and parent_id != shown_under[node.post.id]:
            node.reply_to_name = names.get(parent_id)
    return roots, ordered


def load_opening(thread: Thread) -> Post | None:
    """Return the opening post with its author."""
    return db.session.scalar(
        select(Post)
        .where(Post.thread_id == thread.id)
        .options(selectinload(Post.author))
        .order_by(Post.path)
        .limit(1)
    )


def load_thread_page(
    viewer: Viewer | None,
    thread: Thread,
    page: int,
    *,
    more: int | None = None,
) -> ThreadPage | None:
    """Load one page of ``thread`` for ``viewer``; None when the page does not exist."""
    opening = load_opening(thread)
    if opening is None:
        return None
    visible = visible_posts(viewer, thread)
    top = _top_level(thread, opening, visible)
    count = db.session.scalar(select(func.count(Post.id)).where(*top)) or 0
    pages = max(1, -(-count // TOP_LEVEL_PER_PAGE))
    if page < 1 or page > pages:
        return None
    bounds = list(
        db.session.scalars(
            select(Post.path)
            .where(*top)
            .order_by(Post.path)
            .offset((page - 1) * TOP_LEVEL_PER_PAGE)
            .limit(TOP_LEVEL_PER_PAGE + 1)
        )
    )
    posts: list[Post] = []
    if bounds:
        query = select(Post).where(Post.thread_id == thread.id, visible, Post.path >= bounds[0])
        if len(bounds) > TOP_LEVEL_PER_PAGE:
            query = query.where(Post.path < bounds[-1])
        more_path = (
            db.session.scalar(select(Post.path).where(Post.id == more, Post.thread_id == thread.id))
            if more
            else None
        )
        if more_path:
            query = query.where(Post.path > more_path)
        posts = list(
            db.session.scalars(
                query.options(selectinload(Post.author))
                .order_by(Post.path)
                .limit(PAGE_POST_CAP + 1)
            )
        )
    continue_after = None
    if len(posts) > PAGE_POST_CAP:
        posts = posts[:PAGE_POST_CAP]
        continue_after = posts[-1].id
    roots, nodes = _build_forest(posts, opening.id)
    newest = max([opening.id, *(p.id for p in posts)])
    return ThreadPage(thread, PostNode(opening), roots, page, pages, continue_after, newest, nodes)


def locate_post(viewer: Viewer | None, post: Post) -> tuple[int, int | None]:
    """Return the page showing ``post`` and, past the page cap, the ``more`` to pass."""
    segments = post.path.split("/")
    if len(segments) < 2:
        return 1, None
    thread = post.thread
    visible = visible_posts(viewer, thread)
    top_path = "/".join(segments[:2])
    before = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.thread_id == thread.id,
            Post.parent_id == int(segments[0]),
            Post.path < top_path,
            visible,
        )
    )
    page = (before or 0) // TOP_LEVEL_PER_PAGE + 1
    page_start = db.session.scalar(
        select(Post.path)
        .where(Post.thread_id == thread.id, Post.parent_id == int(segments[0]), visible)
        .order_by(Post.path)
        .offset((page - 1) * TOP_LEVEL_PER_PAGE)
        .limit(1)
    )
    ahead = select(Post.id).where(
        Post.thread_id == thread.id, Post.path >= (page_start or top_path), Post.path < post.path
    )
    ahead_count = db.session.scalar(
        select(func.count()).select_from(ahead.where(visible).subquery())
    )
    if (ahead_count or 0) < PAGE_POST_CAP:
        return page, None
    previous = db.session.scalar(ahead.where(visible).order_by(Post.path.desc()).limit(1))
    return page, previous


def posts_after(
    viewer: Viewer | None, thread: Thread, after_id: int
) -> tuple[list[PostNode], bool]:
    """Return the posts after ``after_id`` (for a live client catching up), oldest first."""
    posts = list(
        db.session.scalars(
            select(Post)
            .where(Post.thread_id == thread.id, Post.id > after_id, visible_posts(viewer, thread))
            .options(selectinload(Post.author))
            .order_by(Post.id)
            .limit(CATCH_UP_LIMIT + 1)
        )
    )
    has_more = len(posts) > CATCH_UP_LIMIT
    nodes = [
        PostNode(p, level=min(max(p.depth - 1, 0), MAX_INDENT)) for p in posts[:CATCH_UP_LIMIT]
    ]
    deep = {n.post.parent_id for n in nodes if n.post.depth - 1 > MAX_INDENT and n.post.parent_id}
    names = _author_names({i for i in deep if i is not None})
    for node in nodes:
        if node.post.depth - 1 > MAX_INDENT:
            node.reply_to_name = names.get(node.post.parent_id or 0)
    return nodes, has_more
