"""Business operations on members: register, authenticate, reset, edit a profile."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import cache

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import Viewer, can_edit_profile
from ..errors import ValidationFailed
from ..extensions import db
from ..mail import deliver, queue_email
from ..models import Interest, Organisation, User
from ..models.accounts import PROFESSIONS
from .passwords import password_problem

MAX_INTERESTS = 15
_RESET_SALT = "fivec-password-reset"


@dataclass(frozen=True)
class Registration:
    """What a newcomer types on the register form."""

    email: str
    display_name: str
    password: str
    profession: str
    organisation_id: int | None = None


@dataclass(frozen=True)
class ProfileChanges:
    """The editable parts of a profile."""

    display_name: str
    profession: str
    organisation_id: int | None
    job_title: str
    interests: str
    bio: str


def normalise_email(email: str) -> str:
    """Compare emails case-insensitively (NHS.net and nhs.net are one address)."""
    return email.strip().lower()


def _hash_method() -> str:
    return str(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def hash_password(password: str) -> str:
    """Hash with scrypt (tests may configure a cheaper method to stay fast)."""
    return generate_password_hash(password, method=_hash_method())


def register_member(info: Registration) -> User:
    """Create a member account, refusing duplicate emails and weak passwords."""
    reasons: dict[str, str] = {}
    email = normalise_email(info.email)
    if db.session.scalar(select(User.id).where(User.email_normalised == email)) is not None:
        reasons["email"] = "An account with this email already exists. Try logging in instead."
    problem = password_problem(info.password, email=email, display_name=info.display_name)
    if problem:
        reasons["password"] = problem
    _check_profession_and_org(info.profession, info.organisation_id, reasons)
    if reasons:
        raise ValidationFailed(reasons)
    member = User(
        email=info.email.strip(),
        email_normalised=email,
        display_name=info.display_name,
        password_hash=hash_password(info.password),
        profession=info.profession,
        organisation_id=info.organisation_id,
    )
    db.session.add(member)
    db.session.commit()
    return member


def _check_profession_and_org(
    profession: str, organisation_id: int | None, reasons: dict[str, str]
) -> None:
    if profession not in PROFESSIONS:
        reasons["profession"] = "Please choose your profession or role from the list."
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        reasons["organisation_id"] = "Please choose your organisation from the list."


@cache
def _dummy_hash(method: str) -> str:
    """A real hash to check when the email is unknown, so both paths take as long and
    response time does not reveal who has an account."""
    return generate_password_hash("not-a-real-password-for-timing", method=method)


def authenticate(email: str, password: str) -> User | None:
    """Return the member with this email and password, or None."""
    member = db.session.scalar(select(User).where(User.email_normalised == normalise_email(email)))
    if member is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
        return None
    return member if check_password_hash(member.password_hash, password) else None


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _password_fingerprint(member: User) -> str:
    """Bind a reset token to the current password: once it changes, the token is spent."""
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:20]


def request_password_reset(email: str) -> None:
    """Email a reset link when the address has an account; say nothing either way."""
    member = db.session.scalar(select(User).where(User.email_normalised == normalise_email(email)))
    if member is None:
        return
    token = _reset_serializer().dumps({"id": member.id, "fp": _password_fingerprint(member)})
    link = url_for("accounts.reset_password", token=token, _external=True)
    hours = current_app.config["FIVEC"].password_reset_max_age // 3600 or 1
    message = queue_email(
        member.email,
        "Reset your FiveC password",
        "password_reset",
        member=member,
        link=link,
        hours=hours,
    )
    db.session.commit()
    deliver([message.id])


def member_for_reset_token(token: str) -> User:
    """Return the member a reset token belongs to, or explain why it cannot be used."""
    max_age = current_app.config["FIVEC"].password_reset_max_age
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed(
            {"": "This reset link has expired. Please ask for a new one."}
        ) from None
    except BadSignature:
        raise ValidationFailed(
            {"": "This reset link is not valid. Please ask for a new one."}
        ) from None
    member = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if member is None or not hmac.compare_digest(
        str(data.get("fp")), _password_fingerprint(member)
    ):
        raise ValidationFailed(
            {"": "This reset link has already been used. Please ask for a new one."}
        )
    return member


def reset_password(token: str, password: str) -> User:
    """Set a new password from a valid token; the token and other sessions stop working."""
    member = member_for_reset_token(token)
    problem = password_problem(password, email=member.email, display_name=member.display_name)
    if problem:
        raise ValidationFailed({"password": problem})
    member.password_hash = hash_password(password)
    member.session_generation += 1
    db.session.commit()
    return member


_TAG_SPLIT = re.compile(r"[,;\n]")


def parse_interests(text: str) -> list[str]:
    """Split "Sepsis, falls prevention" into clean, lower-case, de-duplicated tags."""
    tags: list[str] = []
    for raw in _TAG_SPLIT.split(text or ""):
        tag = " ".join(raw.lower().strip().lstrip("#").split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def update_profile(editor: Viewer, member: User, changes: ProfileChanges) -> User:
    """Save a member's profile; interests become shared tags."""
    if not can_edit_profile(editor, member):
        raise ValidationFailed({"": "You can only edit your own profile."})
    reasons: dict[str, str] = {}
    _check_profession_and_org(changes.profession, changes.organisation_id, reasons)
    tags = parse_interests(changes.interests)
    if len(tags) > MAX_INTERESTS:
        reasons["interests"] = f"Please choose at most {MAX_INTERESTS} interests."
    if any(len(tag) > 50 for tag in tags):
        reasons["interests"] = "Each interest can be at most 50 characters."
    if reasons:
        raise ValidationFailed(reasons)
    member.display_name = changes.display_name
    member.profession = changes.profession
    member.organisation_id = changes.organisation_id
    member.job_title = changes.job_title
    member.bio = changes.bio
    member.interests = [_interest(tag) for tag in tags]
    db.session.commit()
    return member


def _interest(name: str) -> Interest:
    existing = db.session.scalar(select(Interest).where(func.lower(Interest.name) == name))
    if existing is not None:
        return existing
    interest = Interest(name=name)
    db.session.add(interest)
    return interest
