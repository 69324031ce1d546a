"""Members flag posts; enough flags from different members hide a post until reviewed."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fivec.access import can_read_group
from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, Post, User

from . import audit
from .guard import open_item
from .models import FLAG_REASONS, Flag
from .outcomes import Changes, announce, hide_post, notify_author, short_title

FLAGS_PER_HOUR = 10
TEXT_MAX = 500
_ALREADY = "You have already flagged this post. A moderator will look at it."


def flags_to_hide(group: Group) -> int:
    """How many members' flags hide a post in ``group`` (the group's number or the network's)."""
    if group.flags_to_hide:
        return group.flags_to_hide
    return int(current_app.config["FIVEC"].flags_to_hide)


def _check(flagger: User, post: Post, reason: str, text: str) -> None:
    if reason not in FLAG_REASONS:
        raise ValidationFailed({"reason": "Please choose why you are flagging this post."})
    if reason == "other" and not text:
        raise ValidationFailed({"text": "Please say in a few words what is wrong with it."})
    if len(text) > TEXT_MAX:
        raise ValidationFailed({"text": f"Please keep this under {TEXT_MAX} characters."})
    if not can_read_group(flagger, post.thread.group):
        raise ValidationFailed({"": "That post is not available."})
    if post.author_id == flagger.id:
        raise ValidationFailed({"": "You cannot flag your own post: edit or delete it instead."})
    if post.status != "published":
        raise ValidationFailed({"": "This post is already waiting for a moderator."})


def _check_rate(flagger: User) -> None:
    since = utcnow() - timedelta(hours=1)
    recent = db.session.execute(
        select(func.count(Flag.id), func.min(Flag.created_at)).where(
            Flag.flagger_id == flagger.id, Flag.created_at >= since
        )
    ).one()
    if recent[0] >= FLAGS_PER_HOUR:
        minutes = max(1, int((recent[1] + timedelta(hours=1) - utcnow()).total_seconds() // 60))
        raise ValidationFailed(
            {
                "": f"You have flagged {FLAGS_PER_HOUR} posts in the last hour, the most we "
                f"take from one member. Please try again in {minutes} minutes, or write to "
                "a moderator if something needs attention now."
            }
        )


def flag_post(flagger: User, post: Post, reason: str, text: str = "") -> Flag:
    """Flag ``post``; hide it once enough different members have flagged it."""
    text = (text or "").strip()
    _check(flagger, post, reason, text)
    earlier = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.flagger_id == flagger.id)
    )
    if earlier is not None:
        raise ValidationFailed({"": _ALREADY})
    _check_rate(flagger)
    flag = Flag(post_id=post.id, flagger_id=flagger.id, reason=reason, text=text)
    db.session.add(flag)
    try:
        db.session.flush()
    except IntegrityError:  # the same member, twice at once
        db.session.rollback()
        raise ValidationFailed({"": _ALREADY}) from None
    open_item(post, "flagged")
    changes = Changes()
    flaggers = db.session.scalar(
        select(func.count(func.distinct(Flag.flagger_id))).where(
            Flag.post_id == post.id, Flag.resolved_at.is_(None)
        )
    )
    group = post.thread.group
    if (flaggers or 0) >= flags_to_hide(group):
        hide_post(post, changes)
        audit.record(
            None,
            "auto_hide",
            "post",
            post.id,
            group.id,
            f"Flagged by {flaggers} members; hidden until a moderator reviews it.",
            flags=flaggers,
        )
        notify_author(
            post,
            "post_hidden",
            f"Your post in “{short_title(post.thread)}” is hidden until a moderator reviews "
            "it, because several members flagged it.",
            None,
            changes,
        )
    db.session.commit()
    announce(changes)
    return flag
