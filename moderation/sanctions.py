"""Member tools: silence (cannot post) or suspend (cannot log in), and private notes.

A silence covers one group or the whole network; a suspension is network-wide (logging
in is). The core asks through ``access.posting_bar`` and ``access.login_bar``, whose
rules are the two functions at the end, installed by ``moderation.init_app``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import ColumnElement, Select, exists, select

from fivec.access import can_sanction, is_network_admin
from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, User
from fivec.viewer_facts import FactParams, viewer_fact

from . import audit
from .models import SANCTION_KINDS, MemberSanction, ModeratorNote

MAX_DAYS = 365
NOTE_MAX = 2000


def format_until(when: datetime) -> str:
    """Write a date the way people read it: "3 Dec 2026"."""
    return f"{when.day} {when.strftime('%b %Y')}"


def impose_sanction(
    actor: User, member: User, kind: str, group: Group | None, days: int | None, reason: str
) -> MemberSanction:
    """Silence or suspend ``member`` for ``days`` days, in ``group`` or network-wide."""
    if kind not in SANCTION_KINDS:
        raise ValidationFailed({"kind": "Please choose silence or suspend."})
    if kind == "suspend" and group is not None:
        raise ValidationFailed(
            {
                "group_id": "A suspension is network-wide. To bar someone from one group, "
                "silence them there."
            }
        )
    if not can_sanction(actor, member, group):
        raise ValidationFailed(
            {"": "You cannot sanction this member there: you can act only in groups you moderate."}
        )
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed({"days": f"Please choose between 1 and {MAX_DAYS} days."})
    reason = audit.require_reason(reason)
    now = utcnow()
    sanction = MemberSanction(
        user_id=member.id,
        kind=kind,
        group_id=group.id if group else None,
        reason=reason,
        starts_at=now,
        ends_at=now + timedelta(days=days),
        created_by_id=actor.id,
    )
    db.session.add(sanction)
    db.session.flush()
    audit.record(
        actor,
        kind,
        "member",
        member.id,
        group.id if group else None,
        reason,
        sanction=sanction.id,
        days=days,
    )
    db.session.commit()
    return sanction


def lift_sanction(actor: User, sanction: MemberSanction, reason: str) -> MemberSanction:
    """End a sanction early, with a reason."""
    if not can_sanction(actor, sanction.user, sanction.group):
        raise ValidationFailed({"": "You can lift only sanctions in groups you moderate."})
    if sanction.lifted_at is not None or sanction.ends_at <= utcnow():
        raise ValidationFailed({"": "That sanction has already ended."})
    reason = audit.require_reason(reason)
    sanction.lifted_at = utcnow()
    audit.record(
        actor,
        "lift_sanction",
        "member",
        sanction.user_id,
        sanction.group_id,
        reason,
        sanction=sanction.id,
    )
    db.session.commit()
    return sanction


def add_note(actor: User, member: User, text: str) -> ModeratorNote:
    """Keep a private note about ``member`` for moderators and admins."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": "Please write the note first."})
    if len(text) > NOTE_MAX:
        raise ValidationFailed({"text": f"Please keep notes under {NOTE_MAX} characters."})
    note = ModeratorNote(user_id=member.id, author_id=actor.id, text=text)
    db.session.add(note)
    db.session.commit()
    return note


def set_network_moderator(actor: User, member: User, make: bool) -> User:
    """Grant or remove the network moderator role (admins only)."""
    if not is_network_admin(actor):
        raise ValidationFailed({"": "Only network admins appoint network moderators."})
    member.is_moderator = make
    action = "grant_moderator" if make else "revoke_moderator"
    audit.record(actor, action, "member", member.id, None, "Role changed by a network admin")
    db.session.commit()
    return member


def _active(user: User, kind: str, group_id: int | None = None) -> MemberSanction | None:
    """Return the member's current sanction of ``kind`` (for ``group_id``), if any."""
    for sanction in _current_sanctions(user):
        if sanction.kind != kind:
            continue
        if kind == "suspend" or sanction.group_id in {None, group_id}:
            return sanction
    return None


def _in_force(
    user_id: int | ColumnElement[int], now: datetime | ColumnElement[datetime]
) -> Select[tuple[MemberSanction]]:
    return select(MemberSanction).where(
        MemberSanction.user_id == user_id,
        MemberSanction.lifted_at.is_(None),
        MemberSanction.starts_at <= now,
        MemberSanction.ends_at > now,
    )


def sanctions_in_force_fact(params: FactParams) -> ColumnElement[bool]:
    """Whether any sanction is in force: every request asks (may this member log in?),
    and almost always the answer is no, so the rows themselves are fetched only then."""
    return exists(_in_force(params.viewer_id, params.now))


def _current_sanctions(user: User) -> list[MemberSanction]:
    """Every sanction in force on a member, longest first; one query per request."""
    cache: dict[int, list[MemberSanction]] | None = (
        g.setdefault("moderation_sanctions", {}) if has_request_context() else None
    )
    if cache is not None and user.id in cache:
        return cache[user.id]
    found: list[MemberSanction] = []
    if viewer_fact(user, "sanctions_in_force"):
        found = list(
            db.session.scalars(_in_force(user.id, utcnow()).order_by(MemberSanction.ends_at.desc()))
        )
    if cache is not None:
        cache[user.id] = found
    return found


def sanctions_of(member: User) -> list[MemberSanction]:
    """Return every sanction on ``member``, newest first."""
    return list(
        db.session.scalars(
            select(MemberSanction)
            .where(MemberSanction.user_id == member.id)
            .order_by(MemberSanction.starts_at.desc())
        )
    )


def notes_on(member: User) -> list[ModeratorNote]:
    return list(
        db.session.scalars(
            select(ModeratorNote)
            .where(ModeratorNote.user_id == member.id)
            .order_by(ModeratorNote.created_at.desc())
        )
    )


def silence_rule(user: User, group: Group) -> str | None:
    """Say why a silenced member may not post in ``group``, or None."""
    sanction = _active(user, "silence", group.id)
    if sanction is None:
        return None
    where = f"in {group.name}" if sanction.group_id else "anywhere on the network"
    return f"You cannot post {where} until {format_until(sanction.ends_at)}: {sanction.reason}"


def suspension_rule(user: User) -> str | None:
    """Say why a suspended member may not log in, or None."""
    sanction = _active(user, "suspend")
    if sanction is None:
        return None
    return (
        f"Your account is suspended until {format_until(sanction.ends_at)} "
        f"({sanction.ends_at.strftime('%H:%M')} UTC): {sanction.reason} "
        "If you think this is a mistake, please contact a network admin."
    )
