"""Thread tools on the thread page's "Moderate" panel: each a POST with a reason."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from fivec.access import access_post, access_thread, can_moderate_group
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, Thread

from . import bp
from .forms import MergeForm, MoveForm, ReasonForm, SlowModeForm, SplitForm
from .thread_tools import (
    merge_threads,
    move_thread,
    set_locked,
    set_pinned,
    set_slow_mode,
    split_thread,
)
from .views import flash_reasons, me


def moderated_thread(thread_id: int) -> Thread:
    """Return a thread the current member moderates, or 404."""
    thread = access_thread(current_user, thread_id)
    if not can_moderate_group(current_user, thread.group):
        abort(404)
    return thread


def _run(thread_id: int, action: Callable[[], object], done: str) -> Response:
    try:
        action()
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
    else:
        flash(done, "success")
    return redirect(url_for("discussions.show_thread", thread_id=thread_id))


@bp.post("/moderation/threads/<int:thread_id>/lock")
@login_required
def lock(thread_id: int) -> ResponseReturnValue:
    """Lock or unlock a thread (``locked=1`` / ``0``)."""
    thread = moderated_thread(thread_id)
    form = ReasonForm()
    locked = request.form.get("locked") == "1"
    return _run(
        thread.id,
        lambda: set_locked(me(), thread, locked, form.reason.data),
        "The thread is locked." if locked else "The thread is open for replies again.",
    )


@bp.post("/moderation/threads/<int:thread_id>/pin")
@login_required
def pin(thread_id: int) -> ResponseReturnValue:
    """Pin or unpin a thread (``pinned=1`` / ``0``)."""
    thread = moderated_thread(thread_id)
    form = ReasonForm()
    pinned = request.form.get("pinned") == "1"
    return _run(
        thread.id,
        lambda: set_pinned(me(), thread, pinned, form.reason.data),
        "The thread is pinned." if pinned else "The thread is unpinned.",
    )


@bp.post("/moderation/threads/<int:thread_id>/slow-mode")
@login_required
def slow_mode(thread_id: int) -> ResponseReturnValue:
    """Turn slow mode on (seconds > 0) or off."""
    thread = moderated_thread(thread_id)
    form = SlowModeForm()
    form.validate()
    return _run(
        thread.id,
        lambda: set_slow_mode(me(), thread, form.seconds.data, form.reason.data),
        "Slow mode is updated.",
    )


@bp.post("/moderation/threads/<int:thread_id>/move")
@login_required
def move(thread_id: int) -> ResponseReturnValue:
    """Move a thread to another group I moderate."""
    thread = moderated_thread(thread_id)
    form = MoveForm()
    raw = str(form.group_id.data or "")
    target = db.session.get(Group, int(raw)) if raw.isdigit() else None
    if target is None or not can_moderate_group(current_user, target):
        abort(404)
    return _run(
        thread.id,
        lambda: move_thread(me(), thread, target, form.reason.data),
        f"The thread is now in {target.name}.",
    )


@bp.post("/moderation/threads/<int:thread_id>/merge")
@login_required
def merge(thread_id: int) -> ResponseReturnValue:
    """Merge this thread into another (its posts become replies there)."""
    thread = moderated_thread(thread_id)
    form = MergeForm()
    form.validate()
    if not form.target_id.data:
        flash("Please give the number of the thread to merge into.", "error")
        return redirect(url_for("discussions.show_thread", thread_id=thread.id))
    target = moderated_thread(form.target_id.data)
    try:
        merge_threads(me(), thread, target, form.reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
        return redirect(url_for("discussions.show_thread", thread_id=thread_id))
    flash("The threads are merged.", "success")
    return redirect(url_for("discussions.show_thread", thread_id=target.id))


@bp.post("/moderation/posts/<int:post_id>/split")
@login_required
def split(post_id: int) -> ResponseReturnValue:
    """Make a reply and the replies to it a new thread."""
    post = access_post(current_user, post_id)
    thread = moderated_thread(post.thread_id)
    form = SplitForm()
    try:
        new = split_thread(me(), post, form.title.data or "", form.reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
        return redirect(url_for("discussions.show_thread", thread_id=thread.id))
    flash("The replies are now a thread of their own.", "success")
    return redirect(url_for("discussions.show_thread", thread_id=new.id))
