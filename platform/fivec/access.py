"""The one permission module: every page, search, digest, feed and socket asks here.

Rules answer "may this user see / do this". Fetch helpers return the object or abort
with 404, so something forbidden looks exactly like something missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, wraps
from typing import Any, Protocol, TypeVar, cast

from flask import Flask, abort, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, or_, select
from sqlalchemy.orm import contains_eager
from werkzeug.local import LocalProxy

from .extensions import db
from .models import Group, GroupMembership, Organisation, Post, Thread, User
from .viewer_facts import FactParams, add_viewer_fact, viewer_fact

F = TypeVar("F", bound="Any")


class Viewer(Protocol):
    """Anyone looking at the site: a logged-in member or Flask-Login's anonymous user."""

    is_authenticated: bool


def unwrapped(user: Any) -> Any:
    """The member behind Flask-Login's ``current_user`` proxy (anything else as it is).

    Every attribute read through the proxy looks the member up again; a rule that reads
    several attributes, or a caller asking several rules, unwraps once instead."""
    return user._get_current_object() if isinstance(user, LocalProxy) else user


def is_member(user: Viewer | None) -> bool:
    """Return True for a logged-in member (``current_user`` outside a request is a proxy
    to None, which is no member either)."""
    return bool(getattr(user, "is_authenticated", False))


def is_network_admin(user: Viewer | None) -> bool:
    """Return True for a network admin."""
    return is_member(user) and bool(getattr(user, "is_admin", False))


def can_manage_network(user: Viewer | None) -> bool:
    """Network name, purpose, guidelines, organisations and the outbox are admins' work."""
    return is_network_admin(user)


def can_view_directory(user: Viewer | None) -> bool:
    """The member directory shows names and workplaces, so only members see it."""
    return is_member(user)


def can_edit_profile(user: Viewer | None, member: User) -> bool:
    """Members edit their own profile; admins may correct anyone's."""
    return is_member(user) and (getattr(user, "id", None) == member.id or is_network_admin(user))


def access_member(user: Viewer | None, member_id: int) -> User:
    """Return a member's profile for ``user``, or 404."""
    if not can_view_directory(user):
        abort(404)
    member = db.session.get(User, member_id)
    if member is None:
        abort(404)
    return member


def admin_required(view: F) -> F:
    """Decorate a view so only network admins reach it; others get 404 (nothing leaks)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not can_manage_network(current_user):
            abort(404)
        return view(*args, **kwargs)

    return cast(F, wrapper)


# --- Groups, threads and posts -------------------------------------------------------
#
# Reading: a public group is read by every member; a members-only or hidden group only by
# its active members. Network admins and network moderators read everything (they answer
# for the network and are shown in the audit log). Anonymous visitors read no group content.
# Listing: public and members-only groups are listed to every member; hidden groups only
# to their members. Anything a viewer may not read or list answers 404.


def viewer_id(user: Viewer | None) -> int | None:
    """The member's id, or None for anonymous visitors and non-members."""
    return getattr(user, "id", None) if is_member(user) else None


def active_membership(user: Viewer | None, group: Group) -> GroupMembership | None:
    """Return the viewer's active membership of ``group``, if any.

    A page asks many times (may reply? may edit? moderates?), so a request remembers the
    answer; the row is kept in the session, so a role or status changed meanwhile still
    reads true.
    """
    user_id = viewer_id(user)
    if user_id is None:
        return None
    cache = _membership_cache()
    key = (user_id, group.id)
    if cache is not None and key in cache:
        known = cache[key]
        return known if known is not None and known.status == "active" else None
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id,
            GroupMembership.user_id == user_id,
            GroupMembership.status == "active",
        )
    )
    if cache is not None:
        cache[key] = membership
    return membership


def _membership_cache() -> dict[tuple[int, int], GroupMembership | None] | None:
    return g.setdefault("fivec_memberships", {}) if has_request_context() else None


def _member_group_ids(user_id: int | ColumnElement[int]) -> Select[tuple[int]]:
    return select(GroupMembership.group_id).where(
        GroupMembership.user_id == user_id, GroupMembership.status == "active"
    )


def readable_group_ids(user: Viewer | None) -> Select[tuple[int]]:
    """A query of the ids of every active group ``user`` may read (for lists and filters)."""
    user_id = viewer_id(user)
    if user_id is None:
        return select(Group.id).where(false())
    return readable_group_ids_of(user_id, can_moderate_network(user))


def readable_group_ids_of(
    user_id: int | ColumnElement[int], network_moderator: bool
) -> Select[tuple[int]]:
    """``readable_group_ids`` for a member given by id, or by a bound parameter in a
    prebuilt statement (``viewer_facts``)."""
    query = select(Group.id).where(Group.status == "active")
    if network_moderator:
        return query
    return query.where(or_(Group.visibility == "public", Group.id.in_(_member_group_ids(user_id))))


def listable_group_ids(user: Viewer | None) -> Select[tuple[int]]:
    """A query of the ids of every active group ``user`` may see listed."""
    user_id = viewer_id(user)
    query = select(Group.id).where(Group.status == "active")
    if user_id is None:
        return query.where(false())
    if can_moderate_network(user):
        return query
    return query.where(or_(Group.visibility != "hidden", Group.id.in_(_member_group_ids(user_id))))


def can_list_group(user: Viewer | None, group: Group) -> bool:
    """May ``user`` know that ``group`` exists?"""
    if not is_member(user):
        return False
    if can_moderate_network(user):
        return True
    if group.status != "active":
        return group.created_by_id == viewer_id(user)  # proposers follow their proposal
    return group.visibility != "hidden" or active_membership(user, group) is not None


def can_read_group(user: Viewer | None, group: Group) -> bool:
    """May ``user`` read the threads of ``group``?"""
    if not is_member(user) or group.status != "active":
        return False
    if can_moderate_network(user) or group.visibility == "public":
        return True
    return active_membership(user, group) is not None


def can_post_in_group(user: Viewer | None, group: Group) -> bool:
    """Posting needs an active membership (reading a public group does not) and no bar,
    such as a moderator's silence, on this member in this group."""
    return (
        can_read_group(user, group)
        and active_membership(user, group) is not None
        and posting_bar(user, group) is None
    )


def can_manage_group(user: Viewer | None, group: Group) -> bool:
    """Coordinators manage membership, purpose and invitations; admins may too."""
    if is_network_admin(user):
        return True
    membership = active_membership(user, group)
    return membership is not None and membership.role == "coordinator"


def access_group(user: Viewer | None, group_id: int) -> Group:
    """Return a group ``user`` may at least see listed, or 404."""
    group = db.session.get(Group, group_id)
    if group is None or not can_list_group(user, group):
        abort(404)
    return group


def access_thread(user: Viewer | None, thread_id: int) -> Thread:
    """Return a thread ``user`` may read, or 404 (missing and forbidden look the same)."""
    thread = _thread_with_group(user, thread_id)
    if thread is None:
        abort(404)
    if not can_read_group(user, thread.group):
        abort(404)
    if not post_status_visible(user, thread.status, thread.author_id, thread.group):
        abort(404)
    return thread


@cache
def _thread_group_membership() -> Select[tuple[Thread, GroupMembership]]:
    """Thread, group and the viewer's active membership in one prebuilt statement: every
    thread page and socket join starts here, and three statements cost three times one."""
    return (
        select(Thread, GroupMembership)
        .join(Thread.group)
        .outerjoin(
            GroupMembership,
            and_(
                GroupMembership.group_id == Thread.group_id,
                GroupMembership.user_id == bindparam("viewer_id"),
                GroupMembership.status == "active",
            ),
        )
        .options(contains_eager(Thread.group))
        .where(Thread.id == bindparam("thread_id"))
    )


def _thread_with_group(user: Viewer | None, thread_id: int) -> Thread | None:
    """Load the thread with its group, and remember the viewer's membership of it."""
    user_id = viewer_id(user)
    if user_id is None:
        return db.session.get(Thread, thread_id)
    row = db.session.execute(
        _thread_group_membership(), {"viewer_id": user_id, "thread_id": thread_id}
    ).first()
    if row is None:
        return None
    thread, membership = row
    cache = _membership_cache()
    if cache is not None:
        cache[(user_id, thread.group_id)] = membership
    return thread  # type: ignore[no-any-return]


def access_post(user: Viewer | None, post_id: int) -> Post:
    """Return a post ``user`` may read, or 404."""
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    access_thread(user, post.thread_id)
    if not post_status_visible(user, post.status, post.author_id, post.thread.group):
        abort(404)
    return post


def post_status_visible(
    user: Viewer | None, status: str, author_id: int | None, group: Group
) -> bool:
    """Published posts are seen by readers; held or hidden ones by their author and
    moderators; deleted ones show only as a "deleted by author" placeholder."""
    if status in {"published", "deleted"}:
        return True
    return author_id == viewer_id(user) or can_moderate_group(user, group)


def can_moderate_group(user: Viewer | None, group: Group) -> bool:
    """Admins, network moderators and the group's coordinators and moderators curate it."""
    if can_moderate_network(user):
        return True
    membership = active_membership(user, group)
    return membership is not None and membership.role in {"coordinator", "moderator"}


def can_reply(user: Viewer | None, thread: Thread) -> bool:
    """Members of the group reply to open threads; moderators even to locked ones."""
    if not can_post_in_group(user, thread.group):
        return False
    return not thread.is_locked or can_moderate_group(user, thread.group)


def can_edit_post(user: Viewer | None, post: Post) -> bool:
    """Authors edit their own live posts while they may still post in the group."""
    return (
        post.author_id is not None
        and post.author_id == viewer_id(user)
        and post.status in {"published", "held"}
        and can_reply(user, post.thread)
    )


def access_invitation(user: Viewer | None, group_id: int) -> GroupMembership:
    """Return ``user``'s open invitation to ``group_id``, or 404.

    An invitation reveals its group to the invitee, even a hidden one they cannot list.
    """
    user_id = viewer_id(user)
    invitation = None
    if user_id is not None:
        invitation = db.session.scalar(
            select(GroupMembership)
            .join(Group, Group.id == GroupMembership.group_id)
            .where(
                GroupMembership.group_id == group_id,
                GroupMembership.user_id == user_id,
                GroupMembership.status == "invited",
                Group.status == "active",
            )
        )
    if invitation is None:
        abort(404)
    return invitation


# --- Scorecards ------------------------------------------------------------------------
#
# The benchmarks package passes its own objects (anything with a ``group``); the core never
# imports it. A scorecard owned by a group is read by whoever may read the group; one with
# no group is network-wide and read by every member.


class OwnedByGroup(Protocol):
    """A scorecard, measure or result: something a group (or nobody) owns."""

    group: Group | None


def can_read_scorecard(user: Viewer | None, scorecard: OwnedByGroup) -> bool:
    """Readers of the owning group see its scorecards; network-wide ones every member."""
    if scorecard.group is None:
        return is_member(user)
    return can_read_group(user, scorecard.group)


def can_manage_scorecard(user: Viewer | None, scorecard: OwnedByGroup) -> bool:
    """Coordinators of the owning group define its measures; admins manage every one."""
    if scorecard.group is None:
        return is_network_admin(user)
    return can_read_group(user, scorecard.group) and can_manage_group(user, scorecard.group)


def can_submit_for(
    user: Viewer | None, organisation: Organisation, scorecard: OwnedByGroup
) -> bool:
    """Network admins, or members of ``organisation`` who coordinate the owning group,
    submit its figures and hold its API tokens."""
    if is_network_admin(user):
        return True
    if getattr(user, "organisation_id", None) != organisation.id:
        return False
    return scorecard.group is not None and can_manage_scorecard(user, scorecard)


def can_write_result(user: Viewer | None, scorecard: OwnedByGroup) -> bool:
    """Members of the owning group write up results (admins for network-wide measures)."""
    if scorecard.group is None:
        return is_network_admin(user)
    return can_post_in_group(user, scorecard.group)


class AuthoredPost(Protocol):
    """A post or a summary of one: enough to apply the edit rule."""

    id: int
    author_id: int | None
    status: str


def editable_post_ids(
    user: Viewer | None, thread: Thread, posts: Iterable[AuthoredPost]
) -> set[int]:
    """Return the ids of ``posts`` (all in ``thread``) that ``user`` may edit or delete.

    The rule of ``can_edit_post``, with the membership looked up once for a page of posts.
    """
    user_id = viewer_id(user)
    if user_id is None or not can_reply(user, thread):
        return set()
    return {
        post.id
        for post in posts
        if post.author_id == user_id and post.status in {"published", "held"}
    }


def readers_among(group: Group, user_ids: Iterable[int]) -> set[int]:
    """Return which of ``user_ids`` may read ``group`` (notifications re-check with this)."""
    wanted = set(user_ids)
    if not wanted or group.status != "active":
        return set()
    query = select(User.id).where(User.id.in_(wanted))
    if group.visibility != "public":
        query = query.where(
            or_(
                User.is_admin.is_(True),
                User.is_moderator.is_(True),
                User.id.in_(
                    select(GroupMembership.user_id).where(
                        GroupMembership.group_id == group.id, GroupMembership.status == "active"
                    )
                ),
            )
        )
    return set(db.session.scalars(query))


# --- Moderation ------------------------------------------------------------------------
#
# Network moderators (``User.is_moderator``) and admins moderate every group; a group's
# moderators and coordinators moderate only that group. Anything outside a moderator's
# scope answers 404, like anything else they may not see.

GROUP_MODERATOR_ROLES = ("moderator", "coordinator")


def can_moderate_network(user: Viewer | None) -> bool:
    """Network moderators and admins curate every group and sanction network-wide."""
    user = unwrapped(user)
    return is_member(user) and bool(
        getattr(user, "is_admin", False) or getattr(user, "is_moderator", False)
    )


def moderation_scope_group_ids(user: Viewer | None) -> Select[tuple[int]]:
    """A query of the ids of every group ``user`` moderates (for the queue and logs)."""
    user_id = viewer_id(user)
    if user_id is None:
        return select(Group.id).where(false())
    return moderated_group_ids_of(user_id, can_moderate_network(user))


def moderated_group_ids_of(
    user_id: int | ColumnElement[int], network_moderator: bool
) -> Select[tuple[int]]:
    """``moderation_scope_group_ids`` for a member given by id, or by a bound parameter in
    a prebuilt statement."""
    query = select(Group.id)
    if network_moderator:
        return query
    return query.where(
        Group.id.in_(
            select(GroupMembership.group_id).where(
                GroupMembership.user_id == user_id,
                GroupMembership.status == "active",
                GroupMembership.role.in_(GROUP_MODERATOR_ROLES),
            )
        )
    )


def moderates_anything(user: Viewer | None) -> bool:
    """Does ``user`` moderate at least one group? (Every page's header asks.)"""
    if viewer_id(user) is None:
        return False
    return can_moderate_network(user) or bool(viewer_fact(user, "moderates_anything"))


def _moderates_anything_fact(params: FactParams) -> ColumnElement[bool]:
    return exists().where(
        GroupMembership.user_id == params.viewer_id,
        GroupMembership.status == "active",
        GroupMembership.role.in_(GROUP_MODERATOR_ROLES),
    )


def init_app(app: Flask) -> None:
    """Register the access rules' facts about the viewer."""
    add_viewer_fact(app, "moderates_anything", _moderates_anything_fact)


def access_moderated_group(user: Viewer | None, group_id: int) -> Group:
    """Return a group ``user`` moderates, or 404."""
    group = db.session.get(Group, group_id)
    if group is None or not can_moderate_group(user, group):
        abort(404)
    return group


def can_sanction(user: Viewer | None, member: User, group: Group | None) -> bool:
    """Network moderators sanction anyone but admins network-wide; group moderators
    silence members of their own groups. Nobody sanctions themself."""
    if not is_member(user) or getattr(user, "id", None) == member.id:
        return False
    if member.is_admin and not is_network_admin(user):
        return False
    if group is None:
        return can_moderate_network(user)
    if member.is_moderator and not can_moderate_network(user):
        return False
    return can_moderate_group(user, group)


# Feature packages add reasons a member may not post or log in (a silence, a suspension):
# the core never imports them, so they register rules on the app in their ``init_app``.
# A rule returns the reason in plain words, or None.
PostingRule = Callable[[Any, Group], "str | None"]
LoginRule = Callable[[Any], "str | None"]
_POSTING_RULES = "fivec_posting_rules"
_LOGIN_RULES = "fivec_login_rules"


def add_posting_rule(app: Flask, rule: PostingRule) -> None:
    """Register a rule that can bar a member from posting in a group."""
    rules = app.extensions.setdefault(_POSTING_RULES, [])
    if rule not in rules:
        rules.append(rule)


def add_login_rule(app: Flask, rule: LoginRule) -> None:
    """Register a rule that can bar a member from logging in."""
    rules = app.extensions.setdefault(_LOGIN_RULES, [])
    if rule not in rules:
        rules.append(rule)


def posting_bar(user: Viewer | None, group: Group) -> str | None:
    """Say why ``user`` may not post in ``group`` now (e.g. silenced), or None."""
    if not is_member(user):
        return None
    for rule in current_app.extensions.get(_POSTING_RULES, []):
        if reason := rule(user, group):
            return str(reason)
    return None


def login_bar(user: User) -> str | None:
    """Say why ``user`` may not log in now (e.g. suspended), or None."""
    for rule in current_app.extensions.get(_LOGIN_RULES, []):
        if reason := rule(user):
            return str(reason)
    return None
