"""Reads for scorecard pages, and published results for other pages (home, groups).

``published_results_for_group`` and ``latest_published_results`` are the hooks other
features call; published results are shared with the whole network, so every member sees
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import abort
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from fivec.access import (
    Viewer,
    can_manage_group,
    can_read_scorecard,
    can_submit_for,
    is_member,
    is_network_admin,
    readable_group_ids,
)
from fivec.extensions import db
from fivec.models import Organisation

from .charts import Figure
from .models import Measure, Result, Scorecard, Submission


def visible_scorecards(user: Viewer | None) -> list[Scorecard]:
    """Return the scorecards ``user`` may read, by name."""
    if not is_member(user):
        return []
    return list(
        db.session.scalars(
            select(Scorecard)
            .where(
                or_(Scorecard.group_id.is_(None), Scorecard.group_id.in_(readable_group_ids(user)))
            )
            .order_by(Scorecard.name)
        )
    )


def access_scorecard(user: Viewer | None, scorecard_id: int) -> Scorecard:
    """Return a scorecard ``user`` may read, or 404."""
    # The check reads the owning group: load it in the same statement.
    scorecard = db.session.get(Scorecard, scorecard_id, options=[joinedload(Scorecard.group)])
    if scorecard is None or not can_read_scorecard(user, scorecard):
        abort(404)
    return scorecard


def submittable_organisations(user: Viewer | None, scorecard: Scorecard) -> list[Organisation]:
    """Return the organisations ``user`` may submit figures for on ``scorecard``."""
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return [o for o in organisations if can_submit_for(user, o, scorecard)]


def series_for(measure: Measure, organisation_id: int) -> list[Figure]:
    """Return one organisation's figures for a measure, oldest period first."""
    rows = db.session.execute(
        select(Submission, Organisation.name)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(Submission.measure_id == measure.id, Submission.organisation_id == organisation_id)
        .order_by(Submission.period_start)
    )
    return [_figure(submission, name) for submission, name in rows]


def figures_for_period(measure: Measure, period_start: date) -> list[Figure]:
    """Return every organisation's figures for a measure in one period."""
    rows = db.session.execute(
        select(Submission, Organisation.name)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(Submission.measure_id == measure.id, Submission.period_start == period_start)
    )
    return [_figure(submission, name) for submission, name in rows]


def latest_periods(measures: Sequence[Measure]) -> dict[int, date]:
    """Return the most recent period of each measure that has figures, in one statement.

    Each ``max()`` is answered from ``ix_submissions_measure_period`` without a scan.
    """
    if not measures:
        return {}
    columns = [
        select(func.max(Submission.period_start))
        .where(Submission.measure_id == measure.id)
        .scalar_subquery()
        .label(f"m{measure.id}")
        for measure in measures
    ]
    row = db.session.execute(select(*columns)).one()
    return {m.id: start for m, start in zip(measures, row, strict=True) if start is not None}


def figures_for_periods(
    periods: dict[int, date], names: dict[int, str] | None = None
) -> dict[int, list[Figure]]:
    """Return every organisation's figures for each measure id in its period (one query).

    ``names`` gives the organisations' names (None: load them all); organisations missing
    from it get an empty name, so a page that shows peers anonymised need not load theirs.
    """
    found: dict[int, list[Figure]] = {measure_id: [] for measure_id in periods}
    if not periods:
        return found
    if names is None:
        names = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    # Core execution (plain rows, no ORM loading): a third of the cost for 1,000 rows.
    rows = (
        db.session.connection()
        .execute(
            select(
                Submission.measure_id,
                Submission.organisation_id,
                Submission.value,
                Submission.numerator,
                Submission.denominator,
            )
            .where(
                or_(
                    *(
                        and_(Submission.measure_id == measure_id, Submission.period_start == start)
                        for measure_id, start in periods.items()
                    )
                )
            )
            .order_by(Submission.measure_id, Submission.organisation_id)
        )
        .all()
    )
    for measure_id, org_id, value, numerator, denominator in rows:
        found[measure_id].append(
            Figure(
                org_id,
                names.get(org_id, ""),
                periods[measure_id],
                value,
                numerator,
                denominator,
            )
        )
    return found


def series_for_measures(
    measures: Sequence[Measure], organisation_id: int
) -> dict[int, list[Figure]]:
    """Return one organisation's series for each measure, oldest period first (one query)."""
    found: dict[int, list[Figure]] = {measure.id: [] for measure in measures}
    if not measures:
        return found
    rows = db.session.execute(
        _figure_columns()
        .where(
            Submission.measure_id.in_(list(found)),
            Submission.organisation_id == organisation_id,
        )
        .order_by(Submission.measure_id, Submission.period_start)
    )
    for measure_id, *figure in rows:
        found[measure_id].append(Figure(*figure))
    return found


def _figure_columns():  # type: ignore[no-untyped-def]
    """Plain columns (no ORM objects) in ``Figure``'s order, after the measure id."""
    return select(
        Submission.measure_id,
        Submission.organisation_id,
        Organisation.name,
        Submission.period_start,
        Submission.value,
        Submission.numerator,
        Submission.denominator,
        Submission.rebase,
    ).join(Organisation, Organisation.id == Submission.organisation_id)


def network_series(measure: Measure, up_to: date | None = None) -> list[Figure]:
    """Return the whole network's figures per period (counts summed; plain values averaged)."""
    query = (
        select(
            Submission.period_start,
            func.sum(Submission.numerator),
            func.sum(Submission.denominator),
            func.avg(Submission.value),
        )
        .where(Submission.measure_id == measure.id)
        .group_by(Submission.period_start)
        .order_by(Submission.period_start)
    )
    if up_to is not None:
        query = query.where(Submission.period_start <= up_to)
    figures = []
    for start, numerator, denominator, mean in db.session.execute(query):
        if measure.has_counts and denominator:
            value = measure.value_from(numerator, denominator)
        else:
            value = mean
        figures.append(Figure(0, "Whole network", start, value, numerator, denominator))
    return figures


def latest_period(measure: Measure) -> date | None:
    """Return the most recent period anyone submitted for ``measure``."""
    return db.session.scalar(
        select(func.max(Submission.period_start)).where(Submission.measure_id == measure.id)
    )


def _figure(submission: Submission, name: str) -> Figure:
    return Figure(
        submission.organisation_id,
        name,
        submission.period_start,
        submission.value,
        submission.numerator,
        submission.denominator,
        submission.rebase,
    )


def published_results_for_group(group_id: int, limit: int = 5) -> Sequence[Result]:
    """Return a group's published results, newest first (for the group page)."""
    return db.session.scalars(
        select(Result)
        .where(Result.group_id == group_id, Result.status == "published")
        .order_by(Result.published_at.desc())
        .limit(limit)
    ).all()


def latest_published_results(limit: int = 5) -> Sequence[Result]:
    """Return the network's newest published results (for the home page and digests)."""
    return db.session.scalars(
        select(Result)
        .where(Result.status == "published")
        .order_by(Result.published_at.desc())
        .limit(limit)
    ).all()


def draft_results(user: Viewer | None) -> Sequence[Result]:
    """Return drafts ``user`` wrote or may publish, newest first."""
    drafts = db.session.scalars(
        select(Result).where(Result.status == "draft").order_by(Result.created_at.desc())
    ).all()
    user_id = getattr(user, "id", None)
    return [
        r
        for r in drafts
        if r.created_by_id == user_id
        or is_network_admin(user)
        or (r.group is not None and can_manage_group(user, r.group))
    ]
