"""Scorecard pages show a page of measures at a time; remembered statistics follow new figures."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from benchmarks.charts import FUNNELS, XMR_CHARTS
from benchmarks.models import Measure, Submission
from benchmarks.panels import MEASURES_PER_PAGE, page_of_measures
from benchmarks.sections import SECTIONS
from benchmarks.submissions import save_values
from benchmarks.validation import ValueRow
from fivec.extensions import db
from fivec.memo import Memo
from tests.benchmarks.conftest import Network, month


def chart_data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="scorecard-charts">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def add_measures(network: Network, count: int) -> list[Measure]:
    """Add ``count`` proportion measures named to sort after the fixture's two."""
    extra = [
        Measure(
            name=f"Zz measure {n}",
            kind="proportion",
            unit="%",
            improvement="increase",
            group_id=network.group.id,
        )
        for n in range(count)
    ]
    network.scorecard.measures = [*network.scorecard.measures, *extra]
    db.session.commit()
    return extra


def test_page_of_measures_counts_and_clamps() -> None:
    items = list(range(12))
    first = page_of_measures(items, 1, per_page=5)  # type: ignore[arg-type]
    assert (first.measures, first.pages, first.has_prev, first.has_next) == (
        (0, 1, 2, 3, 4),
        3,
        False,
        True,
    )
    last = page_of_measures(items, 99, per_page=5)  # type: ignore[arg-type]
    assert (last.page, last.measures, last.has_next) == (3, (10, 11), False)
    assert page_of_measures(items, -4, per_page=5).page == 1  # type: ignore[arg-type]
    assert first.page_of(0) == 1 and first.page_of(5) == 2 and first.page_of(11) == 3
    assert page_of_measures([], 1).pages == 1


def test_a_scorecard_shows_a_page_of_measures_and_lists_them_all(web: Any, filled: Network) -> None:
    extra = add_measures(filled, MEASURES_PER_PAGE)  # 7 measures: pages of 5 and 2
    ordered = filled.scorecard.measures
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    shown = {int(key) for key in re.findall(r'<section class="card measure" id="m(\d+)"', page)}
    assert shown == {m.id for m in ordered[:MEASURES_PER_PAGE]}
    # The navigation names every measure, with a link to the page that shows it.
    for measure in ordered:
        assert measure.name.replace(",", "") in page.replace(",", "")
    last = ordered[-1]
    assert f"page=2#m{last.id}" in page.replace("&amp;", "&")
    assert "Page 1 of 2" in page
    second = web.get(f"/scorecards/{filled.scorecard.id}?page=2").get_data(as_text=True)
    shown = {int(key) for key in re.findall(r'<section class="card measure" id="m(\d+)"', second)}
    assert shown == {m.id for m in ordered[MEASURES_PER_PAGE:]}
    assert "Page 2 of 2" in second
    assert all(key.startswith(tuple(f"m{m.id}-" for m in extra)) for key in chart_data(second))
    # Beyond the last page: the last page, not an error.
    beyond = web.get(f"/scorecards/{filled.scorecard.id}?page=9")
    assert beyond.status_code == 200 and "Page 2 of 2" in beyond.get_data(as_text=True)


def test_paging_keeps_the_over_dispersion_choice(web: Any, filled: Network) -> None:
    add_measures(filled, MEASURES_PER_PAGE)
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}?overdispersion=0").get_data(as_text=True)
    page = page.replace("&amp;", "&")
    assert "overdispersion=0&page=2" in page
    assert f"overdispersion=1&page=1#m{filled.sepsis.id}" in page  # the toggle stays on page 1


def test_small_scorecards_have_no_page_navigation(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    assert "Pages of measures" not in page
    assert 'aria-label="Measures on this scorecard"' not in page


def test_chart_export_works_for_a_measure_on_a_later_page(web: Any, filled: Network) -> None:
    extra = add_measures(filled, MEASURES_PER_PAGE)
    rows = [
        ValueRow(0, extra[-1].id, org.id, month(23), 30, 40, 75.0)
        for org in [filled.mine, *filled.peers]
    ]
    save_values(None, rows, source="csv")
    web.login(filled.member.email)
    url = f"/scorecards/{filled.scorecard.id}/measures/{extra[-1].id}/funnel.csv"
    response = web.get(url)
    assert response.status_code == 200
    assert "Northfield Hospitals" in response.data.decode("utf-8-sig")
    other = f"/scorecards/{filled.scorecard.id}/measures/999999/funnel.csv"
    assert web.get(other).status_code == 404


def test_a_new_submission_shows_at_once_despite_remembered_statistics(
    web: Any, filled: Network
) -> None:
    web.login(filled.member.email)
    url = f"/scorecards/{filled.scorecard.id}"
    key = f"m{filled.sepsis.id}"
    before = chart_data(web.get(url).get_data(as_text=True))
    misses = FUNNELS.misses
    again = chart_data(web.get(url).get_data(as_text=True))
    assert again == before
    assert FUNNELS.misses == misses  # the second view reused the funnel

    # A correction to my latest figure (through the same code as every upload).
    current = db.session.scalar(
        select(Submission).where(
            Submission.organisation_id == filled.mine.id,
            Submission.measure_id == filled.sepsis.id,
            Submission.period_start == month(23),
        )
    )
    corrected = ValueRow(
        1, filled.sepsis.id, filled.mine.id, month(23), 10, 100, 10.0, False, current.version
    )
    save_values(filled.coordinator, [corrected], source="form")
    after = chart_data(web.get(url).get_data(as_text=True))
    assert FUNNELS.misses == misses + 1  # recomputed for the new figures
    mine = [p for p in after[f"{key}-funnel"]["points"] if p["mine"]]
    assert mine[0]["y"] == 10.0 and mine[0]["x"] == 100
    assert after[f"{key}-spc"]["points"][-1]["value"] == 10.0
    assert after[f"{key}-funnel"]["target"] != before[f"{key}-funnel"]["target"]
    peers = [r for r in after[f"{key}-peers"]["rows"] if r["mine"]]
    assert peers[0]["value"] == 10.0

    # A figure for a new month moves every chart on to it.
    rows = [
        ValueRow(0, filled.sepsis.id, org.id, month(24), 20, 40, 50.0)
        for org in [filled.mine, *filled.peers]
    ]
    save_values(None, rows, source="csv")
    latest = chart_data(web.get(url).get_data(as_text=True))
    assert all(p["y"] == 50.0 for p in latest[f"{key}-funnel"]["points"])
    assert len(latest[f"{key}-spc"]["points"]) == len(after[f"{key}-spc"]["points"]) + 1


def test_a_direct_change_to_a_figure_is_seen_too(web: Any, filled: Network) -> None:
    """Statistics are keyed by the figures themselves, not by a version number."""
    web.login(filled.member.email)
    url = f"/scorecards/{filled.scorecard.id}"
    web.get(url)
    peer = db.session.scalar(
        select(Submission).where(
            Submission.organisation_id == filled.peers[1].id,
            Submission.measure_id == filled.sepsis.id,
            Submission.period_start == month(23),
        )
    )
    peer.numerator, peer.denominator, peer.value = 3, 5, 60.0  # no version bump
    db.session.commit()
    funnel = chart_data(web.get(url).get_data(as_text=True))[f"m{filled.sepsis.id}-funnel"]
    assert funnel["hidden"] == 1


def test_memo_is_bounded_and_least_recently_used_goes_first() -> None:
    memo: Memo[int] = Memo("test", 2)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert memo.get("a", lambda: compute("a")) == 1
    assert memo.get("b", lambda: compute("b")) == 2
    assert memo.get("a", lambda: compute("a")) == 1  # remembered; "a" is now the newest
    assert memo.get("c", lambda: compute("c")) == 3  # evicts "b"
    assert len(memo) == 2
    assert memo.get("b", lambda: compute("b")) == 4
    assert calls == ["a", "b", "c", "b"]
    assert (memo.hits, memo.misses) == (1, 4)
    memo.clear()
    assert len(memo) == 0


def test_remembered_xmr_charts_are_shared_but_never_changed(web: Any, filled: Network) -> None:
    web.login(filled.member.email)
    web.get(f"/scorecards/{filled.scorecard.id}")
    misses, hits = XMR_CHARTS.misses, SECTIONS.hits
    page = web.get(f"/scorecards/{filled.scorecard.id}").get_data(as_text=True)
    # The second view reuses the remembered sections (and so their XmR charts).
    assert XMR_CHARTS.misses == misses and SECTIONS.hits > hits
    assert "Variation: Special cause: improving variation" in page
