"""Forms for scorecards: they validate shape; the actions validate meaning."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from fivec.forms import clean_text, select_choices, single_line

from .models import IMPROVEMENTS, MEASURE_KINDS, PERIODS


def _optional_int(value: str | None) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class MeasureForm(FlaskForm):
    name = StringField(
        "Name",
        [InputRequired("Please name the measure."), Length(max=120), single_line],
        filters=[clean_text],
        description="Short and unique, e.g. “Sepsis: antibiotics within one hour”.",
    )
    definition = TextAreaField(
        "Definition in plain words",
        [Length(max=2000)],
        filters=[clean_text],
        description="Who is counted, who is left out, and where the figures come from.",
    )
    kind = SelectField("Type", choices=select_choices(MEASURE_KINDS.items()))
    numerator_label = StringField(
        "Numerator (or observed) is…",
        [Length(max=200), single_line],
        filters=[clean_text],
        description="e.g. “Patients given antibiotics within one hour”.",
    )
    denominator_label = StringField(
        "Denominator (or expected) is…",
        [Length(max=200), single_line],
        filters=[clean_text],
        description="e.g. “Patients with suspected sepsis”.",
    )
    unit = StringField(
        "Unit", [Length(max=60), single_line], filters=[clean_text], description="e.g. %"
    )
    rate_multiplier = IntegerField(
        "Rate per",
        [Optional(), NumberRange(min=1, max=1_000_000, message="Use a number from 1 upwards.")],
        description="For rates only, e.g. 1000 for “per 1,000 bed days”.",
    )
    improvement = SelectField(
        "Which direction is better?", choices=select_choices(IMPROVEMENTS.items())
    )
    target = FloatField(
        "Target (optional)",
        [Optional()],
        description="On the scale shown, e.g. 90 for 90%.",
    )
    period = SelectField("Reported", choices=select_choices(PERIODS.items()))


class ScorecardForm(FlaskForm):
    name = StringField(
        "Name",
        [InputRequired("Please name the scorecard."), Length(max=120), single_line],
        filters=[clean_text],
    )
    description = TextAreaField("Description", [Length(max=2000)], filters=[clean_text])
    group_id = SelectField("Owning group", coerce=_optional_int, validate_choice=False)
    named_comparison = BooleanField(
        "The group agreed to compare organisations by name (otherwise peers are anonymised)"
    )
    suppression_threshold = IntegerField(
        "Hide peers' counts below",
        [NumberRange(min=1, max=100, message="Use a number from 1 to 100.")],
        default=8,
        description="Counts from 1 up to this number minus one are shown as * to peers.",
    )
    measures = SelectMultipleField(
        "Measures",
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )


class UploadForm(FlaskForm):
    file = FileField("CSV file", [FileRequired("Please choose the CSV file to upload.")])
    based_on = HiddenField()


class SubmitForm(FlaskForm):
    organisation_id = SelectField("Organisation", coerce=_optional_int, validate_choice=False)
    period = SelectField("Period", validate_choice=False)
    based_on = HiddenField()


class TokenForm(FlaskForm):
    label = StringField(
        "What will use this token?",
        [InputRequired("Please say what will use it."), Length(max=80), single_line],
        filters=[clean_text],
        description="e.g. “Data warehouse nightly export”.",
    )


class ResultForm(FlaskForm):
    title = StringField(
        "Title",
        [InputRequired("Please give the result a title."), Length(max=200), single_line],
        filters=[clean_text],
    )
    measure_id = SelectField("Measure", coerce=_optional_int, validate_choice=False)
    organisation_id = SelectField("Whose figures", coerce=_optional_int, validate_choice=False)
    frozen_as_of = DateField(
        "Chart as of",
        [InputRequired("Please choose the date the chart is frozen at.")],
        description="Figures for later periods are left out, and later changes never alter it.",
    )
    tried = TextAreaField(
        "What we tried",
        [InputRequired("Please say what you tried."), Length(max=10_000)],
        filters=[clean_text],
    )
    happened = TextAreaField(
        "What happened",
        [InputRequired("Please say what happened."), Length(max=10_000)],
        filters=[clean_text],
    )
    learned = TextAreaField(
        "What we learned",
        [InputRequired("Please say what you learned."), Length(max=10_000)],
        filters=[clean_text],
    )
