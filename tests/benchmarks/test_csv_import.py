"""CSV upload: every problem reported per row in plain words, and all rows saved or none."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks.csv_import import read_csv
from benchmarks.models import Submission, SubmissionRevision
from benchmarks.submissions import save_values
from benchmarks.validation import Catalogue, RowsRefused
from fivec.extensions import db
from tests.benchmarks.conftest import Network

HEADER = "organisation,measure,period,numerator,denominator,value\n"
SEPSIS = "Sepsis: antibiotics within one hour"
FALLS = '"Inpatient falls per 1,000 bed days"'  # quoted: the name holds a comma


def catalogue(network: Network, allowed: set[int] | None = None) -> Catalogue:
    return Catalogue.build(
        network.scorecard.measures,
        [network.mine, *network.peers],
        allowed if allowed is not None else {network.mine.id},
    )


def problems(network: Network, text: str | bytes) -> list[tuple[int, str, str]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(RowsRefused) as refused:
        read_csv(data, catalogue(network))
    return [(e.row, e.column, e.message) for e in refused.value.errors]


def submissions() -> int:
    return db.session.scalar(select(func.count(Submission.id))) or 0


def test_good_file_gives_checked_rows(network: Network) -> None:
    rows = read_csv(
        (HEADER + f"Northfield Hospitals,{SEPSIS},2024-01,45,50,\n").encode(), catalogue(network)
    )
    assert len(rows) == 1
    assert rows[0].value == pytest.approx(90.0)


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (f"Nowhere Trust,{SEPSIS},2024-01,1,2,", "organisation", "We do not know an organisation"),
        ("Northfield Hospitals,Hand hygiene,2024-01,1,2,", "measure", "not a measure on this"),
        (f"Northfield Hospitals,{SEPSIS},2024-13,1,2,", "period", "Write it as YYYY-MM"),
        (f"Northfield Hospitals,{SEPSIS},last month,1,2,", "period", "not a monthly period"),
        (f"Northfield Hospitals,{SEPSIS},2024-01,ten,20,", "numerator", "“ten” is not a number"),
        (f"Northfield Hospitals,{SEPSIS},2024-01,-3,20,", "numerator", "cannot be negative"),
        (f"Northfield Hospitals,{SEPSIS},2024-01,30,20,", "numerator", "cannot be more than 100%"),
        (f"Northfield Hospitals,{SEPSIS},2024-01,0,0,", "denominator", "nothing to divide by"),
        (f"Northfield Hospitals,{SEPSIS},2024-01,2.5,20,", "numerator", "whole number"),
        (
            f"Northfield Hospitals,{SEPSIS},2024-01,,20,",
            "numerator",
            "Please fill in the numerator",
        ),
        (f"Riverside Hospitals,{SEPSIS},2024-01,1,2,", "organisation", "You cannot submit"),
        (f"Northfield Hospitals,{SEPSIS},2024-01,1,inf,", "denominator", "is not a number"),
    ],
)
def test_each_bad_cell_is_reported_with_its_row_and_column(
    network: Network, line: str, column: str, words: str
) -> None:
    good = f"Northfield Hospitals,{SEPSIS},2023-12,1,2,\n"
    found = problems(network, HEADER + good + line + "\n")
    assert len(found) == 1
    row, reported_column, message = found[0]
    assert (row, reported_column) == (3, column)  # headings are row 1, as in Excel
    assert words in message


def test_duplicate_rows_name_the_first_one(network: Network) -> None:
    line = f"Northfield Hospitals,{SEPSIS},2024-01,1,2,\n"
    found = problems(network, HEADER + line + line.replace("2024-01", "Jan-24"))
    assert found == [(3, "period", found[0][2])]
    assert "repeats row 2" in found[0][2]


def test_missing_columns_are_reported_before_any_row(network: Network) -> None:
    found = problems(network, "organisation,period,numerator\nNorthfield Hospitals,2024-01,1\n")
    messages = " ".join(message for _row, _column, message in found)
    assert "no “measure” column" in messages
    assert "“numerator” and “denominator” columns" in messages
    assert {row for row, _c, _m in found} == {1}


def test_empty_file_and_workbook_get_plain_explanations(network: Network) -> None:
    assert "empty" in problems(network, "")[0][2]
    assert "Excel workbook" in problems(network, b"PK\x03\x04rest-of-zip")[0][2]
    assert "no rows of figures" in problems(network, HEADER)[0][2]


def test_excel_bom_semicolons_and_windows_encoding_are_read(network: Network) -> None:
    network.mine.name = "Northfield Hôpitaux"
    db.session.commit()
    utf8_bom = ("\ufeff" + HEADER + f"Northfield Hôpitaux,{SEPSIS},2024-01,1,2,\r\n").encode()
    cp1252 = (HEADER.replace(",", ";") + f"Northfield Hôpitaux;{SEPSIS};2024-02;1;2;\r\n").encode(
        "cp1252"
    )
    assert len(read_csv(utf8_bom, catalogue(network))) == 1
    assert len(read_csv(cp1252, catalogue(network))) == 1


def test_excel_reformatted_dates_and_thousands_are_understood(network: Network) -> None:
    text = HEADER + (
        f'Northfield Hospitals,{SEPSIS},01/02/2024,"1,200","1,500",\n'
        f"northfield hospitals,{SEPSIS.upper()},2024-03-01,1,2,\n"
        f"Northfield Hospitals,{SEPSIS},Apr-24,1,2,\n"
        f"Northfield Hospitals,{FALLS},2024-01,3,2500.5,\n"
    )
    rows = read_csv(text.encode(), catalogue(network))
    assert [r.period_start.month for r in rows] == [2, 3, 4, 1]
    assert rows[0].numerator == 1200
    assert rows[3].value == pytest.approx(3 / 2500.5 * 1000)


def test_a_file_with_one_bad_row_saves_nothing(web: Any, network: Network) -> None:
    web.login(network.coordinator.email)
    good = "".join(f"Northfield Hospitals,{SEPSIS},2024-{m:02d},40,50,\n" for m in range(1, 10))
    bad = f"Northfield Hospitals,{SEPSIS},2024-10,60,50,\n"
    response = web.post(
        f"/scorecards/{network.scorecard.id}/upload",
        {"file": (io.BytesIO((HEADER + good + bad).encode()), "figures.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in page
    assert "cannot be more than 100%" in page
    assert "<td>11</td>" in page  # the bad row's number as the spreadsheet shows it
    assert submissions() == 0

    fixed = web.post(
        f"/scorecards/{network.scorecard.id}/upload",
        {"file": (io.BytesIO((HEADER + good + bad.replace(",60,", ",45,")).encode()), "f.csv")},
        content_type="multipart/form-data",
    )
    assert fixed.status_code == 302
    assert submissions() == 10


def test_error_report_downloads_as_csv_for_its_owner_only(
    web: Any, make_web: Any, network: Network
) -> None:
    web.login(network.coordinator.email)
    response = web.post(
        f"/scorecards/{network.scorecard.id}/upload",
        {"file": (io.BytesIO((HEADER + "Nowhere,x,y,1,2,\n").encode()), "f.csv")},
        content_type="multipart/form-data",
    )
    link = response.get_data(as_text=True).split('href="/scorecards/upload-reports/')[1]
    url = "/scorecards/upload-reports/" + link.split('"')[0]
    report = web.get(url)
    assert report.status_code == 200
    assert report.data.startswith(b"\xef\xbb\xbfrow,column,problem\r\n")
    assert b"2,organisation,We do not know" in report.data
    other = make_web()
    other.login(network.member.email)
    assert other.get(url).status_code == 404


def test_changed_since_template_was_downloaded_is_refused(network: Network) -> None:
    text = HEADER.strip() + ",version\n" + f"Northfield Hospitals,{SEPSIS},2024-01,40,50,,0\n"
    rows = read_csv(text.encode(), catalogue(network))
    # A colleague saves the same period first (after our template was made).
    save_values(network.member, read_csv(text.encode(), catalogue(network)), source="form")
    with pytest.raises(RowsRefused) as refused:
        save_values(
            network.coordinator,
            [r.__class__(**{**r.__dict__, "value": 70.0, "numerator": 35}) for r in rows],
            source="csv",
        )
    message = refused.value.errors[0].message
    assert "Mia Member changed this value" in message
    assert "Download a fresh template" in message
    assert db.session.scalar(select(Submission.numerator)) == 40


def test_corrections_with_the_right_version_keep_history(network: Network) -> None:
    first = HEADER.strip() + ",version\n" + f"Northfield Hospitals,{SEPSIS},2024-01,40,50,,0\n"
    save_values(network.member, read_csv(first.encode(), catalogue(network)), source="csv")
    corrected = first.replace(",40,50,,0", ",42,50,,1")
    summary = save_values(
        network.coordinator, read_csv(corrected.encode(), catalogue(network)), source="csv"
    )
    assert (summary.created, summary.updated) == (0, 1)
    submission = db.session.scalar(select(Submission))
    assert (submission.numerator, submission.version) == (42, 2)
    revision = db.session.scalar(select(SubmissionRevision))
    assert (revision.numerator, revision.version) == (40, 1)
    assert revision.changed_by_id == network.coordinator.id
    assert revision.old_submitted_by_id == network.member.id


def test_page_opened_before_someone_else_saved_is_refused(network: Network) -> None:
    from datetime import timedelta

    from fivec.clock import utcnow

    opened = utcnow() - timedelta(minutes=5)
    line = HEADER + f"Northfield Hospitals,{SEPSIS},2024-01,40,50,\n"
    save_values(network.member, read_csv(line.encode(), catalogue(network)))
    again = read_csv(line.replace(",40,", ",41,").encode(), catalogue(network))
    with pytest.raises(RowsRefused, match="Nothing was saved") as refused:
        save_values(network.coordinator, again, based_on=opened)
    assert "after you opened this page" in refused.value.errors[0].message


def test_five_thousand_rows_are_checked_and_saved_together(
    network: Network, make_organisation: Any
) -> None:
    organisations = [
        network.mine,
        *network.peers,
        *(make_organisation(f"Trust {n}") for n in range(24)),
    ]
    combos = [(o.name, m) for o in organisations for m in (SEPSIS, FALLS)]  # 60 a month
    lines = [
        f"{combos[i % 60][0]},{combos[i % 60][1]},"
        f"{2015 + i // 60 // 12}-{i // 60 % 12 + 1:02d},{i % 40},{50 + i % 7},"
        for i in range(5_000)
    ]
    text = HEADER + "\n".join(lines) + "\n"
    everyone = Catalogue.build(
        network.scorecard.measures, organisations, {o.id for o in organisations}
    )
    rows = read_csv(text.encode(), everyone)
    assert len(rows) == 5_000
    summary = save_values(network.coordinator, rows, source="csv")
    assert summary.created == 5_000
    assert submissions() == 5_000
