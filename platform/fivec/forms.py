"""Form helpers shared by every feature: clean text fields and error plumbing."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from .errors import ValidationFailed

# Zero-width and direction-override characters let people disguise names and links.
_INVISIBLE = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
}


def clean_text(value: Any) -> Any:
    """Normalise text input: NFC, trimmed, without invisible or control characters.

    Newlines and tabs survive (multi-line fields need them); other controls are dropped.
    """
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value)
    value = "".join(
        ch
        for ch in value
        if ch not in _INVISIBLE and (ch in "\n\t" or unicodedata.category(ch) != "Cc")
    )
    return value.replace("\r\n", "\n").strip()


def select_choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Build a select box's options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def single_line(_form: FlaskForm, field: Field) -> None:
    """Refuse line breaks in one-line fields such as names."""
    if field.data and "\n" in field.data:
        raise ValidationError("Please keep this on one line.")


def apply_reasons(form: FlaskForm, error: ValidationFailed) -> None:
    """Show an action's reasons beside the matching fields (others at the top)."""
    for name, reason in error.reasons.items():
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = [*list(field.errors), reason]
        else:
            form.form_errors.append(reason)
