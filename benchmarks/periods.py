"""Reporting periods: months and quarters, as people type them and as we store them."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# Excel turns 2024-01 into "Jan-24" or "Jan 2024" when a file is opened and saved.
_MONTH_NAME = re.compile(r"([A-Za-z]{3,9})[- ](\d{2}|\d{4})")
_QUARTER = re.compile(r"(\d{4})[- ]?Q([1-4])|Q([1-4])[- ]?(\d{4})", re.IGNORECASE)
EARLIEST_YEAR = 2000


def parse_period(text: str, period: str) -> date | None:
    """Return the first day of the month or quarter ``text`` names, or None.

    Monthly: ``2024-01`` (also ``2024-01-15``, ``15/01/2024``, ``Jan-24``: any date in a
    month stands for that month). Quarterly: ``2024-Q1`` (also ``2024 Q1``, ``Q1 2024``).
    """
    text = text.strip()
    if period == "quarterly":
        match = _QUARTER.fullmatch(text)
        if not match:
            return None
        year = int(match.group(1) or match.group(4))
        quarter = int(match.group(2) or match.group(3))
        return _safe_date(year, 3 * quarter - 2)
    return _parse_month(text)


def _parse_month(text: str) -> date | None:
    if match := _YEAR_MONTH.fullmatch(text):
        return _safe_date(int(match.group(1)), int(match.group(2)))
    if match := _ISO_DATE.fullmatch(text):
        return _checked_day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _UK_DATE.fullmatch(text):
        return _checked_day(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    if match := _MONTH_NAME.fullmatch(text):
        month = _MONTHS.get(match.group(1).lower())
        year = int(match.group(2))
        return _safe_date(year + 2000 if year < 100 else year, month) if month else None
    return None


def _checked_day(year: int, month: int, day: int) -> date | None:
    try:
        date(year, month, day)
    except ValueError:
        return None
    return _safe_date(year, month)


def _safe_date(year: int, month: int) -> date | None:
    if not (EARLIEST_YEAR <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def period_example(period: str) -> str:
    """Return how to write a period, for error messages and hints."""
    return "YYYY-Qn, e.g. 2024-Q1" if period == "quarterly" else "YYYY-MM, e.g. 2024-01"


def format_period(start: date, period: str) -> str:
    """Write a period the way the CSV template does: 2024-01 or 2024-Q1."""
    if period == "quarterly":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def period_label(start: date, period: str) -> str:
    """Write a period for people: "Jan 2024" or "Q1 2024"."""
    if period == "quarterly":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return start.strftime("%b %Y")


def current_period(today: date, period: str) -> date:
    """Return the start of the period containing ``today``."""
    if period == "quarterly":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return date(today.year, today.month, 1)


def shift_period(start: date, period: str, steps: int) -> date:
    """Move ``steps`` months or quarters from ``start`` (negative goes back)."""
    months = steps * (3 if period == "quarterly" else 1)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def recent_periods(today: date, period: str, count: int) -> list[date]:
    """Return the last ``count`` complete periods before ``today``, newest first."""
    latest = shift_period(current_period(today, period), period, -1)
    return [shift_period(latest, period, -n) for n in range(count)]
