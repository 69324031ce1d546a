"""Business operations on groups: propose, approve or reject, create, change settings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import abort, current_app
from sqlalchemy import func, select

from .. import signals
from ..access import (
    Viewer,
    access_group,
    can_list_group,
    can_manage_group,
    can_manage_network,
)
from ..accounts.actions import parse_interests
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Group, GroupMembership, Interest, Notification, User
from ..models.groups import GROUP_KINDS, JOIN_POLICIES, VISIBILITIES

MAX_NAME = 120
MAX_PURPOSE = 2000
MAX_GUIDELINES = 5000
MAX_INTERESTS = 15
MAX_INTEREST_LENGTH = 50
# The reason travels in the proposer's notification (300 characters with the group name).
MAX_REASON = 140


@dataclass(frozen=True)
class GroupSettings:
    """What a coordinator may change: purpose, who sees the group, how people join."""

    purpose: str
    visibility: str
    join_policy: str
    interests: str = ""
    guidelines: str = ""


@dataclass(frozen=True)
class GroupProposal:
    """A new group as a member describes it on the propose form."""

    name: str
    kind: str
    parent_id: int | None
    settings: GroupSettings


def notify_member(user_id: int, kind: str, actor: Viewer, group: Group, message: str) -> None:
    """Add a notification row for ``user_id``; the caller commits it with its change."""
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            actor_id=getattr(actor, "id", None),
            group_id=group.id,
            message=message[:300],
        )
    )


def managed_group(actor: Viewer, group_id: int) -> Group:
    """Return an active group ``actor`` coordinates (or administers), or 404."""
    group = access_group(actor, group_id)
    if group.status != "active" or not can_manage_group(actor, group):
        abort(404)
    return group


def coordinator_ids(group: Group) -> list[int]:
    """Return the ids of the group's active coordinators."""
    return list(
        db.session.scalars(
            select(GroupMembership.user_id).where(
                GroupMembership.group_id == group.id,
                GroupMembership.role == "coordinator",
                GroupMembership.status == "active",
            )
        )
    )


def propose_group(actor: User, proposal: GroupProposal) -> Group:
    """Record a member's proposal; a network admin approves it before anyone can join."""
    group = _new_group(actor, proposal, status="proposed")
    db.session.commit()
    return group


def create_group(actor: User, proposal: GroupProposal) -> Group:
    """Create an active group straight away (network admins only); the admin coordinates it."""
    if not can_manage_network(actor):
        abort(404)
    group = _new_group(actor, proposal, status="active")
    db.session.add(GroupMembership(group=group, user_id=actor.id, role="coordinator"))
    db.session.commit()
    return group


def approve_proposal(actor: User, group_id: int) -> Group:
    """Open a proposed group; the member who proposed it becomes its coordinator."""
    group = _proposal(actor, group_id)
    group.status = "active"
    coordinator_id = group.created_by_id or actor.id
    db.session.add(GroupMembership(group=group, user_id=coordinator_id, role="coordinator"))
    notify_member(
        coordinator_id,
        "group_approved",
        actor,
        group,
        f"Your group “{group.name}” has been approved. You are its coordinator.",
    )
    db.session.commit()
    return group


def reject_proposal(actor: User, group_id: int, reason: str) -> Group:
    """Turn a proposal down, telling the proposer why."""
    group = _proposal(actor, group_id)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": "Please tell the proposer why, so they can improve it."})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"Please keep the reason under {MAX_REASON} characters."})
    group.status = "rejected"
    if group.created_by_id is not None:
        notify_member(
            group.created_by_id,
            "group_rejected",
            actor,
            group,
            f"Your proposed group “{group.name}” was not approved: {reason}",
        )
    db.session.commit()
    return group


def update_group(actor: User, group_id: int, settings: GroupSettings) -> Group:
    """Save a group's purpose, visibility, join policy, interests and guidelines."""
    group = managed_group(actor, group_id)
    reasons: dict[str, str] = {}
    tags = _check_settings(settings, reasons)
    if reasons:
        raise ValidationFailed(reasons)
    visibility_changed = group.visibility != settings.visibility
    group.purpose = settings.purpose.strip()
    group.visibility = settings.visibility
    group.join_policy = settings.join_policy
    group.guidelines = settings.guidelines.strip()
    group.interests = _interests(tags)
    db.session.commit()
    if visibility_changed:
        signals.group_access_changed.send(current_app._get_current_object(), group_id=group.id)
    return group


def _proposal(actor: Viewer, group_id: int) -> Group:
    if not can_manage_network(actor):
        abort(404)
    group = db.session.get(Group, group_id)
    if group is None:
        abort(404)
    if group.status != "proposed":
        raise ValidationFailed({"": f"The proposal “{group.name}” has already been decided."})
    return group


def _new_group(actor: User, proposal: GroupProposal, status: str) -> Group:
    reasons: dict[str, str] = {}
    name = proposal.name.strip()
    _check_name(actor, name, reasons)
    parent = _check_parent(actor, proposal.kind, proposal.parent_id, reasons)
    tags = _check_settings(proposal.settings, reasons)
    if reasons:
        raise ValidationFailed(reasons)
    group = Group(
        slug=_unique_slug(name),
        name=name,
        purpose=proposal.settings.purpose.strip(),
        kind=proposal.kind,
        parent=parent,
        visibility=proposal.settings.visibility,
        join_policy=proposal.settings.join_policy,
        guidelines=proposal.settings.guidelines.strip(),
        status=status,
        created_by_id=actor.id,
        interests=_interests(tags),
    )
    db.session.add(group)
    return group


def _check_name(actor: Viewer, name: str, reasons: dict[str, str]) -> None:
    if not name:
        reasons["name"] = "Please give the group a name."
    elif len(name) > MAX_NAME:
        reasons["name"] = f"Please keep the name under {MAX_NAME} characters."
    elif "\n" in name:
        reasons["name"] = "Please keep the name on one line."
    else:
        same_name = db.session.scalars(
            select(Group).where(
                func.lower(Group.name) == name.lower(), Group.status.in_(["active", "proposed"])
            )
        )
        # Only groups the proposer may know about count, so a hidden group never leaks.
        if any(can_list_group(actor, group) for group in same_name):
            reasons["name"] = (
                f"There is already a group called “{name}”. Join it, or choose another name."
            )


def _check_parent(
    actor: Viewer, kind: str, parent_id: int | None, reasons: dict[str, str]
) -> Group | None:
    if kind not in GROUP_KINDS:
        reasons["kind"] = "Please choose a topic group or a peer sub-group."
        return None
    if kind == "topic":
        if parent_id is not None:
            reasons["parent_id"] = (
                "A topic group stands on its own. Only peer sub-groups sit inside a topic group."
            )
        return None
    parent = db.session.get(Group, parent_id) if parent_id is not None else None
    if (
        parent is None
        or parent.kind != "topic"
        or parent.status != "active"
        or not can_list_group(actor, parent)
    ):
        reasons["parent_id"] = "Please choose the topic group this sub-group belongs to."
        return None
    return parent


def _check_settings(settings: GroupSettings, reasons: dict[str, str]) -> list[str]:
    purpose = settings.purpose.strip()
    if not purpose:
        reasons["purpose"] = "Please say what the group is for, in a sentence or two."
    elif len(purpose) > MAX_PURPOSE:
        reasons["purpose"] = f"Please keep the purpose under {MAX_PURPOSE:,} characters."
    if settings.visibility not in VISIBILITIES:
        reasons["visibility"] = "Please choose who can see the group."
    if settings.join_policy not in JOIN_POLICIES:
        reasons["join_policy"] = "Please choose how people join."
    elif settings.visibility == "hidden" and settings.join_policy != "invite":
        reasons["join_policy"] = (
            "Nobody can find a hidden group to join it, so hidden groups are by invitation only."
        )
    if len(settings.guidelines) > MAX_GUIDELINES:
        reasons["guidelines"] = f"Please keep the guidelines under {MAX_GUIDELINES:,} characters."
    tags = parse_interests(settings.interests)
    if len(tags) > MAX_INTERESTS:
        reasons["interests"] = f"Please choose at most {MAX_INTERESTS} interests."
    elif any(len(tag) > MAX_INTEREST_LENGTH for tag in tags):
        reasons["interests"] = f"Each interest can be at most {MAX_INTEREST_LENGTH} characters."
    return tags


def _interests(tags: list[str]) -> list[Interest]:
    found = {
        interest.name.lower(): interest
        for interest in db.session.scalars(
            select(Interest).where(func.lower(Interest.name).in_(tags))
        )
    }
    rows = []
    for tag in tags:
        if tag not in found:
            found[tag] = Interest(name=tag)
            db.session.add(found[tag])
        rows.append(found[tag])
    return rows


def _unique_slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "group"
    slug, number = base, 2
    while db.session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        slug, number = f"{base}-{number}", number + 1
    return slug
