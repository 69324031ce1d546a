"""The search page: posts a member may read, plus matching people and groups."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..access import access_group
from . import bp
from .directory import find_groups, find_people
from .query import HELP, MAX_LENGTH
from .results import SearchHit, search


def thread_url(hit: SearchHit) -> str:
    """Link to the post inside its thread."""
    if "discussions.show_thread" in current_app.view_functions:
        return url_for(
            "discussions.show_thread", thread_id=hit.thread_id, _anchor=f"p{hit.post_id}"
        )
    return f"/threads/{hit.thread_id}#p{hit.post_id}"


def group_url(group_id: int) -> str:
    """Link to a group's page."""
    if "groups.show_group" in current_app.view_functions:
        return url_for("groups.show_group", group_id=group_id)
    return f"/groups/{group_id}"


@bp.get("/search")
@login_required
def search_page() -> ResponseReturnValue:
    """Search discussions (optionally inside one group), people and groups."""
    raw = request.args.get("q", "")
    order = request.args.get("order", "relevance")
    page = request.args.get("page", 1, type=int) or 1
    group_raw = request.args.get("group", "")
    group = access_group(current_user, int(group_raw)) if group_raw.isdigit() else None
    results = (
        search(current_user, raw, page, order, group.id if group else None) if raw.strip() else None
    )
    show_directory = results is not None and page == 1 and group is None and not results.message
    return render_template(
        "search/search.html",
        q=raw if len(raw) <= MAX_LENGTH else raw[:MAX_LENGTH],
        order=results.order if results else order,
        group=group,
        results=results,
        people=find_people(raw) if show_directory else [],
        groups=find_groups(current_user, raw) if show_directory else [],
        help=HELP,
        thread_url=thread_url,
        group_url=group_url,
        max_length=MAX_LENGTH,
    )
