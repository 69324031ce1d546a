"""A reader's marks on discussions: helpful, bookmarks, watch levels and visits."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import live
from ..access import can_read_group, post_status_visible
from ..clock import utcnow
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
    where = (
        WatchSetting.thread_id == thread.id
        if thread is not None
        else WatchSetting.group_id == (group.id if group else None)
    )
    level = db.session.scalar(
        select(WatchSetting.level).where(WatchSetting.user_id == user.id, where)
    )
    return level or "normal"


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
    unread = db.session.scalar(
        select(Notification.id)
        .where(
            Notification.user_id == user.id,
            Notification.thread_id == thread.id,
            Notification.read_at.is_(None),
        )
        .limit(1)
    )
    return unread is not None


def last_seen_post_id(user: User, thread: Thread) -> int | None:
    """Return the newest post id ``user`` had seen in ``thread``, or None on a first visit."""
    return db.session.scalar(
        select(ThreadVisit.last_seen_post_id).where(
            ThreadVisit.user_id == user.id, ThreadVisit.thread_id == thread.id
        )
    )
