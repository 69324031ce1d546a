"""Early warning: threads heating up, surfaced to moderators before they escalate.

Two signs, over the last ``WINDOW_HOURS``: flags coming in (``FLAGS_PER_HOUR`` or more an
hour), and a rapid back-and-forth: ``EXCHANGE_POSTS`` or more posts alternating between
the same two members within ``EXCHANGE_MINUTES``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fivec.access import Viewer, moderation_scope_group_ids
from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import Post, Thread, User

from .models import Flag

WINDOW_HOURS = 3
FLAGS_PER_HOUR = 1.0
EXCHANGE_POSTS = 6
EXCHANGE_MINUTES = 30
POST_LIMIT = 5000


@dataclass
class Warning:
    """A thread heating up, and why."""

    thread: Thread
    flags_per_hour: float = 0.0
    pair: tuple[str, str] | None = None
    signs: list[str] = field(default_factory=list)


def _flag_rates(scope: object, since: datetime) -> dict[int, float]:
    rows = db.session.execute(
        select(Post.thread_id, func.count(Flag.id))
        .join(Post, Post.id == Flag.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Flag.created_at >= since, Thread.group_id.in_(scope))  # type: ignore[arg-type]
        .group_by(Post.thread_id)
    )
    rates = {thread_id: count / WINDOW_HOURS for thread_id, count in rows}
    return {t: r for t, r in rates.items() if r >= FLAGS_PER_HOUR}


def alternating_pair(posts: list[tuple[int, datetime]]) -> tuple[int, int] | None:
    """Return the two authors of a rapid exchange in ``posts`` ((author, time), in order)."""
    run = 0
    for i, (author, when) in enumerate(posts):
        if i == 0 or author == posts[i - 1][0]:
            run = 1
        elif run >= 2 and author != posts[i - 2][0]:
            run = 2
        else:
            run += 1
        if run >= EXCHANGE_POSTS:
            first = posts[i - EXCHANGE_POSTS + 1][1]
            if when - first <= timedelta(minutes=EXCHANGE_MINUTES):
                return posts[i - 1][0], author
    return None


def _exchanges(scope: object, since: datetime) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        select(Post.thread_id, Post.author_id, Post.created_at)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Post.created_at >= since,
            Post.author_id.is_not(None),
            Thread.group_id.in_(scope),  # type: ignore[arg-type]
        )
        .order_by(Post.thread_id, Post.created_at, Post.id)
        .limit(POST_LIMIT)
    )
    by_thread: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for thread_id, author_id, created_at in rows:
        by_thread[thread_id].append((author_id, created_at))
    found = {}
    for thread_id, posts in by_thread.items():
        if len(posts) >= EXCHANGE_POSTS and (pair := alternating_pair(posts)):
            found[thread_id] = pair
    return found


def _signs(user: Viewer) -> tuple[dict[int, float], dict[int, tuple[int, int]]]:
    since = utcnow() - timedelta(hours=WINDOW_HOURS)
    scope = moderation_scope_group_ids(user)
    return _flag_rates(scope, since), _exchanges(scope, since)


def heating_count(user: Viewer) -> int:
    """Count the threads heating up in ``user``'s scope (the queue page's badge)."""
    rates, pairs = _signs(user)
    return len(set(rates) | set(pairs))


def heating_threads(user: Viewer) -> list[Warning]:
    """Return the threads in ``user``'s scope showing signs of heating up, hottest first."""
    rates, pairs = _signs(user)
    ids = set(rates) | set(pairs)
    if not ids:
        return []
    threads = db.session.scalars(
        select(Thread).where(Thread.id.in_(ids)).options(selectinload(Thread.group))
    )
    names = dict(
        db.session.execute(
            select(User.id, User.display_name).where(
                User.id.in_({a for pair in pairs.values() for a in pair})
            )
        ).all()
    )
    warnings = []
    for thread in threads:
        warning = Warning(thread, rates.get(thread.id, 0.0))
        if warning.flags_per_hour:
            warning.signs.append(f"{warning.flags_per_hour:.1f} flags an hour")
        if thread.id in pairs:
            a, b = pairs[thread.id]
            warning.pair = (names.get(a, "a member"), names.get(b, "a member"))
            warning.signs.append(
                f"rapid back-and-forth between {warning.pair[0]} and {warning.pair[1]}"
            )
        warnings.append(warning)
    warnings.sort(key=lambda w: (-w.flags_per_hour, -(w.pair is not None), w.thread.id))
    return warnings
