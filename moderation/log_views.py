"""The moderation logs, change champions, early warning and invitations to moderate."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from fivec.access import (
    access_group,
    access_member,
    access_moderated_group,
    admin_required,
    can_read_group,
    moderates_anything,
)
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, User

from . import bp
from .audit import ACTION_LABELS, LogFilter, csv_rows, group_log_query, log_query, parse_date
from .champions import (
    accept_invitation,
    can_invite_moderators,
    champions,
    decline_invitation,
    invitation_for,
    invite_to_moderate,
)
from .early_warning import heating_threads
from .queue import scope_groups
from .views import flash_reasons, me

PER_PAGE = 50
CSV_LIMIT = 100_000


@bp.get("/groups/<int:group_id>/moderation-log")
@login_required
def group_log(group_id: int) -> ResponseReturnValue:
    """Show a group's moderation log to the people who read the group."""
    group = access_group(current_user, group_id)
    if not can_read_group(current_user, group):
        abort(404)
    page = request.args.get("page", 1, type=int) or 1
    entries = db.paginate(group_log_query(group), page=max(page, 1), per_page=PER_PAGE)
    return render_template(
        "moderation/group_log.html", group=group, entries=entries, labels=ACTION_LABELS
    )


def _filters() -> LogFilter:
    actor, group = request.args.get("actor", ""), request.args.get("group", "")
    action = request.args.get("action", "")
    return LogFilter(
        actor_id=int(actor) if actor.isdigit() else None,
        action=action if action in ACTION_LABELS else "",
        group_id=int(group) if group.isdigit() else None,
        since=parse_date(request.args.get("since")),
        until=parse_date(request.args.get("until")),
    )


@bp.get("/moderation/log")
@admin_required
def full_log() -> ResponseReturnValue:
    """Show the whole log to admins, filterable by moderator, action, group and date."""
    filters = _filters()
    page = request.args.get("page", 1, type=int) or 1
    entries = db.paginate(log_query(filters), page=max(page, 1), per_page=PER_PAGE)
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    actor = db.session.get(User, filters.actor_id) if filters.actor_id else None
    return render_template(
        "moderation/log.html",
        entries=entries,
        filters=filters,
        labels=ACTION_LABELS,
        groups=groups,
        actor=actor,
    )


@bp.get("/moderation/log.csv")
@admin_required
def full_log_csv() -> ResponseReturnValue:
    """Download the filtered log as CSV (cells that look like formulas are quoted)."""
    entries = db.session.scalars(log_query(_filters()).limit(CSV_LIMIT)).all()
    return Response(
        csv_rows(entries),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="moderation-log.csv"'},
    )


@bp.get("/moderation/champions")
@login_required
def champions_page() -> ResponseReturnValue:
    """Rank a group's most constructive contributors (``?group=<id>``)."""
    if not moderates_anything(current_user):
        abort(404)
    groups = scope_groups(current_user)
    raw = request.args.get("group", "")
    if not raw and groups:
        return redirect(url_for("moderation.champions_page", group=groups[0].id))
    group = access_moderated_group(current_user, int(raw)) if raw.isdigit() else None
    if group is None:
        abort(404)
    return render_template(
        "moderation/champions.html",
        group=group,
        groups=groups,
        people=champions(group),
        can_invite=can_invite_moderators(me(), group),
    )


@bp.post("/moderation/champions/invite")
@login_required
def invite() -> ResponseReturnValue:
    """Invite a champion to moderate their group (one click, CSRF-protected)."""
    raw_group, raw_member = request.form.get("group_id", ""), request.form.get("member_id", "")
    if not (raw_group.isdigit() and raw_member.isdigit()):
        abort(404)
    group = access_moderated_group(current_user, int(raw_group))
    person = access_member(current_user, int(raw_member))
    try:
        invite_to_moderate(me(), group, person)
    except ValidationFailed as error:
        db.session.rollback()
        flash_reasons(error)
    else:
        flash(f"{person.display_name} is invited to moderate {group.name}.", "success")
    return redirect(url_for("moderation.champions_page", group=group.id))


@bp.route("/moderation/invitations/<int:group_id>", methods=["GET", "POST"])
@login_required
def invitation(group_id: int) -> ResponseReturnValue:
    """Show my invitation to moderate a group; accept or decline it."""
    group = access_group(current_user, group_id)
    if invitation_for(me(), group) is None:
        abort(404)
    if request.method == "POST":
        if request.form.get("answer") == "accept":
            try:
                accept_invitation(me(), group)
            except ValidationFailed as error:
                db.session.rollback()
                flash_reasons(error)
            else:
                flash(f"Thank you: you are now a moderator of {group.name}.", "success")
                return redirect(url_for("moderation.queue"))
        else:
            decline_invitation(me(), group)
            flash("You declined the invitation.", "info")
            return redirect(url_for("groups.show_group", group_id=group.id))
    return render_template("moderation/invitation.html", group=group)


@bp.get("/moderation/early-warning")
@login_required
def early_warning() -> ResponseReturnValue:
    """List threads heating up in my scope: flags coming in, rapid back-and-forth."""
    if not moderates_anything(current_user):
        abort(404)
    return render_template("moderation/early_warning.html", warnings=heating_threads(current_user))
