"""The one permission module: every page, search, digest, feed and socket asks here.

Rules answer "may this user see / do this". Fetch helpers return the object or abort
with 404, so something forbidden looks exactly like something missing.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import abort
from flask_login import current_user

from .extensions import db
from .models import User

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
