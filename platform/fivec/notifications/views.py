"""The notifications page: what happened that concerns me."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import access_post
from ..database import write_transaction
from ..extensions import db
from ..models import Notification
from . import bp
from .actions import mark_all_read, mark_read, visible_notifications

PER_PAGE = 30


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    """List my notifications, newest first, unread ones marked."""
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id, visible_notifications(current_user))
        .options(selectinload(Notification.actor), selectinload(Notification.thread))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    pages = db.paginate(query, page=request.args.get("page", 1, type=int) or 1, per_page=PER_PAGE)
    return render_template("notifications/index.html", pages=pages)


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> ResponseReturnValue:
    """Mark a notification read and go to what it is about."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        return redirect(url_for("notifications.index"))
    post_id, group_id = notification.post_id, notification.group_id
    invite = notification.kind == "moderation_invite"
    with write_transaction():
        mark_read(current_user._get_current_object(), notification)
    if invite and group_id is not None:  # the moderation package's accept page
        return redirect(url_for("moderation.invitation", group_id=group_id))
    if post_id is None:
        return redirect(url_for("notifications.index"))
    access_post(current_user, post_id)  # 404 if it is no longer readable
    return redirect(url_for("discussions.show_post", post_id=post_id))


@bp.post("/notifications/read")
@login_required
def read_all() -> ResponseReturnValue:
    """Mark all my notifications read."""
    count = mark_all_read(current_user._get_current_object())
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "info")
    return redirect(url_for("notifications.index"))
