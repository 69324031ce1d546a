"""Pages for coordinators and admins: members, requests, invitations, settings, proposals."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..access import access_group, admin_required, can_manage_group, can_read_group
from ..errors import ValidationFailed
from ..forms import apply_reasons
from ..models import Group
from ..models.groups import GROUP_ROLES, JOIN_POLICIES, VISIBILITIES
from . import bp
from .actions import GroupSettings, approve_proposal, reject_proposal, update_group
from .forms import GroupSettingsForm, InviteForm, RejectProposalForm, RoleForm
from .membership import (
    approve_request,
    change_role,
    decline_request,
    invite_member,
    remove_member,
)
from .queries import invite_candidates, members_by_id, pending_proposals, roster
from .views import flash_reasons


def _managed(group_id: int) -> Group:
    group = access_group(current_user, group_id)
    if group.status != "active" or not can_manage_group(current_user, group):
        abort(404)
    return group


def _to_members(group_id: int) -> ResponseReturnValue:
    return redirect(url_for("groups.members", group_id=group_id))


@bp.get("/groups/<int:group_id>/members")
@login_required
def members(group_id: int) -> ResponseReturnValue:
    """List a group's members; coordinators also answer requests, invite and set roles."""
    group = access_group(current_user, group_id)
    can_manage = group.status == "active" and can_manage_group(current_user, group)
    if not can_manage and not can_read_group(current_user, group):
        abort(404)
    search = request.args.get("q", "")[:100]
    people = roster(group)
    return render_template(
        "groups/members.html",
        group=group,
        roster=people,
        can_manage=can_manage,
        search=search,
        candidates=invite_candidates(group, search) if can_manage else [],
        inviters=members_by_id({m.invited_by_id for m in people.invited}),
        roles=GROUP_ROLES,
    )


@bp.post("/groups/<int:group_id>/invitations")
@login_required
def invite(group_id: int) -> ResponseReturnValue:
    """Invite a member chosen from the directory."""
    _managed(group_id)
    form = InviteForm()
    if not form.validate():
        for errors in form.errors.values():
            for reason in errors:
                flash(str(reason), "error")
        return _to_members(group_id)
    try:
        membership = invite_member(current_user, group_id, form.member_id.data)
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        name = membership.user.display_name
        if membership.status == "active":
            flash(f"{name} had asked to join, so they are now a member.", "success")
        else:
            flash(f"{name} has been invited and will see it on their Groups page.", "success")
    return _to_members(group_id)


@bp.post("/groups/<int:group_id>/requests/<int:membership_id>/approve")
@login_required
def approve_join_request(group_id: int, membership_id: int) -> ResponseReturnValue:
    """Let someone who asked to join in."""
    try:
        membership = approve_request(current_user, group_id, membership_id)
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        flash(f"{membership.user.display_name} is now a member.", "success")
    return _to_members(group_id)


@bp.post("/groups/<int:group_id>/requests/<int:membership_id>/decline")
@login_required
def decline_join_request(group_id: int, membership_id: int) -> ResponseReturnValue:
    """Turn down a request to join."""
    try:
        member = decline_request(current_user, group_id, membership_id)
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        flash(f"You have declined {member.display_name}'s request to join.", "info")
    return _to_members(group_id)


@bp.post("/groups/<int:group_id>/members/<int:membership_id>/role")
@login_required
def set_role(group_id: int, membership_id: int) -> ResponseReturnValue:
    """Make a member a coordinator, a group moderator or a plain member."""
    form = RoleForm()
    try:
        membership = change_role(current_user, group_id, membership_id, form.role.data or "")
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        role = GROUP_ROLES[membership.role].lower()
        flash(f"{membership.user.display_name} is now a {role}.", "success")
    return _to_members(group_id)


@bp.post("/groups/<int:group_id>/members/<int:membership_id>/remove")
@login_required
def remove(group_id: int, membership_id: int) -> ResponseReturnValue:
    """Remove someone from the group or cancel their invitation."""
    try:
        member = remove_member(current_user, group_id, membership_id)
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        flash(f"{member.display_name} is no longer in the group.", "success")
    return _to_members(group_id)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int) -> ResponseReturnValue:
    """Edit a group's purpose, visibility, join policy, interests and guidelines."""
    group = _managed(group_id)
    form = GroupSettingsForm(obj=group)
    if request.method == "GET":
        form.interests.data = ", ".join(interest.name for interest in group.interests)
    if form.validate_on_submit():
        settings = GroupSettings(
            purpose=form.purpose.data,
            visibility=form.visibility.data or "",
            join_policy=form.join_policy.data or "",
            interests=form.interests.data or "",
            guidelines=form.guidelines.data or "",
        )
        try:
            update_group(current_user, group_id, settings)
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            flash(f"{group.name} has been saved.", "success")
            return redirect(url_for("groups.show_group", group_id=group_id))
    status = 400 if form.is_submitted() else 200
    return render_template("groups/edit.html", form=form, group=group), status


def _proposals_page(failed: RejectProposalForm | None = None, group_id: int = 0) -> str:
    proposals = pending_proposals()
    forms = {g.id: RejectProposalForm(prefix=f"p{g.id}", formdata=None) for g in proposals}
    if failed is not None:
        forms[group_id] = failed
    return render_template(
        "groups/proposals.html",
        proposals=proposals,
        forms=forms,
        visibilities=VISIBILITIES,
        policies=JOIN_POLICIES,
    )


@bp.get("/groups/proposals")
@admin_required
def proposals() -> ResponseReturnValue:
    """List proposed groups for a network admin to approve or reject."""
    return _proposals_page()


@bp.post("/groups/proposals/<int:group_id>/approve")
@admin_required
def approve(group_id: int) -> ResponseReturnValue:
    """Approve a proposed group; its proposer becomes coordinator."""
    try:
        group = approve_proposal(current_user, group_id)
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        flash(f"{group.name} is open and its proposer is now its coordinator.", "success")
    return redirect(url_for("groups.proposals"))


@bp.post("/groups/proposals/<int:group_id>/reject")
@admin_required
def reject(group_id: int) -> ResponseReturnValue:
    """Reject a proposed group with a reason the proposer will read."""
    form = RejectProposalForm(prefix=f"p{group_id}")
    if form.validate():
        try:
            group = reject_proposal(current_user, group_id, form.reason.data)
        except ValidationFailed as error:
            if "reason" not in error.reasons:  # already decided: nothing left to correct
                flash_reasons(error)
                return redirect(url_for("groups.proposals"))
            apply_reasons(form, error)
        else:
            flash(f"{group.name} was not approved; the proposer has been told why.", "success")
            return redirect(url_for("groups.proposals"))
    return _proposals_page(form, group_id), 400
