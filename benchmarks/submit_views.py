"""Sending figures: the monthly form, the CSV template and upload, and API tokens."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.forms import apply_reasons
from fivec.models import Organisation

from .csv_import import read_csv
from .exports import (
    TEMPLATE_COLUMNS,
    csv_download,
    csv_response,
    load_error_report,
    save_error_report,
    template_rows,
)
from .forms import SubmitForm, TokenForm, UploadForm
from .models import Scorecard, Submission
from .periods import current_period, format_period, period_label, recent_periods
from .queries import access_scorecard, submittable_organisations
from .submissions import history_for, save_values
from .tokens import access_token_organisation, create_token, revoke_token, tokens_for
from .validation import Catalogue, RowError, RowsRefused, ValueRow, check_row
from .views import bp

SHOWN_ERRORS = 200
FORM_MONTHS = 24


def _submittable(scorecard: Scorecard) -> list[Organisation]:
    organisations = submittable_organisations(current_user, scorecard)
    if not organisations:
        abort(404)
    return organisations


def _catalogue(scorecard: Scorecard, organisations: list[Organisation]) -> Catalogue:
    return Catalogue.build(
        scorecard.measures,
        db.session.scalars(select(Organisation)),
        {o.id for o in organisations},
    )


def _based_on(raw: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.get("/<int:scorecard_id>/template.csv")
@login_required
def template(scorecard_id: int) -> ResponseReturnValue:
    """Download the upload template, filled with the figures already held."""
    scorecard = access_scorecard(current_user, scorecard_id)
    rows = template_rows(scorecard, _submittable(scorecard), utcnow().date())
    return csv_response(f"scorecard-{scorecard.id}-template.csv", TEMPLATE_COLUMNS, rows)


@bp.route("/<int:scorecard_id>/upload", methods=["GET", "POST"])
@login_required
def upload(scorecard_id: int) -> ResponseReturnValue:
    """Upload a whole CSV file: every row is saved, or none with a report of each problem."""
    scorecard = access_scorecard(current_user, scorecard_id)
    organisations = _submittable(scorecard)
    form = UploadForm()
    errors: list[RowError] = []
    report = None
    if form.validate_on_submit():
        try:
            rows = read_csv(form.file.data.read(), _catalogue(scorecard, organisations))
            summary = save_values(
                current_user, rows, based_on=_based_on(form.based_on.data), source="csv"
            )
        except RowsRefused as refused:
            db.session.rollback()
            apply_reasons(form, refused)
            errors = refused.errors
            report = save_error_report(current_app.instance_path, current_user.id, errors)
        else:
            flash(summary.message, "success")
            return redirect(url_for("benchmarks.show", scorecard_id=scorecard.id))
    form.based_on.data = utcnow().isoformat()
    status = 400 if form.is_submitted() else 200
    return render_template(
        "benchmarks/upload.html",
        form=form,
        scorecard=scorecard,
        errors=errors[:SHOWN_ERRORS],
        error_count=len(errors),
        report=report,
        columns=TEMPLATE_COLUMNS,
    ), status


@bp.get("/upload-reports/<report>.csv")
@login_required
def upload_report(report: str) -> ResponseReturnValue:
    """Download the row-by-row problems of my last refused upload."""
    data = load_error_report(current_app.instance_path, current_user.id, report)
    if data is None:
        abort(404)
    return csv_download("upload-problems.csv", data)


def _form_rows(
    scorecard: Scorecard, organisation: Organisation, month: date, catalogue: Catalogue
) -> tuple[list[ValueRow], dict[int, list[RowError]]]:
    rows: list[ValueRow] = []
    errors: dict[int, list[RowError]] = {}
    for number, measure in enumerate(scorecard.measures, start=1):
        field = f"m{measure.id}-"
        raw = {name: request.form.get(field + name, "") for name in ("numerator", "denominator")}
        raw["value"] = request.form.get(field + "value", "")
        if not any(v.strip() for v in raw.values()):
            continue
        raw |= {
            "organisation": str(organisation.id),
            "measure": str(measure.id),
            "period": format_period(_period_of(month, measure.period), measure.period),
            "version": request.form.get(field + "version", ""),
            "rebase": "yes" if request.form.get(field + "rebase") else "",
        }
        checked = check_row(raw, number, catalogue)
        if isinstance(checked, ValueRow):
            rows.append(checked)
        else:
            errors[measure.id] = checked
    return rows, errors


def _period_of(month: date, period: str) -> date:
    return current_period(month, period)


@bp.route("/<int:scorecard_id>/submit", methods=["GET", "POST"])
@login_required
def submit(scorecard_id: int) -> ResponseReturnValue:
    """Type in one month's figures for every measure on the scorecard."""
    scorecard = access_scorecard(current_user, scorecard_id)
    organisations = _submittable(scorecard)
    months = recent_periods(utcnow().date(), "monthly", FORM_MONTHS)
    form = SubmitForm(formdata=request.form if request.method == "POST" else request.args)
    form.organisation_id.choices = [(o.id, o.name) for o in organisations]
    form.period.choices = [
        (format_period(m, "monthly"), period_label(m, "monthly")) for m in months
    ]
    organisation = next((o for o in organisations if o.id == form.organisation_id.data), None)
    organisation = organisation or organisations[0]
    month = next((m for m in months if format_period(m, "monthly") == form.period.data), months[0])
    form.organisation_id.data, form.period.data = organisation.id, format_period(month, "monthly")
    errors: dict[int, list[RowError]] = {}
    if request.method == "POST" and form.validate_on_submit():
        catalogue = _catalogue(scorecard, organisations)
        rows, errors = _form_rows(scorecard, organisation, month, catalogue)
        if not errors:
            try:
                summary = save_values(current_user, rows, source="form")
            except RowsRefused as refused:
                db.session.rollback()
                apply_reasons(form, refused)
                form.form_errors.extend(e.message for e in refused.errors)
            else:
                flash(summary.message, "success")
                return redirect(
                    url_for(
                        "benchmarks.show", scorecard_id=scorecard.id, organisation=organisation.id
                    )
                )
    current = {
        s.measure_id: s
        for s in db.session.scalars(
            select(Submission).where(
                Submission.organisation_id == organisation.id,
                Submission.measure_id.in_([m.id for m in scorecard.measures]),
                Submission.period_start.in_(
                    {_period_of(month, m.period) for m in scorecard.measures}
                ),
            )
        )
    }
    status = 400 if request.method == "POST" else 200
    return render_template(
        "benchmarks/submit.html",
        form=form,
        scorecard=scorecard,
        organisation=organisation,
        month=month,
        current=current,
        errors=errors,
        history=history_for(list(current.values())),
        period_of=_period_of,
        period_label=period_label,
        values=request.form if request.method == "POST" else {},
    ), status


@bp.route("/organisations/<int:organisation_id>/tokens", methods=["GET", "POST"])
@login_required
def tokens(organisation_id: int) -> ResponseReturnValue:
    """List, create and revoke the API tokens of an organisation."""
    organisation = access_token_organisation(current_user, organisation_id)
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = create_token(current_user, organisation, form.label.data)
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            form = TokenForm(formdata=None)
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(
        "benchmarks/tokens.html",
        organisation=organisation,
        form=form,
        tokens=tokens_for(organisation),
        secret=secret,
    ), status


@bp.post("/organisations/<int:organisation_id>/tokens/<int:token_id>/revoke")
@login_required
def revoke(organisation_id: int, token_id: int) -> ResponseReturnValue:
    """Revoke a token: the system using it is refused from now on."""
    organisation = access_token_organisation(current_user, organisation_id)
    token = revoke_token(current_user, organisation, token_id)
    flash(f"The token “{token.label}” no longer works.", "success")
    return redirect(url_for("benchmarks.tokens", organisation_id=organisation.id))
