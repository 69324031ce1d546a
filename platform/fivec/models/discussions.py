"""Threads and replies (a tree), with edit history, reactions, bookmarks and visits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .accounts import User
from .groups import Group

# A post's path is its ancestors' ids and its own, each as 10 zero-padded digits joined
# by "/": ordering by path gives the whole tree depth-first in one indexed query, and a
# page of the tree is a range of paths.
PATH_SEGMENT_WIDTH = 10


class Thread(db.Model):  # type: ignore[name-defined]
    """A conversation in a group: a title, an opening post and a tree of replies."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_group_activity", "group_id", "is_pinned", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_id: Mapped[int | None] = mapped_column(default=None)
    # Published replies (the opening post not counted); kept by the actions.
    reply_count: Mapped[int] = mapped_column(default=0)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    # "published", "held" (waiting for a moderator), "hidden" or "deleted".
    status: Mapped[str] = mapped_column(String(10), default="published", index=True)
    # Slow mode: a member may post once per this many seconds here (0: off), and why.
    slow_mode_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    slow_mode_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Bumped by database triggers (migration 0008) on any change to the thread's posts or
    # their authors' names: the key of the rendered-page cache. Never set it in code.
    content_version: Mapped[int] = mapped_column(default=0, server_default="0")

    group: Mapped[Group] = relationship()
    author: Mapped[User | None] = relationship()


class Post(db.Model):  # type: ignore[name-defined]
    """The opening post or a reply; ``body_html`` is cooked and sanitised once, on write."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_path", "thread_id", "path"),
        Index("ix_posts_thread_id", "thread_id", "id"),  # the first post one has not seen
        UniqueConstraint("author_id", "client_token", name="uq_posts_author_client_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    # Incremented on each edit; an edit names the version it started from, so a post
    # that changed meanwhile is not silently overwritten.
    version: Mapped[int] = mapped_column(default=1)
    # "published", "held" (waiting for a moderator), "hidden" or "deleted".
    status: Mapped[str] = mapped_column(String(10), default="published", index=True)
    # Who deleted it: readers are told "deleted by its author" or "removed by a moderator".
    deleted_by_moderator: Mapped[bool] = mapped_column(default=False, server_default="0")
    helpful_count: Mapped[int] = mapped_column(default=0)
    # Sent by the composer once per draft: a double submit finds the first post.
    client_token: Mapped[str | None] = mapped_column(String(64), default=None)

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship()


class PostRevision(db.Model):  # type: ignore[name-defined]
    """A post's earlier text, kept when it is edited (the visible edit history)."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Reaction(db.Model):  # type: ignore[name-defined]
    """A member found a post helpful (one per member and post)."""

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bookmark(db.Model):  # type: ignore[name-defined]
    """A post a member saved to come back to."""

    __tablename__ = "bookmarks"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WatchSetting(db.Model):  # type: ignore[name-defined]
    """How closely a member follows a thread or a group: watching, normal or muted."""

    __tablename__ = "watch_settings"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_watch_user_thread"),
        UniqueConstraint("user_id", "group_id", name="uq_watch_user_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10), default="normal")


class ThreadVisit(db.Model):  # type: ignore[name-defined]
    """The newest post a member had seen in a thread, to mark what is new since."""

    __tablename__ = "thread_visits"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    last_seen_post_id: Mapped[int] = mapped_column(default=0)
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):  # type: ignore[name-defined]
    """Something a member should know: a mention, a reply to them, a new thread…"""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "mention", "reply", "new_thread", and later features add their own kinds.
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    thread: Mapped[Thread | None] = relationship()
