"""Activity feeds: what is new in the groups a member may read."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import Viewer, readable_group_ids
from ..extensions import db
from ..models import Thread


def recent_threads(user: Viewer | None, limit: int = 10) -> Sequence[Thread]:
    """Return the most recently active published threads ``user`` may read."""
    return db.session.scalars(
        select(Thread)
        .where(Thread.status == "published", Thread.group_id.in_(readable_group_ids(user)))
        .options(selectinload(Thread.group), selectinload(Thread.author))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(limit)
    ).all()
