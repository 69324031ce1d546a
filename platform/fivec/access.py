"""The one permission module: every page, search, digest, feed and socket asks here.

Rules answer "may this user see / do this". Fetch helpers return the object or abort
with 404, so something forbidden looks exactly like something missing.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false, or_, select

from .extensions import db
from .models import Group, GroupMembership, Post, Thread, User

F = TypeVar("F", bound="Any")


class Viewer(Protocol):
    """Anyone looking at the site: a logged-in member or Flask-Login's anonymous user."""

    is_authenticated: bool


def is_member(user: Viewer | None) -> bool:
    """Return True for a logged-in member."""
    return bool(user is not None and user.is_authenticated)


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
# its active members. Network admins read everything (they answer for the network and
# are shown in the audit log). Anonymous visitors read no group content.
# Listing: public and members-only groups are listed to every member; hidden groups only
# to their members. Anything a viewer may not read or list answers 404.


def _user_id(user: Viewer | None) -> int | None:
    return getattr(user, "id", None) if is_member(user) else None


def active_membership(user: Viewer | None, group: Group) -> GroupMembership | None:
    """Return the viewer's active membership of ``group``, if any."""
    user_id = _user_id(user)
    if user_id is None:
        return None
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id,
            GroupMembership.user_id == user_id,
            GroupMembership.status == "active",
        )
    )


def _member_group_ids(user_id: int) -> Select[tuple[int]]:
    return select(GroupMembership.group_id).where(
        GroupMembership.user_id == user_id, GroupMembership.status == "active"
    )


def readable_group_ids(user: Viewer | None) -> Select[tuple[int]]:
    """A query of the ids of every active group ``user`` may read (for lists and filters)."""
    user_id = _user_id(user)
    query = select(Group.id).where(Group.status == "active")
    if user_id is None:
        return query.where(false())
    if is_network_admin(user):
        return query
    return query.where(or_(Group.visibility == "public", Group.id.in_(_member_group_ids(user_id))))


def listable_group_ids(user: Viewer | None) -> Select[tuple[int]]:
    """A query of the ids of every active group ``user`` may see listed."""
    user_id = _user_id(user)
    query = select(Group.id).where(Group.status == "active")
    if user_id is None:
        return query.where(false())
    if is_network_admin(user):
        return query
    return query.where(
        or_(Group.visibility != "hidden", Group.id.in_(_member_group_ids(user_id)))
    )


def can_list_group(user: Viewer | None, group: Group) -> bool:
    """May ``user`` know that ``group`` exists?"""
    if not is_member(user):
        return False
    if is_network_admin(user):
        return True
    if group.status != "active":
        return group.created_by_id == _user_id(user)  # proposers follow their proposal
    return group.visibility != "hidden" or active_membership(user, group) is not None


def can_read_group(user: Viewer | None, group: Group) -> bool:
    """May ``user`` read the threads of ``group``?"""
    if not is_member(user) or group.status != "active":
        return False
    if is_network_admin(user) or group.visibility == "public":
        return True
    return active_membership(user, group) is not None


def can_post_in_group(user: Viewer | None, group: Group) -> bool:
    """Posting needs an active membership (reading a public group does not)."""
    return can_read_group(user, group) and active_membership(user, group) is not None


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
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404)
    if not can_read_group(user, thread.group):
        abort(404)
    if not post_status_visible(user, thread.status, thread.author_id, thread.group):
        abort(404)
    return thread


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
    return author_id == _user_id(user) or can_moderate_group(user, group)


def can_moderate_group(user: Viewer | None, group: Group) -> bool:
    """Admins and the group's coordinators and moderators curate its content."""
    if is_network_admin(user):
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
        and post.author_id == _user_id(user)
        and post.status in {"published", "held"}
        and can_reply(user, post.thread)
    )
