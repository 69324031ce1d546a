"""Published results: write one up with a frozen chart, publish it, list and read them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from fivec.access import can_manage_scorecard, can_read_scorecard, is_member
from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.forms import apply_reasons, select_choices

from .actions import ResultInfo, publish_result, write_result
from .forms import ResultForm
from .models import Result
from .queries import access_scorecard, draft_results, latest_published_results
from .views import bp

RESULTS_LISTED = 50


def _access_result(result_id: int) -> Result:
    """Published results are for every member; drafts for the group's readers."""
    result = db.session.get(Result, result_id)
    if result is None or not is_member(current_user):
        abort(404)
    if result.status != "published" and not can_read_scorecard(current_user, result):
        abort(404)
    return result


@bp.get("/results")
@login_required
def results() -> ResponseReturnValue:
    """List results published to the network, and drafts waiting for me."""
    return render_template(
        "benchmarks/results.html",
        results=latest_published_results(RESULTS_LISTED),
        drafts=draft_results(current_user),
    )


@bp.get("/results/<int:result_id>")
@login_required
def show_result(result_id: int) -> ResponseReturnValue:
    """Show a write-up with its frozen chart."""
    result = _access_result(result_id)
    return render_template(
        "benchmarks/result.html",
        result=result,
        can_publish=result.status == "draft" and can_manage_scorecard(current_user, result),
        charts={"result": result.chart},
    )


@bp.route("/<int:scorecard_id>/results/new", methods=["GET", "POST"])
@login_required
def new_result(scorecard_id: int) -> ResponseReturnValue:
    """Write up what we tried, what happened and what we learned, with a frozen chart."""
    scorecard = access_scorecard(current_user, scorecard_id)
    form = ResultForm()
    form.measure_id.choices = select_choices((str(m.id), m.name) for m in scorecard.measures)
    whose = [("", "The whole network")]
    if current_user.organisation is not None:
        whose.insert(0, (str(current_user.organisation.id), current_user.organisation.name))
    form.organisation_id.choices = select_choices(whose)
    if not form.is_submitted():
        form.frozen_as_of.data = utcnow().date()
    if form.validate_on_submit():
        info = ResultInfo(
            title=form.title.data,
            measure_id=form.measure_id.data,
            organisation_id=form.organisation_id.data,
            frozen_as_of=form.frozen_as_of.data,
            tried=form.tried.data,
            happened=form.happened.data,
            learned=form.learned.data,
        )
        try:
            result = write_result(current_user, scorecard, info)
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            flash("Your write-up is saved as a draft. A coordinator can publish it.", "success")
            return redirect(url_for("benchmarks.show_result", result_id=result.id))
    status = 400 if form.is_submitted() else 200
    return render_template("benchmarks/result_form.html", form=form, scorecard=scorecard), status


@bp.post("/results/<int:result_id>/publish")
@login_required
def publish(result_id: int) -> ResponseReturnValue:
    """Publish a draft to the whole network (the group's coordinators and admins)."""
    result = _access_result(result_id)
    try:
        publish_result(current_user, result)
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.reasons[""], "info")
    else:
        flash("Published to the whole network.", "success")
    return redirect(url_for("benchmarks.show_result", result_id=result.id))
