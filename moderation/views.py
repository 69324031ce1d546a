"""Pages for the review queue and for flagging posts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from fivec.access import access_post, moderates_anything
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.forms import apply_reasons
from fivec.models import Post, User

from . import bp
from .early_warning import heating_count
from .flags import flag_post
from .forms import BulkForm, DecisionForm, FlagForm
from .models import REVIEW_KINDS, ReviewItem
from .queue import QueueFilter, access_review_item, flags_for, queue_page, scope_groups
from .review import claim_holder, claim_item, resolve_item, resolve_items, take_over


def me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def flash_reasons(error: ValidationFailed) -> None:
    for reason in error.reasons.values():
        flash(reason, "error")


def _post_link(post_id: int) -> str:
    return url_for("discussions.show_post", post_id=post_id)


@bp.get("/posts/<int:post_id>/flag")
@login_required
def flag_page(post_id: int) -> ResponseReturnValue:
    """The flag form on a page of its own (thread pages open it in a dialog instead)."""
    return _flag_page(access_post(current_user, post_id), FlagForm())


@bp.post("/posts/<int:post_id>/flag")
@login_required
def flag(post_id: int) -> ResponseReturnValue:
    """Flag a post for the moderators, with a reason; a refused flag is shown again on
    the flag page with what the member chose and typed."""
    post = access_post(current_user, post_id)
    form = FlagForm()
    try:
        flag_post(me(), post, form.reason.data or "", form.text.data or "")
    except ValidationFailed as error:
        db.session.rollback()
        apply_reasons(form, error)
        return _flag_page(post, form, 400)
    flash("Thank you: a moderator will look at this post.", "success")
    return redirect(_post_link(post.id))


def _flag_page(post: Post, form: FlagForm, status: int = 200) -> ResponseReturnValue:
    return render_template("moderation/flag.html", post=post, form=form), status


@bp.get("/moderation/queue")
@login_required
def queue() -> ResponseReturnValue:
    """List the open review items in my scope: flagged, held and first posts."""
    if not moderates_anything(current_user):
        abort(404)
    group_raw = request.args.get("group", "")
    filters = QueueFilter(
        kind=request.args.get("kind", "") if request.args.get("kind") in REVIEW_KINDS else "",
        group_id=int(group_raw) if group_raw.isdigit() else None,
    )
    items = queue_page(current_user, filters, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "moderation/queue.html",
        items=items,
        filters=filters,
        kinds=REVIEW_KINDS,
        groups=scope_groups(current_user),
        flags=flags_for([i.post_id for i in items.items]),
        warnings=heating_count(current_user),
        bulk=BulkForm(),
        holder=lambda review: claim_holder(review, me()),
    )


def _item_page(item: ReviewItem, form: DecisionForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "moderation/item.html",
        item=item,
        post=item.post,
        form=form,
        flags=flags_for([item.post_id]).get(item.post_id, []),
        holder=claim_holder(item, me()),
    ), status


@bp.get("/moderation/items/<int:item_id>")
@login_required
def item(item_id: int) -> ResponseReturnValue:
    """Show one item; opening it claims it, unless someone else is reviewing it."""
    review = access_review_item(current_user, item_id)
    if review.status == "open":
        claim_item(me(), review)
        db.session.refresh(review)
    form = DecisionForm()
    form.body.data = review.post.body_source
    return _item_page(review, form)


@bp.post("/moderation/items/<int:item_id>/resolve")
@login_required
def resolve(item_id: int) -> ResponseReturnValue:
    """Approve, hide, delete or edit-and-approve an item's post, with a reason."""
    review = access_review_item(current_user, item_id)
    form = DecisionForm()
    try:
        resolve_item(me(), review, form.decision.data or "", form.reason.data, form.body.data)
    except ValidationFailed as error:
        db.session.rollback()
        apply_reasons(form, error)
        return _item_page(db.session.get(ReviewItem, item_id) or review, form, 400)
    flash(f"Done: the post is {review.post.status}. The decision is in the log.", "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/moderation/items/<int:item_id>/take-over")
@login_required
def take_over_item(item_id: int) -> ResponseReturnValue:
    """Take an item over from a moderator who is reviewing it."""
    review = access_review_item(current_user, item_id)
    try:
        take_over(me(), review)
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
    else:
        flash("You are now reviewing this item.", "info")
    return redirect(url_for("moderation.item", item_id=item_id))


@bp.post("/moderation/queue/bulk")
@login_required
def bulk() -> ResponseReturnValue:
    """Decide every ticked item with one decision and one reason."""
    if not moderates_anything(current_user):
        abort(404)
    form = BulkForm()
    ids = [int(i) for i in request.form.getlist("item_ids") if i.isdigit()][:200]
    if not ids:
        flash("Please tick the items to decide.", "error")
        return redirect(url_for("moderation.queue"))
    items = [access_review_item(current_user, i) for i in ids]
    try:
        result = resolve_items(me(), items, form.decision.data or "", form.reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
        return redirect(url_for("moderation.queue"))
    flash(f"Decided {result.done} item{'s' if result.done != 1 else ''}.", "success")
    for problem in result.problems:
        flash(problem, "error")
    return redirect(url_for("moderation.queue"))
