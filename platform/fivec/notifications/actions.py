"""Create, count and clear notifications; discussion actions call these before commit.

Who hears about a post:
- a member mentioned with ``@[Name]`` ("mention"), even in a thread they muted;
- the author of the post replied to, or the thread's author for a top-level reply
  ("reply"), unless they muted the thread (or its group);
- members watching the thread ("watching"), for every reply;
- members watching the group ("new_thread"), for every new thread.
One notification per member and post (the first kind above wins), never to the actor
themself, and only to members who may read the thread (checked through ``access``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, func, or_, select, update

from .. import live
from ..access import (
    Viewer,
    can_moderate_network,
    readable_group_ids,
    readable_group_ids_of,
    readers_among,
    viewer_id,
)
from ..clock import utcnow
from ..extensions import db
from ..models import Notification, Post, Thread, User, WatchSetting
from ..viewer_facts import FactParams

MESSAGE_MAX = 300


def _title(thread: Thread) -> str:
    return thread.title if len(thread.title) <= 80 else thread.title[:79] + "…"


def _watch_levels(thread: Thread) -> tuple[dict[int, str], dict[int, str]]:
    """Return {user_id: level} for the thread and for its group."""
    rows = db.session.scalars(
        select(WatchSetting).where(
            or_(WatchSetting.thread_id == thread.id, WatchSetting.group_id == thread.group_id)
        )
    )
    on_thread: dict[int, str] = {}
    on_group: dict[int, str] = {}
    for row in rows:
        (on_thread if row.thread_id is not None else on_group)[row.user_id] = row.level
    return on_thread, on_group


def _create(
    thread: Thread, post: Post, actor: User, wanted: list[tuple[int, str, str]]
) -> set[int]:
    """Add one notification per reader in ``wanted`` (user id, kind, message), first wins."""
    chosen: dict[int, tuple[str, str]] = {}
    for user_id, kind, message in wanted:
        if user_id != actor.id and user_id not in chosen:
            chosen[user_id] = (kind, message)
    readers = readers_among(thread.group, chosen)
    for user_id in readers:
        kind, message = chosen[user_id]
        db.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                actor_id=actor.id,
                group_id=thread.group_id,
                thread_id=thread.id,
                post_id=post.id,
                message=message[:MESSAGE_MAX],
            )
        )
    return readers


def _mentions(actor: User, title: str, ids: Iterable[int]) -> list[tuple[int, str, str]]:
    return [(i, "mention", f"{actor.display_name} mentioned you in “{title}”") for i in ids]


def notify_new_thread(
    thread: Thread, post: Post, actor: User, mentioned_ids: Iterable[int]
) -> set[int]:
    """Tell mentioned members and the group's watchers about a new thread."""
    title = _title(thread)
    wanted = _mentions(actor, title, mentioned_ids)
    _, on_group = _watch_levels(thread)
    message = f"{actor.display_name} started “{title}” in {thread.group.name}"
    wanted += [(i, "new_thread", message) for i, level in on_group.items() if level == "watching"]
    return _create(thread, post, actor, wanted)


def notify_reply(
    thread: Thread, post: Post, replied_to: Post, actor: User, mentioned_ids: Iterable[int]
) -> set[int]:
    """Tell mentioned members, the author replied to and the thread's watchers."""
    title = _title(thread)
    wanted = _mentions(actor, title, mentioned_ids)
    on_thread, on_group = _watch_levels(thread)

    def level(user_id: int) -> str:
        return on_thread.get(user_id) or on_group.get(user_id) or "normal"

    if replied_to.author_id is not None and level(replied_to.author_id) != "muted":
        wanted.append(
            (
                replied_to.author_id,
                "reply",
                f"{actor.display_name} replied to your post in “{title}”",
            )
        )
    message = f"{actor.display_name} replied in “{title}”"
    wanted += [(i, "watching", message) for i, lvl in on_thread.items() if lvl == "watching"]
    return _create(thread, post, actor, wanted)


def notify_mentions(
    thread: Thread, post: Post, actor: User, mentioned_ids: Iterable[int]
) -> set[int]:
    """Tell members newly mentioned in an edited post."""
    return _create(thread, post, actor, _mentions(actor, _title(thread), mentioned_ids))


def visible_notifications(user: Viewer) -> ColumnElement[bool]:
    """The condition for notifications ``user`` may still read (left groups drop out)."""
    return _about_readable(readable_group_ids(user))


def _about_readable(readable: Select[tuple[int]]) -> ColumnElement[bool]:
    return or_(Notification.group_id.is_(None), Notification.group_id.in_(readable))


def _count_unread(user_id: int | ColumnElement[int], network_moderator: bool) -> Select[tuple[int]]:
    return select(func.count(Notification.id)).where(
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        _about_readable(readable_group_ids_of(user_id, network_moderator)),
    )


def unread_count(user: Viewer) -> int:
    """Count ``user``'s unread notifications about things they may still read."""
    user_id = viewer_id(user)
    if user_id is None:
        return 0
    return db.session.scalar(_count_unread(user_id, can_moderate_network(user))) or 0


def unread_count_fact(params: FactParams) -> ColumnElement[int]:
    """``unread_count`` as a fact about the viewer: every page's header shows it."""
    return _count_unread(params.viewer_id, params.network_moderator).scalar_subquery()


def announce_unread(user_ids: Iterable[int]) -> None:
    """Push each member's new unread count to their open tabs (after commit)."""
    ids = set(user_ids)
    if not ids:
        return
    for member in db.session.scalars(select(User).where(User.id.in_(ids))):
        live.send_to_member(member.id, "notification_count", {"unread": unread_count(member)})


def mark_read(user: User, notification: Notification) -> None:
    """Mark one of ``user``'s notifications read."""
    if notification.user_id == user.id and notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
        announce_unread([user.id])


def mark_all_read(user: User) -> int:
    """Mark every notification of ``user`` read; return how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    announce_unread([user.id])
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_thread_read(user: User, thread_id: int, up_to_post_id: int) -> int:
    """Mark notifications about posts ``user`` has now seen in a thread read (no commit)."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.thread_id == thread_id,
            Notification.read_at.is_(None),
            Notification.post_id <= up_to_post_id,
        )
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
