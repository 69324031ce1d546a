"""Writing in discussions: start a thread, reply, edit and delete a post.

Each action checks permission through ``access``, validates, writes, commits, and only
then broadcasts and pushes notification counts.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from .. import live, signals
from ..access import (
    can_edit_post,
    can_post_in_group,
    can_reply,
    post_status_visible,
    posting_bar,
)
from ..clock import utcnow
from ..content import cook, mentioned_member_ids
from ..database import reads_only
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Group, Post, PostRevision, Thread, User
from ..models.discussions import PATH_SEGMENT_WIDTH
from ..notifications.actions import (
    announce_unread,
    notify_mentions,
    notify_new_thread,
    notify_reply,
)
from .screening import screen_post

TITLE_MAX = 200
BODY_MAX = 50_000
TOKEN_MAX = 64
PATH_MAX = 400
# The deepest a path may go and still fit its column; deeper replies are filed beside
# their parent (and shown "in reply to" it).
MAX_DEPTH = (PATH_MAX + 1) // (PATH_SEGMENT_WIDTH + 1) - 1


def title_problem(title: str) -> str | None:
    """Say what is wrong with a thread title, or None."""
    if not title.strip():
        return "Please give your thread a title, e.g. the question you want answered."
    if len(title) > TITLE_MAX:
        return f"Please keep the title under {TITLE_MAX} characters (it has {len(title):,})."
    return None


def body_problem(body: str) -> str | None:
    """Say what is wrong with a post's text, or None."""
    if not body.strip():
        return "Please write something before posting."
    if len(body) > BODY_MAX:
        return (
            f"Your post is too long: {len(body):,} characters. Please keep it under "
            f"{BODY_MAX:,} (about 8,000 words), or split it into several posts."
        )
    return None


def _check_text(title: str | None, body: str) -> None:
    reasons = {"body": problem} if (problem := body_problem(body)) else {}
    if title is not None and (problem := title_problem(title)):
        reasons["title"] = problem
    if reasons:
        raise ValidationFailed(reasons)


def _token(client_token: str | None) -> str | None:
    token = (client_token or "").strip()
    return token[:TOKEN_MAX] or None


def _earlier_post(author: User, client_token: str | None) -> Post | None:
    """Return the post this draft already made (a double submit), if any."""
    if client_token is None:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id, Post.client_token == client_token)
    )


def _segment(post_id: int) -> str:
    return f"{post_id:0{PATH_SEGMENT_WIDTH}d}"


def _add_post(
    thread: Thread, parent: Post | None, author: User, body: str, html: str, token: str | None
) -> Post:
    """Insert a post and give it its path (which needs the id, so flush first)."""
    base, depth = (parent.path, parent.depth + 1) if parent is not None else ("", 0)
    if parent is not None and parent.depth >= MAX_DEPTH:
        base, depth = parent.path.rsplit("/", 1)[0], parent.depth
    post = Post(
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        depth=depth,
        body_source=body,
        body_html=html,
        client_token=token,
    )
    db.session.add(post)
    db.session.flush()
    post.path = f"{base}/{_segment(post.id)}" if base else _segment(post.id)
    thread.last_post_id = post.id
    thread.last_post_at = post.created_at
    return post


def _announce_saved(*, thread_id: int | None = None, post_id: int | None = None) -> None:
    """Tell subscribers (the search index) what changed; call after commit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if thread_id is not None:
        signals.thread_saved.send(app, thread_id=thread_id)
    if post_id is not None:
        signals.post_saved.send(app, post_id=post_id)


def opening_post(thread: Thread) -> Post | None:
    """Return the thread's first post (the smallest path)."""
    return db.session.scalar(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.path).limit(1)
    )


def create_thread(
    author: User,
    group: Group,
    title: str,
    body: str,
    client_token: str | None = None,
    agreed_guidelines: str | None = None,
) -> Thread:
    """Start a thread in ``group`` with its opening post (held if moderation says so)."""
    if not can_post_in_group(author, group):
        raise ValidationFailed(
            {
                "": posting_bar(author, group)
                or "Only members of this group can start a thread here. Join the group first."
            }
        )
    title = " ".join(title.split())
    _check_text(title, body)
    token = _token(client_token)
    earlier = _earlier_post(author, token)
    if earlier is not None:
        return earlier.thread
    cooked = cook(body)
    thread = Thread(group_id=group.id, author_id=author.id, title=title)
    db.session.add(thread)
    db.session.flush()
    post = _add_post(thread, None, author, body, cooked.html, token)
    if screen_post(author, post, body, agreed=agreed_guidelines) is not None:
        thread.status = "held"  # nobody hears of it until a moderator approves it
        db.session.commit()
        _announce_saved(thread_id=thread.id, post_id=post.id)
        return thread
    recipients = notify_new_thread(thread, post, author, cooked.mentioned_ids)
    db.session.commit()
    _announce_saved(thread_id=thread.id, post_id=post.id)
    with reads_only():
        live.broadcast_new_thread(group.id, thread.id)
        announce_unread(recipients)
    return thread


def _parent_for_reply(author: User, thread: Thread, parent_post_id: int | None) -> Post:
    if parent_post_id is None:
        parent = opening_post(thread)
        if parent is None:
            raise ValidationFailed({"": "This thread has no opening post to reply to."})
        return parent
    parent = db.session.get(Post, parent_post_id)
    if parent is None or parent.thread_id != thread.id:
        raise ValidationFailed(
            {
                "": "You can only reply to a post in this thread. The post you chose is in "
                "another thread or no longer exists."
            }
        )
    if parent.status == "deleted":
        raise ValidationFailed(
            {"": "That post was deleted, so it cannot be replied to. Reply to the thread instead."}
        )
    if not post_status_visible(author, parent.status, parent.author_id, thread.group):
        raise ValidationFailed({"": "That post is not available to reply to."})
    return parent


def reply(
    author: User,
    thread: Thread,
    parent_post_id: int | None,
    body: str,
    client_token: str | None = None,
    agreed_guidelines: str | None = None,
) -> Post:
    """Add a reply to ``thread``, under ``parent_post_id`` or at the top level."""
    if not can_reply(author, thread):
        reason = (
            "This thread is locked, so it takes no more replies."
            if thread.is_locked
            else posting_bar(author, thread.group)
            or "Only members of this group can reply. Join the group to take part."
        )
        raise ValidationFailed({"": reason})
    token = _token(client_token)
    earlier = _earlier_post(author, token)
    if earlier is not None:
        return earlier
    _check_text(None, body)
    parent = _parent_for_reply(author, thread, parent_post_id)
    cooked = cook(body)
    post = _add_post(thread, parent, author, body, cooked.html, token)
    if screen_post(author, post, body, agreed=agreed_guidelines) is not None:
        db.session.commit()  # held: no count, broadcast or notification until approved
        _announce_saved(post_id=post.id)
        return post
    thread.reply_count = Thread.reply_count + 1
    recipients = notify_reply(thread, post, parent, author, cooked.mentioned_ids)
    db.session.commit()
    _announce_saved(post_id=post.id)
    with reads_only():
        live.broadcast_new_post(thread.id, post.id, post.parent_id)
        announce_unread(recipients)
    return post


def edit_post(editor: User, post: Post, body: str, expected_version: int) -> Post:
    """Change a post's text, keeping the old text as a revision.

    Refuses when the post changed since the editor opened it (``expected_version``), so
    nobody silently overwrites an edit made meanwhile in another tab.
    """
    if not can_edit_post(editor, post):
        raise ValidationFailed(
            {"": "You can only edit your own posts, while you are a member of the group."}
        )
    _check_text(None, body)
    if post.version != expected_version:
        raise _conflict()
    if body == post.body_source:
        return post
    old_source, old_html, old_status = post.body_source, post.body_html, post.status
    before = mentioned_member_ids(old_source)
    cooked = cook(body)
    held = screen_post(editor, post, body, editing=True) is not None
    changed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.version == expected_version)
        .values(
            body_source=body,
            body_html=cooked.html,
            version=expected_version + 1,
            edited_at=utcnow(),
            status="held" if held else old_status,
        )
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        raise _conflict()
    db.session.add(
        PostRevision(
            post_id=post.id,
            version=expected_version,
            body_source=old_source,
            body_html=old_html,
            editor_id=editor.id,
        )
    )
    newly_held = held and old_status == "published"
    if newly_held:  # readers lose it at once; it returns when a moderator approves it
        _withdraw(post)
    recipients = (
        set() if held else notify_mentions(post.thread, post, editor, cooked.mentioned_ids - before)
    )
    db.session.commit()
    db.session.refresh(post)
    _announce_saved(thread_id=post.thread_id if newly_held else None, post_id=post.id)
    live.broadcast_post_changed(post.thread_id, post.id, "hidden" if newly_held else "edited")
    announce_unread(recipients)
    return post


def _withdraw(post: Post) -> None:
    """Take a published post out of its thread's count (or the thread, if it opens it)."""
    if post.parent_id is None:
        post.thread.status = "held"
    else:
        post.thread.reply_count = Thread.reply_count - 1


def _conflict() -> ValidationFailed:
    return ValidationFailed(
        {
            "body": "This post was changed after you opened it (perhaps in another tab). "
            "Your text is kept below and the current version is shown above: "
            "compare them, then save again."
        }
    )


def delete_post(actor: User, post: Post) -> Post:
    """Delete a post softly: replies stay, and it shows as "deleted by author"."""
    if not can_edit_post(actor, post):
        raise ValidationFailed({"": "You can only delete your own posts."})
    was_counted = post.status == "published" and post.parent_id is not None
    post.status = "deleted"
    if was_counted:
        post.thread.reply_count = Thread.reply_count - 1
    db.session.commit()
    _announce_saved(post_id=post.id)
    live.broadcast_post_changed(post.thread_id, post.id, "deleted")
    return post
