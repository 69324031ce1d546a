"""A member's moderation page: sanctions, private notes; granting the network role."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from fivec.access import (
    access_member,
    admin_required,
    can_moderate_network,
    moderates_anything,
)
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.forms import apply_reasons, select_choices
from fivec.models import Group, Post, User

from . import bp
from .forms import NoteForm, ReasonForm, SanctionForm
from .models import Flag, MemberSanction
from .queue import scope_groups
from .sanctions import (
    add_note,
    impose_sanction,
    lift_sanction,
    notes_on,
    sanctions_of,
    set_network_moderator,
)
from .views import flash_reasons, me


def _moderator_only() -> None:
    if not moderates_anything(current_user):
        abort(404)


def _sanction_form() -> SanctionForm:
    form = SanctionForm()
    network = [("", "The whole network")] if can_moderate_network(current_user) else []
    form.group_id.choices = select_choices(
        network + [(str(g.id), g.name) for g in scope_groups(current_user)]
    )
    return form


def _member_page(
    member: User, form: SanctionForm, note: NoteForm, status: int = 200
) -> ResponseReturnValue:
    flags = db.session.scalars(
        select(Flag)
        .join(Post, Post.id == Flag.post_id)
        .where(Post.author_id == member.id)
        .order_by(Flag.created_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "moderation/member.html",
        member=member,
        form=form,
        note_form=note,
        lift_form=ReasonForm(),
        sanctions=sanctions_of(member),
        notes=notes_on(member),
        flags=flags,
    ), status


@bp.get("/moderation/members/<int:member_id>")
@login_required
def member(member_id: int) -> ResponseReturnValue:
    """Show a member's sanctions and moderator notes (moderators and admins only)."""
    _moderator_only()
    return _member_page(access_member(current_user, member_id), _sanction_form(), NoteForm())


@bp.post("/moderation/members/<int:member_id>/sanctions")
@login_required
def sanction(member_id: int) -> ResponseReturnValue:
    """Silence or suspend a member for a number of days, with a reason."""
    _moderator_only()
    person = access_member(current_user, member_id)
    form = _sanction_form()
    form.validate()
    raw = str(form.group_id.data or "")
    group = db.session.get(Group, int(raw)) if raw.isdigit() else None
    if raw and group is None:
        abort(404)
    try:
        impose_sanction(me(), person, form.kind.data or "", group, form.days.data, form.reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        apply_reasons(form, error)
        return _member_page(person, form, NoteForm(formdata=None), 400)
    flash(f"{person.display_name} is told what, why and until when.", "success")
    return redirect(url_for("moderation.member", member_id=person.id))


@bp.post("/moderation/sanctions/<int:sanction_id>/lift")
@login_required
def lift(sanction_id: int) -> ResponseReturnValue:
    """End a sanction early, with a reason."""
    _moderator_only()
    found = db.session.get(MemberSanction, sanction_id)
    if found is None:
        abort(404)
    try:
        lift_sanction(me(), found, ReasonForm().reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
    else:
        flash("The sanction is lifted.", "success")
    return redirect(url_for("moderation.member", member_id=found.user_id))


@bp.post("/moderation/members/<int:member_id>/notes")
@login_required
def note(member_id: int) -> ResponseReturnValue:
    """Add a private moderator note about a member."""
    _moderator_only()
    person = access_member(current_user, member_id)
    form = NoteForm()
    try:
        add_note(me(), person, form.text.data or "")
    except ValidationFailed as error:
        db.session.rollback()
        apply_reasons(form, error)
        return _member_page(person, _sanction_form(), form, 400)
    flash("Note saved. Only moderators and admins see it.", "success")
    return redirect(url_for("moderation.member", member_id=person.id))


@bp.post("/moderation/members/<int:member_id>/network-moderator")
@admin_required
def toggle_network_moderator(member_id: int) -> ResponseReturnValue:
    """Grant (``make=1``) or remove the network moderator role (admins only)."""
    person = access_member(current_user, member_id)
    make = request.form.get("make") == "1"
    set_network_moderator(me(), person, make)
    verb = "now" if make else "no longer"
    flash(f"{person.display_name} is {verb} a network moderator.", "success")
    return redirect(url_for("accounts.profile", member_id=person.id))
