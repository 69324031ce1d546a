"""Read posts from the database (the source of truth) as Whoosh documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from ..extensions import db
from ..models import Group, Post, Thread, User

BATCH_SIZE = 1_000
# Block elements end a word: "<p>one</p><p>two</p>" is "one two", not "onetwo".
_BLOCK_TAGS = frozenset(
    {"p", "br", "li", "tr", "td", "th", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(body_html: str) -> str:
    """Return the words of cooked HTML as plain text (entities decoded, tags dropped)."""
    extractor = _TextExtractor()
    extractor.feed(body_html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def _columns() -> Select[Any]:
    """Select one row per post with its thread, group and author joined (no N+1)."""
    return (
        select(
            Post.id,
            Post.thread_id,
            Post.parent_id,
            Post.author_id,
            Post.body_html,
            Post.created_at,
            Post.version,
            Thread.group_id,
            Thread.title,
            Thread.reply_count,
            Group.name.label("group_name"),
            User.display_name.label("author_name"),
        )
        .join(Thread, Thread.id == Post.thread_id)
        .join(Group, Group.id == Thread.group_id)
        .outerjoin(User, User.id == Post.author_id)
    )


def searchable() -> list[ColumnElement[bool]]:
    """Conditions for a post that belongs in the index: published, in a published thread."""
    return [Post.status == "published", Thread.status == "published"]


def to_document(row: Any) -> dict[str, Any]:
    """Turn a joined row into the fields of the Whoosh schema."""
    is_first = row.parent_id is None
    created: datetime = row.created_at
    text = plain_text(row.body_html)
    body = f"{row.title}\n{text}" if is_first else text
    return {
        "post_id": str(row.id),
        "thread_id": str(row.thread_id),
        "group_id": str(row.group_id),
        "author_id": str(row.author_id or 0),
        "author_name": row.author_name or "",
        "group_name": row.group_name,
        "title": row.title,
        "body": body,
        "impact": body,  # the same words, as tier tokens (index.SCHEMA)
        "tokens": body,  # and as the post's token stream (forward.py)
        "excerpt": text,
        "tags": "",
        "created_at": created,
        "reply_count": int(row.reply_count if is_first else 0),
        "is_first_post": is_first,
        "status": "published",
        "version": int(row.version),
    }


def iter_documents(*where: ColumnElement[bool]) -> Iterator[list[dict[str, Any]]]:
    """Yield searchable posts matching ``where`` as documents, BATCH_SIZE per query."""
    after = 0
    while True:
        rows = db.session.execute(
            _columns()
            .where(*searchable(), *where, Post.id > after)
            .order_by(Post.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        yield [to_document(row) for row in rows]


def documents_for_posts(post_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Return the documents of those ``post_ids`` that belong in the index."""
    found: dict[int, dict[str, Any]] = {}
    ordered = sorted(post_ids)
    for start in range(0, len(ordered), BATCH_SIZE):
        chunk = ordered[start : start + BATCH_SIZE]
        for batch in iter_documents(Post.id.in_(chunk)):
            found.update((int(doc["post_id"]), doc) for doc in batch)
    return found


def opening_post_ids(post_ids: set[int]) -> set[int]:
    """Return the opening posts of the threads of ``post_ids`` (their reply counts change)."""
    if not post_ids:
        return set()
    threads = select(Post.thread_id).where(Post.id.in_(post_ids)).scalar_subquery()
    return set(
        db.session.scalars(
            select(Post.id).where(Post.thread_id.in_(threads), Post.parent_id.is_(None))
        )
    )


def drift_state() -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Yield (post id, comparable fields) for every searchable post, without bodies."""
    after = 0
    while True:
        rows = db.session.execute(
            select(
                Post.id,
                Post.thread_id,
                Thread.group_id,
                Post.version,
                Thread.title,
                Post.parent_id,
                Thread.reply_count,
            )
            .join(Thread, Thread.id == Post.thread_id)
            .where(*searchable(), Post.id > after)
            .order_by(Post.id)
            .limit(BATCH_SIZE * 10)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        for row in rows:
            replies = row.reply_count if row.parent_id is None else 0
            yield row.id, (row.thread_id, row.group_id, row.version, row.title, replies)


def count_searchable() -> int:
    """Count the posts that belong in the index (for progress bars)."""
    from sqlalchemy import func

    return int(
        db.session.scalar(
            select(func.count(Post.id))
            .join(Thread, Thread.id == Post.thread_id)
            .where(*searchable())
        )
        or 0
    )
