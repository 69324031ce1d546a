"""Forms for moderation: they check shape; the actions check meaning (and the reasons)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from fivec.forms import clean_text, select_choices

from .audit import REASON_MAX
from .models import FLAG_REASONS, SANCTION_KINDS
from .review import DECISIONS

REASON_HINT = "Members of the group see this in its moderation log."


def _reason(label: str = "Reason") -> TextAreaField:
    return TextAreaField(
        label,
        [Length(max=REASON_MAX, message=f"Please keep it under {REASON_MAX} characters.")],
        filters=[clean_text],
        description=REASON_HINT,
    )


class FlagForm(FlaskForm):
    reason = RadioField(
        "Why are you flagging this post?", choices=select_choices(FLAG_REASONS.items())
    )
    text = TextAreaField("Anything a moderator should know? (optional)", filters=[clean_text])


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=select_choices(DECISIONS.items()))
    reason = _reason()
    body = TextAreaField("Edited text (for “Edit and approve”)", [Optional()], filters=[clean_text])


class BulkForm(FlaskForm):
    decision = SelectField(
        "Decision for the ticked items",
        choices=select_choices((k, v) for k, v in DECISIONS.items() if k != "edit_approve"),
    )
    reason = _reason("Reason (one for all)")


class ReasonForm(FlaskForm):
    reason = _reason()


class SanctionForm(FlaskForm):
    kind = SelectField("What", choices=select_choices(SANCTION_KINDS.items()))
    group_id = SelectField("Where", choices=[])
    days = IntegerField("For how many days", [Optional()], default=7)
    reason = _reason("Reason (the member is told this)")


class NoteForm(FlaskForm):
    text = TextAreaField("Private note", filters=[clean_text])


class MoveForm(FlaskForm):
    group_id = SelectField("Move to", choices=[])
    reason = _reason()


class MergeForm(FlaskForm):
    target_id = IntegerField("Merge this thread into thread number", [Optional()])
    reason = _reason()


class SplitForm(FlaskForm):
    title = StringField("Title of the new thread", filters=[clean_text])
    reason = _reason()


class SlowModeForm(FlaskForm):
    seconds = IntegerField("Seconds between a member's posts (0: off)", [Optional()])
    reason = _reason()
