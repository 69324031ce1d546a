"""Admin forms for the network and its organisations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import clean_text, select_choices, single_line
from ..models.accounts import ORGANISATION_KINDS


class NetworkForm(FlaskForm):
    name = StringField(
        "Network name",
        [InputRequired("Please give the network a name."), Length(max=120), single_line],
        filters=[clean_text],
    )
    purpose = TextAreaField(
        "Common purpose",
        [InputRequired("Please state the common purpose."), Length(max=2000)],
        filters=[clean_text],
        description="One or two sentences: what members are here to achieve together.",
    )
    guidelines = TextAreaField(
        "Community guidelines",
        [Length(max=10000)],
        filters=[clean_text],
        description="How we talk here. New members read these before they post.",
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        "Name",
        [InputRequired("Please enter the organisation's name."), Length(max=200), single_line],
        filters=[clean_text],
    )
    kind = SelectField(
        "Kind",
        choices=select_choices([("", "Choose a kind"), *ORGANISATION_KINDS.items()]),
        validators=[InputRequired("Please choose what kind of organisation this is.")],
    )
    region = StringField("Region", [Length(max=100), single_line], filters=[clean_text])
