"""Pages for members: the group directory, a group's page, joining, invitations, proposals."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..access import (
    access_group,
    can_list_group,
    can_manage_group,
    can_post_in_group,
    can_read_group,
    is_network_admin,
)
from ..core.security import safe_next
from ..errors import ValidationFailed
from ..forms import apply_reasons, select_choices
from ..models.groups import GROUP_KINDS, GROUP_ROLES, JOIN_POLICIES, VISIBILITIES
from . import bp
from .actions import GroupProposal, GroupSettings, create_group, propose_group
from .forms import ProposeGroupForm
from .membership import accept_invitation, decline_invitation, join_group, leave_group
from .queries import (
    GroupFilter,
    coordinators_of,
    find_groups,
    group_interest_names,
    group_threads,
    invitations_for,
    member_counts,
    members_by_id,
    memberships_by_group,
    pending_proposals,
    proposals_by,
    roster,
    suggested_groups,
    topic_choices,
    visible_subgroups,
)


def flash_reasons(error: ValidationFailed) -> None:
    """Show an action's reasons as messages at the top of the next page."""
    for reason in error.reasons.values():
        flash(reason, "error")


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/groups")
@login_required
def directory() -> ResponseReturnValue:
    """List groups to join: suggestions from my interests and profession, then all groups."""
    filters = GroupFilter(
        text=request.args.get("q", "")[:200],
        interest=request.args.get("interest", "")[:50],
        kind=request.args.get("kind", "") if request.args.get("kind") in GROUP_KINDS else "",
    )
    groups = find_groups(current_user, filters, _page())
    suggestions = suggested_groups(current_user)
    invitations = invitations_for(current_user)
    shown = [g.id for g in groups.items] + [s.group.id for s in suggestions]
    return render_template(
        "groups/directory.html",
        groups=groups,
        suggestions=suggestions,
        filters=filters,
        kinds=GROUP_KINDS,
        interests=group_interest_names(current_user),
        memberships=memberships_by_group(current_user),
        counts=member_counts(shown),
        invitations=invitations,
        inviters=members_by_id({i.invited_by_id for i in invitations}),
        proposals=proposals_by(current_user),
        waiting=len(pending_proposals()) if is_network_admin(current_user) else 0,
    )


@bp.get("/groups/<int:group_id>")
@login_required
def show_group(group_id: int) -> ResponseReturnValue:
    """Show a group's purpose, people, sub-groups and, to its readers, its threads."""
    group = access_group(current_user, group_id)
    can_read = can_read_group(current_user, group)
    can_manage = group.status == "active" and can_manage_group(current_user, group)
    return render_template(
        "groups/group.html",
        group=group,
        membership=memberships_by_group(current_user).get(group.id),
        coordinators=coordinators_of(group),
        member_count=member_counts([group.id]).get(group.id, 0),
        subgroups=visible_subgroups(current_user, group),
        threads=group_threads(group, _page()) if can_read else None,
        can_post=can_post_in_group(current_user, group),
        can_manage=can_manage,
        requests=len(roster(group).requested) if can_manage else 0,
        kinds=GROUP_KINDS,
        visibilities=VISIBILITIES,
        policies=JOIN_POLICIES,
        roles=GROUP_ROLES,
    )


@bp.post("/groups/<int:group_id>/join")
@login_required
def join(group_id: int) -> ResponseReturnValue:
    """Join, ask to join, or accept an invitation, as the group's join policy says."""
    back = safe_next(request.form.get("next"), url_for("groups.show_group", group_id=group_id))
    try:
        membership = join_group(current_user, group_id)
    except ValidationFailed as error:
        flash_reasons(error)
    else:
        name = membership.group.name
        if membership.status == "active":
            flash(f"You have joined {name}.", "success")
        else:
            flash(
                f"You have asked to join {name}. A coordinator will look at your request.",
                "success",
            )
    return redirect(back)


@bp.post("/groups/<int:group_id>/leave")
@login_required
def leave(group_id: int) -> ResponseReturnValue:
    """Leave a group, or withdraw a request to join it."""
    group = access_group(current_user, group_id)
    back = safe_next(request.form.get("next"), url_for("groups.show_group", group_id=group_id))
    try:
        was = leave_group(current_user, group_id)
    except ValidationFailed as error:
        flash_reasons(error)
        return redirect(back)
    if was == "requested":
        flash(f"You have withdrawn your request to join {group.name}.", "success")
    else:
        flash(f"You have left {group.name}.", "success")
    # A members-only page shows little and a hidden one no longer exists for you.
    if not can_list_group(current_user, group) or not can_read_group(current_user, group):
        back = url_for("groups.directory")
    return redirect(back)


@bp.get("/groups/invitations")
@login_required
def invitations() -> ResponseReturnValue:
    """List the invitations waiting for me."""
    waiting = invitations_for(current_user)
    return render_template(
        "groups/invitations.html",
        invitations=waiting,
        inviters=members_by_id({i.invited_by_id for i in waiting}),
    )


@bp.post("/groups/<int:group_id>/invitation/accept")
@login_required
def accept(group_id: int) -> ResponseReturnValue:
    """Accept an invitation and go to the group."""
    group = accept_invitation(current_user, group_id)
    flash(f"Welcome to {group.name}. You are now a member.", "success")
    return redirect(url_for("groups.show_group", group_id=group.id))


@bp.post("/groups/<int:group_id>/invitation/decline")
@login_required
def decline(group_id: int) -> ResponseReturnValue:
    """Decline an invitation."""
    group = decline_invitation(current_user, group_id)
    flash(f"You have declined the invitation to {group.name}.", "info")
    return redirect(safe_next(request.form.get("next"), url_for("groups.invitations")))


@bp.route("/groups/propose", methods=["GET", "POST"])
@login_required
def propose() -> ResponseReturnValue:
    """Propose a new group (network admins create it straight away)."""
    form = ProposeGroupForm()
    form.parent_id.choices = select_choices(
        [("", "None: this is a topic group"), *topic_choices(current_user)]
    )
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.kind.data, form.parent_id.data = "peer", int(request.args["parent"])
    if form.validate_on_submit():
        proposal = GroupProposal(
            name=form.name.data,
            kind=form.kind.data or "",
            parent_id=form.parent_id.data,
            settings=GroupSettings(
                purpose=form.purpose.data,
                visibility=form.visibility.data or "",
                join_policy=form.join_policy.data or "",
                interests=form.interests.data or "",
                guidelines=form.guidelines.data or "",
            ),
        )
        admin = is_network_admin(current_user)
        try:
            group = (create_group if admin else propose_group)(current_user, proposal)
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            if admin:
                flash(f"{group.name} is open. You are its coordinator.", "success")
            else:
                flash(
                    f"Thank you. A network admin will look at your proposal for {group.name}; "
                    "you will get a notification when they decide.",
                    "success",
                )
            return redirect(url_for("groups.show_group", group_id=group.id))
    status = 400 if form.is_submitted() else 200
    return render_template("groups/propose.html", form=form), status
