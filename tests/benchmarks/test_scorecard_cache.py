"""Remembered scorecard sections: every way of sending figures shows at once, and one
organisation's view never reaches another through what is remembered."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from benchmarks.models import Measure, Submission
from benchmarks.page_cache import PERIOD_PEERS, SPC_PARTS
from benchmarks.periods import format_period
from benchmarks.sections import SECTIONS
from benchmarks.submissions import save_values
from benchmarks.tokens import create_token
from benchmarks.validation import ValueRow
from fivec.extensions import db
from fivec.models import GroupMembership, User
from tests.benchmarks.conftest import PEERS, Network, month
from tests.conftest import Web

NEXT_MONTH = format_period(month(24), "monthly")


def chart_data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="scorecard-charts">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def scorecard(web: Web, network: Network, query: str = "") -> tuple[str, dict[str, Any]]:
    response = web.get(f"/scorecards/{network.scorecard.id}{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, chart_data(page)


def my_latest(charts: dict[str, Any], network: Network) -> dict[str, Any]:
    return charts[f"m{network.sepsis.id}-spc"]["points"][-1]


def my_peer_row(charts: dict[str, Any], network: Network) -> dict[str, Any]:
    rows = charts[f"m{network.sepsis.id}-peers"]["rows"]
    return next(r for r in rows if r["mine"])


def stamp(measure: Measure) -> int:
    db.session.expire(measure)
    return measure.figures_stamp


@pytest.fixture
def peer_web(app: Flask, filled: Network, make_member: Any) -> tuple[Web, User]:
    """A second browser, logged in as a member of the first peer organisation."""
    peer = make_member("Pia Peer", organisation=filled.peers[0])
    db.session.add(GroupMembership(group_id=filled.group.id, user_id=peer.id, role="member"))
    db.session.commit()
    web = Web(app.test_client())
    web.login(peer.email)
    return web, peer


def test_a_figure_entered_by_form_shows_on_the_next_view(web: Any, filled: Network) -> None:
    web.login(filled.coordinator.email)
    _page, before = scorecard(web, filled)
    key = f"m{filled.sepsis.id}-"
    response = web.post(
        f"/scorecards/{filled.scorecard.id}/submit",
        {
            "organisation_id": filled.mine.id,
            "period": NEXT_MONTH,
            key + "numerator": "45",
            key + "denominator": "50",
            key + "version": "0",
        },
    )
    assert response.status_code == 302
    page, after = scorecard(web, filled)
    assert my_latest(after, filled)["value"] == 90.0
    spc_points = after[f"m{filled.sepsis.id}-spc"]["points"]
    assert len(spc_points) == len(before[f"m{filled.sepsis.id}-spc"]["points"]) + 1
    assert "Against peers, Jan 2025" in page  # the peer charts moved on to the new month
    assert [r["label"] for r in after[f"m{filled.sepsis.id}-peers"]["rows"]] == [
        "Northfield Hospitals"
    ]


def test_a_correction_uploaded_as_csv_shows_on_the_next_view(web: Any, filled: Network) -> None:
    web.login(filled.coordinator.email)
    _page, before = scorecard(web, filled)
    assert my_latest(before, filled)["value"] != 12.0
    csv = (
        "organisation,measure,period,numerator,denominator,value,version\n"
        f"Northfield Hospitals,{filled.sepsis.name},{format_period(month(23), 'monthly')},"
        "12,100,,1\n"
    )
    response = web.post(
        f"/scorecards/{filled.scorecard.id}/upload",
        {"file": (io.BytesIO(csv.encode()), "figures.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    _page, after = scorecard(web, filled)
    assert my_latest(after, filled)["value"] == 12.0
    assert (my_peer_row(after, filled)["numerator"], my_peer_row(after, filled)["value"]) == (
        12,
        12.0,
    )
    funnel = after[f"m{filled.sepsis.id}-funnel"]
    assert next(p for p in funnel["points"] if p["mine"])["y"] == 12.0
    assert funnel["target"] != before[f"m{filled.sepsis.id}-funnel"]["target"]


def test_a_figure_sent_through_the_api_shows_on_the_next_view(
    web: Any, client: Any, filled: Network
) -> None:
    web.login(filled.member.email)
    scorecard(web, filled)
    _token, secret = create_token(filled.coordinator, filled.mine, "Warehouse")
    body = {
        "rows": [
            {"measure": filled.sepsis.name, "period": NEXT_MONTH, "numerator": 7, "denominator": 10}
        ]
    }
    db.session.commit()
    sent = client.post(
        "/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {secret}"}
    )
    assert sent.status_code == 200
    db.session.expire_all()
    _page, after = scorecard(web, filled)
    assert my_latest(after, filled)["value"] == 70.0
    assert my_latest(after, filled)["label"] == "Jan 2025"


def test_every_save_gives_the_measure_a_new_stamp_and_only_that_measure(
    filled: Network,
) -> None:
    sepsis, falls = stamp(filled.sepsis), stamp(filled.falls)
    row = ValueRow(1, filled.sepsis.id, filled.mine.id, month(24), 5, 10, 50.0)
    save_values(None, [row], source="csv")
    assert stamp(filled.sepsis) != sepsis and stamp(filled.falls) == falls
    sepsis = stamp(filled.sepsis)
    save_values(None, [row], source="csv")  # the same figures again: nothing written
    assert stamp(filled.sepsis) == sepsis
    submission = db.session.scalar(
        select(Submission).where(
            Submission.organisation_id == filled.mine.id, Submission.period_start == month(24)
        )
    )
    submission.rebase = True  # an edit through the ORM, outside save_values
    db.session.commit()
    assert stamp(filled.sepsis) != sepsis
    sepsis = stamp(filled.sepsis)
    db.session.delete(submission)
    db.session.commit()
    assert stamp(filled.sepsis) != sepsis


def test_a_peers_unsuppressed_view_never_reaches_another_organisation(
    web: Any, filled: Network, peer_web: tuple[Web, User]
) -> None:
    # The first peer organisation sends a small count for the latest month.
    current = db.session.scalar(
        select(Submission).where(
            Submission.organisation_id == filled.peers[0].id,
            Submission.measure_id == filled.sepsis.id,
            Submission.period_start == month(23),
        )
    )
    small = ValueRow(
        1, filled.sepsis.id, filled.peers[0].id, month(23), 3, 5, 60.0, False, current.version
    )
    save_values(None, [small], source="csv")
    peer, _user = peer_web
    # The peer looks first: its own small figures, named, are now remembered...
    peer_page, peer_charts = scorecard(peer, filled)
    assert PEERS[0] in peer_page
    assert (
        my_peer_row(peer_charts, filled)["numerator"],
        my_peer_row(peer_charts, filled)["value"],
    ) == (3, 60.0)
    # ...and another organisation's member sees them suppressed and anonymised.
    web.login(filled.member.email)
    hits = SECTIONS.hits + PERIOD_PEERS.hits
    page, charts = scorecard(web, filled)
    assert PERIOD_PEERS.hits + SECTIONS.hits > hits  # the shared peer charts were reused
    assert not any(name in page for name in PEERS)
    assert "Pia Peer" not in page
    rows = charts[f"m{filled.sepsis.id}-peers"]["rows"]
    assert [r["mine"] for r in rows if r["suppressed"]] == [False]
    assert all(r["numerator"] is None for r in rows if not r["mine"])
    funnel = charts[f"m{filled.sepsis.id}-funnel"]
    assert funnel["hidden"] == 1
    assert 60.0 not in [p["y"] for p in funnel["points"]]
    assert my_latest(charts, filled)["value"] != 60.0
    assert "Northfield Hospitals" in page
    # The other way round: the peer does not get my organisation's remembered section.
    peer_page, peer_charts = scorecard(peer, filled)
    assert "Northfield Hospitals" not in peer_page
    assert my_peer_row(peer_charts, filled)["label"] == PEERS[0]


def test_an_admin_viewing_as_an_organisation_gets_that_organisations_view_only(
    web: Any, filled: Network, make_member: Any
) -> None:
    admin = make_member("Ada Admin", admin=True, organisation=filled.peers[1])
    web.login(admin.email)
    page, charts = scorecard(web, filled, f"?organisation={filled.mine.id}")
    assert my_peer_row(charts, filled)["label"] == "Northfield Hospitals"
    assert PEERS[1] not in page
    page, charts = scorecard(web, filled)  # as their own organisation again
    assert my_peer_row(charts, filled)["label"] == PEERS[1]
    assert "Northfield Hospitals" not in page


def test_renaming_my_organisation_shows_at_once(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    scorecard(web, filled)
    filled.mine.name = "Northfield and District Hospitals"
    db.session.commit()
    page, charts = scorecard(web, filled)
    assert "Over time: Northfield and District Hospitals" in page
    assert my_peer_row(charts, filled)["label"] == "Northfield and District Hospitals"


def test_editing_a_measure_shows_at_once(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    scorecard(web, filled)
    filled.sepsis.target = 75.0
    filled.sepsis.definition = "Counted from the sepsis screening tool."
    db.session.commit()
    page, charts = scorecard(web, filled)
    assert "Target 75.0%" in page
    assert "Counted from the sepsis screening tool." in page
    assert charts[f"m{filled.sepsis.id}-spc"]["target"] == 75.0


def test_a_peers_new_name_shows_at_once_when_named(web: Any, filled: Network) -> None:
    filled.scorecard.named_comparison = True
    db.session.commit()
    web.login(filled.member.email)
    scorecard(web, filled)
    filled.peers[2].name = "Hillcrest and Vale Trust"
    db.session.commit()
    page, _charts = scorecard(web, filled)
    assert "Hillcrest and Vale Trust" in page


def test_remembered_parts_are_built_once_for_repeated_views(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    scorecard(web, filled)
    misses = (SECTIONS.misses, PERIOD_PEERS.misses, SPC_PARTS.misses)
    _page, first = scorecard(web, filled)
    _page, second = scorecard(web, filled)
    assert first == second
    assert (SECTIONS.misses, PERIOD_PEERS.misses, SPC_PARTS.misses) == misses
