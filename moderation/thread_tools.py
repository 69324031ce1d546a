"""Thread tools: lock, pin, move, merge, split and slow mode, each with a reason, logged.

Merge: the posts of thread B become replies under A's opening post (B's opening post is a
reply to it, B's replies keep their shape beneath), and B is removed. Post ids never
change, so links to B's posts still work; links to B itself answer 404. Split: a post and
its replies become a new thread in the same group, the post its opening post.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select, update

from fivec import signals
from fivec.access import can_moderate_group
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, Notification, Post, Thread, User
from fivec.models.discussions import PATH_SEGMENT_WIDTH

from . import audit
from .models import ReviewItem
from .outcomes import Changes, announce

MAX_SLOW_MODE = 24 * 3600
PATH_MAX = 400
MAX_DEPTH = (PATH_MAX + 1) // (PATH_SEGMENT_WIDTH + 1) - 1


def _check(actor: User, *groups: Group) -> None:
    if not all(can_moderate_group(actor, g) for g in groups):
        raise ValidationFailed({"": "You can use thread tools only in groups you moderate."})


def _log(actor: User, action: str, thread: Thread, reason: str, **details: object) -> None:
    audit.record(actor, action, "thread", thread.id, thread.group_id, reason, **details)


def set_locked(actor: User, thread: Thread, locked: bool, reason: str) -> Thread:
    """Lock a thread (no more replies but from moderators) or unlock it."""
    _check(actor, thread.group)
    reason = audit.require_reason(reason)
    thread.is_locked = locked
    _log(actor, "lock" if locked else "unlock", thread, reason)
    db.session.commit()
    announce(Changes(threads={thread.id}))
    return thread


def set_pinned(actor: User, thread: Thread, pinned: bool, reason: str) -> Thread:
    """Pin a thread to the top of its group, or unpin it."""
    _check(actor, thread.group)
    reason = audit.require_reason(reason)
    thread.is_pinned = pinned
    _log(actor, "pin" if pinned else "unpin", thread, reason)
    db.session.commit()
    announce(Changes(threads={thread.id}))
    return thread


def set_slow_mode(actor: User, thread: Thread, seconds: int | None, reason: str) -> Thread:
    """Let each member post once per ``seconds`` in ``thread`` (0 turns slow mode off)."""
    _check(actor, thread.group)
    if seconds is None or not 0 <= seconds <= MAX_SLOW_MODE:
        raise ValidationFailed(
            {"seconds": f"Please choose between 0 (off) and {MAX_SLOW_MODE:,} seconds (a day)."}
        )
    reason = audit.require_reason(reason)
    thread.slow_mode_seconds = seconds
    thread.slow_mode_reason = reason if seconds else ""
    _log(actor, "slow_mode", thread, reason, seconds=seconds)
    db.session.commit()
    return thread


def _thread_posts(thread_id: int) -> list[Post]:
    return list(db.session.scalars(select(Post).where(Post.thread_id == thread_id)))


def _moved(changes: Changes, old_thread_id: int, posts: list[Post]) -> None:
    changes.posts += [(old_thread_id, p.id, "moved") for p in posts]


def move_thread(actor: User, thread: Thread, target: Group, reason: str) -> Thread:
    """Move a thread to another group the moderator also moderates."""
    _check(actor, thread.group, target)
    if target.id == thread.group_id:
        raise ValidationFailed({"group_id": "The thread is already in that group."})
    if target.status != "active":
        raise ValidationFailed({"group_id": "Please choose an active group."})
    reason = audit.require_reason(reason)
    source = thread.group
    thread.group_id = target.id
    db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.post_id.in_(select(Post.id).where(Post.thread_id == thread.id)))
        .values(group_id=target.id)
    )
    audit.record(actor, "move", "thread", thread.id, source.id, reason, to_group=target.id)
    audit.record(actor, "move", "thread", thread.id, target.id, reason, from_group=source.id)
    changes = Changes(threads={thread.id})
    _moved(changes, thread.id, _thread_posts(thread.id))
    db.session.commit()
    announce(changes)
    return thread


def _segment(post_id: int) -> str:
    return f"{post_id:0{PATH_SEGMENT_WIDTH}d}"


def _rebuild(posts: list[Post], root: Post | None, thread_id: int) -> None:
    """Give ``posts`` (in old path order) new paths under ``root`` in ``thread_id``."""
    placed: dict[int, Post] = {}
    for index, post in enumerate(posts):
        parent = root if index == 0 else placed.get(post.parent_id or 0, posts[0])
        post.thread_id = thread_id
        post.parent_id = parent.id if parent is not None else None
        if parent is None:
            post.path, post.depth = _segment(post.id), 0
        elif parent.depth >= MAX_DEPTH:
            post.path = f"{parent.path.rsplit('/', 1)[0]}/{_segment(post.id)}"
            post.depth = parent.depth
        else:
            post.path, post.depth = f"{parent.path}/{_segment(post.id)}", parent.depth + 1
        placed[post.id] = post


def _recount(thread: Thread) -> None:
    """Recompute a thread's reply count and last post after posts moved in or out."""
    db.session.flush()
    thread.reply_count = (
        db.session.scalar(
            select(func.count(Post.id)).where(
                Post.thread_id == thread.id,
                Post.status == "published",
                Post.parent_id.is_not(None),
            )
        )
        or 0
    )
    last = db.session.execute(
        select(Post.id, Post.created_at)
        .where(Post.thread_id == thread.id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(1)
    ).first()
    if last is not None:
        thread.last_post_id, thread.last_post_at = last[0], last[1]


def _ordered_posts(thread_id: int, path_prefix: str | None = None) -> list[Post]:
    query = select(Post).where(Post.thread_id == thread_id)
    if path_prefix is not None:
        query = query.where(
            (Post.path == path_prefix) | Post.path.startswith(path_prefix + "/", autoescape=True)
        )
    return list(db.session.scalars(query.order_by(Post.path)))


def merge_threads(actor: User, source: Thread, target: Thread, reason: str) -> Thread:
    """Merge ``source`` into ``target``: its posts become replies under target's opening."""
    _check(actor, source.group, target.group)
    if source.id == target.id:
        raise ValidationFailed({"target_id": "Please choose a different thread to merge into."})
    reason = audit.require_reason(reason)
    opening = db.session.scalar(
        select(Post).where(Post.thread_id == target.id).order_by(Post.path).limit(1)
    )
    posts = _ordered_posts(source.id)
    if opening is None or not posts:
        raise ValidationFailed({"target_id": "One of those threads has no posts to merge."})
    _rebuild(posts, opening, target.id)
    if posts[0].status == "published" and source.status != "published":
        posts[0].status = source.status  # a held or hidden thread stays out of sight
    db.session.execute(
        update(Notification).where(Notification.thread_id == source.id).values(thread_id=target.id)
    )
    db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.post_id.in_([p.id for p in posts]))
        .values(group_id=target.group_id)
    )
    _recount(target)
    changes = Changes(threads={target.id})
    _moved(changes, source.id, posts)
    audit.record(
        actor,
        "merge",
        "thread",
        target.id,
        target.group_id,
        reason,
        merged=source.id,
        posts=len(posts),
    )
    source_id = source.id
    db.session.delete(source)
    db.session.commit()
    signals.thread_removed.send(current_app._get_current_object(), thread_id=source_id, post_ids=[])
    announce(changes)
    return target


def split_thread(actor: User, post: Post, title: str, reason: str) -> Thread:
    """Make ``post`` and its replies a new thread titled ``title`` in the same group."""
    old = post.thread
    _check(actor, old.group)
    if post.parent_id is None:
        raise ValidationFailed({"": "The opening post is the thread itself: choose a reply."})
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise ValidationFailed(
            {"title": "Please give the new thread a title (up to 200 characters)."}
        )
    reason = audit.require_reason(reason)
    posts = _ordered_posts(old.id, post.path)
    new = Thread(
        group_id=old.group_id, author_id=post.author_id, title=title, created_at=post.created_at
    )
    new.status = "published" if post.status in {"published", "deleted"} else post.status
    db.session.add(new)
    db.session.flush()
    _rebuild(posts, None, new.id)
    _recount(old)
    _recount(new)
    changes = Changes(threads={old.id, new.id})
    _moved(changes, old.id, posts)
    _log(actor, "split", old, reason, new_thread=new.id, posts=len(posts))
    db.session.commit()
    announce(changes)
    return new
