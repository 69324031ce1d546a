"""Read-only queries behind the group pages: directory, suggestions, rosters, threads."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..access import Viewer, listable_group_ids
from ..extensions import db
from ..models import Group, GroupMembership, Interest, Thread, User, group_interests
from ..models.groups import GROUP_KINDS

GROUPS_PER_PAGE = 30
THREADS_PER_PAGE = 30
SUGGESTIONS = 6


@dataclass(frozen=True)
class GroupFilter:
    """What a member asked the group directory for; empty fields mean "any"."""

    text: str = ""
    interest: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A group suggested to a member, and why."""

    group: Group
    shared_interests: list[str]
    same_profession: int


@dataclass(frozen=True)
class Roster:
    """A group's people, split by where they stand."""

    active: list[GroupMembership]
    requested: list[GroupMembership]
    invited: list[GroupMembership]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_groups(user: Viewer, filters: GroupFilter, page: int) -> Pagination:
    """Return one page of the groups ``user`` may see listed that match ``filters``."""
    query = (
        select(Group)
        .where(Group.id.in_(listable_group_ids(user)))
        .options(selectinload(Group.interests), selectinload(Group.parent))
        .order_by(func.lower(Group.name), Group.id)
    )
    for word in filters.text.split()[:8]:
        pattern = f"%{_escape_like(word.lower())}%"
        query = query.where(
            or_(
                Group.name.ilike(pattern, escape="\\"),
                Group.purpose.ilike(pattern, escape="\\"),
                Group.interests.any(Interest.name.ilike(pattern, escape="\\")),
            )
        )
    if filters.interest:
        query = query.where(Group.interests.any(Interest.name == filters.interest.lower()))
    if filters.kind in GROUP_KINDS:
        query = query.where(Group.kind == filters.kind)
    return db.paginate(query, page=page, per_page=GROUPS_PER_PAGE, error_out=False)


def suggested_groups(member: User) -> list[Suggestion]:
    """Groups the member has not joined that share their interests or their profession."""
    interest_ids = [interest.id for interest in member.interests]
    shared = (
        select(func.count())
        .select_from(group_interests)
        .where(
            group_interests.c.group_id == Group.id,
            group_interests.c.interest_id.in_(interest_ids),
        )
        .correlate(Group)
        .scalar_subquery()
    )
    peers = (
        select(func.count(GroupMembership.id))
        .join(User, User.id == GroupMembership.user_id)
        .where(
            GroupMembership.group_id == Group.id,
            GroupMembership.status == "active",
            User.profession == member.profession,
            User.id != member.id,
        )
        .correlate(Group)
        .scalar_subquery()
    )
    joined = select(GroupMembership.group_id).where(
        GroupMembership.user_id == member.id, GroupMembership.status == "active"
    )
    rows = db.session.execute(
        select(Group, peers)
        .where(
            Group.id.in_(listable_group_ids(member)),
            Group.id.not_in(joined),
            or_(shared > 0, peers > 0),
        )
        .options(selectinload(Group.interests))
        .order_by(shared.desc(), peers.desc(), Group.name)
        .limit(SUGGESTIONS)
    )
    return [
        Suggestion(
            group=group,
            shared_interests=[i.name for i in group.interests if i.id in interest_ids],
            same_profession=same_profession,
        )
        for group, same_profession in rows
    ]


def memberships_by_group(user: Viewer) -> dict[int, GroupMembership]:
    """Return the viewer's memberships (any status) keyed by group id, for join buttons."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return {}
    rows = db.session.scalars(select(GroupMembership).where(GroupMembership.user_id == user_id))
    return {membership.group_id: membership for membership in rows}


def member_counts(group_ids: list[int]) -> dict[int, int]:
    """Count active members per group."""
    rows = db.session.execute(
        select(GroupMembership.group_id, func.count())
        .where(GroupMembership.group_id.in_(group_ids), GroupMembership.status == "active")
        .group_by(GroupMembership.group_id)
    )
    return {group_id: count for group_id, count in rows}


def group_interest_names(user: Viewer, limit: int = 20) -> list[str]:
    """Interests of the groups ``user`` may see, most used first, for filter chips."""
    rows = db.session.execute(
        select(Interest.name)
        .join(group_interests, group_interests.c.interest_id == Interest.id)
        .where(group_interests.c.group_id.in_(listable_group_ids(user)))
        .group_by(Interest.id)
        .order_by(func.count().desc(), Interest.name)
        .limit(limit)
    )
    return [name for (name,) in rows]


def invitations_for(user: Viewer) -> list[GroupMembership]:
    """Return the open invitations waiting for ``user``, newest first."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return []
    return list(
        db.session.scalars(
            select(GroupMembership)
            .join(Group, Group.id == GroupMembership.group_id)
            .where(
                GroupMembership.user_id == user_id,
                GroupMembership.status == "invited",
                Group.status == "active",
            )
            .options(selectinload(GroupMembership.group))
            .order_by(GroupMembership.created_at.desc())
        )
    )


def members_by_id(ids: set[int | None]) -> dict[int, User]:
    """Load members by id (e.g. who sent invitations)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def proposals_by(user: Viewer) -> list[Group]:
    """Return the groups ``user`` proposed that are waiting for, or were refused, approval."""
    user_id = getattr(user, "id", None)
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.created_by_id == user_id, Group.status.in_(["proposed", "rejected"]))
            .order_by(Group.created_at.desc())
        )
    )


def pending_proposals() -> list[Group]:
    """Return proposals waiting for a network admin, oldest first."""
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.status == "proposed")
            .options(
                selectinload(Group.created_by),
                selectinload(Group.parent),
                selectinload(Group.interests),
            )
            .order_by(Group.created_at, Group.id)
        )
    )


def topic_choices(user: Viewer) -> list[tuple[str, str]]:
    """Active topic groups ``user`` may see, as (id, name) pairs for a select box."""
    rows = db.session.execute(
        select(Group.id, Group.name)
        .where(Group.kind == "topic", Group.id.in_(listable_group_ids(user)))
        .order_by(Group.name)
    )
    return [(str(group_id), name) for group_id, name in rows]


def visible_subgroups(user: Viewer, group: Group) -> list[Group]:
    """Return the sub-groups of ``group`` that ``user`` may see listed."""
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.parent_id == group.id, Group.id.in_(listable_group_ids(user)))
            .order_by(Group.name)
        )
    )


def coordinators_of(group: Group) -> list[User]:
    """Return the group's coordinators by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(GroupMembership, GroupMembership.user_id == User.id)
            .where(
                GroupMembership.group_id == group.id,
                GroupMembership.status == "active",
                GroupMembership.role == "coordinator",
            )
            .order_by(User.display_name)
        )
    )


def roster(group: Group) -> Roster:
    """Return everyone in, asking to join, or invited to ``group``, by name."""
    rows = db.session.scalars(
        select(GroupMembership)
        .join(User, User.id == GroupMembership.user_id)
        .where(GroupMembership.group_id == group.id)
        .options(selectinload(GroupMembership.user).selectinload(User.organisation))
        .order_by(User.display_name, User.id)
    ).all()
    return Roster(
        active=[m for m in rows if m.status == "active"],
        requested=[m for m in rows if m.status == "requested"],
        invited=[m for m in rows if m.status == "invited"],
    )


def invite_candidates(group: Group, text: str, limit: int = 20) -> list[User]:
    """Members whose name matches ``text`` and who are not in, asking or invited yet."""
    words = text.split()[:5]
    if not words:
        return []
    taken = select(GroupMembership.user_id).where(GroupMembership.group_id == group.id)
    query = select(User).where(User.id.not_in(taken)).order_by(User.display_name).limit(limit)
    for word in words:
        query = query.where(User.display_name.ilike(f"%{_escape_like(word)}%", escape="\\"))
    return list(db.session.scalars(query.options(selectinload(User.organisation))))


def group_threads(group: Group, page: int) -> Pagination:
    """Return a page of the group's published threads: pinned first, then latest activity."""
    query = (
        select(Thread)
        .where(Thread.group_id == group.id, Thread.status == "published")
        .options(selectinload(Thread.author))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    )
    return db.paginate(query, page=page, per_page=THREADS_PER_PAGE, error_out=False)
