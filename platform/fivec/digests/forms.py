"""Digest forms: preferences and moderators' picks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import clean_text, select_choices, single_line
from ..models.digests import DIGEST_FREQUENCIES
from .periods import DAY_NAMES, zone


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferencesForm(FlaskForm):
    frequency = SelectField("How often", choices=select_choices(DIGEST_FREQUENCIES.items()))
    quiet_week_note = BooleanField("Send a short note even when nothing new happened")
    send_day = SelectField(
        "Day (weekly digests)",
        default="",
        choices=select_choices(
            [("", "Network default (Monday)"), *((str(i), d) for i, d in enumerate(DAY_NAMES))]
        ),
    )
    send_hour = IntegerField(
        "Hour",
        description="0 to 23 in your time zone; leave empty for the network default (7).",
        validators=[
            Optional(),
            NumberRange(0, 23, message="Choose an hour from 0 (midnight) to 23 (11 pm)."),
        ],
    )
    timezone = StringField(
        "Time zone",
        default="Europe/London",
        filters=[clean_text],
        validators=[InputRequired(), Length(max=64)],
    )
    groups = CheckboxesField("Include these groups", coerce=int)

    def validate_timezone(self, field: Field) -> None:
        """Accept only time zone names Python knows, such as Europe/London."""
        if zone(field.data or "").key != field.data:
            raise ValidationError("Use a time zone name such as Europe/London.")


class PickForm(FlaskForm):
    thread_id = IntegerField("Thread number", validators=[Optional()])
    result_id = IntegerField("Result number", validators=[Optional()])
    reason = StringField(
        "Why members should read it (one line)",
        filters=[clean_text],
        validators=[InputRequired(), Length(max=200), single_line],
    )
