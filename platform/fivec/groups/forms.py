"""Forms for groups: they validate shape; the actions validate meaning."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import clean_text, select_choices, single_line
from ..models.groups import GROUP_ROLES, JOIN_POLICIES, VISIBILITIES
from .actions import MAX_GUIDELINES, MAX_NAME, MAX_PURPOSE, MAX_REASON

KIND_CHOICES = select_choices(
    [
        ("topic", "Topic group: a subject the whole network can talk about, e.g. Sepsis"),
        ("peer", "Peer sub-group: a smaller circle inside a topic group, e.g. a project team"),
    ]
)


def _optional_id(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if value and value.isdigit() else None


class GroupSettingsForm(FlaskForm):
    purpose = TextAreaField(
        "Purpose",
        [
            DataRequired("Please say what the group is for, in a sentence or two."),
            Length(
                max=MAX_PURPOSE,
                message=f"Please keep the purpose under {MAX_PURPOSE:,} characters.",
            ),
        ],
        filters=[clean_text],
        description="One or two sentences: what members of this group work on together.",
    )
    visibility = SelectField(
        "Who can see it", choices=select_choices(VISIBILITIES.items()), validate_choice=False
    )
    join_policy = SelectField(
        "How people join", choices=select_choices(JOIN_POLICIES.items()), validate_choice=False
    )
    interests = StringField(
        "Interests",
        [Length(max=500, message="Please list fewer interests (500 characters at most).")],
        filters=[clean_text],
        description=(
            "Separate with commas, e.g. sepsis, NEWS2. "
            "Members who share these interests see the group suggested."
        ),
    )
    guidelines = TextAreaField(
        "Group guidelines (optional)",
        [
            Length(
                max=MAX_GUIDELINES,
                message=f"Please keep the guidelines under {MAX_GUIDELINES:,} characters.",
            )
        ],
        filters=[clean_text],
        description="How this group works, on top of the network's guidelines.",
    )


class ProposeGroupForm(GroupSettingsForm):
    name = StringField(
        "Group name",
        [
            DataRequired("Please give the group a name."),
            Length(max=MAX_NAME, message=f"Please keep the name under {MAX_NAME} characters."),
            single_line,
        ],
        filters=[clean_text],
    )
    kind = SelectField("Kind of group", choices=KIND_CHOICES, validate_choice=False)
    parent_id = SelectField(
        "Inside which topic group?",
        coerce=_optional_id,
        validate_choice=False,
        validators=[Optional()],
        description="Only for peer sub-groups.",
    )


class RejectProposalForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the proposer",
        [
            DataRequired("Please tell the proposer why, so they can improve it."),
            Length(
                max=MAX_REASON, message=f"Please keep the reason under {MAX_REASON} characters."
            ),
        ],
        filters=[clean_text],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=select_choices(GROUP_ROLES.items()), validate_choice=False)


class InviteForm(FlaskForm):
    member_id = IntegerField(
        "Member", [InputRequired("Please choose a member from the directory.")]
    )
