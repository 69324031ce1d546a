"""Change champions: a group's most constructive contributors, invited to moderate.

Constructive means: others found their posts helpful, and their posts got answers; anyone
with an upheld flag in the group is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from fivec.access import can_manage_group, can_moderate_network
from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Notification, Post, Thread, User
from fivec.notifications.actions import announce_unread

from . import audit
from .models import Flag

LIMIT = 20
INVITE = "moderation_invite"


@dataclass(frozen=True)
class Champion:
    """A member's contribution to one group."""

    member: User
    role: str
    helpful: int
    answered: int
    posts: int

    @property
    def score(self) -> int:
        return 2 * self.helpful + self.answered


def _in_group(group: Group) -> list[object]:
    return [Thread.group_id == group.id, Thread.status == "published"]


def champions(group: Group, limit: int = LIMIT) -> list[Champion]:
    """Rank the group's active members by helpful marks received and replies answered."""
    roles = dict(
        db.session.execute(
            select(GroupMembership.user_id, GroupMembership.role).where(
                GroupMembership.group_id == group.id, GroupMembership.status == "active"
            )
        ).all()
    )
    published = (Post.status == "published", *_in_group(group))
    helpful = {
        a: (int(h or 0), int(n))
        for a, h, n in db.session.execute(
            select(Post.author_id, func.sum(Post.helpful_count), func.count(Post.id))
            .join(Thread, Thread.id == Post.thread_id)
            .where(*published)
            .group_by(Post.author_id)
        )
    }
    child = aliased(Post)
    answered = dict(
        db.session.execute(
            select(Post.author_id, func.count(func.distinct(Post.id)))
            .join(Thread, Thread.id == Post.thread_id)
            .join(child, child.parent_id == Post.id)
            .where(*published, child.status == "published", child.author_id != Post.author_id)
            .group_by(Post.author_id)
        ).all()
    )
    upheld = set(
        db.session.scalars(
            select(Post.author_id)
            .join(Flag, Flag.post_id == Post.id)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Flag.outcome == "upheld", Thread.group_id == group.id)
        )
    )
    wanted = [
        uid
        for uid in roles
        if uid not in upheld and (helpful.get(uid, (0, 0))[0] or answered.get(uid))
    ]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    ranked = [
        Champion(
            people[uid],
            roles[uid],
            helpful.get(uid, (0, 0))[0],
            int(answered.get(uid, 0)),
            helpful.get(uid, (0, 0))[1],
        )
        for uid in wanted
        if uid in people
    ]
    ranked.sort(key=lambda c: (-c.score, c.member.display_name))
    return ranked[:limit]


def can_invite_moderators(user: User, group: Group) -> bool:
    """Coordinators, network moderators and admins appoint a group's moderators."""
    return can_manage_group(user, group) or can_moderate_network(user)


def _pending_invite(member_id: int, group_id: int) -> Notification | None:
    return db.session.scalar(
        select(Notification).where(
            Notification.user_id == member_id,
            Notification.kind == INVITE,
            Notification.group_id == group_id,
        )
    )


def invite_to_moderate(actor: User, group: Group, member: User) -> Notification:
    """Invite a member of ``group`` to become one of its moderators."""
    if not can_invite_moderators(actor, group):
        raise ValidationFailed({"": "Only the group's coordinators and admins appoint moderators."})
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id,
            GroupMembership.user_id == member.id,
            GroupMembership.status == "active",
        )
    )
    if membership is None:
        raise ValidationFailed({"": f"{member.display_name} is not a member of {group.name}."})
    if membership.role != "member":
        raise ValidationFailed({"": f"{member.display_name} already helps run {group.name}."})
    if _pending_invite(member.id, group.id) is not None:
        raise ValidationFailed({"": f"{member.display_name} has already been invited."})
    invite = Notification(
        user_id=member.id,
        kind=INVITE,
        actor_id=actor.id,
        group_id=group.id,
        message=f"{actor.display_name} invites you to help moderate {group.name}: "
        "open this to accept or decline.",
    )
    db.session.add(invite)
    audit.record(actor, "invite_moderator", "member", member.id, group.id, "Change champion")
    db.session.commit()
    announce_unread([member.id])
    return invite


def invitation_for(member: User, group: Group) -> Notification | None:
    """Return ``member``'s invitation to moderate ``group``, if they have one."""
    return _pending_invite(member.id, group.id)


def accept_invitation(member: User, group: Group) -> GroupMembership:
    """Become a moderator of ``group`` on an invitation."""
    invite = _pending_invite(member.id, group.id)
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id,
            GroupMembership.user_id == member.id,
            GroupMembership.status == "active",
        )
    )
    if invite is None or membership is None:
        raise ValidationFailed({"": "That invitation is no longer open."})
    if membership.role == "member":
        membership.role = "moderator"
    db.session.execute(
        update(Notification)
        .where(Notification.id == invite.id)
        .values(kind="moderation_joined", read_at=utcnow())
    )
    audit.record(member, "accept_moderator", "member", member.id, group.id, "Accepted")
    db.session.commit()
    return membership


def decline_invitation(member: User, group: Group) -> None:
    """Say no to an invitation to moderate."""
    invite = _pending_invite(member.id, group.id)
    if invite is not None:
        db.session.delete(invite)
        db.session.commit()
