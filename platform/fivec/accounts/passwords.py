"""Password rules: long enough and not one everybody guesses first.

``common-passwords.txt.gz`` is the 20,000-entry list by Royce Williams, as shipped with
Django (BSD licence). Most entries are short, so a password is also refused when it is
a common one padded with digits or symbols ("password12345!"), or one character repeated.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256
_PADDING = re.compile(r"^(?P<core>.*?)[\d\W_]*$")


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Return why ``password`` is refused, in plain words, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return (
            f"Use at least {MIN_LENGTH} characters. "
            "A short phrase of three or four words works well."
        )
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    core = (_PADDING.match(lowered) or _PADDING.match("")).group("core")  # type: ignore[union-attr]
    if lowered in _common_passwords() or (len(core) >= 4 and core in _common_passwords()):
        return "That password is too common and easy to guess. Please choose another."
    if len(set(lowered)) <= 2:
        return "That password is too easy to guess. Please choose another."
    personal = {email.split("@")[0].lower(), display_name.replace(" ", "").lower()}
    if any(len(p) >= 4 and p in lowered.replace(" ", "") for p in personal):
        return "Please do not use your name or email address in your password."
    return None
