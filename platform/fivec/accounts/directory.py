"""The member directory: "find people who can help"."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Interest, Organisation, User
from ..models.accounts import user_interests

PAGE_SIZE = 24


@dataclass(frozen=True)
class DirectoryFilter:
    """What a member asked the directory for; empty fields mean "any"."""

    text: str = ""
    organisation_id: int | None = None
    profession: str = ""
    interest: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def directory_query(filters: DirectoryFilter) -> Select[tuple[User]]:
    """Build the query for the filters: words match name, job title, bio or interests."""
    query = select(User).order_by(User.display_name, User.id)
    for word in filters.text.split()[:8]:
        pattern = f"%{_escape_like(word.lower())}%"
        query = query.where(
            or_(
                User.display_name.ilike(pattern, escape="\\"),
                User.job_title.ilike(pattern, escape="\\"),
                User.bio.ilike(pattern, escape="\\"),
                User.interests.any(Interest.name.ilike(pattern, escape="\\")),
                User.organisation.has(Organisation.name.ilike(pattern, escape="\\")),
            )
        )
    if filters.organisation_id is not None:
        query = query.where(User.organisation_id == filters.organisation_id)
    if filters.profession:
        query = query.where(User.profession == filters.profession)
    if filters.interest:
        query = query.where(User.interests.any(Interest.name == filters.interest.lower()))
    return query


def find_members(filters: DirectoryFilter, page: int) -> Pagination:
    """Return one page of members matching ``filters``, with organisation and interests loaded."""
    query = directory_query(filters).options(
        selectinload(User.organisation), selectinload(User.interests)
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def popular_interests(limit: int = 30) -> list[str]:
    """Interests held by the most members, for the directory's filter chips."""
    rows = db.session.execute(
        select(Interest.name)
        .join(user_interests, user_interests.c.interest_id == Interest.id)
        .group_by(Interest.id)
        .order_by(func.count().desc(), Interest.name)
        .limit(limit)
    )
    return [name for (name,) in rows]


def organisation_choices() -> list[tuple[str, str]]:
    """Organisations for select boxes, by name."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name)
    )
    return [(str(org_id), name) for org_id, name in rows]
