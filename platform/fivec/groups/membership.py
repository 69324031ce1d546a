"""Business operations on membership: join, leave, requests, invitations and roles."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from ..access import access_group, access_invitation
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Group, GroupMembership, User
from ..models.groups import GROUP_ROLES
from .actions import coordinator_ids, managed_group, notify_member


def join_group(actor: User, group_id: int) -> GroupMembership:
    """Join an open group, ask to join a by-request one, or accept a waiting invitation."""
    group = access_group(actor, group_id)
    if group.status != "active":
        abort(404)
    membership = _membership_of(group, actor.id)
    if membership is not None and membership.status == "active":
        raise ValidationFailed({"": f"You are already a member of {group.name}."})
    if membership is not None and membership.status == "requested":
        raise ValidationFailed(
            {"": f"You have already asked to join {group.name}. A coordinator will reply."}
        )
    if membership is not None and membership.status == "invited":
        membership.status = "active"
        db.session.commit()
        return membership
    if group.join_policy == "invite":
        raise ValidationFailed(
            {"": f"{group.name} is by invitation only. Ask one of its coordinators to invite you."}
        )
    status = "active" if group.join_policy == "open" else "requested"
    membership = GroupMembership(group=group, user_id=actor.id, status=status)
    db.session.add(membership)
    if status == "requested":
        for coordinator_id in coordinator_ids(group):
            notify_member(
                coordinator_id,
                "group_request",
                actor,
                group,
                f"{actor.display_name} asked to join {group.name}.",
            )
    db.session.commit()
    return membership


def leave_group(actor: User, group_id: int) -> str:
    """Leave a group or withdraw a request to join; return what the membership was."""
    group = access_group(actor, group_id)
    membership = _membership_of(group, actor.id)
    if membership is None or membership.status == "invited":
        raise ValidationFailed({"": f"You are not a member of {group.name}."})
    _keep_a_coordinator(
        group,
        membership,
        "You are the only coordinator. Make another member coordinator before you leave, "
        "so the group is not left without one.",
    )
    status = membership.status
    db.session.delete(membership)
    db.session.commit()
    return status


def approve_request(actor: User, group_id: int, membership_id: int) -> GroupMembership:
    """Let a member who asked to join in, and tell them."""
    group = managed_group(actor, group_id)
    membership = _membership_in(group, membership_id)
    if membership.status != "requested":
        raise ValidationFailed({"": "This request has already been answered."})
    membership.status = "active"
    notify_member(
        membership.user_id,
        "request_approved",
        actor,
        group,
        f"Your request to join {group.name} was approved. Welcome!",
    )
    db.session.commit()
    return membership


def decline_request(actor: User, group_id: int, membership_id: int) -> User:
    """Turn down a request to join; return who asked."""
    group = managed_group(actor, group_id)
    membership = _membership_in(group, membership_id)
    if membership.status != "requested":
        raise ValidationFailed({"": "This request has already been answered."})
    member = membership.user
    db.session.delete(membership)
    db.session.commit()
    return member


def invite_member(actor: User, group_id: int, member_id: int) -> GroupMembership:
    """Invite a member; someone who had already asked to join is simply let in."""
    group = managed_group(actor, group_id)
    member = db.session.get(User, member_id)
    if member is None:
        raise ValidationFailed({"member_id": "Please choose a member from the directory."})
    membership = _membership_of(group, member.id)
    if membership is not None and membership.status == "active":
        raise ValidationFailed({"": f"{member.display_name} is already a member."})
    if membership is not None and membership.status == "invited":
        raise ValidationFailed({"": f"{member.display_name} has already been invited."})
    if membership is not None:  # they asked to join: the invitation answers the request
        membership.status = "active"
        kind, message = "request_approved", f"Your request to join {group.name} was approved."
    else:
        membership = GroupMembership(
            group=group, user_id=member.id, status="invited", invited_by_id=actor.id
        )
        db.session.add(membership)
        kind, message = "group_invite", f"{actor.display_name} invited you to join {group.name}."
    notify_member(member.id, kind, actor, group, message)
    db.session.commit()
    return membership


def accept_invitation(actor: User, group_id: int) -> Group:
    """Accept an invitation and become a member."""
    invitation = access_invitation(actor, group_id)
    invitation.status = "active"
    db.session.commit()
    return invitation.group


def decline_invitation(actor: User, group_id: int) -> Group:
    """Decline an invitation; the group can invite again later."""
    invitation = access_invitation(actor, group_id)
    group = invitation.group
    db.session.delete(invitation)
    db.session.commit()
    return group


def change_role(actor: User, group_id: int, membership_id: int, role: str) -> GroupMembership:
    """Make a member a coordinator, a group moderator or a plain member."""
    group = managed_group(actor, group_id)
    membership = _membership_in(group, membership_id)
    if role not in GROUP_ROLES:
        raise ValidationFailed({"role": "Please choose member, group moderator or coordinator."})
    if membership.status != "active":
        raise ValidationFailed({"": "Only people who have joined the group can be given a role."})
    if role != "coordinator":
        _keep_a_coordinator(
            group,
            membership,
            f"{membership.user.display_name} is the only coordinator. Make someone else "
            "coordinator first, so the group always has one.",
        )
    membership.role = role
    db.session.commit()
    return membership


def remove_member(actor: User, group_id: int, membership_id: int) -> User:
    """Remove someone from the group, or cancel their invitation; return who it was."""
    group = managed_group(actor, group_id)
    membership = _membership_in(group, membership_id)
    _keep_a_coordinator(
        group,
        membership,
        f"{membership.user.display_name} is the only coordinator. Make someone else "
        "coordinator first, so the group always has one.",
    )
    member = membership.user
    db.session.delete(membership)
    db.session.commit()
    return member


def _keep_a_coordinator(group: Group, membership: GroupMembership, reason: str) -> None:
    if membership.role != "coordinator" or membership.status != "active":
        return
    if coordinator_ids(group) == [membership.user_id]:
        raise ValidationFailed({"": reason})


def _membership_of(group: Group, user_id: int) -> GroupMembership | None:
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user_id
        )
    )


def _membership_in(group: Group, membership_id: int) -> GroupMembership:
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.group_id != group.id:
        abort(404)
    return membership
