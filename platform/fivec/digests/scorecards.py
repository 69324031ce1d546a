"""Published results and scorecard signals for digests, when ``benchmarks`` is installed.

The core never imports ``benchmarks`` at module level: each function imports it inside
and returns nothing when it (or the piece it needs) is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..extensions import db
from ..models import Group, Thread

if TYPE_CHECKING:
    from .periods import Period

RESULTS_CONSIDERED = 50


@dataclass(frozen=True)
class ResultInfo:
    """A result published to the network (every member may read published results)."""

    id: int
    title: str
    snippet: str
    published_at: datetime | None
    source: str


@dataclass(frozen=True)
class LinkedThread:
    """The thread that discusses a signal; shown only to members who may read its group."""

    id: int
    group_id: int
    title: str


@dataclass(frozen=True)
class SignalInfo:
    """Special-cause variation in an organisation's latest figure for a measure."""

    measure_name: str
    variation: str
    description: str
    scorecard_id: int
    # Groups owning the scorecards that hold the measure (None: network-wide).
    scorecard_groups: frozenset[int | None]
    thread: LinkedThread | None


def _result_info(result: object) -> ResultInfo:
    group = getattr(result, "group", None)
    organisation = getattr(result, "organisation", None)
    source = organisation.name if organisation else (group.name if group else "the network")
    text = (getattr(result, "learned", "") or getattr(result, "happened", "") or "").strip()
    return ResultInfo(
        id=result.id,  # type: ignore[attr-defined]
        title=result.title,  # type: ignore[attr-defined]
        snippet=text[:180] + ("…" if len(text) > 180 else ""),
        published_at=getattr(result, "published_at", None),
        source=source,
    )


def load_results(period: Period) -> list[ResultInfo]:
    """Return results published to the network during ``period``."""
    try:
        from benchmarks.queries import latest_published_results
    except ImportError:
        return []
    return [
        _result_info(result)
        for result in latest_published_results(RESULTS_CONSIDERED)
        if result.published_at is not None and period.start <= result.published_at < period.end
    ]


def load_result(result_id: int) -> ResultInfo | None:
    """Return a published result for a pick, or None (missing, unpublished, no benchmarks)."""
    try:
        from benchmarks.models import Result
    except ImportError:
        return None
    result = db.session.get(Result, result_id)
    if result is None or result.status != "published":
        return None
    return _result_info(result)


def load_signals(organisation_id: int, period: Period) -> list[SignalInfo]:
    """Return special-cause signals in figures ``organisation_id`` submitted in ``period``."""
    try:
        from benchmarks.charts import spc_chart
        from benchmarks.models import Measure, Scorecard, Submission, scorecard_measures
        from benchmarks.queries import series_for
    except ImportError:
        return []
    measure_ids = db.session.scalars(
        select(Submission.measure_id)
        .where(
            Submission.organisation_id == organisation_id,
            Submission.submitted_at >= period.start,
            Submission.submitted_at < period.end,
        )
        .distinct()
    ).all()
    signals = []
    for measure_id in measure_ids:
        measure = db.session.get(Measure, measure_id)
        scorecards = db.session.execute(
            select(Scorecard.id, Scorecard.group_id)
            .join(scorecard_measures, scorecard_measures.c.scorecard_id == Scorecard.id)
            .where(scorecard_measures.c.measure_id == measure_id)
            .order_by(Scorecard.id)
        ).all()
        if measure is None or not scorecards:
            continue
        chart = spc_chart(measure, series_for(measure, organisation_id))
        variation = chart.get("variation")
        points = chart.get("points") or []
        if not variation or variation[0] == "common" or not points:
            continue
        latest = points[-1]
        rule = f" ({latest['rule']})" if latest.get("rule") else ""
        signals.append(
            SignalInfo(
                measure_name=measure.name,
                variation=variation[0],
                description=f"{variation[1]} in {latest['label']}{rule}",
                scorecard_id=scorecards[0][0],
                scorecard_groups=frozenset(group_id for _, group_id in scorecards),
                thread=_discussing_thread(measure, organisation_id),
            )
        )
    return signals


def _discussing_thread(measure: object, organisation_id: int) -> LinkedThread | None:
    """Find the thread about this measure: a result's thread, else one naming it."""
    from benchmarks.models import Result

    row = db.session.execute(
        select(Thread.id, Thread.group_id, Thread.title)
        .join(Result, Result.thread_id == Thread.id)
        .join(Group, Group.id == Thread.group_id)
        .where(
            Result.measure_id == measure.id,  # type: ignore[attr-defined]
            Result.organisation_id == organisation_id,
            Thread.status == "published",
            Group.status == "active",
        )
        .order_by(Result.published_at.desc())
        .limit(1)
    ).first()
    if row is None and getattr(measure, "group_id", None) is not None:
        row = db.session.execute(
            select(Thread.id, Thread.group_id, Thread.title)
            .join(Group, Group.id == Thread.group_id)
            .where(
                Thread.group_id == measure.group_id,  # type: ignore[attr-defined]
                Thread.title.ilike(f"%{measure.name}%"),  # type: ignore[attr-defined]
                Thread.status == "published",
                Group.status == "active",
            )
            .order_by(Thread.created_at.desc())
            .limit(1)
        ).first()
    return LinkedThread(*row) if row else None
