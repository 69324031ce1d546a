"""Reading the review queue: what each moderator may see, filtered and paged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from flask import abort
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from fivec.access import (
    Viewer,
    can_moderate_group,
    can_moderate_network,
    moderated_group_ids_of,
    moderation_scope_group_ids,
    viewer_id,
)
from fivec.database import read_columns
from fivec.extensions import db
from fivec.memo import Memo, app_memo
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


class GroupChoice(NamedTuple):
    """A group as a choice in a list: all that filters and move targets show."""

    id: int
    name: str


def scope_groups(user: Viewer) -> list[GroupChoice]:
    """Return the groups ``user`` moderates, by name (for filters and move targets).

    Only ids and names, not whole groups: every moderator's thread page lists them as
    move targets, and loading forty ``Group`` objects cost more than the rest of the page.
    """
    user_id = viewer_id(user)
    if user_id is None:
        return []
    rows = read_columns(
        _scope_choices_statement(can_moderate_network(user)), {"viewer_id": user_id}
    )
    return [GroupChoice(group_id, name) for group_id, name in rows]


@cache
def _scope_choices_statement(network_moderator: bool) -> Select[tuple[int, str]]:
    """Built once per shape: building it cost as much as running it."""
    scope = moderated_group_ids_of(bindparam("viewer_id"), network_moderator)
    return (
        select(Group.id, Group.name)
        .where(Group.id.in_(scope), Group.status == "active")
        .order_by(Group.name)
    )


def move_target_options(user: Viewer, current_group_id: int) -> Markup:
    """The ``<option>``s of the groups ``user`` may move a thread to from its current
    group: every moderator's thread page shows them, so each list is built once per
    process and kept, keyed by the groups it names."""
    choices = tuple(c for c in scope_groups(user) if c.id != current_group_id)
    return _options_memo().get(choices, lambda: _options(choices))


def _options(choices: tuple[GroupChoice, ...]) -> Markup:
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(c.id, c.name) for c in choices
    )


def _options_memo() -> Memo[Markup]:
    return app_memo("fivec_move_target_options", lambda: Memo[Markup]("move targets", 1024))


def access_review_item(user: Viewer, item_id: int) -> ReviewItem:
    """Return a review item in ``user``'s scope, or 404."""
    item = db.session.get(ReviewItem, item_id)
    if item is None or not can_moderate_group(user, item.group):
        abort(404)
    return item
