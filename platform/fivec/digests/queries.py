"""Reads for the digest pages: a member's groups and settings, and recent picks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from .. import access
from ..clock import utcnow
from ..extensions import db
from ..models import DigestGroupSetting, DigestPick, Group, GroupMembership, Thread, User

PICKS_LISTED = 20


@dataclass(frozen=True)
class PickRow:
    id: int
    reason: str
    picked_at: datetime
    picked_by: str
    thread_id: int | None
    thread_title: str
    result_id: int | None
    picked_by_id: int | None


def member_groups(member: User) -> list[tuple[int, str, bool]]:
    """Return (id, name, in digest) for each active group ``member`` belongs to."""
    off = set(
        db.session.scalars(
            select(DigestGroupSetting.group_id).where(
                DigestGroupSetting.user_id == member.id, DigestGroupSetting.enabled.is_(False)
            )
        )
    )
    rows = db.session.execute(
        select(Group.id, Group.name)
        .join(GroupMembership, GroupMembership.group_id == Group.id)
        .where(
            GroupMembership.user_id == member.id,
            GroupMembership.status == "active",
            Group.status == "active",
        )
        .order_by(Group.name)
    )
    return [(group_id, name, group_id not in off) for group_id, name in rows]


def can_pick(member: User) -> bool:
    """Admins and anyone who moderates a group may pick threads for the digest."""
    if access.is_network_admin(member):
        return True
    return (
        db.session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.user_id == member.id,
                GroupMembership.status == "active",
                GroupMembership.role.in_(("coordinator", "moderator")),
            )
        )
        is not None
    )


def recent_picks(viewer: User, days: int = 28) -> list[PickRow]:
    """Return the picks of the last ``days`` days whose thread ``viewer`` may read."""
    picker = aliased(User)
    readable = access.readable_group_ids(viewer)
    rows = db.session.execute(
        select(DigestPick, picker.display_name, Thread.title, Thread.group_id)
        .outerjoin(picker, picker.id == DigestPick.picked_by_id)
        .outerjoin(Thread, Thread.id == DigestPick.thread_id)
        .where(DigestPick.picked_at >= utcnow() - timedelta(days=days))
        .order_by(DigestPick.picked_at.desc())
        .limit(PICKS_LISTED)
    ).all()
    readable_ids = set(db.session.scalars(readable))
    return [
        PickRow(
            pick.id,
            pick.reason,
            pick.picked_at,
            name or "a former moderator",
            pick.thread_id,
            title or "",
            pick.result_id,
            pick.picked_by_id,
        )
        for pick, name, title, group_id in rows
        if pick.thread_id is None or group_id in readable_ids
    ]
