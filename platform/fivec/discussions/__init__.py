"""Threaded discussions: threads, replies as a tree, edits, helpful marks and bookmarks."""

from __future__ import annotations

from flask import Blueprint, Flask, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from ..access import posting_bar
from ..models import Group

bp = Blueprint("discussions", __name__)


def group_url(group: Group) -> str | None:
    """Link to a group's page (None while the groups feature is not installed)."""
    try:
        return url_for("groups.show_group", group_id=group.id)
    except BuildError:
        return None


def init_app(app: Flask) -> None:
    """Add the ``recook`` command and the template helpers."""
    from .cli import recook_command
    from .personal import end_others_only, mark, others_only

    app.cli.add_command(recook_command)
    app.add_template_global(group_url)
    for helper in (mark, others_only, end_others_only):
        app.add_template_global(helper)
    app.add_template_global(lambda group: posting_bar(current_user, group), "posting_bar")


from . import marks_views, views  # noqa: E402,F401
