"""What a moderator's decision does to a post: publish, hide or delete it, and tell people.

These change the session only; the calling action commits, then calls ``announce``.
A thread follows its opening post: hiding the opening post hides the whole thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, select

from fivec import live, signals
from fivec.content import mentioned_member_ids
from fivec.extensions import db
from fivec.models import Notification, Post, PostRevision, Thread, User
from fivec.notifications.actions import announce_unread, notify_new_thread, notify_reply

from .pii import looks_patient_identifiable

MESSAGE_MAX = 300


@dataclass
class Changes:
    """What to tell after commit: posts changed (and how) and members with news."""

    posts: list[tuple[int, int, str]] = field(default_factory=list)  # thread, post, change
    threads: set[int] = field(default_factory=set)
    notified: set[int] = field(default_factory=set)

    def merge(self, other: Changes) -> None:
        self.posts += other.posts
        self.threads |= other.threads
        self.notified |= other.notified


def _set_status(post: Post, status: str) -> None:
    was_counted = post.status == "published" and post.parent_id is not None
    post.status = status
    now_counted = status == "published" and post.parent_id is not None
    if was_counted != now_counted:
        post.thread.reply_count = Thread.reply_count + (1 if now_counted else -1)
    if post.parent_id is None:
        post.thread.status = "published" if status == "published" else status


def publish_post(post: Post, changes: Changes) -> None:
    """Show a held or hidden post to readers again."""
    was = post.status
    if was == "published" or was == "deleted":
        return
    _set_status(post, "published")
    changes.posts.append((post.thread_id, post.id, "approved" if was == "held" else "edited"))
    if post.parent_id is None:
        changes.threads.add(post.thread_id)
    if was == "held":
        changes.notified |= _notify_as_if_just_posted(post)


def _notify_as_if_just_posted(post: Post) -> set[int]:
    """A held post told nobody when it was written; on approval, tell whom posting would
    have told (mentions, the author replied to, watchers), each after the usual checks."""
    if post.author is None:
        return set()
    mentioned = mentioned_member_ids(post.body_source)
    if post.parent_id is None:
        return notify_new_thread(post.thread, post, post.author, mentioned)
    parent = db.session.get(Post, post.parent_id)
    if parent is None:
        return set()
    return notify_reply(post.thread, post, parent, post.author, mentioned)


def hide_post(post: Post, changes: Changes) -> None:
    """Hide a post from everyone but its author and moderators."""
    if post.status in {"hidden", "deleted"}:
        return
    _set_status(post, "hidden")
    changes.posts.append((post.thread_id, post.id, "hidden"))
    if post.parent_id is None:
        changes.threads.add(post.thread_id)


def delete_post(post: Post, changes: Changes) -> None:
    """Delete a post for good (its replies stay); patient details are wiped, history too."""
    if post.status == "deleted":
        return
    post.deleted_by_moderator = True
    if post.parent_id is None:
        _set_status(post, "hidden")  # a thread cannot lose its opening post and stay readable
        post.status = "deleted"
        changes.threads.add(post.thread_id)
    else:
        _set_status(post, "deleted")
    if looks_patient_identifiable(post.body_source):
        post.body_source = ""
        post.body_html = ""
    purge_identifying_revisions(post)
    changes.posts.append((post.thread_id, post.id, "removed"))  # live: "removed by a moderator"


def purge_identifying_revisions(post: Post) -> int:
    """Delete earlier versions of ``post`` that look patient-identifiable; return how many."""
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id))
    doomed = [r.id for r in revisions if looks_patient_identifiable(r.body_source)]
    if doomed:
        db.session.execute(delete(PostRevision).where(PostRevision.id.in_(doomed)))
    return len(doomed)


def notify_author(
    post: Post, kind: str, message: str, actor: User | None, changes: Changes
) -> None:
    """Tell the post's author what happened to it, in plain words."""
    if post.author_id is None or (actor is not None and actor.id == post.author_id):
        return
    db.session.add(
        Notification(
            user_id=post.author_id,
            kind=kind,
            actor_id=actor.id if actor is not None else None,
            group_id=post.thread.group_id,
            thread_id=post.thread_id,
            post_id=post.id,
            message=message[:MESSAGE_MAX],
        )
    )
    changes.notified.add(post.author_id)


def short_title(thread: Thread) -> str:
    return thread.title if len(thread.title) <= 60 else thread.title[:59] + "…"


def announce(changes: Changes) -> None:
    """After commit: update the search index, live readers and notification counts."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for thread_id in sorted(changes.threads):
        signals.thread_saved.send(app, thread_id=thread_id)
    for thread_id, post_id, change in changes.posts:
        signals.post_saved.send(app, post_id=post_id)
        if change == "approved":
            parent_id = db.session.scalar(select(Post.parent_id).where(Post.id == post_id))
            live.broadcast_new_post(thread_id, post_id, parent_id)
        else:
            live.broadcast_post_changed(thread_id, post_id, change)
    announce_unread(changes.notified)
