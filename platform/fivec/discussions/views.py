"""Pages for threads and posts: start, read, reply, edit, delete, history, catch-up."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import (
    access_group,
    access_post,
    access_thread,
    can_edit_post,
    can_moderate_group,
    can_post_in_group,
    can_reply,
)
from ..database import reads_only, write_transaction
from ..errors import ValidationFailed
from ..extensions import db
from ..forms import apply_reasons
from ..models import Post, PostRevision, Thread, User
from . import bp
from .actions import create_thread, delete_post, edit_post, opening_post
from .actions import reply as reply_to_thread
from .composer_cache import shared_composer
from .forms import EditPostForm, ReplyForm, ThreadForm
from .marks import (
    WATCH_LEVELS,
    last_seen_post_id,
    record_visit,
    visit_changes_anything,
    watch_level,
)
from .page_cache import posts_section
from .page_shell import thread_page_html
from .personal import Reader, personalise
from .queries import PostNode, first_new_post_id, locate_post, posts_after, reader_for
from .screening import held_note


def current_member() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def post_url(post: Post) -> str:
    """Link to ``post`` on the page of its thread that shows it."""
    page, more = locate_post(current_user, post)
    return url_for(
        "discussions.show_thread",
        thread_id=post.thread_id,
        page=page if page > 1 else None,
        more=more,
        _anchor=f"p{post.id}",
    )


def flash_if_held(post: Post | None) -> bool:
    """Tell the author, in plain words, when their post waits for a moderator."""
    note = held_note(post) if post is not None else None
    if note:
        flash(note, "warning")
    return bool(note)


@bp.route("/groups/<int:group_id>/threads/new", methods=["GET", "POST"])
@login_required
def new_thread(group_id: int) -> ResponseReturnValue:
    """Start a thread in a group."""
    group = access_group(current_user, group_id)
    form = ThreadForm()
    if form.validate_on_submit():
        try:
            thread = create_thread(
                current_member(),
                group,
                form.title.data,
                form.body.data,
                form.client_token.data,
                agreed_guidelines=form.agree_guidelines.data or "",
            )
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            flash_if_held(opening_post(thread))
            return redirect(url_for("discussions.show_thread", thread_id=thread.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "discussions/new_thread.html",
        form=form,
        group=group,
        can_post=can_post_in_group(current_user, group),
    ), status


def _first_new_link(post_id: int | None) -> Markup:
    if post_id is None:
        return Markup("")
    return Markup(
        '<p class="new-since"><a class="btn btn-secondary btn-small" href="{}">'
        "Jump to the first new post</a></p>"
    ).format(url_for("discussions.show_post", post_id=post_id))


def _thread_page(
    thread: Thread, form: ReplyForm | None = None, status: int = 200
) -> ResponseReturnValue:
    """Render a page of the thread, then remember what the member has seen.

    ``form`` is the reply the member sent, to show again with its errors; on a plain
    view it is None and the kept composer is used, so no form is built at all.
    """
    member = current_member()  # the object, not the proxy: the page asks ~25 times
    sent_back = form
    last_seen = last_seen_post_id(member, thread)
    section = posts_section(
        member,
        thread,
        request.args.get("page", 1, type=int) or 1,
        request.args.get("more", type=int),
    )
    if section is None:
        abort(404)
    reader = reader_for(member, thread, section.authors, section.statuses, last_seen)
    reply_to = request.args.get("reply_to", type=int)
    may_reply = can_reply(member, thread)
    composer = shared_composer(thread, reply_to) if may_reply and form is None else None
    if composer is None and form is None:
        form = ReplyForm()
    if form is not None and reply_to and form.parent_id.data is None:
        form.parent_id.data = reply_to
    context = {
        "page": section,
        "posts_html": personalise(section.marked, reader),
        "composer_html": personalise(composer, reader) if composer else None,
        "first_new_link": _first_new_link(first_new_post_id(member, thread, last_seen)),
        "thread": thread,
        "group": thread.group,
        "form": form,
        "watch_levels": WATCH_LEVELS,
        "watch_level": watch_level(member, thread=thread),
        "can_reply": may_reply,
    }
    # A plain view keeps the frame around the posts too; a reply sent back is its own.
    html = thread_page_html(member, thread, context, keep=sent_back is None)
    # Most views change nothing: skip the write (and SQLite's write lock) unless there is
    # something newer to remember or a notification about this thread to clear.
    if (
        status == 200
        and request.method == "GET"
        and visit_changes_anything(member, thread, last_seen, section.newest_post_id)
    ):
        with write_transaction():
            record_visit(member, thread, section.newest_post_id)
    return html, status


@bp.get("/threads/<int:thread_id>")
@login_required
def show_thread(thread_id: int) -> ResponseReturnValue:
    """Show a page of a thread's tree of replies."""
    thread = access_thread(current_member(), thread_id)
    return _thread_page(thread)


@bp.post("/threads/<int:thread_id>/replies")
@login_required
def reply(thread_id: int) -> ResponseReturnValue:
    """Reply to a thread, or to one post in it (``parent_id``)."""
    thread = access_thread(current_user, thread_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = reply_to_thread(
                current_member(),
                thread,
                form.parent_id.data,
                form.body.data,
                form.client_token.data,
                agreed_guidelines=form.agree_guidelines.data or "",
            )
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            with reads_only():
                flash_if_held(post)
                return redirect(post_url(post))
    return _thread_page(thread, form, status=400)


@bp.get("/threads/<int:thread_id>/posts")
@login_required
def catch_up(thread_id: int) -> ResponseReturnValue:
    """Return posts after ``?after=<post id>`` as JSON, for a live page catching up."""
    thread = access_thread(current_user, thread_id)
    nodes, has_more = posts_after(current_user, thread, request.args.get("after", 0, type=int))
    may_reply = can_reply(current_user, thread)
    reader = reader_for(
        current_user,
        thread,
        {node.post.id: node.post.author_id for node in nodes},
        {node.post.id: node.post.status for node in nodes},
        None,
    )
    return {
        "thread_id": thread.id,
        "has_more": has_more,
        "posts": [_post_json(node, thread, may_reply, reader) for node in nodes],
    }


def _post_json(
    node: PostNode, thread: Thread, may_reply: bool, reader: Reader
) -> dict[str, object]:
    html = personalise(
        render_template(
            "discussions/_post_fragment.html", node=node, thread=thread, can_reply=may_reply
        ),
        reader,
    )
    return {
        "id": node.post.id,
        "parent_id": node.post.parent_id,
        "depth": node.post.depth,
        "html": html,
    }


@bp.get("/posts/<int:post_id>")
@login_required
def show_post(post_id: int) -> ResponseReturnValue:
    """Go to a post on the page of its thread that shows it."""
    return redirect(post_url(access_post(current_user, post_id)))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    """Edit one of my posts; the earlier text stays in its history."""
    post = access_post(current_user, post_id)
    if not can_edit_post(current_user, post):
        abort(403)
    form = EditPostForm()
    version = post.version
    conflict = False
    if request.method == "GET":
        form.body.data = post.body_source
    elif form.validate_on_submit():
        try:
            edit_post(current_member(), post, form.body.data, form.version.data)
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
            version, conflict = post.version, form.version.data != post.version
        else:
            if not flash_if_held(post):
                flash("Your changes are saved.", "success")
            return redirect(post_url(post))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "discussions/edit_post.html", form=form, post=post, version=version, conflict=conflict
    ), status


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int) -> ResponseReturnValue:
    """Delete one of my posts (its replies stay)."""
    post = access_post(current_user, post_id)
    try:
        delete_post(current_member(), post)
    except ValidationFailed as error:
        flash(error.reasons.get("", "That post cannot be deleted."), "error")
    else:
        flash("Your post is deleted. Replies to it stay in the thread.", "info")
    return redirect(post_url(post))


@bp.get("/posts/<int:post_id>/history")
@login_required
def history(post_id: int) -> ResponseReturnValue:
    """Show a post's earlier versions."""
    post = access_post(current_user, post_id)
    if post.status == "deleted" and not can_moderate_group(current_user, post.thread.group):
        abort(404)
    revisions = db.session.scalars(
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.version.desc())
    ).all()
    return render_template(
        "discussions/history.html", post=post, thread=post.thread, revisions=revisions
    )


def redirect_to_post(post: Post) -> Response:
    """Send the browser back to ``post`` in its thread."""
    return redirect(post_url(post))
