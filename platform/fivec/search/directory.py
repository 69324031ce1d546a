"""People and groups that match a search, shown beside the posts found."""

from __future__ import annotations

from sqlalchemy import or_, select

from .. import access
from ..accounts.directory import DirectoryFilter, find_members
from ..extensions import db
from ..models import Group, User
from .query import _FILTER

SECTION_SIZE = 6


def plain_words(raw: str) -> str:
    """Return the words of a query without its filters and operators."""
    text = _FILTER.sub(" ", raw[:200])
    words = [w.strip('"()*?') for w in text.split() if w not in {"AND", "OR", "NOT"}]
    return " ".join(w for w in words if w)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_people(raw: str) -> list[User]:
    """Return the first few members whose name, job, organisation or interests match."""
    words = plain_words(raw)
    if not words:
        return []
    return list(find_members(DirectoryFilter(text=words), 1).items[:SECTION_SIZE])


def find_groups(user: object, raw: str) -> list[Group]:
    """Return the first few groups ``user`` may see listed whose name or purpose match."""
    words = plain_words(raw).lower().split()[:8]
    if not words:
        return []
    query = select(Group).where(
        Group.id.in_(access.listable_group_ids(user))  # type: ignore[arg-type]
    )
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        query = query.where(
            or_(Group.name.ilike(pattern, escape="\\"), Group.purpose.ilike(pattern, escape="\\"))
        )
    return list(db.session.scalars(query.order_by(Group.name).limit(SECTION_SIZE)))
