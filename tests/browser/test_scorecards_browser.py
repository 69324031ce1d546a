"""A coordinator's scorecard journey in a real browser: template, upload, fix, charts, publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks.models import Result, Submission
from benchmarks.periods import format_period, recent_periods
from benchmarks.submissions import save_values
from benchmarks.validation import ValueRow
from fivec.clock import utcnow
from fivec.extensions import db
from tests.benchmarks.conftest import PEERS, Network
from tests.benchmarks.conftest import network as network  # the fixture
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SEPSIS = "Sepsis: antibiotics within one hour"


def _peer_figures(network: Network, months: list[Any]) -> None:
    rows = [
        ValueRow(0, network.sepsis.id, peer.id, start, 30 + n, 50 + n, 100 * (30 + n) / (50 + n))
        for n, peer in enumerate(network.peers)
        for start in months
    ]
    save_values(None, rows, source="csv")


def test_template_upload_fix_charts_and_publish(
    page: Any, network: Network, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    months = list(reversed(recent_periods(utcnow().date(), "monthly", 12)))
    _peer_figures(network, months)
    email, sepsis_id, mine_id = network.coordinator.email, network.sepsis.id, network.mine.id
    db.session.commit()  # reads in the test hold SQLite's write lock until they end

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecards").click()
    page.get_by_role("link", name="Sepsis and falls").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template").click()
    template = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert template.startswith("organisation,measure,period,numerator,denominator,value,version")

    header = "organisation,measure,period,numerator,denominator,value\n"
    good = [f"Northfield Hospitals,{SEPSIS},{format_period(m, 'monthly')},40,50," for m in months]
    bad = good[:]
    bad[5] = bad[5].replace(",40,50,", ",55,50,")
    upload = tmp_path / "figures.csv"
    upload.write_text(header + "\n".join(bad) + "\n", encoding="utf-8")

    page.get_by_role("link", name="Upload a CSV").click()
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Check and save").click()
    expect(page.get_by_text("Nothing was saved", exact=False).first).to_be_visible()
    expect(page.get_by_text("cannot be more than 100%")).to_be_visible()
    expect(page.get_by_role("cell", name="7", exact=True)).to_be_visible()  # spreadsheet row
    saved = select(func.count(Submission.id)).where(Submission.organisation_id == mine_id)
    assert db.session.scalar(saved) == 0
    db.session.commit()

    upload.write_text(header + "\n".join(good) + "\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Check and save").click()
    expect(page.get_by_text("Saved: 12 new")).to_be_visible()

    spc = page.locator(f'[data-chart="m{sepsis_id}-spc"] canvas')
    funnel = page.locator(f'[data-chart="m{sepsis_id}-funnel"] canvas')
    expect(spc).to_have_count(1)
    expect(funnel).to_have_count(1)
    main = page.get_by_role("main")
    expect(main.get_by_role("rowheader", name="Northfield Hospitals").first).to_be_visible()
    expect(main.get_by_text("Peer B").first).to_be_visible()
    for name in PEERS:
        expect(main.get_by_text(name)).to_have_count(0)

    page.get_by_role("link", name="Write up a result").click()
    page.get_by_label("Title").fill("Antibiotics from the trolley")
    page.get_by_label("Measure").select_option(label=SEPSIS)
    page.get_by_label("Whose figures").select_option(label="Northfield Hospitals")
    page.get_by_label("What we tried").fill("A sepsis trolley on every ward.")
    page.get_by_label("What happened").fill("Antibiotics within the hour went up.")
    page.get_by_label("What we learned").fill("Put the kit where the patient is.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("saved as a draft")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish to the network").click()
    expect(page.get_by_text("Published to the whole network.")).to_be_visible()
    expect(page.locator('[data-chart="result"] canvas')).to_have_count(1)
    assert db.session.scalar(select(Result.status)) == "published"
