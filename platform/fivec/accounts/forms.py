"""Forms for members: they validate shape; the actions validate meaning."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..forms import clean_text, select_choices, single_line
from ..models.accounts import PROFESSIONS

_EMAIL = [
    InputRequired("Please enter your email address."),
    Length(max=254, message="An email address is at most 254 characters."),
    Email("That does not look like an email address, e.g. name@nhs.net."),
]
_NAME = [
    InputRequired("Please enter the name colleagues know you by."),
    Length(max=80, message="Please keep your name under 80 characters."),
    single_line,
]
PROFESSION_CHOICES = select_choices([("", "Choose your profession or role"), *PROFESSIONS.items()])


def _org_choice(value: str | None) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class RegisterForm(FlaskForm):
    email = EmailField("Email", _EMAIL, filters=[clean_text])
    display_name = StringField("Your name", _NAME, filters=[clean_text])
    organisation_id = SelectField(
        "Organisation", coerce=_org_choice, validate_choice=False, validators=[Optional()]
    )
    profession = SelectField(
        "Profession or role",
        choices=PROFESSION_CHOICES,
        validators=[InputRequired("Please choose your profession or role.")],
    )
    password = PasswordField(
        "Password", [InputRequired("Please choose a password."), Length(max=256)]
    )


class LoginForm(FlaskForm):
    email = EmailField("Email", _EMAIL[:2], filters=[clean_text])
    password = PasswordField("Password", [InputRequired("Please enter your password.")])
    remember = BooleanField("Keep me logged in on this device")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", _EMAIL, filters=[clean_text])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", [InputRequired("Please choose a password."), Length(max=256)]
    )


class ProfileForm(FlaskForm):
    display_name = StringField("Your name", _NAME, filters=[clean_text])
    organisation_id = SelectField(
        "Organisation", coerce=_org_choice, validate_choice=False, validators=[Optional()]
    )
    profession = SelectField("Profession or role", choices=PROFESSION_CHOICES)
    job_title = StringField(
        "Job title",
        [Length(max=120, message="Please keep your job title under 120 characters."), single_line],
        filters=[clean_text],
    )
    interests = StringField(
        "Interests",
        [Length(max=500, message="Please list fewer interests (500 characters at most).")],
        filters=[clean_text],
        description="Separate with commas, e.g. sepsis, falls prevention, SPC charts.",
    )
    bio = TextAreaField(
        "About you",
        [Length(max=1000, message="Please keep this under 1,000 characters.")],
        filters=[clean_text],
        description="What you work on and what you could help others with.",
    )
