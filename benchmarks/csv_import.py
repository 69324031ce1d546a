"""Read a whole CSV file of figures: decode it, find the columns and check every row.

Nothing here writes: ``read_csv`` returns checked rows or raises ``RowsRefused`` with every
problem found, and ``submissions.save_values`` stores the rows all together or not at all.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from .validation import Catalogue, RowError, RowsRefused, ValueRow, check_row

REQUIRED_COLUMNS = ("organisation", "measure", "period")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "numerator", "denominator", "value", "rebase", "version")
# Other spellings people (and other systems) use for our column headings.
ALIASES = {
    "organization": "organisation",
    "org": "organisation",
    "organisation name": "organisation",
    "organisation code": "organisation",
    "trust": "organisation",
    "metric": "measure",
    "indicator": "measure",
    "measure name": "measure",
    "month": "period",
    "quarter": "period",
    "new baseline": "rebase",
}
MAX_ERRORS = 5_000  # beyond this the report stops listing (the file is probably the wrong one)


def decode(data: bytes) -> str:
    """Turn the uploaded bytes into text: UTF-8 (with or without Excel's BOM), UTF-16 with a
    BOM (Excel's "Unicode text"), else Windows-1252, which older Excel uses in the UK."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d ...)
        return data.decode("latin-1")


def _delimiter(first_line: str) -> str:
    # Excel in much of Europe saves "CSV" with semicolons; "Unicode text" uses tabs.
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _heading(text: str) -> str:
    name = " ".join(text.replace("_", " ").split()).casefold()
    return ALIASES.get(name, name)


def read_csv(data: bytes, catalogue: Catalogue) -> list[ValueRow]:
    """Check every row of a CSV file; return the rows, or raise RowsRefused listing problems."""
    if data.startswith(b"PK\x03\x04"):
        raise RowsRefused([_file_error("This is an Excel workbook, not a CSV file. " + _SAVE_AS)])
    text = decode(data)
    if not text.strip():
        raise RowsRefused([_file_error("The file is empty. Please upload the filled-in template.")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    headings = [_heading(cell) for cell in next(reader)]
    _check_headings(headings)
    rows: list[ValueRow] = []
    errors: list[RowError] = []
    total = 0
    for number, cells in _data_rows(reader):
        total += 1
        raw = {
            name: cells[i] if i < len(cells) else ""
            for i, name in enumerate(headings)
            if name in KNOWN_COLUMNS
        }
        checked = check_row(raw, number, catalogue)
        if isinstance(checked, ValueRow):
            rows.append(checked)
        elif len(errors) < MAX_ERRORS:
            errors.extend(checked)
    if total == 0:
        raise RowsRefused([_file_error("The file has headings but no rows of figures under them.")])
    if errors:
        raise RowsRefused(errors[:MAX_ERRORS], total)
    return rows


_SAVE_AS = "In Excel choose File > Save As and pick “CSV UTF-8 (comma delimited)”."


def _file_error(message: str, column: str = "") -> RowError:
    return RowError(1, column, message)


def _check_headings(headings: list[str]) -> None:
    errors = [
        _file_error(
            f"The file has no “{name}” column. Keep the template's headings in row 1.", name
        )
        for name in REQUIRED_COLUMNS
        if name not in headings
    ]
    has_counts = "numerator" in headings and "denominator" in headings
    if not has_counts and "value" not in headings:
        errors.append(
            _file_error(
                "The file needs “numerator” and “denominator” columns (or a “value” column "
                "for plain values). Keep the template's headings in row 1."
            )
        )
    duplicated = sorted({name for name in headings if name and headings.count(name) > 1})
    errors.extend(
        _file_error(f"The “{name}” column appears more than once; keep one.", name)
        for name in duplicated
    )
    if errors and not any(name in headings for name in KNOWN_COLUMNS):
        errors.append(_file_error("Row 1 should hold the column headings. " + _SAVE_AS))
    if errors:
        raise RowsRefused(errors)


def _data_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cells) for rows that hold anything."""
    for number, cells in enumerate(reader, start=2):
        if any(cell.strip() for cell in cells):
            yield number, cells
