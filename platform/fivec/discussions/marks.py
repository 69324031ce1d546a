"""A reader's marks on discussions: helpful, bookmarks, watch levels and visits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, exists, func, select

from .. import live
from ..access import can_read_group, post_status_visible
from ..clock import utcnow
from ..database import read_columns
from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    Bookmark,
    Group,
    Notification,
    Post,
    Reaction,
    Thread,
    ThreadVisit,
    User,
    WatchSetting,
)
from ..notifications.actions import announce_unread, mark_thread_read
from ..request_memo import remembered

WATCH_LEVELS = {
    "watching": "Watching: tell me about every reply",
    "normal": "Normal: tell me when someone replies to me or mentions me",
    "muted": "Muted: only mentions",
}
GROUP_WATCH_LEVELS = {
    "watching": "Watching: tell me about every new thread",
    "normal": "Normal: tell me when someone replies to me or mentions me",
    "muted": "Muted: only mentions",
}


def _readable(user: User, post: Post) -> bool:
    thread = post.thread
    return can_read_group(user, thread.group) and post_status_visible(
        user, post.status, post.author_id, thread.group
    )


def toggle_helpful(user: User, post: Post) -> bool:
    """Mark a post helpful, or take the mark back; return whether it is now marked."""
    if not _readable(user, post) or post.status != "published":
        raise ValidationFailed({"": "This post cannot be marked helpful."})
    if post.author_id == user.id:
        raise ValidationFailed({"": "You cannot mark your own post as helpful."})
    existing = db.session.scalar(
        select(Reaction).where(Reaction.post_id == post.id, Reaction.user_id == user.id)
    )
    if existing is None:
        db.session.add(Reaction(post_id=post.id, user_id=user.id))
    else:
        db.session.delete(existing)
    db.session.flush()
    post.helpful_count = db.session.scalar(
        select(func.count(Reaction.id)).where(Reaction.post_id == post.id)
    )
    db.session.commit()
    live.broadcast_post_changed(post.thread_id, post.id, "helpful")
    return existing is None


def toggle_bookmark(user: User, post: Post) -> bool:
    """Save a post to come back to, or remove it; return whether it is now saved."""
    if not _readable(user, post):
        raise ValidationFailed({"": "This post cannot be bookmarked."})
    existing = db.session.scalar(
        select(Bookmark).where(Bookmark.post_id == post.id, Bookmark.user_id == user.id)
    )
    if existing is None:
        db.session.add(Bookmark(post_id=post.id, user_id=user.id))
    else:
        db.session.delete(existing)
    db.session.commit()
    return existing is None


def set_watch_level(
    user: User, level: str, *, thread: Thread | None = None, group: Group | None = None
) -> WatchSetting:
    """Choose how closely ``user`` follows a thread or a group."""
    if level not in WATCH_LEVELS:
        raise ValidationFailed({"level": "Please choose watching, normal or muted."})
    target_group = thread.group if thread is not None else group
    if target_group is None or (thread is None) == (group is None):
        raise ValidationFailed({"": "Choose a thread or a group to watch."})
    if not can_read_group(user, target_group):
        raise ValidationFailed({"": "You can only watch groups you can read."})
    where = (
        WatchSetting.thread_id == thread.id
        if thread is not None
        else WatchSetting.group_id == target_group.id
    )
    setting = db.session.scalar(select(WatchSetting).where(WatchSetting.user_id == user.id, where))
    if setting is None:
        setting = WatchSetting(
            user_id=user.id,
            thread_id=thread.id if thread is not None else None,
            group_id=None if thread is not None else target_group.id,
        )
        db.session.add(setting)
    setting.level = level
    db.session.commit()
    return setting


def watch_level(user: User, *, thread: Thread | None = None, group: Group | None = None) -> str:
    """Return ``user``'s level for a thread or a group ("normal" when never set)."""
    if thread is not None:
        return thread_marks(user, thread).watch_level or "normal"
    level = db.session.scalar(
        select(WatchSetting.level).where(
            WatchSetting.user_id == user.id,
            WatchSetting.group_id == (group.id if group else None),
        )
    )
    return level or "normal"


@dataclass(frozen=True)
class ThreadMarks:
    """What a thread page needs to know of one reader's own traces in the thread."""

    last_seen_post_id: int | None  # None: never visited
    watch_level: str | None  # None: never set for this thread
    has_unread_notification: bool
    has_unshared_posts: bool  # own held or hidden posts, which only they (and moderators) see


@cache
def _thread_marks_statement() -> Select[tuple[int | None, str | None, bool, bool]]:
    reader, thread = bindparam("user_id"), bindparam("thread_id")
    return select(
        select(ThreadVisit.last_seen_post_id)
        .where(ThreadVisit.user_id == reader, ThreadVisit.thread_id == thread)
        .scalar_subquery(),
        select(WatchSetting.level)
        .where(WatchSetting.user_id == reader, WatchSetting.thread_id == thread)
        .scalar_subquery(),
        exists().where(
            Notification.user_id == reader,
            Notification.thread_id == thread,
            Notification.read_at.is_(None),
        ),
        exists().where(
            Post.thread_id == thread,
            Post.author_id == reader,
            Post.status.in_(["held", "hidden"]),
        ),
    )


def thread_marks(user: User, thread: Thread) -> ThreadMarks:
    """Read ``user``'s marks on ``thread`` in one prebuilt statement, once per request
    until the request writes (a thread page asks four times: four statements cost more
    CPU than the rest of a cached page)."""

    def load() -> ThreadMarks:
        row = read_columns(
            _thread_marks_statement(), {"user_id": user.id, "thread_id": thread.id}
        ).one()
        return ThreadMarks(row[0], row[1], bool(row[2]), bool(row[3]))

    return remembered(("thread marks", user.id, thread.id), load)


def record_visit(user: User, thread: Thread, last_seen_post_id: int) -> None:
    """Remember the newest post ``user`` has seen, and clear notifications about it."""
    visit = db.session.scalar(
        select(ThreadVisit).where(
            ThreadVisit.user_id == user.id, ThreadVisit.thread_id == thread.id
        )
    )
    if visit is None:
        visit = ThreadVisit(user_id=user.id, thread_id=thread.id, last_seen_post_id=0)
        db.session.add(visit)
    visit.last_seen_post_id = max(visit.last_seen_post_id or 0, last_seen_post_id)
    visit.visited_at = utcnow()
    cleared = mark_thread_read(user, thread.id, visit.last_seen_post_id)
    db.session.commit()
    if cleared:
        announce_unread([user.id])


def visit_changes_anything(
    user: User, thread: Thread, last_seen: int | None, newest_post_id: int
) -> bool:
    """Return True when recording this visit would store or clear something."""
    if last_seen is None or newest_post_id > last_seen:
        return True
    return thread_marks(user, thread).has_unread_notification


def last_seen_post_id(user: User, thread: Thread) -> int | None:
    """Return the newest post id ``user`` had seen in ``thread``, or None on a first visit."""
    return thread_marks(user, thread).last_seen_post_id
