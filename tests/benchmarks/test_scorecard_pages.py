"""Scorecard pages: my organisation named, peers anonymised and suppressed, access rules."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from benchmarks.models import Measure, Submission
from benchmarks.periods import format_period, recent_periods
from benchmarks.submissions import save_values
from benchmarks.validation import ValueRow
from fivec.clock import utcnow
from fivec.extensions import db
from tests.benchmarks.conftest import PEERS, Network, month

LAST_START = recent_periods(utcnow().date(), "monthly", 1)[0]
LAST_MONTH = format_period(LAST_START, "monthly")


def chart_data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="scorecard-charts">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def test_scorecard_shows_my_spc_funnel_and_peer_charts(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    response = web.get(f"/scorecards/{filled.scorecard.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Northfield Hospitals" in page
    for key in ("spc", "funnel", "peers"):
        assert f'data-chart="m{filled.sepsis.id}-{key}"' in page
    assert "Variation: Special cause: improving variation" in page
    assert "Assurance:" in page
    assert "This SPC chart shows each month" in page
    assert "funnel's lines" in page
    charts = chart_data(page)
    funnel = charts[f"m{filled.sepsis.id}-funnel"]
    assert {p["label"] for p in funnel["points"]} >= {"Northfield Hospitals"}
    assert len(funnel["curve"]) > 10


def test_peer_names_never_reach_the_page_when_anonymised(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    for name in PEERS:
        assert name not in page
    assert "Peer A" in page or "Peer B" in page


def test_peers_are_named_when_the_group_agreed(web: Any, filled: Network) -> None:
    filled.scorecard.named_comparison = True
    db.session.commit()
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    assert all(name in page for name in PEERS)


def test_small_numbers_of_peers_are_suppressed(web: Any, filled: Network) -> None:
    latest = db.session.scalar(
        select(Submission).where(
            Submission.organisation_id == filled.peers[0].id, Submission.period_start == month(23)
        )
    )
    latest.numerator, latest.denominator, latest.value = 3, 5, 60.0
    db.session.commit()
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    peers = chart_data(page)[f"m{filled.sepsis.id}-peers"]
    hidden = [row for row in peers["rows"] if row["suppressed"]]
    assert len(hidden) == 1
    assert hidden[0]["value"] is None and hidden[0]["numerator"] is None
    assert 'title="Hidden: small numbers">*' in page
    funnel = chart_data(page)[f"m{filled.sepsis.id}-funnel"]
    assert funnel["hidden"] == 1
    assert 60.0 not in [p["y"] for p in funnel["points"]]


def test_anonymised_peers_counts_are_hidden(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    rows = chart_data(page)[f"m{filled.sepsis.id}-peers"]["rows"]
    mine = [r for r in rows if r["mine"]]
    assert mine[0]["numerator"] is not None
    assert all(r["numerator"] is None for r in rows if not r["mine"])


def test_peer_export_is_anonymised_and_opens_in_excel(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    url = f"/scorecards/{filled.scorecard.id}/measures/{filled.sepsis.id}/peers.csv"
    response = web.get(url)
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert "Northfield Hospitals" in text
    assert not any(name in text for name in PEERS)


def test_no_inline_scripts_on_the_scorecard_page(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "vendor/echarts/echarts.min.js" in page


def test_scorecard_of_a_members_only_group_is_404_for_non_members(
    web: Any, filled: Network
) -> None:
    filled.group.visibility = "members"
    db.session.commit()
    web.login(filled.outsider.email)
    assert web.get(f"/scorecards/{filled.scorecard.id}").status_code == 404
    assert web.get(f"/scorecards/{filled.scorecard.id}/template.csv").status_code == 404
    assert "Sepsis and falls" not in web.get("/scorecards/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(web: Any, filled: Network) -> None:
    assert web.get(f"/scorecards/{filled.scorecard.id}").status_code == 302


def test_plain_members_cannot_submit_for_their_organisation(web: Any, network: Network) -> None:
    web.login(network.member.email)
    assert web.get(f"/scorecards/{network.scorecard.id}/submit").status_code == 404
    assert web.get(f"/scorecards/{network.scorecard.id}/upload").status_code == 404


def test_coordinator_enters_a_month_by_form(web: Any, network: Network) -> None:
    web.login(network.coordinator.email)
    form = web.get(f"/scorecards/{network.scorecard.id}/submit?period={LAST_MONTH}")
    assert form.status_code == 200
    key = f"m{network.sepsis.id}-"
    response = web.post(
        f"/scorecards/{network.scorecard.id}/submit",
        {
            "organisation_id": network.mine.id,
            "period": LAST_MONTH,
            key + "numerator": "45",
            key + "denominator": "50",
            key + "version": "0",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(Submission))
    assert (saved.period_start, saved.value) == (LAST_START, 90.0)


def test_form_shows_the_problem_beside_the_measure(web: Any, network: Network) -> None:
    web.login(network.coordinator.email)
    key = f"m{network.sepsis.id}-"
    response = web.post(
        f"/scorecards/{network.scorecard.id}/submit",
        {
            "organisation_id": network.mine.id,
            "period": LAST_MONTH,
            key + "numerator": "60",
            key + "denominator": "50",
            key + "version": "0",
        },
    )
    assert response.status_code == 400
    assert "cannot be more than 100%" in response.get_data(as_text=True)
    assert db.session.scalar(select(Submission)) is None


def test_form_refuses_to_overwrite_a_colleagues_change(web: Any, network: Network) -> None:
    save_values(
        network.member,
        [ValueRow(1, network.sepsis.id, network.mine.id, LAST_START, 40, 50, 80.0)],
    )
    web.login(network.coordinator.email)
    key = f"m{network.sepsis.id}-"
    response = web.post(
        f"/scorecards/{network.scorecard.id}/submit",
        {
            "organisation_id": network.mine.id,
            "period": LAST_MONTH,
            key + "numerator": "45",
            key + "denominator": "50",
            key + "version": "0",
        },
    )
    assert response.status_code == 400
    assert "Mia Member changed this value" in response.get_data(as_text=True)
    assert db.session.scalar(select(Submission.numerator)) == 40


def test_coordinator_adds_a_measure_and_members_cannot(
    web: Any, make_web: Any, network: Network
) -> None:
    data = {
        "name": "Hand hygiene compliance",
        "kind": "proportion",
        "improvement": "increase",
        "period": "monthly",
        "unit": "%",
    }
    member = make_web()
    member.login(network.member.email)
    assert member.post(f"/scorecards/{network.scorecard.id}/measures/new", data).status_code == 404
    web.login(network.coordinator.email)
    response = web.post(f"/scorecards/{network.scorecard.id}/measures/new", data)
    assert response.status_code == 302
    measure = db.session.scalar(select(Measure).where(Measure.name == data["name"]))
    assert measure is not None and measure.group_id == network.group.id
    duplicate = web.post(f"/scorecards/{network.scorecard.id}/measures/new", data)
    assert "Another measure already has this name" in duplicate.get_data(as_text=True)


def test_template_lists_my_organisation_with_versions(web: Any, filled: Network) -> None:
    web.login(filled.coordinator.email)
    response = web.get(f"/scorecards/{filled.scorecard.id}/template.csv")
    text = response.data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "organisation,measure,period,numerator,denominator,value,version"
    assert all(line.startswith("Northfield Hospitals") for line in lines[1:] if line)
    assert not any(name in text for name in PEERS)


def test_the_form_shows_who_changed_a_figure_and_the_old_value(web: Any, network: Network) -> None:
    first = ValueRow(1, network.sepsis.id, network.mine.id, LAST_START, 40, 50, 80.0)
    save_values(network.member, [first])
    corrected = ValueRow(1, network.sepsis.id, network.mine.id, LAST_START, 44, 50, 88.0, False, 1)
    save_values(network.coordinator, [corrected])
    web.login(network.coordinator.email)
    page = web.get(f"/scorecards/{network.scorecard.id}/submit?period={LAST_MONTH}")
    text = page.get_data(as_text=True)
    assert "Version 2, saved" in text and "by Cora Ordinator" in text
    assert "Earlier versions (1)" in text
    assert "Version 1: 40 / 50" in text
