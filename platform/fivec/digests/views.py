"""Digest pages: preferences, the preview, moderators' picks and one-click unsubscribe."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..access import access_member, admin_required
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import csrf, db
from ..forms import apply_reasons, select_choices
from ..models import User
from . import bp
from .actions import (
    PreferenceChanges,
    TokenRevoked,
    pick_result,
    pick_thread,
    preference_for,
    preference_for_token,
    remove_pick,
    unsubscribe_token,
    update_preferences,
)
from .actions import unsubscribe as unsubscribe_member
from .build import Digest, build_digest
from .forms import PickForm, PreferencesForm
from .links import Links
from .periods import Period
from .queries import can_pick, member_groups, recent_picks
from .send import digest_subject, email_context, network_info

EMAIL_FRAME_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; sandbox"
)


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    """Choose how often digests come, when, and which groups they cover."""
    groups = member_groups(current_user)
    preference = preference_for(current_user.id)
    form = PreferencesForm(obj=preference if request.method == "GET" else None)
    form.groups.choices = select_choices((str(group_id), name) for group_id, name, _ in groups)
    if request.method == "GET":
        form.groups.data = [group_id for group_id, _, enabled in groups if enabled]
        form.send_day.data = (
            "" if preference is None or preference.send_day is None else str(preference.send_day)
        )
    if form.validate_on_submit():
        changes = PreferenceChanges(
            frequency=form.frequency.data,
            quiet_week_note=bool(form.quiet_week_note.data),
            send_day=int(form.send_day.data) if form.send_day.data else None,
            send_hour=form.send_hour.data,
            timezone=form.timezone.data,
            enabled_group_ids=frozenset(form.groups.data or ()),
            shown_group_ids=frozenset(group_id for group_id, _, _ in groups),
        )
        try:
            update_preferences(current_user, changes)
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            flash("Your digest settings are saved.", "success")
            return redirect(url_for("digests.preferences"))
    status = 400 if form.is_submitted() else 200
    return render_template("digests/preferences.html", form=form, has_groups=bool(groups)), status


def _period() -> Period:
    """Read ``?period=`` (default: this week so far) or answer 400 with the reason."""
    text = request.args.get("period", "this-week")
    try:
        return Period.parse(text, utcnow())
    except ValueError as error:
        abort(make_response(render_template("digests/bad_period.html", reason=str(error)), 400))


def _preview(member: User, email_url: str) -> ResponseReturnValue:
    period = _period()
    digest = build_digest(member, period)
    return render_template(
        "digests/preview.html",
        member=member,
        period=period,
        digest=digest,
        email_url=email_url,
        picks=recent_picks(current_user) if can_pick(current_user) else None,
        pick_form=PickForm() if can_pick(current_user) else None,
    )


def _email_frame(member: User) -> ResponseReturnValue:
    period = _period()
    digest = build_digest(member, period) or Digest(
        member.id, member.display_name, period, (), quiet=True
    )
    links = Links()
    network = network_info()
    preference = preference_for(member.id)
    unsubscribe_url = (
        links.url("digests.unsubscribe", token=unsubscribe_token(preference))
        if preference is not None
        else links.url("digests.preferences")
    )
    html = render_template(
        "email/digest.html",
        subject=digest_subject(network, digest),
        **email_context(member, digest, links, network, unsubscribe_url),
    )
    response = make_response(html)
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/preview")
@login_required
def preview() -> ResponseReturnValue:
    """Show this week's digest for me, as it stands now."""
    email_url = url_for("digests.preview_email", period=request.args.get("period"))
    return _preview(current_user, email_url)


@bp.get("/preview/email")
@login_required
def preview_email() -> ResponseReturnValue:
    """Serve my digest email's HTML for the preview frame."""
    return _email_frame(current_user)


@bp.get("/preview/<int:member_id>")
@admin_required
def preview_member(member_id: int) -> ResponseReturnValue:
    """Show any member's digest (network admins only; others get 404)."""
    member = access_member(current_user, member_id)
    email_url = url_for(
        "digests.preview_member_email", member_id=member.id, period=request.args.get("period")
    )
    return _preview(member, email_url)


@bp.get("/preview/<int:member_id>/email")
@admin_required
def preview_member_email(member_id: int) -> ResponseReturnValue:
    """Serve a member's digest email's HTML for the admin preview frame."""
    return _email_frame(access_member(current_user, member_id))


@bp.post("/picks")
@login_required
def add_pick() -> ResponseReturnValue:
    """Pick a thread (or published result) for the next digests, with a one-line reason."""
    form = PickForm()
    try:
        if not form.validate_on_submit():
            reasons = {name: errors[0] for name, errors in form.errors.items()}
            raise ValidationFailed(reasons or {"": "Please fill in the form."})
        if form.thread_id.data:
            pick_thread(current_user, form.thread_id.data, form.reason.data)
        elif form.result_id.data:
            pick_result(current_user, form.result_id.data, form.reason.data)
        else:
            raise ValidationFailed({"thread_id": "Give the number of a thread or a result."})
    except ValidationFailed as error:
        for reason in error.reasons.values():
            flash(reason, "error")
        return redirect(url_for("digests.preview")), 303
    flash("Picked for the next digests.", "success")
    return redirect(url_for("digests.preview")), 303


@bp.post("/picks/<int:pick_id>/delete")
@login_required
def delete_pick(pick_id: int) -> ResponseReturnValue:
    """Take back a pick."""
    try:
        remove_pick(current_user, pick_id)
    except ValidationFailed as error:
        flash(error.reasons[""], "error")
    return redirect(url_for("digests.preview")), 303


def _token_problem(token: str) -> ResponseReturnValue | None:
    try:
        preference_for_token(token)
    except ValidationFailed as error:
        return render_template("digests/unsubscribe_invalid.html", reason=error.reasons[""]), 400
    except TokenRevoked:
        return render_template("digests/unsubscribe_invalid.html", revoked=True), 410
    return None


@bp.get("/unsubscribe/<token>")
def unsubscribe_confirm(token: str) -> ResponseReturnValue:
    """Ask "stop the digests?" with one button; no login needed (the link is signed)."""
    problem = _token_problem(token)
    if problem is not None:
        return problem
    preference = preference_for_token(token)
    member = db.session.get(User, preference.user_id)
    return render_template(
        "digests/unsubscribe.html", token=token, member=member, done=preference.frequency == "off"
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # mail clients POST "List-Unsubscribe=One-Click" (RFC 8058) with no session
def unsubscribe(token: str) -> ResponseReturnValue:
    """Turn digests off from the email's link or the mail client's unsubscribe button."""
    problem = _token_problem(token)
    if problem is not None:
        return problem
    preference = unsubscribe_member(token)
    member = db.session.get(User, preference.user_id)
    return render_template("digests/unsubscribe.html", token=token, member=member, done=True)
