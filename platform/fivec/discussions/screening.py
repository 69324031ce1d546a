"""What a post passes before it is published: slow mode, guidelines, and plug-in screens.

The core never imports the moderation package: its ``init_app`` installs a ``PostScreen``
on the app (``install``). Without one, posts publish at once and no guidelines are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import func, select

from ..access import can_moderate_group, is_member
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Group, Post, Thread, User

_KEY = "fivec_post_screen"


@dataclass(frozen=True)
class Hold:
    """A post waits for a moderator: the review ``kind`` and a ``note`` for its author."""

    kind: str
    note: str


@dataclass(frozen=True)
class GuidelinesPrompt:
    """Guidelines a member must agree to before posting: (title, text) pairs and a token
    naming exactly those versions (the value of the composer's "I agree" box)."""

    sections: tuple[tuple[str, str], ...]
    token: str


class PostScreen(Protocol):
    """What the moderation package provides."""

    def guidelines_prompt(self, member: User, group: Group) -> GuidelinesPrompt | None: ...

    def accept_guidelines(self, member: User, group: Group) -> None: ...

    def screen(self, author: User, post: Post, text: str, *, editing: bool) -> Hold | None: ...

    def held_note(self, post: Post) -> str | None: ...


def install(app: Flask, screen: PostScreen) -> None:
    """Use ``screen`` for every post written through ``app``."""
    app.extensions[_KEY] = screen


def _screen() -> PostScreen | None:
    return current_app.extensions.get(_KEY)  # type: ignore[no-any-return]


def slow_mode_wait(author: User, thread: Thread, exclude_post_id: int | None = None) -> int:
    """Return the seconds ``author`` must still wait to post in ``thread`` (0: now)."""
    if thread.slow_mode_seconds <= 0 or can_moderate_group(author, thread.group):
        return 0
    query = select(func.max(Post.created_at)).where(
        Post.thread_id == thread.id, Post.author_id == author.id
    )
    if exclude_post_id is not None:
        query = query.where(Post.id != exclude_post_id)
    last = db.session.scalar(query)
    if last is None:
        return 0
    waited = (utcnow() - last).total_seconds()
    return max(0, int(thread.slow_mode_seconds - waited + 0.999))


def _check_slow_mode(author: User, post: Post) -> None:
    wait = slow_mode_wait(author, post.thread, exclude_post_id=post.id)
    if wait:
        why = post.thread.slow_mode_reason or "a moderator slowed this conversation down"
        raise ValidationFailed(
            {
                "body": f"This thread is in slow mode ({why}). You can post again in "
                f"{wait} second{'s' if wait != 1 else ''}; your text is kept below."
            }
        )


def _check_guidelines(author: User, group: Group, agreed: str | None) -> None:
    screen = _screen()
    if agreed is None or screen is None:  # None: the caller (demo, import) vouches
        return
    prompt = screen.guidelines_prompt(author, group)
    if prompt is None:
        return
    if agreed != prompt.token:
        raise ValidationFailed(
            {
                "": "Please read the guidelines and tick “I agree” before "
                "you post. Your text is kept below."
            }
        )
    screen.accept_guidelines(author, group)


def screen_post(
    author: User, post: Post, text: str, *, agreed: str | None = None, editing: bool = False
) -> Hold | None:
    """Check a new (flushed) post or an edit; return a Hold when it must wait for review.

    Raises ValidationFailed in slow mode or when guidelines are not yet agreed to.
    ``agreed`` is the composer's "I agree" value (None skips the guidelines check).
    """
    if not editing:
        _check_slow_mode(author, post)
        _check_guidelines(author, post.thread.group, agreed)
    screen = _screen()
    hold = screen.screen(author, post, text, editing=editing) if screen else None
    if hold is not None and not editing:
        post.status = "held"
    return hold


def held_note(post: Post) -> str | None:
    """Say in plain words why ``post`` waits for a moderator, or None."""
    screen = _screen()
    return screen.held_note(post) if screen and post.status == "held" else None


def guidelines_prompt(group: Group) -> GuidelinesPrompt | None:
    """Return the guidelines the current member must agree to before posting in ``group``."""
    screen = _screen()
    if screen is None or not is_member(current_user):
        return None
    return screen.guidelines_prompt(current_user, group)
