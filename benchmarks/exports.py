"""CSV files that open cleanly in Excel: UTF-8 with a BOM, CRLF line ends, no live formulas."""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Response
from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Organisation

from .models import Measure, Scorecard, Submission
from .periods import format_period, recent_periods
from .validation import RowError

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEMPLATE_COLUMNS = (
    "organisation",
    "measure",
    "period",
    "numerator",
    "denominator",
    "value",
    "version",
)
TEMPLATE_PERIODS = 3  # the template offers the last three complete periods


def safe_cell(value: object) -> str:
    """Return ``value`` as text that a spreadsheet shows but never runs."""
    if value is None:
        return ""
    if isinstance(value, int | float):  # numbers we wrote ourselves are never formulas
        return f"{value:.10g}" if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Write rows as Excel-friendly CSV bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """Send rows as a CSV download named ``filename``."""
    return csv_download(filename, csv_bytes(header, rows))


def csv_download(filename: str, data: bytes) -> Response:
    """Send CSV bytes as a download named ``filename``."""
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


ERROR_REPORT_COLUMNS = ("row", "column", "problem")
REPORT_FOLDER = "upload-reports"
REPORT_MAX_AGE = timedelta(days=1)
_REPORT_NAME = re.compile(r"[A-Za-z0-9_-]{16,64}")


def save_error_report(instance_path: str, user_id: int, errors: Sequence[RowError]) -> str:
    """Keep a refused upload's problems for a day as CSV; return the name to fetch it by."""
    folder = Path(instance_path) / REPORT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - REPORT_MAX_AGE.total_seconds()
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    name = secrets.token_urlsafe(18)
    rows = [(error.row, error.column, error.message) for error in errors]
    (folder / f"{user_id}-{name}.csv").write_bytes(csv_bytes(ERROR_REPORT_COLUMNS, rows))
    return name


def load_error_report(instance_path: str, user_id: int, name: str) -> bytes | None:
    """Return the report ``name`` if it belongs to ``user_id``, else None."""
    if not _REPORT_NAME.fullmatch(name):
        return None
    path = Path(instance_path) / REPORT_FOLDER / f"{user_id}-{name}.csv"
    return path.read_bytes() if path.is_file() else None


def template_rows(
    scorecard: Scorecard, organisations: Sequence[Organisation], today: date
) -> list[tuple[object, ...]]:
    """Rows of the upload template: each organisation, measure and recent period, with
    the figures already held and their version (so changes made meanwhile are caught)."""
    rows: list[tuple[object, ...]] = []
    org_ids = [o.id for o in organisations]
    measure_ids = [m.id for m in scorecard.measures]
    held = {
        (s.measure_id, s.organisation_id, s.period_start): s
        for s in db.session.scalars(
            select(Submission).where(
                Submission.measure_id.in_(measure_ids), Submission.organisation_id.in_(org_ids)
            )
        )
    }
    for organisation in organisations:
        for measure in scorecard.measures:
            for start in reversed(recent_periods(today, measure.period, TEMPLATE_PERIODS)):
                current = held.get((measure.id, organisation.id, start))
                rows.append(_template_row(organisation, measure, start, current))
    return rows


def _template_row(
    organisation: Organisation, measure: Measure, start: date, current: Submission | None
) -> tuple[object, ...]:
    numerator = current.numerator if current and measure.has_counts else None
    denominator = current.denominator if current and measure.has_counts else None
    value = current.value if current and not measure.has_counts else None
    return (
        organisation.name,
        measure.name,
        format_period(start, measure.period),
        _plain(numerator),
        _plain(denominator),
        _plain(value),
        current.version if current else 0,
    )


def _plain(number: float | None) -> object:
    if number is None:
        return ""
    return int(number) if float(number).is_integer() else number


def chart_table(chart: str, data: dict[str, Any]) -> tuple[tuple[str, ...], list[list[object]]]:
    """Return the header and rows of a chart's table, exactly as the page shows them."""
    if chart == "spc":
        keys = ("label", "value", "numerator", "denominator", "mean", "lpl", "upl", "type", "rule")
        header = ("period", "value", "numerator", "denominator", "mean", "lower process limit")
        header += ("upper process limit", "variation", "special-cause rule")
        return header, [[p[k] for k in keys] for p in data["points"]]
    if chart == "funnel":
        header = ("organisation", "denominator (peers rounded to 5)", "value", "status")
        return header, [[p["label"], p["x"], p["y"], p["status"]] for p in data["points"]]
    header = ("rank", "organisation", "value", "numerator", "denominator")
    return header, [
        [
            r["rank"],
            r["label"],
            "*" if r["suppressed"] else r["value"],
            r["numerator"],
            r["denominator"],
        ]
        for r in data["rows"]
    ]
