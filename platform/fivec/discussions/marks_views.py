"""Reader tools: helpful, bookmarks, watch levels, the composer's preview and mentions."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..access import access_group, access_post, access_thread, readable_group_ids
from ..content import cook
from ..core.security import safe_next
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Bookmark, Post, Thread, User
from . import bp, group_url
from .actions import BODY_MAX
from .marks import set_watch_level, toggle_bookmark, toggle_helpful
from .views import current_member, redirect_to_post

BOOKMARKS_PER_PAGE = 30
SUGGESTIONS = 8


def _flash_reason(error: ValidationFailed) -> None:
    for reason in error.reasons.values():
        flash(reason, "error")


@bp.post("/posts/<int:post_id>/helpful")
@login_required
def helpful(post_id: int) -> ResponseReturnValue:
    """Mark a post helpful, or take the mark back."""
    post = access_post(current_user, post_id)
    try:
        toggle_helpful(current_member(), post)
    except ValidationFailed as error:
        _flash_reason(error)
    return redirect_to_post(post)


@bp.post("/posts/<int:post_id>/bookmark")
@login_required
def bookmark(post_id: int) -> ResponseReturnValue:
    """Save a post to my bookmarks, or remove it."""
    post = access_post(current_user, post_id)
    try:
        saved = toggle_bookmark(current_member(), post)
    except ValidationFailed as error:
        _flash_reason(error)
    else:
        flash("Saved to your bookmarks." if saved else "Removed from your bookmarks.", "info")
    return redirect_to_post(post)


@bp.get("/bookmarks")
@login_required
def bookmarks() -> ResponseReturnValue:
    """List the posts I saved that I may still read."""
    query = (
        select(Post)
        .join(Bookmark, Bookmark.post_id == Post.id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Bookmark.user_id == current_user.id,
            Thread.group_id.in_(readable_group_ids(current_user)),
            Thread.status == "published",
            or_(Post.status == "published", Post.author_id == current_user.id),
        )
        .options(selectinload(Post.author), selectinload(Post.thread))
        .order_by(Bookmark.created_at.desc(), Bookmark.id.desc())
    )
    pages = db.paginate(
        query, page=request.args.get("page", 1, type=int) or 1, per_page=BOOKMARKS_PER_PAGE
    )
    return render_template("discussions/bookmarks.html", pages=pages)


@bp.post("/threads/<int:thread_id>/watch")
@login_required
def watch_thread(thread_id: int) -> ResponseReturnValue:
    """Choose how closely I follow a thread."""
    thread = access_thread(current_user, thread_id)
    try:
        set_watch_level(current_member(), request.form.get("level", ""), thread=thread)
    except ValidationFailed as error:
        _flash_reason(error)
    else:
        flash("Your notification setting for this thread is saved.", "success")
    return redirect(url_for("discussions.show_thread", thread_id=thread.id))


@bp.post("/groups/<int:group_id>/watch")
@login_required
def watch_group(group_id: int) -> ResponseReturnValue:
    """Choose how closely I follow a group."""
    group = access_group(current_user, group_id)
    try:
        set_watch_level(current_member(), request.form.get("level", ""), group=group)
    except ValidationFailed as error:
        _flash_reason(error)
    else:
        flash("Your notification setting for this group is saved.", "success")
    return redirect(safe_next(request.form.get("next"), group_url(group) or "/"))


@bp.post("/preview")
@login_required
def preview() -> ResponseReturnValue:
    """Render the composer's text exactly as it would be posted (JSON ``{html}``)."""
    body = request.form.get("body")
    if body is None:
        body = str((request.get_json(silent=True) or {}).get("body", ""))
    if len(body) > BODY_MAX:
        return {"error": f"Too long to preview: keep it under {BODY_MAX:,} characters."}, 400
    return {"html": cook(body).html}


@bp.get("/mentions")
@login_required
def mention_suggestions() -> ResponseReturnValue:
    """Suggest members to mention as ``@[Name]`` for the composer's autocomplete."""
    text = " ".join(request.args.get("q", "").split())[:80]
    if not text:
        return jsonify([])
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(func.lower(User.display_name).like(f"{escaped}%", escape="\\"))
        .order_by(User.display_name)
        .limit(SUGGESTIONS)
    )
    return jsonify([{"id": i, "name": name, "insert": f"@[{name}]"} for i, name in rows])


@bp.get("/posts/<int:post_id>/source")
@login_required
def source(post_id: int) -> ResponseReturnValue:
    """Return a post's Markdown, for quoting it in the composer."""
    post = access_post(current_user, post_id)
    if post.status == "deleted":
        abort(404)
    name = post.author.display_name if post.author else "a former member"
    return {"id": post.id, "author": name, "markdown": post.body_source}
