"""Business operations on measures, scorecards and published results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, current_app
from sqlalchemy import func, select

from fivec.access import (
    Viewer,
    can_manage_scorecard,
    can_write_result,
    is_network_admin,
)
from fivec.clock import utcnow
from fivec.discussions.actions import create_thread
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, Organisation, User

from .charts import spc_chart
from .models import IMPROVEMENTS, MEASURE_KINDS, PERIODS, Measure, Result, Scorecard
from .periods import current_period
from .queries import network_series, series_for


@dataclass(frozen=True)
class MeasureInfo:
    """What a coordinator types on the measure form."""

    name: str
    definition: str
    kind: str
    numerator_label: str
    denominator_label: str
    unit: str
    rate_multiplier: int
    improvement: str
    target: float | None
    period: str


@dataclass(frozen=True)
class ScorecardInfo:
    """What a coordinator types on the scorecard form."""

    name: str
    description: str
    group_id: int | None
    named_comparison: bool
    suppression_threshold: int
    measure_ids: tuple[int, ...]


@dataclass(frozen=True)
class ResultInfo:
    """A write-up: what we tried, what happened, what we learned, and the frozen chart."""

    title: str
    measure_id: int | None
    organisation_id: int | None
    frozen_as_of: date
    tried: str
    happened: str
    learned: str


def _check_measure(info: MeasureInfo, measure: Measure | None) -> None:
    reasons: dict[str, str] = {}
    same_name = db.session.scalar(
        select(Measure.id).where(func.lower(Measure.name) == info.name.lower())
    )
    if same_name is not None and (measure is None or same_name != measure.id):
        reasons["name"] = "Another measure already has this name; CSV files need it unique."
    if info.kind not in MEASURE_KINDS:
        reasons["kind"] = "Please choose a type from the list."
    if info.improvement not in IMPROVEMENTS:
        reasons["improvement"] = "Please choose which direction is better."
    if info.period not in PERIODS:
        reasons["period"] = "Please choose monthly or quarterly."
    if info.kind == "proportion" and info.target is not None and not 0 < info.target < 100:
        reasons["target"] = "A percentage target must be between 0 and 100."
    if info.target is not None and info.target < 0:
        reasons["target"] = "A target cannot be negative."
    if reasons:
        raise ValidationFailed(reasons)


def save_measure(
    user: Viewer, scorecard: Scorecard, info: MeasureInfo, measure: Measure | None = None
) -> Measure:
    """Create a measure on ``scorecard`` (or change ``measure``), owned by its group."""
    if not can_manage_scorecard(user, scorecard):
        abort(404)
    _check_measure(info, measure)
    fields = {
        **info.__dict__,
        "rate_multiplier": info.rate_multiplier if info.kind == "rate" else 1,
    }
    if measure is None:
        measure = Measure(
            **fields, group_id=scorecard.group_id, created_by_id=getattr(user, "id", None)
        )
        scorecard.measures.append(measure)
    else:
        for name, value in fields.items():
            setattr(measure, name, value)
    db.session.commit()
    return measure


def save_scorecard(
    user: Viewer, info: ScorecardInfo, scorecard: Scorecard | None = None
) -> Scorecard:
    """Create or change a scorecard for a group the user coordinates (admins: any)."""
    if scorecard is not None and not can_manage_scorecard(user, scorecard):
        abort(404)
    group = db.session.get(Group, info.group_id) if info.group_id else None
    if info.group_id and group is None:
        raise ValidationFailed({"group_id": "Please choose a group from the list."})
    if not can_manage_scorecard(user, _Owned(group)):
        raise ValidationFailed(
            {
                "group_id": "Choose a group you coordinate: only its coordinators and admins "
                "manage its scorecards."
            }
        )
    if scorecard is None:
        scorecard = Scorecard(created_by_id=getattr(user, "id", None))
        db.session.add(scorecard)
    scorecard.group = group
    scorecard.name = info.name
    scorecard.description = info.description
    scorecard.named_comparison = info.named_comparison
    scorecard.suppression_threshold = info.suppression_threshold
    chosen = db.session.scalars(select(Measure).where(Measure.id.in_(info.measure_ids))).all()
    scorecard.measures = [m for m in chosen if m.group_id in (None, info.group_id)]
    db.session.commit()
    return scorecard


@dataclass(frozen=True)
class _Owned:
    group: Group | None


def frozen_chart(
    measure: Measure, organisation: Organisation | None, as_of: date
) -> dict[str, Any]:
    """Compute the SPC chart for periods up to ``as_of`` and return it ready to store."""
    cutoff = current_period(as_of, measure.period)
    if organisation is None:
        series = network_series(measure, up_to=cutoff)
    else:
        series = [f for f in series_for(measure, organisation.id) if f.period_start <= cutoff]
    chart = spc_chart(measure, series)
    chart["title"] = f"{measure.name}: {organisation.name if organisation else 'whole network'}"
    return chart


def write_result(user: User, scorecard: Scorecard, info: ResultInfo) -> Result:
    """Save a draft write-up with its chart frozen as of the chosen date."""
    if not can_write_result(user, scorecard):
        abort(404)
    reasons: dict[str, str] = {}
    measure = next((m for m in scorecard.measures if m.id == info.measure_id), None)
    if measure is None:
        reasons["measure_id"] = "Please choose a measure from this scorecard."
    organisation = None
    if info.organisation_id is not None:
        organisation = db.session.get(Organisation, info.organisation_id)
        if organisation is None or (
            organisation.id != user.organisation_id and not is_network_admin(user)
        ):
            reasons["organisation_id"] = "You can write up your own organisation's figures only."
    if info.frozen_as_of > utcnow().date():
        reasons["frozen_as_of"] = (
            "Choose today or an earlier date: the chart shows what has happened."
        )
    if reasons:
        raise ValidationFailed(reasons)
    assert measure is not None
    result = Result(
        group_id=scorecard.group_id,
        title=info.title,
        tried=info.tried,
        happened=info.happened,
        learned=info.learned,
        measure_id=measure.id,
        organisation_id=organisation.id if organisation else None,
        frozen_as_of=info.frozen_as_of,
        chart=frozen_chart(measure, organisation, info.frozen_as_of),
        created_by_id=user.id,
    )
    db.session.add(result)
    db.session.commit()
    return result


def publish_result(user: User, result: Result) -> Result:
    """Publish a draft to the whole network, then open its discussion thread in the group."""
    if not can_manage_scorecard(user, result):
        abort(404)
    if result.status == "published":
        raise ValidationFailed({"": "This result is already published."})
    result.status = "published"
    result.published_by_id = user.id
    result.published_at = utcnow()
    db.session.commit()
    if result.group is not None:
        _open_discussion(user, result)
    return result


def _open_discussion(user: User, result: Result) -> None:
    """Start the result's thread; a publisher who cannot post there (an admin outside the
    group) publishes without one rather than failing."""
    # Built from the URL map so this also works outside a request (the demo loader).
    link = current_app.url_map.bind("localhost").build(
        "benchmarks.show_result", {"result_id": result.id}
    )
    body = (
        f"**What we tried**\n\n{result.tried}\n\n**What happened**\n\n{result.happened}\n\n"
        f"**What we learned**\n\n{result.learned}\n\n[See the result and its chart]({link})"
    )
    try:
        thread = create_thread(user, result.group, f"Result: {result.title}"[:200], body)
    except ValidationFailed:
        db.session.rollback()
        return
    result.thread_id = thread.id
    db.session.commit()
