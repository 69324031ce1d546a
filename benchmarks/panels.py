"""Assemble a scorecard page: per measure, my SPC chart, the funnel plot and the peer ranking.

A scorecard page shows ``MEASURES_PER_PAGE`` measures at a time, with every measure listed
in the page's navigation. The figures for a page come from three statements whatever the
number of measures (latest periods, everyone's figures in them, my series); the statistics
are remembered per exact inputs (``charts.FUNNELS``, ``charts.XMR_CHARTS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from fivec.models import Organisation

from .charts import spc_chart
from .models import Measure, Scorecard
from .peer_views import shared_peers, shared_peers_for_period, to_json, viewer_peers
from .periods import period_label
from .queries import (
    figures_for_periods,
    latest_periods,
    period_fingerprints,
    series_for_measures,
)
from .stats import SuppressionPolicy

# Five measures (15 charts and their tables) a page: enough to compare related measures,
# small enough to render fast on the server and in a browser (see docs/scorecards.md).
MEASURES_PER_PAGE = 5


@dataclass(frozen=True)
class MeasurePanel:
    """Everything one measure's section of the scorecard page shows."""

    measure: Measure
    key: str
    period: str | None
    spc: dict[str, Any] | None
    funnel: dict[str, Any] | None
    peers: dict[str, Any] | None
    # The long tables' rows, ready (``tables.py``), and each chart's data as JSON.
    funnel_rows: Markup | None = None
    peer_rows: Markup | None = None
    json: tuple[tuple[str, str], ...] = ()

    def charts(self) -> dict[str, dict[str, Any]]:
        """Return this panel's chart data keyed by the element each is drawn in."""
        found = {"spc": self.spc, "funnel": self.funnel, "peers": self.peers}
        return {f"{self.key}-{name}": data for name, data in found.items() if data}


def charts_json(panels: Sequence[MeasurePanel]) -> Markup:
    """Every panel's chart data as one HTML-safe JSON object (for the page's script tag)."""
    parts = [f"{to_json(key)}:{text}" for panel in panels for key, text in panel.json]
    return Markup("{" + ",".join(parts) + "}")  # noqa: S704  (to_json escapes for HTML)


@dataclass(frozen=True)
class MeasurePage:
    """One page of a scorecard's measures (the shape ``_pagination.html`` expects)."""

    measures: tuple[Measure, ...]
    page: int
    pages: int
    per_page: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def page_of(self, index: int) -> int:
        """Return the page showing the measure at ``index`` in the scorecard's order."""
        return index // self.per_page + 1


def page_of_measures(
    measures: Sequence[Measure], page: int, per_page: int = MEASURES_PER_PAGE
) -> MeasurePage:
    """Return page ``page`` (1-based; clamped to the pages there are) of ``measures``."""
    pages = max(1, -(-len(measures) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return MeasurePage(
        tuple(measures[start : start + per_page]), page, pages, per_page, len(measures)
    )


def measure_panels(
    scorecard: Scorecard,
    organisation: Organisation | None,
    *,
    adjust: bool = True,
    measures: Sequence[Measure] | None = None,
) -> list[MeasurePanel]:
    """Build each measure's charts (all of the scorecard's, or ``measures``) as
    ``organisation`` may see them."""
    chosen = list(scorecard.measures if measures is None else measures)
    policy = SuppressionPolicy(min_count=scorecard.suppression_threshold)
    my_id = organisation.id if organisation else None
    latest = latest_periods(chosen)
    named = scorecard.named_comparison
    # Anonymised: the figures are read only when their peer charts are not remembered yet
    # (keyed by a fingerprint of every figure); named comparison reads them with names.
    prints = period_fingerprints(latest) if not named else {}
    everyone = figures_for_periods(latest) if named else {}
    mine = series_for_measures(chosen, organisation.id) if organisation is not None else {}
    panels = []
    for measure in chosen:
        key = f"m{measure.id}"
        series = mine.get(measure.id)
        spc = spc_chart(measure, series) if series else None
        json_parts = [(f"{key}-spc", to_json(spc))] if spc else []
        period = latest.get(measure.id)
        view = None
        if period is not None:
            if named:
                figures = everyone[measure.id]
                shared = shared_peers(measure, figures, named=True, policy=policy, adjust=adjust)
                own = next((f for f in figures if f.organisation_id == my_id), None)
            else:
                shared = shared_peers_for_period(
                    measure,
                    prints.get(measure.id, ""),
                    lambda m=measure.id, p=period: figures_for_periods({m: p}, {})[m],
                    policy=policy,
                    adjust=adjust,
                )
                # My figure for the period is the last of my series, if I sent one.
                own = series[-1] if series and series[-1].period_start == period else None
            view = viewer_peers(shared, measure, own)
            if view.funnel is not None:
                json_parts.append((f"{key}-funnel", view.funnel_json or "null"))
            json_parts.append((f"{key}-peers", view.peers_json))
        panels.append(
            MeasurePanel(
                measure,
                key,
                period_label(period, measure.period) if period else None,
                spc,
                view.funnel if view else None,
                view.peers if view else None,
                view.funnel_html if view else None,
                view.peer_html if view else None,
                tuple(json_parts),
            )
        )
    return panels
