"""Published results: a write-up with a frozen chart, published by a coordinator."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from benchmarks.models import Result
from benchmarks.queries import latest_published_results, published_results_for_group
from benchmarks.submissions import save_values
from benchmarks.validation import ValueRow
from fivec.extensions import db
from fivec.models import Thread
from tests.benchmarks.conftest import Network, month


def write_up(web: Any, network: Network, as_of: str = "2024-06-30") -> Any:
    return web.post(
        f"/scorecards/{network.scorecard.id}/results/new",
        {
            "title": "Sepsis trolley on every ward",
            "measure_id": network.sepsis.id,
            "organisation_id": network.mine.id,
            "frozen_as_of": as_of,
            "tried": "A grab-bag trolley with antibiotics on every ward.",
            "happened": "Time to antibiotics fell.",
            "learned": "Put the kit where the patient is.",
        },
    )


def test_member_writes_a_draft_with_a_frozen_chart(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    response = write_up(web, filled)
    assert response.status_code == 302
    result = db.session.scalar(select(Result))
    assert result.status == "draft"
    assert result.frozen_as_of == date(2024, 6, 30)
    labels = [p["label"] for p in result.chart["points"]]
    assert labels[-1] == "Jun 2024"  # later periods left out
    page = web.get(f"/scorecards/results/{result.id}").get_data(as_text=True)
    assert "Sepsis trolley on every ward" in page
    assert "Frozen as of 30 Jun 2024" in page


def test_later_figures_do_not_change_a_frozen_chart(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    write_up(web, filled)
    result = db.session.scalar(select(Result))
    before = result.chart
    save_values(
        None,
        [
            ValueRow(1, filled.sepsis.id, filled.mine.id, month(30), 1, 50, 2.0),
        ],
    )
    db.session.refresh(result)
    assert result.chart == before


def test_only_a_coordinator_publishes_and_a_thread_opens(
    web: Any, make_web: Any, filled: Network
) -> None:
    web.login(filled.member.email)
    write_up(web, filled)
    result = db.session.scalar(select(Result))
    assert web.post(f"/scorecards/results/{result.id}/publish").status_code == 404
    coordinator = make_web()
    coordinator.login(filled.coordinator.email)
    assert coordinator.post(f"/scorecards/results/{result.id}/publish").status_code == 302
    db.session.refresh(result)
    assert result.status == "published"
    thread = db.session.get(Thread, result.thread_id)
    assert thread is not None and thread.group_id == filled.group.id
    assert [r.id for r in published_results_for_group(filled.group.id, 5)] == [result.id]
    assert [r.id for r in latest_published_results(5)] == [result.id]


def test_published_results_reach_the_whole_network_drafts_do_not(
    web: Any, make_web: Any, filled: Network
) -> None:
    filled.group.visibility = "members"
    db.session.commit()
    web.login(filled.member.email)
    write_up(web, filled)
    result = db.session.scalar(select(Result))
    outsider = make_web()
    outsider.login(filled.outsider.email)
    assert outsider.get(f"/scorecards/results/{result.id}").status_code == 404
    coordinator = make_web()
    coordinator.login(filled.coordinator.email)
    coordinator.post(f"/scorecards/results/{result.id}/publish")
    assert outsider.get(f"/scorecards/results/{result.id}").status_code == 200
    assert "Sepsis trolley" in outsider.get("/scorecards/results").get_data(as_text=True)
    home = outsider.get("/").get_data(as_text=True)
    assert "Results shared with the network" in home and "Sepsis trolley" in home
    group_page = coordinator.get(f"/groups/{filled.group.id}").get_data(as_text=True)
    assert "Sepsis trolley" in group_page


def test_a_future_date_is_refused_in_plain_words(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    response = write_up(web, filled, as_of="2999-01-01")
    assert response.status_code == 400
    assert "Choose today or an earlier date" in response.get_data(as_text=True)
