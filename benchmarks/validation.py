"""Check one row of figures (from a CSV file, the API or the form) in plain words."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.models import Organisation

from .models import Measure
from .periods import current_period, format_period, parse_period, period_example

_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"", "no", "n", "false", "0"}

Fail = Callable[[str, str], None]  # (column, message)


@dataclass(frozen=True)
class RowError:
    """A problem with one cell: row as a spreadsheet numbers it (headings are row 1)."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ValueRow:
    """One checked row, ready to save.

    ``expected_version`` is the version the sender was looking at: None when not given,
    0 when they expected no value yet.
    """

    row: int
    measure_id: int
    organisation_id: int
    period_start: date
    numerator: float | None
    denominator: float | None
    value: float
    rebase: bool = False
    expected_version: int | None = None


class RowsRefused(ValidationFailed):
    """Nothing was saved because some rows have problems; ``errors`` lists each one."""

    def __init__(self, errors: list[RowError], total_rows: int = 0) -> None:
        count = len(errors)
        super().__init__(
            {
                "": f"Nothing was saved: we found {count} problem{'s' if count != 1 else ''}. "
                "Please fix them and upload the whole file again."
            }
        )
        self.errors = errors
        self.total_rows = total_rows


@dataclass
class Catalogue:
    """What rows may name: measures and organisations by name (any case) or id."""

    measures: dict[str, Measure]
    organisations: dict[str, Organisation]
    allowed_organisation_ids: set[int]
    seen: dict[tuple[int, int, date], int] = field(default_factory=dict)

    @classmethod
    def build(
        cls, measures: Iterable[Measure], organisations: Iterable[Organisation], allowed: set[int]
    ) -> Catalogue:
        """Index measures and organisations by lower-cased name and by id."""
        by_measure: dict[str, Measure] = {}
        for measure in measures:
            by_measure[_key(measure.name)] = measure
            by_measure[str(measure.id)] = measure
        by_org: dict[str, Organisation] = {}
        for organisation in organisations:
            by_org[_key(organisation.name)] = organisation
            by_org[str(organisation.id)] = organisation
        return cls(by_measure, by_org, allowed)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def parse_number(text: str) -> float | None:
    """Return the number in ``text`` (None when blank); raise ValueError when it is not one."""
    text = text.strip()
    if not text:
        return None
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    number = float(text)  # ValueError for words
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def check_row(raw: Mapping[str, str], row: int, catalogue: Catalogue) -> ValueRow | list[RowError]:
    """Check one row; return it ready to save, or every problem found in it."""
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(row, column, message))

    organisation = _lookup_organisation(raw.get("organisation", ""), catalogue, fail)
    measure = _lookup_measure(raw.get("measure", ""), catalogue, fail)
    period_start = None
    period_text = raw.get("period", "").strip()
    if measure is not None:
        period_start = parse_period(period_text, measure.period)
        if not period_text:
            fail("period", f"Please fill in the period ({period_example(measure.period)}).")
        elif period_start is None:
            fail(
                "period",
                f"“{period_text}” is not a {measure.period} period we recognise. "
                f"Write it as {period_example(measure.period)}.",
            )
        elif period_start > current_period(utcnow().date(), measure.period):
            fail("period", f"{period_text} is in the future: send figures for past periods only.")
            period_start = None
    numbers = {name: _number(raw.get(name, ""), name, fail) for name in _columns_for(measure)}
    version = _version(raw.get("version", ""), fail)
    rebase = _flag(raw.get("rebase", ""), fail)
    if measure is None or organisation is None or period_start is None or errors:
        return errors
    counts = check_figures(measure, numbers, fail)
    if errors or counts is None:
        return errors
    key = (measure.id, organisation.id, period_start)
    if key in catalogue.seen:
        fail(
            "period",
            f"This row repeats row {catalogue.seen[key]}: same organisation, measure and "
            f"period ({format_period(period_start, measure.period)}). Keep one of them.",
        )
        return errors
    catalogue.seen[key] = row
    numerator, denominator, value = counts
    return ValueRow(
        row,
        measure.id,
        organisation.id,
        period_start,
        numerator,
        denominator,
        value,
        rebase,
        version,
    )


def _lookup_organisation(text: str, catalogue: Catalogue, fail: Fail) -> Organisation | None:
    text = text.strip()
    if not text:
        fail("organisation", "Please fill in the organisation.")
        return None
    organisation = catalogue.organisations.get(_key(text))
    if organisation is None:
        fail(
            "organisation",
            f"We do not know an organisation called “{text}”. "
            "Use the name exactly as it appears in the template.",
        )
        return None
    if organisation.id not in catalogue.allowed_organisation_ids:
        fail("organisation", f"You cannot submit figures for {organisation.name}.")
        return None
    return organisation


def _lookup_measure(text: str, catalogue: Catalogue, fail: Fail) -> Measure | None:
    text = text.strip()
    if not text:
        fail("measure", "Please fill in the measure.")
        return None
    measure = catalogue.measures.get(_key(text))
    if measure is None:
        fail(
            "measure",
            f"“{text}” is not a measure on this scorecard. "
            "Use the name exactly as it appears in the template.",
        )
    return measure


def _columns_for(measure: Measure | None) -> tuple[str, ...]:
    if measure is None:
        return ()
    return ("numerator", "denominator") if measure.has_counts else ("value",)


def _number(text: object, column: str, fail: Fail) -> float | None:
    raw = "" if text is None else str(text)
    try:
        number = parse_number(raw)
    except ValueError:
        fail(column, f"“{raw.strip()}” is not a number. Write digits only, without % or units.")
        return None
    if number is not None and number < 0:
        fail(column, f"The {column} cannot be negative (it is {raw.strip()}).")
        return None
    return number


def _version(text: object, fail: Fail) -> int | None:
    raw = "" if text is None else str(text).strip()
    if not raw:
        return None
    if not raw.isdigit():
        fail("version", "Please leave the version column as the template filled it in.")
        return None
    return int(raw)


def _flag(text: object, fail: Fail) -> bool:
    raw = "" if text is None else str(text).strip().lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        fail("rebase", "Write “yes” to start a new baseline from this period, or leave it blank.")
    return False


def check_figures(
    measure: Measure, numbers: Mapping[str, float | None], fail: Fail
) -> tuple[float | None, float | None, float] | None:
    """Check the figures make sense for the measure's type; return (num, den, value)."""
    if not measure.has_counts:
        value = numbers.get("value")
        if value is None:
            fail("value", "Please fill in the value.")
            return None
        return None, None, value
    numerator, denominator = numbers.get("numerator"), numbers.get("denominator")
    if numerator is None:
        fail("numerator", f"Please fill in the numerator ({_label(measure, 'numerator')}).")
    if denominator is None:
        fail("denominator", f"Please fill in the denominator ({_label(measure, 'denominator')}).")
    if numerator is None or denominator is None:
        return None
    if not numerator.is_integer():
        fail(
            "numerator", f"The numerator is a count, so it must be a whole number ({numerator:g})."
        )
        return None
    if measure.kind == "proportion" and not denominator.is_integer():
        fail(
            "denominator",
            f"The denominator is a count, so it must be a whole number ({denominator:g}).",
        )
        return None
    if denominator == 0:
        fail(
            "denominator",
            "The denominator is 0, so there is nothing to divide by. "
            "If nobody was eligible this period, leave the row out.",
        )
        return None
    if measure.kind == "proportion" and numerator > denominator:
        fail(
            "numerator",
            f"The numerator ({numerator:g}) is larger than the denominator ({denominator:g}): "
            "a proportion cannot be more than 100%.",
        )
        return None
    return numerator, denominator, measure.value_from(numerator, denominator)


def _label(measure: Measure, part: str) -> str:
    label = measure.numerator_label if part == "numerator" else measure.denominator_label
    return label or part
