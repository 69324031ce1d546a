"""Scorecard pages: the list, a scorecard with its charts, exports, and managing measures."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from fivec.access import (
    can_manage_group,
    can_manage_scorecard,
    can_submit_for,
    can_write_result,
    is_network_admin,
)
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.forms import apply_reasons, select_choices
from fivec.models import Group, Organisation

from .actions import MeasureInfo, ScorecardInfo, save_measure, save_scorecard
from .exports import chart_table, csv_response
from .forms import MeasureForm, ScorecardForm
from .models import Measure, Scorecard
from .panels import measure_panels, page_of_measures
from .queries import access_scorecard, latest_published_results, visible_scorecards
from .sections import CHARTS_SLOT, SECTIONS_SLOT, Viewing, charts_json, measure_sections, splice
from .tables import spc_rows

bp = Blueprint("benchmarks", __name__, url_prefix="/scorecards")
bp.add_app_template_global(spc_rows, "spc_rows")  # the SPC tables of scorecards and results


def _viewing_organisation(scorecard: Scorecard) -> Organisation | None:
    """My organisation, or (for those who submit for several) the one asked for."""
    raw = request.args.get("organisation", "")
    if raw.isdigit():
        organisation = db.session.get(Organisation, int(raw))
        if organisation is None or not can_submit_for(current_user, organisation, scorecard):
            abort(404)
        return organisation
    return current_user.organisation


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """List the scorecards I may read and the latest published results."""
    manageable = is_network_admin(current_user) or any(
        can_manage_group(current_user, g) for g in db.session.scalars(select(Group))
    )
    return render_template(
        "benchmarks/index.html",
        scorecards=visible_scorecards(current_user),
        results=latest_published_results(5),
        can_create=manageable,
    )


@bp.get("/<int:scorecard_id>")
@login_required
def show(scorecard_id: int) -> ResponseReturnValue:
    """Show each measure for my organisation: SPC chart, funnel plot and peer ranking."""
    scorecard = access_scorecard(current_user, scorecard_id)
    organisation = _viewing_organisation(scorecard)
    adjust = request.args.get("overdispersion", "1") != "0"
    measures = page_of_measures(scorecard.measures, request.args.get("page", 1, type=int) or 1)
    base = url_for("benchmarks.show", scorecard_id=scorecard.id)
    kept = {"organisation": request.args.get("organisation", "")}

    links: dict[tuple[int, bool], str] = {}  # the list of measures links each page often

    def page_url(page: int, overdispersion: bool = adjust) -> str:
        """Link to another page of measures, keeping the viewer's choices."""
        if (page, overdispersion) not in links:
            query = {**kept, "overdispersion": "1" if overdispersion else "0", "page": page}
            links[page, overdispersion] = (
                f"{base}?{urlencode({k: v for k, v in query.items() if v != ''})}"
            )
        return links[page, overdispersion]

    can_submit = organisation is not None and can_submit_for(current_user, organisation, scorecard)
    can_manage = can_manage_scorecard(current_user, scorecard)
    viewing = Viewing(
        scorecard,
        organisation,
        request.args.get("organisation"),
        adjust,
        measures.page,
        can_manage,
        can_submit,
        page_url,
    )
    sections = measure_sections(viewing, measures.measures)
    page = render_template(
        "benchmarks/scorecard.html",
        scorecard=scorecard,
        organisation=organisation,
        sections=[SECTIONS_SLOT] if sections else [],
        charts_json=CHARTS_SLOT,
        measures=measures,
        page_url=page_url,
        can_manage=can_manage,
        can_submit=can_submit,
        can_write=can_write_result(current_user, scorecard),
    )
    slots = {SECTIONS_SLOT: [s.html for s in sections]} if sections else {}
    return splice(page, {**slots, CHARTS_SLOT: [charts_json(sections)]})


@bp.get("/<int:scorecard_id>/measures/<int:measure_id>/<chart>.csv")
@login_required
def export_chart(scorecard_id: int, measure_id: int, chart: str) -> ResponseReturnValue:
    """Download one chart's table (as shown to me, peers anonymised) as CSV for Excel."""
    scorecard = access_scorecard(current_user, scorecard_id)
    organisation = _viewing_organisation(scorecard)
    measure = next((m for m in scorecard.measures if m.id == measure_id), None)
    panels = measure_panels(scorecard, organisation, measures=[measure]) if measure else []
    panel = panels[0] if panels else None
    data = getattr(panel, chart, None) if chart in {"spc", "funnel", "peers"} else None
    if panel is None or not data:
        abort(404)
    name = f"{panel.measure.name[:40]}-{chart}.csv".replace('"', "")
    header, rows = chart_table(chart, data)
    return csv_response(name, header, rows)


def _group_choices(scorecard: Scorecard | None) -> list[tuple[str, str]]:
    groups = db.session.scalars(select(Group).where(Group.status == "active").order_by(Group.name))
    choices = [(str(g.id), g.name) for g in groups if can_manage_group(current_user, g)]
    if is_network_admin(current_user):
        choices.insert(0, ("", "No group: network-wide"))
    return choices


def _measure_choices(scorecard: Scorecard | None) -> list[tuple[int, str]]:
    group_id = scorecard.group_id if scorecard else None
    measures = db.session.scalars(
        select(Measure)
        .where((Measure.group_id == group_id) | Measure.group_id.is_(None))
        .order_by(Measure.name)
    )
    return [(m.id, m.name) for m in measures]


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:scorecard_id>/edit", methods=["GET", "POST"])
@login_required
def edit_scorecard(scorecard_id: int | None = None) -> ResponseReturnValue:
    """Create or edit a scorecard (coordinators of the owning group and admins)."""
    scorecard = access_scorecard(current_user, scorecard_id) if scorecard_id else None
    if scorecard is not None and not can_manage_scorecard(current_user, scorecard):
        abort(404)
    form = ScorecardForm(obj=scorecard)
    form.group_id.choices = select_choices(_group_choices(scorecard))
    form.measures.choices = _measure_choices(scorecard)
    if not form.group_id.choices:
        abort(404)
    if request.method == "GET" and scorecard is not None:
        form.measures.data = [m.id for m in scorecard.measures]
    if form.validate_on_submit():
        info = ScorecardInfo(
            name=form.name.data,
            description=form.description.data or "",
            group_id=form.group_id.data,
            named_comparison=bool(form.named_comparison.data),
            suppression_threshold=form.suppression_threshold.data,
            measure_ids=tuple(form.measures.data or ()),
        )
        try:
            saved = save_scorecard(current_user, info, scorecard)
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            flash("The scorecard has been saved.", "success")
            return redirect(url_for("benchmarks.show", scorecard_id=saved.id))
    status = 400 if form.is_submitted() else 200
    return render_template("benchmarks/scorecard_form.html", form=form, scorecard=scorecard), status


@bp.route("/<int:scorecard_id>/measures/new", methods=["GET", "POST"])
@bp.route("/<int:scorecard_id>/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@login_required
def edit_measure(scorecard_id: int, measure_id: int | None = None) -> ResponseReturnValue:
    """Define a measure on a scorecard, or change its definition."""
    scorecard = access_scorecard(current_user, scorecard_id)
    if not can_manage_scorecard(current_user, scorecard):
        abort(404)
    measure = None
    if measure_id is not None:
        measure = next((m for m in scorecard.measures if m.id == measure_id), None)
        if measure is None:
            abort(404)
    form = MeasureForm(obj=measure)
    if form.validate_on_submit():
        info = MeasureInfo(
            name=form.name.data,
            definition=form.definition.data or "",
            kind=form.kind.data,
            numerator_label=form.numerator_label.data or "",
            denominator_label=form.denominator_label.data or "",
            unit=form.unit.data or "",
            rate_multiplier=form.rate_multiplier.data or 1,
            improvement=form.improvement.data,
            target=form.target.data,
            period=form.period.data,
        )
        try:
            save_measure(current_user, scorecard, info, measure)
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            flash(f"“{info.name}” has been saved.", "success")
            return redirect(url_for("benchmarks.show", scorecard_id=scorecard.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "benchmarks/measure_form.html", form=form, scorecard=scorecard, measure=measure
    ), status


from . import result_views, submit_views  # noqa: E402,F401  (routes on bp)
