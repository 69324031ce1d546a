"""Pages for members: register, log in and out, password reset, profiles, directory."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from ..access import access_member, can_edit_profile, can_view_directory, login_bar
from ..core.security import safe_next
from ..errors import ValidationFailed
from ..extensions import db, limiter, login_manager
from ..forms import apply_reasons, select_choices
from ..models import User
from ..models.accounts import PROFESSIONS
from ..viewer_facts import load_viewer
from . import bp
from .actions import (
    ProfileChanges,
    Registration,
    authenticate,
    member_for_reset_token,
    normalise_email,
    register_member,
    request_password_reset,
    update_profile,
)
from .actions import (
    reset_password as reset_member_password,
)
from .directory import DirectoryFilter, find_members, organisation_choices, popular_interests
from .forms import ForgotPasswordForm, LoginForm, ProfileForm, RegisterForm, ResetPasswordForm

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the member from ``"<id>:<generation>"``; stale generations are logged out."""
    raw_id, _, generation = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    member: User | None = load_viewer(int(raw_id))  # with the facts every page asks
    if member is None or str(member.session_generation) != generation:
        return None
    if login_bar(member) is not None:  # suspended: the session ends at once
        return None
    return member


def _start_session(member: User, remember: bool) -> None:
    """Log in on a fresh session so a planted session id is worthless (fixation)."""
    session.clear()
    login_user(member, remember=remember)
    session.permanent = remember


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create an account and log the newcomer in."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    form.organisation_id.choices = select_choices(
        [("", "Not listed / none"), *organisation_choices()]
    )
    if form.validate_on_submit():
        try:
            member = register_member(
                Registration(
                    email=form.email.data,
                    display_name=form.display_name.data,
                    password=form.password.data,
                    profession=form.profession.data,
                    organisation_id=form.organisation_id.data,
                )
            )
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            _start_session(member, remember=False)
            flash(f"Welcome to the network, {member.display_name}.", "success")
            return redirect(url_for("accounts.edit_profile"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


def _login_account_key() -> str:
    """Rate-limit key per account, so one account cannot be guessed at from many IPs."""
    return "login:" + normalise_email(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["FIVEC"].login_limit_per_ip, methods=["POST"])
@limiter.limit(
    lambda: current_app.config["FIVEC"].login_limit_per_account,
    key_func=_login_account_key,
    methods=["POST"],
)
def login() -> ResponseReturnValue:
    """Log a member in and send them where they were going (on this site only)."""
    target = safe_next(request.values.get("next"), url_for("core.home"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        member = authenticate(form.email.data, form.password.data)
        barred = login_bar(member) if member is not None else None
        if member is not None and barred is None:
            _start_session(member, remember=bool(form.remember.data))
            return redirect(target)
        form.form_errors.append(barred or "That email and password do not match an account.")
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form, next=target), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out (POST with CSRF, so a link on another site cannot log you out)."""
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("core.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Send a reset link; the answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from an emailed link."""
    form = ResetPasswordForm()
    try:
        member_for_reset_token(token)
    except ValidationFailed as error:
        return render_template("accounts/reset_invalid.html", reason=error.reasons[""]), 400
    if form.validate_on_submit():
        try:
            member = reset_member_password(token, form.password.data)
        except ValidationFailed as error:
            apply_reasons(form, error)
        else:
            _start_session(member, remember=False)
            flash("Your password has been changed and you are logged in.", "success")
            return redirect(url_for("core.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.get("/members")
@login_required
def directory() -> ResponseReturnValue:
    """List members, searchable and filterable by organisation, profession and interest."""
    if not can_view_directory(current_user):
        abort(404)
    org_raw = request.args.get("organisation", "")
    filters = DirectoryFilter(
        text=request.args.get("q", "")[:200],
        organisation_id=int(org_raw) if org_raw.isdigit() else None,
        profession=request.args.get("profession", "")
        if request.args.get("profession") in PROFESSIONS
        else "",
        interest=request.args.get("interest", "")[:50],
    )
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "accounts/directory.html",
        members=find_members(filters, max(page, 1)),
        filters=filters,
        organisations=organisation_choices(),
        professions=PROFESSIONS,
        interests=popular_interests(),
    )


@bp.get("/members/<int:member_id>")
@login_required
def profile(member_id: int) -> ResponseReturnValue:
    """Show a member's profile."""
    member = access_member(current_user, member_id)
    return render_template(
        "accounts/profile.html", member=member, can_edit=can_edit_profile(current_user, member)
    )


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit_profile() -> ResponseReturnValue:
    """Edit my own profile."""
    member: User = current_user._get_current_object()
    form = ProfileForm(obj=member)
    form.organisation_id.choices = select_choices(
        [("", "Not listed / none"), *organisation_choices()]
    )
    if request.method == "GET":
        form.interests.data = ", ".join(i.name for i in member.interests)
    if form.validate_on_submit():
        try:
            update_profile(
                current_user,
                member,
                ProfileChanges(
                    display_name=form.display_name.data,
                    profession=form.profession.data,
                    organisation_id=form.organisation_id.data,
                    job_title=form.job_title.data or "",
                    interests=form.interests.data or "",
                    bio=form.bio.data or "",
                ),
            )
        except ValidationFailed as error:
            db.session.rollback()
            apply_reasons(form, error)
        else:
            flash("Your profile has been saved.", "success")
            return redirect(url_for("accounts.profile", member_id=member.id))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/edit_profile.html", form=form, member=member), status
