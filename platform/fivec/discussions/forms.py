"""Forms for discussions: they check shape; the actions check meaning."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import clean_text, single_line
from .actions import BODY_MAX, TITLE_MAX

_BODY = [
    DataRequired("Please write something before posting."),
    Length(
        max=BODY_MAX,
        message=f"Your post is too long. Please keep it under {BODY_MAX:,} characters "
        "(about 8,000 words), or split it into several posts.",
    ),
]
BODY_HINT = (
    "Markdown works: **bold**, *italic*, > quote, - lists, tables. "
    "Mention someone with @[Their Name]. Never include anything that could identify a patient."
)


def new_client_token() -> str:
    """A random id for one draft, so a double submit finds the first post."""
    return secrets.token_urlsafe(24)


class ThreadForm(FlaskForm):
    title = StringField(
        "Title",
        [
            DataRequired("Please give your thread a title, e.g. the question you want answered."),
            Length(max=TITLE_MAX, message=f"Please keep the title under {TITLE_MAX} characters."),
            single_line,
        ],
        filters=[clean_text],
    )
    body = TextAreaField("Your post", _BODY, filters=[clean_text], description=BODY_HINT)
    client_token = HiddenField(default=new_client_token)
    # The composer's "I agree" box under guidelines not yet agreed to (its value names them).
    agree_guidelines = StringField()


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", _BODY, filters=[clean_text], description=BODY_HINT)
    parent_id = IntegerField(validators=[Optional()])
    client_token = HiddenField(default=new_client_token)
    agree_guidelines = StringField()


class EditPostForm(FlaskForm):
    body = TextAreaField("Your post", _BODY, filters=[clean_text], description=BODY_HINT)
    version = IntegerField(validators=[InputRequired()])
