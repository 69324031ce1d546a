"""Admin pages: network identity, organisations, members' roles, the email outbox."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from ..access import admin_required
from ..errors import ValidationFailed
from ..extensions import db
from ..forms import apply_reasons
from ..models import Organisation, OutboxMessage, User
from . import bp
from .actions import OrganisationInfo, get_network, save_organisation, set_admin, update_network
from .forms import NetworkForm, OrganisationForm


@bp.route("/network", methods=["GET", "POST"])
@admin_required
def edit_network() -> ResponseReturnValue:
    """Edit the network's name, purpose and guidelines."""
    form = NetworkForm(obj=get_network())
    if form.validate_on_submit():
        try:
            update_network(
                current_user, form.name.data, form.purpose.data, form.guidelines.data or ""
            )
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            flash("The network's purpose and guidelines have been saved.", "success")
            return redirect(url_for("core.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("network/edit_network.html", form=form), status


@bp.get("/organisations")
@admin_required
def organisations() -> ResponseReturnValue:
    """List organisations with their member counts."""
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("network/organisations.html", organisations=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_organisation(organisation_id: int | None = None) -> ResponseReturnValue:
    """Add or edit an organisation."""
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and organisation is None:
        abort(404)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        info = OrganisationInfo(form.name.data, form.kind.data, form.region.data or "")
        try:
            save_organisation(current_user, info, organisation_id)
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            flash(f"{info.name} has been saved.", "success")
            return redirect(url_for("network.organisations"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "network/edit_organisation.html", form=form, organisation=organisation
    ), status


@bp.get("/members")
@admin_required
def members() -> ResponseReturnValue:
    """List admins and let an admin grant or remove the role."""
    admins = db.session.scalars(select(User).where(User.is_admin).order_by(User.display_name)).all()
    return render_template("network/admins.html", admins=admins)


@bp.post("/members/<int:member_id>/admin")
@admin_required
def toggle_admin(member_id: int) -> ResponseReturnValue:
    """Grant (``make_admin=1``) or remove the admin role."""
    member = db.session.get(User, member_id) or abort(404)
    make_admin = request.form.get("make_admin") == "1"
    try:
        set_admin(current_user, member, make_admin)
    except ValidationFailed as error:
        flash(error.reasons[""], "error")
    else:
        flash(
            f"{member.display_name} is {'now' if make_admin else 'no longer'} a network admin.",
            "success",
        )
    return redirect(url_for("network.members"))


@bp.get("/outbox")
@admin_required
def outbox() -> ResponseReturnValue:
    """Show stored email, newest first (the embedded default keeps all mail here)."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    messages = db.paginate(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()),
        page=page,
        per_page=50,
        error_out=False,
    )
    return render_template("network/outbox.html", messages=messages)


@bp.get("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int) -> ResponseReturnValue:
    """Read one stored email: the text part, and the HTML part in a sandboxed frame."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("network/outbox_message.html", message=message)


@bp.get("/outbox/<int:message_id>/html")
@admin_required
def outbox_message_html(message_id: int) -> ResponseReturnValue:
    """Serve an email's HTML part for the preview frame: no scripts, framed only by us."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    response = make_response(message.html_body)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'; sandbox"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
