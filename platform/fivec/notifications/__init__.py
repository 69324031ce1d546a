"""On-site notifications: mentions, replies, new threads in watched groups."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..viewer_facts import add_viewer_fact, viewer_fact

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Show the member's unread count in every page's header."""
    from .actions import unread_count_fact

    add_viewer_fact(app, "unread_notifications", unread_count_fact)

    @app.context_processor
    def _unread() -> dict[str, Any]:
        if not getattr(current_user, "is_authenticated", False):  # None outside requests
            return {}
        try:
            return {"unread_notifications": viewer_fact(current_user, "unread_notifications")}
        except SQLAlchemyError:  # the error page must render even when the database is down
            db.session.rollback()
            return {}
