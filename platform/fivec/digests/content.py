"""What happened in a period, loaded once and shared by every member's digest.

Loading candidates once per batch (not once per member) keeps a 10,000-member run to a
few small queries per member. Nothing here decides who may read what: ``build`` filters
every candidate for each member with ``access.readable_group_ids`` at send time.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import DigestPick, Group, GroupMembership, Interest, Post, Thread, User
from ..models.groups import group_interests
from .links import Links
from .periods import Period
from .scorecards import ResultInfo, SignalInfo, load_result, load_results, load_signals

# Unanswered questions stay worth answering for four weeks.
UNANSWERED_WINDOW = timedelta(days=28)
SNIPPET_LENGTH = 180
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def snippet(body_html: str, length: int = SNIPPET_LENGTH) -> str:
    """Turn cooked HTML into a short plain-text teaser (escaped again by the templates)."""
    text = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", body_html))).strip()
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(".,;: ") + "…"


@dataclass(frozen=True)
class ThreadInfo:
    """A published thread in an active group, as a digest shows it."""

    id: int
    group_id: int
    group_name: str
    title: str
    snippet: str
    author_id: int | None
    author_name: str
    replies: int
    helpful: int
    created_at: datetime
    group_interests: frozenset[str]

    @property
    def text(self) -> str:
        return f"{self.title} {self.snippet}".lower()


@dataclass(frozen=True)
class PickInfo:
    """A moderators' pick of a thread or a result, with its one-line reason."""

    id: int
    reason: str
    picked_by: str
    thread: ThreadInfo | None = None
    result: ResultInfo | None = None


@dataclass(frozen=True)
class Joiner:
    """Someone who joined a group in the period."""

    user_id: int
    name: str


@dataclass
class PeriodContent:
    """Candidates for every digest of one period; filter per member before showing."""

    period: Period
    links: Links
    picks: list[PickInfo] = field(default_factory=list)
    new_threads: list[ThreadInfo] = field(default_factory=list)
    unanswered: list[ThreadInfo] = field(default_factory=list)
    results: list[ResultInfo] = field(default_factory=list)
    joiners: dict[int, list[Joiner]] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=dict)
    _signals: dict[int, list[SignalInfo]] = field(default_factory=dict)

    def signals_for(self, organisation_id: int) -> list[SignalInfo]:
        """Return an organisation's scorecard signals this period (loaded once each)."""
        if organisation_id not in self._signals:
            self._signals[organisation_id] = load_signals(organisation_id, self.period)
        return self._signals[organisation_id]


def load_content(period: Period, links: Links | None = None) -> PeriodContent:
    """Load the period's candidates: picks, new threads, questions, results, joiners."""
    content = PeriodContent(period=period, links=links or Links())
    start, end = period.start, period.end
    content.new_threads = _threads(
        (Thread.created_at >= start, Thread.created_at < end), count_from=start, until=end
    )
    content.unanswered = _threads(
        (
            Thread.created_at >= end - UNANSWERED_WINDOW,
            Thread.created_at < end,
            Thread.reply_count == 0,
            Thread.is_locked.is_(False),
        ),
        count_from=start,
        until=end,
    )
    content.picks = _picks(period)
    content.results = load_results(period)
    rows = db.session.execute(
        select(GroupMembership.group_id, Group.name, User.id, User.display_name)
        .join(Group, Group.id == GroupMembership.group_id)
        .join(User, User.id == GroupMembership.user_id)
        .where(
            GroupMembership.status == "active",
            GroupMembership.created_at >= start,
            GroupMembership.created_at < end,
            Group.status == "active",
        )
        .order_by(GroupMembership.created_at)
    )
    for group_id, group_name, user_id, name in rows:
        content.joiners.setdefault(group_id, []).append(Joiner(user_id, name))
        content.group_names[group_id] = group_name
    return content


def _threads(
    conditions: tuple[object, ...], count_from: datetime, until: datetime
) -> list[ThreadInfo]:
    """Return published threads in active groups matching ``conditions``, with counts."""
    author = aliased(User)
    rows = db.session.execute(
        select(
            Thread.id,
            Thread.group_id,
            Group.name,
            Thread.title,
            Thread.author_id,
            author.display_name,
            Thread.created_at,
        )
        .join(Group, Group.id == Thread.group_id)
        .outerjoin(author, author.id == Thread.author_id)
        .where(Thread.status == "published", Group.status == "active", *conditions)  # type: ignore[arg-type]
        .order_by(Thread.created_at.desc())
    ).all()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    openings: dict[int, str] = {}
    counts: dict[int, tuple[int, int]] = {}
    interests: dict[int, set[str]] = {}
    for chunk in _chunks(ids, 500):
        for thread_id, body_html in db.session.execute(
            select(Post.thread_id, Post.body_html).where(
                Post.thread_id.in_(chunk), Post.parent_id.is_(None), Post.status == "published"
            )
        ):
            openings[thread_id] = body_html
        for thread_id, replies, helpful in db.session.execute(
            select(
                Post.thread_id,
                func.count(Post.id).filter(
                    Post.parent_id.is_not(None), Post.created_at >= count_from
                ),
                func.coalesce(func.sum(Post.helpful_count), 0),
            )
            .where(Post.thread_id.in_(chunk), Post.status == "published", Post.created_at < until)
            .group_by(Post.thread_id)
        ):
            counts[thread_id] = (int(replies), int(helpful))
    group_ids = {row[1] for row in rows}
    for group_id, name in db.session.execute(
        select(group_interests.c.group_id, Interest.name)
        .join(Interest, Interest.id == group_interests.c.interest_id)
        .where(group_interests.c.group_id.in_(group_ids))
    ):
        interests.setdefault(group_id, set()).add(name.lower())
    threads = []
    for thread_id, group_id, group_name, title, author_id, author_name, created_at in rows:
        if thread_id not in openings:  # the opening post was hidden or deleted
            continue
        replies, helpful = counts.get(thread_id, (0, 0))
        threads.append(
            ThreadInfo(
                id=thread_id,
                group_id=group_id,
                group_name=group_name,
                title=title,
                snippet=snippet(openings[thread_id]),
                author_id=author_id,
                author_name=author_name or "A former member",
                replies=replies,
                helpful=helpful,
                created_at=created_at,
                group_interests=frozenset(interests.get(group_id, ())),
            )
        )
    return threads


def _picks(period: Period) -> list[PickInfo]:
    """Return the period's picks whose thread or result can still be shown to someone."""
    picker = aliased(User)
    rows = db.session.execute(
        select(DigestPick, picker.display_name)
        .outerjoin(picker, picker.id == DigestPick.picked_by_id)
        .where(DigestPick.picked_at >= period.start, DigestPick.picked_at < period.end)
        .order_by(DigestPick.picked_at)
    ).all()
    thread_ids = [pick.thread_id for pick, _ in rows if pick.thread_id]
    threads = {
        t.id: t
        for t in (
            _threads((Thread.id.in_(thread_ids),), period.start, period.end) if thread_ids else []
        )
    }
    picks = []
    for pick, picked_by in rows:
        thread = threads.get(pick.thread_id) if pick.thread_id else None
        result = load_result(pick.result_id) if pick.result_id else None
        if thread is None and result is None:
            continue
        picks.append(PickInfo(pick.id, pick.reason, picked_by or "the moderators", thread, result))
    return picks


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
