"""Assemble a scorecard page: per measure, my SPC chart, the funnel plot and the peer ranking.

A scorecard page shows ``MEASURES_PER_PAGE`` measures at a time, with every measure listed
in the page's navigation. The figures for a page come from three statements whatever the
number of measures (latest periods, everyone's figures in them, my series), and only for
the parts not remembered yet (``page_cache.py``, keyed by each measure's figures stamp).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from fivec.models import Organisation
from fivec.paging import PageLinks

from .charts import Figure
from .models import Measure, Scorecard
from .page_cache import PeriodPeers, database_key, period_peers, spc_parts
from .peer_views import SharedPeers, shared_peers, viewer_peers
from .periods import period_label
from .queries import figures_for_periods, latest_periods
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
    spc_rows: Markup | None = None

    def charts(self) -> dict[str, dict[str, Any]]:
        """Return this panel's chart data keyed by the element each is drawn in."""
        found = {"spc": self.spc, "funnel": self.funnel, "peers": self.peers}
        return {f"{self.key}-{name}": data for name, data in found.items() if data}


@dataclass(frozen=True)
class MeasurePage(PageLinks):
    """One page of a scorecard's measures (the shape ``_pagination.html`` expects)."""

    measures: tuple[Measure, ...]
    page: int
    pages: int
    per_page: int
    total: int

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
    ``organisation`` may see them.

    The caller has checked that the viewer may see ``organisation``'s figures. The parts
    that do not depend on the viewer come from ``page_cache`` (keyed by each measure's
    figures stamp); only the viewer's own row in the peer charts is added here.
    """
    chosen = list(scorecard.measures if measures is None else measures)
    policy = SuppressionPolicy(min_count=scorecard.suppression_threshold)
    database = database_key()
    my_id = organisation.id if organisation is not None else None
    named = scorecard.named_comparison
    if named:  # names can change without a new figure: read them with the figures
        latest = latest_periods(chosen)
        everyone = figures_for_periods(latest)
        anonymous: dict[int, PeriodPeers] = {}
    else:
        anonymous = period_peers(chosen, policy, adjust, database)
    spc = spc_parts(chosen, organisation.id, database) if organisation is not None else {}
    panels = []
    for measure in chosen:
        key = f"m{measure.id}"
        part = spc.get(measure.id)
        json_parts = [(f"{key}-spc", part.json)] if part else []
        shared: SharedPeers | None = None
        own: Figure | None = None
        if named:
            period = latest.get(measure.id)
            if period is not None:
                figures = everyone[measure.id]
                shared = shared_peers(measure, figures, named=True, policy=policy, adjust=adjust)
                own = next((f for f in figures if f.organisation_id == my_id), None)
        else:
            period, shared = anonymous[measure.id].period, anonymous[measure.id].shared
            # My figure for the period is the last of my series, if I sent one; named as
            # my organisation is now (a rename is not a new figure).
            own = part.last if part and part.last.period_start == period else None
            if own is not None and organisation is not None:
                own = replace(own, name=organisation.name)
        view = None
        if period is not None and shared is not None:
            view = viewer_peers(shared, measure, own)
            if view.funnel is not None:
                json_parts.append((f"{key}-funnel", view.funnel_json or "null"))
            json_parts.append((f"{key}-peers", view.peers_json))
        panels.append(
            MeasurePanel(
                measure,
                key,
                period_label(period, measure.period) if period else None,
                part.chart if part else None,
                view.funnel if view else None,
                view.peers if view else None,
                view.funnel_html if view else None,
                view.peer_html if view else None,
                tuple(json_parts),
                part.rows if part else None,
            )
        )
    return panels
