"""Digest writes: preferences, one-click unsubscribe and moderators' picks."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..models import DigestGroupSetting, DigestPick, DigestPreference, Thread, User
from ..models.digests import DIGEST_FREQUENCIES, new_unsubscribe_nonce
from .periods import DEFAULT_TIMEZONE, zone

UNSUBSCRIBE_SALT = "fivec-digest-unsubscribe"
MAX_REASON = 200


class TokenRevoked(Exception):
    """A genuine unsubscribe link that a later change of settings has replaced."""


def preference_for(member_id: int) -> DigestPreference | None:
    """Return the member's stored preference row, if any (none means the defaults)."""
    return db.session.scalar(
        select(DigestPreference)
        .where(DigestPreference.user_id == member_id)
        .execution_options(populate_existing=True)
    )


def ensure_preference(member_id: int) -> DigestPreference:
    """Return the member's preference row, creating it with the defaults (caller commits)."""
    preference = preference_for(member_id)
    if preference is None:
        preference = DigestPreference(
            user_id=member_id, frequency="weekly", timezone=DEFAULT_TIMEZONE
        )
        db.session.add(preference)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # another run created it meanwhile
            preference = preference_for(member_id)
            assert preference is not None
    return preference


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(preference: DigestPreference) -> str:
    """Sign the member id with their current nonce: the link in each digest."""
    return str(_serializer().dumps({"u": preference.user_id, "n": preference.unsubscribe_nonce}))


def preference_for_token(token: str) -> DigestPreference:
    """Return the preference an unsubscribe link belongs to, or say why it cannot be used.

    Raises ``ValidationFailed`` for a tampered or malformed link and ``TokenRevoked`` for a
    genuine one signed with a nonce that has since been rotated.
    """
    try:
        data = _serializer().loads(token)
        member_id, nonce = int(data["u"]), str(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(
            {"": "This unsubscribe link is not valid. It may have been cut short or changed."}
        ) from None
    preference = preference_for(member_id)
    if preference is None:
        raise ValidationFailed({"": "This unsubscribe link is not valid."})
    if preference.unsubscribe_nonce != nonce:
        raise TokenRevoked()
    return preference


def unsubscribe(token: str) -> DigestPreference:
    """Turn digests off for the link's member (no login: the signed link is the proof)."""
    preference = preference_for_token(token)
    if preference.frequency != "off":
        preference.frequency = "off"
        preference.updated_at = utcnow()
        db.session.commit()
    return preference


@dataclass(frozen=True)
class PreferenceChanges:
    """What the preferences form sends; ``shown_group_ids`` are the groups listed on it."""

    frequency: str
    quiet_week_note: bool
    send_day: int | None
    send_hour: int | None
    timezone: str
    enabled_group_ids: frozenset[int]
    shown_group_ids: frozenset[int]


def update_preferences(member: User, changes: PreferenceChanges) -> DigestPreference:
    """Save a member's digest settings; re-subscribing revokes old unsubscribe links."""
    reasons: dict[str, str] = {}
    if changes.frequency not in DIGEST_FREQUENCIES:
        reasons["frequency"] = "Choose weekly, daily or off."
    if changes.send_day is not None and not 0 <= changes.send_day <= 6:
        reasons["send_day"] = "Choose a day of the week."
    if changes.send_hour is not None and not 0 <= changes.send_hour <= 23:
        reasons["send_hour"] = "Choose an hour from 0 (midnight) to 23 (11 pm)."
    if zone(changes.timezone).key != changes.timezone:
        reasons["timezone"] = "Use a time zone name such as Europe/London."
    if reasons:
        raise ValidationFailed(reasons)
    preference = ensure_preference(member.id)
    if preference.frequency == "off" and changes.frequency != "off":
        preference.unsubscribe_nonce = new_unsubscribe_nonce()
    preference.frequency = changes.frequency
    preference.quiet_week_note = changes.quiet_week_note
    preference.send_day = changes.send_day
    preference.send_hour = changes.send_hour
    preference.timezone = changes.timezone
    preference.updated_at = utcnow()
    existing = {
        s.group_id: s
        for s in db.session.scalars(
            select(DigestGroupSetting).where(DigestGroupSetting.user_id == member.id)
        )
    }
    for group_id in changes.shown_group_ids:
        enabled = group_id in changes.enabled_group_ids
        setting = existing.get(group_id)
        if setting is None:
            db.session.add(
                DigestGroupSetting(user_id=member.id, group_id=group_id, enabled=enabled)
            )
        else:
            setting.enabled = enabled
    db.session.commit()
    return preference


def pick_thread(actor: User, thread_id: int, reason: str) -> DigestPick:
    """Mark a thread as a moderators' pick for the next digests, with a one-line reason."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not access.can_read_group(actor, thread.group):
        raise ValidationFailed({"thread_id": "There is no thread with that number."})
    if not access.can_moderate_group(actor, thread.group):
        raise ValidationFailed({"thread_id": "Only the group's moderators can pick its threads."})
    if thread.status != "published":
        raise ValidationFailed({"thread_id": "Only published threads can be picked."})
    return _add_pick(actor, _clean_reason(reason), thread_id=thread.id)


def pick_result(actor: User, result_id: int, reason: str) -> DigestPick:
    """Mark a published result as a pick (network admins and its scorecard's managers)."""
    try:
        from benchmarks.models import Result
    except ImportError:
        raise ValidationFailed({"result_id": "Results are not available yet."}) from None
    result = db.session.get(Result, result_id)
    if result is None or result.status != "published":
        raise ValidationFailed({"result_id": "There is no published result with that number."})
    if not access.can_manage_scorecard(actor, result):
        raise ValidationFailed({"result_id": "Only its scorecard's coordinators can pick it."})
    return _add_pick(actor, _clean_reason(reason), result_id=result.id)


def remove_pick(actor: User, pick_id: int) -> None:
    """Take back a pick (whoever picked it, or a network admin)."""
    pick = db.session.get(DigestPick, pick_id)
    if pick is None or not (pick.picked_by_id == actor.id or access.is_network_admin(actor)):
        raise ValidationFailed({"": "That pick no longer exists."})
    db.session.delete(pick)
    db.session.commit()


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": "Say in one line why members should read it."})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"Keep the reason under {MAX_REASON} characters."})
    return reason


def _add_pick(actor: User, reason: str, **target: int) -> DigestPick:
    pick = DigestPick(reason=reason, picked_by_id=actor.id, picked_at=utcnow(), **target)
    db.session.add(pick)
    db.session.commit()
    return pick
