"""Reading the review queue: what each moderator may see, filtered and paged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from fivec.access import Viewer, can_moderate_group, moderation_scope_group_ids
from fivec.extensions import db
from fivec.models import Group, Post

from .models import REVIEW_KINDS, Flag, ReviewItem

PER_PAGE = 50


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters: a kind of item and one group ("" / None: all)."""

    kind: str = ""
    group_id: int | None = None


def _open_items(user: Viewer, filters: QueueFilter) -> Select[tuple[ReviewItem]]:
    query = select(ReviewItem).where(
        ReviewItem.status == "open", ReviewItem.group_id.in_(moderation_scope_group_ids(user))
    )
    if filters.kind in REVIEW_KINDS:
        query = query.where(ReviewItem.kind == filters.kind)
    if filters.group_id:
        query = query.where(ReviewItem.group_id == filters.group_id)
    return query


def queue_page(user: Viewer, filters: QueueFilter, page: int) -> Pagination:
    """Return a page of open items in ``user``'s scope, oldest first."""
    query = (
        _open_items(user, filters)
        .options(
            selectinload(ReviewItem.post).selectinload(Post.author),
            selectinload(ReviewItem.post).selectinload(Post.thread),
            selectinload(ReviewItem.group),
            selectinload(ReviewItem.claimed_by),
        )
        .order_by(ReviewItem.created_at, ReviewItem.id)
    )
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def open_count(user: Viewer) -> int:
    """Count the open items in ``user``'s scope."""
    query = _open_items(user, QueueFilter()).with_only_columns(func.count(ReviewItem.id))
    return db.session.scalar(query) or 0


def flags_for(post_ids: list[int]) -> dict[int, list[Flag]]:
    """Return the unresolved flags on each post."""
    found: dict[int, list[Flag]] = defaultdict(list)
    if post_ids:
        rows = db.session.scalars(
            select(Flag)
            .where(Flag.post_id.in_(post_ids), Flag.resolved_at.is_(None))
            .options(selectinload(Flag.flagger))
            .order_by(Flag.created_at)
        )
        for flag in rows:
            found[flag.post_id].append(flag)
    return found


def scope_groups(user: Viewer) -> list[Group]:
    """Return the groups ``user`` moderates, by name (for filters and move targets)."""
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.id.in_(moderation_scope_group_ids(user)), Group.status == "active")
            .order_by(Group.name)
        )
    )


def access_review_item(user: Viewer, item_id: int) -> ReviewItem:
    """Return a review item in ``user``'s scope, or 404."""
    item = db.session.get(ReviewItem, item_id)
    if item is None or not can_moderate_group(user, item.group):
        abort(404)
    return item
