"""Assemble a scorecard page: per measure, my SPC chart, the funnel plot and the peer ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fivec.models import Organisation

from .charts import funnel_chart, peer_labels, spc_chart
from .models import Measure, Scorecard
from .periods import period_label
from .queries import figures_for_period, latest_period, series_for
from .stats import SuppressionPolicy


@dataclass(frozen=True)
class MeasurePanel:
    """Everything one measure's section of the scorecard page shows."""

    measure: Measure
    key: str
    period: str | None
    spc: dict[str, Any] | None
    funnel: dict[str, Any] | None
    peers: dict[str, Any] | None

    def charts(self) -> dict[str, dict[str, Any]]:
        """Return this panel's chart data keyed by the element each is drawn in."""
        found = {"spc": self.spc, "funnel": self.funnel, "peers": self.peers}
        return {f"{self.key}-{name}": data for name, data in found.items() if data}


def measure_panels(
    scorecard: Scorecard, organisation: Organisation | None, *, adjust: bool = True
) -> list[MeasurePanel]:
    """Build each measure's charts as ``organisation`` may see them."""
    policy = SuppressionPolicy(min_count=scorecard.suppression_threshold)
    my_id = organisation.id if organisation else None
    panels = []
    for measure in scorecard.measures:
        spc = None
        if organisation is not None:
            series = series_for(measure, organisation.id)
            spc = spc_chart(measure, series) if series else None
        latest = latest_period(measure)
        peers = funnel = None
        if latest is not None:
            figures = figures_for_period(measure, latest)
            peers, labels = peer_labels(
                measure,
                figures,
                my_org_id=my_id,
                named=scorecard.named_comparison,
                policy=policy,
            )
            funnel = funnel_chart(
                measure,
                figures,
                labels=labels,
                my_org_id=my_id,
                named=scorecard.named_comparison,
                policy=policy,
                adjust=adjust,
            )
        panels.append(
            MeasurePanel(
                measure,
                f"m{measure.id}",
                period_label(latest, measure.period) if latest else None,
                spc,
                funnel,
                peers,
            )
        )
    return panels
