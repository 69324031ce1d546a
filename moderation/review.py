"""Deciding review items: claim, take over, approve, hide, delete, edit and approve.

Two moderators never clash: opening an item claims it for ``CLAIM_MINUTES``, and deciding
is one conditional UPDATE (``WHERE status = 'open'`` and the claim is ours or stale), so of
two decisions made at once exactly one wins and the other is told who won.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, update

from fivec.access import can_moderate_group
from fivec.clock import utcnow
from fivec.content import cook
from fivec.discussions.actions import body_problem
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Post, PostRevision, User

from . import audit
from .models import Flag, ReviewItem
from .outcomes import (
    Changes,
    announce,
    delete_post,
    hide_post,
    notify_author,
    publish_post,
    purge_identifying_revisions,
    short_title,
)
from .pii import looks_patient_identifiable, scan_for_patient_identifiers

CLAIM_MINUTES = 10
DECISIONS = {
    "approve": "Approve",
    "hide": "Hide",
    "delete": "Delete",
    "edit_approve": "Edit and approve",
}
PAST = {"approve": "approved", "hide": "hidden", "delete": "deleted", "edit_approve": "edited"}


def _stale_before() -> datetime:
    return utcnow() - timedelta(minutes=CLAIM_MINUTES)


def _claim_is_mine_or_free(actor: User) -> ColumnElement[bool]:
    return or_(
        ReviewItem.claimed_by_id.is_(None),
        ReviewItem.claimed_by_id == actor.id,
        ReviewItem.claimed_at < _stale_before(),
    )


def claim_holder(item: ReviewItem, actor: User) -> User | None:
    """Return who else is reviewing ``item`` right now, or None."""
    if item.status != "open" or item.claimed_by_id in {None, actor.id}:
        return None
    if item.claimed_at is None or item.claimed_at < _stale_before():
        return None
    return item.claimed_by


def claim_item(actor: User, item: ReviewItem) -> bool:
    """Claim ``item`` for ``actor`` unless someone else is reviewing it; True if ours."""
    if not can_moderate_group(actor, item.group):
        return False
    result = db.session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item.id,
            ReviewItem.status == "open",
            _claim_is_mine_or_free(actor),
        )
        .values(claimed_by_id=actor.id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def take_over(actor: User, item: ReviewItem) -> None:
    """Take ``item`` from another moderator, on the record."""
    if not can_moderate_group(actor, item.group):
        raise ValidationFailed({"": "You can only review items in groups you moderate."})
    if item.status != "open":
        raise ValidationFailed({"": _why_not(item)})
    before = item.claimed_by.display_name if item.claimed_by else "nobody"
    item.claimed_by_id, item.claimed_at = actor.id, utcnow()
    audit.record(
        actor, "take_over", "review_item", item.id, item.group_id, f"Took over from {before}."
    )
    db.session.commit()


def _why_not(item: ReviewItem) -> str:
    if item.status != "open":
        who = item.resolved_by.display_name if item.resolved_by else "another moderator"
        when = item.resolved_at.strftime("%H:%M") if item.resolved_at else ""
        what = PAST.get(item.resolution, "resolved")
        return f"Already resolved by {who} ({what} at {when} UTC). Nothing was changed."
    who = item.claimed_by.display_name if item.claimed_by else "another moderator"
    return (
        f"Being reviewed by {who}. You can act on it when they finish, after "
        f"{CLAIM_MINUTES} minutes, or if you take it over."
    )


def _check_edit(body: str) -> None:
    if problem := body_problem(body):
        raise ValidationFailed({"body": problem})
    if findings := scan_for_patient_identifiers(body):
        kinds = ", ".join(sorted({f.kind.replace("_", " ") for f in findings}))
        raise ValidationFailed(
            {"body": f"Your edit still looks patient-identifiable ({kinds}). Please remove it."}
        )


def _edit_body(post: Post, body: str) -> None:
    if not looks_patient_identifiable(post.body_source):
        db.session.add(
            PostRevision(
                post_id=post.id,
                version=post.version,
                body_source=post.body_source,
                body_html=post.body_html,
                editor_id=post.author_id,
            )
        )
    post.body_source, post.body_html = body, cook(body).html
    post.version, post.edited_at = post.version + 1, utcnow()


def _tell_author(actor: User, post: Post, decision: str, was: str, reason: str) -> Changes:
    changes = Changes()
    title = short_title(post.thread)
    messages = {
        "hide": ("post_hidden", f"A moderator hid your post in “{title}”: {reason}"),
        "delete": ("post_deleted", f"A moderator deleted your post in “{title}”: {reason}"),
        "edit_approve": (
            "post_approved",
            f"A moderator edited and approved your post in “{title}”: {reason}",
        ),
    }
    if decision == "approve" and was != "published":
        messages["approve"] = ("post_approved", f"A moderator approved your post in “{title}”.")
    if decision in messages:
        kind, message = messages[decision]
        notify_author(post, kind, message, actor, changes)
    return changes


def resolve_item(
    actor: User, item: ReviewItem, decision: str, reason: str, body: str | None = None
) -> ReviewItem:
    """Decide ``item``: approve, hide, delete or edit-and-approve its post, with a reason."""
    if not can_moderate_group(actor, item.group):
        raise ValidationFailed({"": "You can only review items in groups you moderate."})
    if decision not in DECISIONS:
        raise ValidationFailed({"decision": "Please choose approve, hide, delete or edit."})
    reason = audit.require_reason(reason)
    if decision == "edit_approve":
        _check_edit(body or "")
    now = utcnow()
    won = db.session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item.id,
            ReviewItem.status == "open",
            _claim_is_mine_or_free(actor),
        )
        .values(
            status="resolved",
            resolved_by_id=actor.id,
            resolved_at=now,
            resolution=decision,
            claimed_by_id=actor.id,
            claimed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        db.session.refresh(item)
        raise ValidationFailed({"": _why_not(item)})
    post, was = item.post, item.post.status
    if decision == "edit_approve":
        _edit_body(post, body or "")
    changes = _tell_author(actor, post, decision, was, reason)
    if decision in {"approve", "edit_approve"}:
        publish_post(post, changes)
        purge_identifying_revisions(post)
    elif decision == "hide":
        hide_post(post, changes)
    else:
        delete_post(post, changes)
    _close_the_rest(actor, item, decision, now)
    audit.record(
        actor, decision, "post", post.id, item.group_id, reason, item=item.id, review=item.kind
    )
    db.session.commit()
    announce(changes)
    return item


def _close_the_rest(actor: User, item: ReviewItem, decision: str, now: datetime) -> None:
    """One decision answers every open item and flag on the same post."""
    db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.post_id == item.post_id, ReviewItem.status == "open")
        .values(status="resolved", resolved_by_id=actor.id, resolved_at=now, resolution=decision)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Flag)
        .where(Flag.post_id == item.post_id, Flag.resolved_at.is_(None))
        .values(
            resolved_at=now,
            outcome="dismissed" if decision in {"approve", "edit_approve"} else "upheld",
        )
        .execution_options(synchronize_session=False)
    )


@dataclass
class BulkResult:
    """How a bulk decision went: how many done, and why the others were not."""

    done: int = 0
    problems: list[str] = field(default_factory=list)


def resolve_items(actor: User, items: list[ReviewItem], decision: str, reason: str) -> BulkResult:
    """Decide several items with one reason; each is decided (or refused) on its own."""
    if decision == "edit_approve":
        raise ValidationFailed({"decision": "Edit items one at a time."})
    audit.require_reason(reason)
    result = BulkResult()
    for item in items:
        try:
            resolve_item(actor, item, decision, reason)
        except ValidationFailed as error:
            db.session.rollback()
            result.problems.append(f"Item {item.id}: {' '.join(error.reasons.values())}")
        else:
            result.done += 1
    return result
