"""CSV exports open cleanly in Excel and never run a cell as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from benchmarks.exports import csv_bytes, safe_cell


@pytest.mark.parametrize(
    "dangerous", ["=SUM(A1:A9)", "+1+1", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("x")']
)
def test_cells_that_would_run_as_formulas_are_escaped(dangerous: str) -> None:
    assert safe_cell(dangerous) == "'" + dangerous


def test_numbers_and_plain_text_are_left_alone() -> None:
    assert safe_cell(-3) == "-3"
    assert safe_cell(0.25) == "0.25"
    assert safe_cell("Northfield") == "Northfield"
    assert safe_cell(None) == ""


def test_file_has_bom_crlf_and_round_trips() -> None:
    data = csv_bytes(("organisation", "note"), [("Trust, North", "=1+1"), ("Hôpital", "ok")])
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["organisation", "note"], ["Trust, North", "'=1+1"], ["Hôpital", "ok"]]
