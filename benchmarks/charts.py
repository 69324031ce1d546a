"""Turn stored figures into chart data (JSON-ready) with the statistics in ``benchmarks.stats``.

Peers are anonymised here, once, for every chart and table: your organisation by name,
others as "Peer A", "Peer B"... (the same letter for the same peer on every chart) unless the
group agreed to named comparison. Peers' small counts are suppressed and their counts hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fivec.memo import Memo

from .models import Measure
from .periods import period_label
from .stats import (
    FunnelResult,
    FunnelUnit,
    PeerEntry,
    SuppressionPolicy,
    compare_peers,
    curve_for,
    peer_label,
    proportion_funnel,
    ratio_funnel,
    suppression_for,
    xmr_chart,
)
from .stats.spc import XmrChart

# Pure results keyed by their complete inputs (see memo.py): new figures mean a new key.
# Funnels are the same for every viewer of a period; XmR charts are per organisation.
FunnelCurve = tuple[tuple[float | None, ...], ...]
FUNNELS: Memo[tuple[FunnelResult, FunnelCurve]] = Memo("funnel", 256)
XMR_CHARTS: Memo[XmrChart] = Memo("xmr", 4096)

VARIATION = {
    "special_cause_improvement": ("improvement", "Special cause: improving variation"),
    "special_cause_concern": ("concern", "Special cause: concerning variation"),
    "special_cause_neutral_high": ("neutral", "Special cause: higher, neither better nor worse"),
    "special_cause_neutral_low": ("neutral", "Special cause: lower, neither better nor worse"),
    "common_cause": ("common", "Common cause: no significant change"),
}
ASSURANCE = {
    "consistent_pass": ("improvement", "Consistently meets the target"),
    "consistent_fail": ("concern", "Consistently misses the target"),
    "inconsistent": ("common", "Hit and miss: the target lies within the process limits"),
}
RULES = {
    "beyond_limits": "a point outside the process limits",
    "trend": "7 points in a row going up or down",
    "two_of_three": "2 of 3 points close to a process limit",
    "shift": "7 points in a row on one side of the mean",
}
FUNNEL_STATUS = {
    "above_998": "Above the 99.8% limit",
    "above_95": "Above the 95% limit",
    "within": "Within the limits",
    "below_95": "Below the 95% limit",
    "below_998": "Below the 99.8% limit",
}


@dataclass(frozen=True)
class Figure:
    """One organisation's figures for one period, as the charts need them."""

    organisation_id: int
    name: str
    period_start: Any
    value: float
    numerator: float | None = None
    denominator: float | None = None
    rebase: bool = False


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def spc_chart(measure: Measure, series: Sequence[Figure]) -> dict[str, Any]:
    """Build an XmR chart (Making Data Count) of one organisation's series."""
    labels = [period_label(f.period_start, measure.period) for f in series]
    rebase_at = [i for i, f in enumerate(series) if f.rebase and i > 0]
    values = tuple(f.value for f in series)
    key = (values, tuple(labels), measure.improvement, measure.target, tuple(rebase_at))
    chart = XMR_CHARTS.get(
        key,
        lambda: xmr_chart(
            values,
            labels=labels,
            improvement=measure.improvement,  # type: ignore[arg-type]
            target=measure.target,
            rebase_at=rebase_at,
        ),
    )
    points = [
        {
            "label": labels[p.index],
            "value": _round(p.value),
            "numerator": series[p.index].numerator,
            "denominator": series[p.index].denominator,
            "mean": _round(p.mean),
            "upl": _round(p.upl),
            "lpl": _round(p.lpl),
            "type": VARIATION[p.point_type][0],
            "rule": RULES[p.rule] if p.rule else "",
            "rebase": p.index in rebase_at,
        }
        for p in chart.points
    ]
    return {
        "kind": "spc",
        "unit": measure.unit,
        "target": measure.target,
        "points": points,
        "variation": VARIATION[chart.variation] if chart.variation else None,
        "assurance": ASSURANCE[chart.assurance] if chart.assurance else None,
        "warnings": list(chart.warnings),
    }


def peer_labels(
    measure: Measure,
    figures: Sequence[Figure],
    *,
    my_org_id: int | None,
    named: bool,
    policy: SuppressionPolicy,
) -> tuple[dict[str, Any], dict[int, str]]:
    """Build the ranked peer chart for one period and the label each organisation gets."""
    comparison = compare_peers(
        [
            PeerEntry(
                str(f.organisation_id), str(f.organisation_id), f.value, f.numerator, f.denominator
            )
            for f in figures
        ],
        my_org_id=None if my_org_id is None else str(my_org_id),
        improvement=measure.improvement,  # type: ignore[arg-type]
        named=True,  # labels carry ids here; anonymised below
        policy=policy,
    )
    names = {f.organisation_id: f.name for f in figures}
    labels: dict[int, str] = {}
    rows = []
    for position, row in enumerate(comparison.rows):
        org_id = int(row.label)
        visible = row.is_mine or named
        labels[org_id] = names[org_id] if visible else peer_label(position)
        rows.append(
            {
                "label": labels[org_id],
                "mine": row.is_mine,
                "value": _round(row.value),
                "numerator": row.numerator if visible else None,
                "denominator": row.denominator if visible else None,
                "rank": row.rank,
                "suppressed": row.suppressed and not row.is_mine,
            }
        )
    summary = comparison.summary
    chart = {
        "kind": "peers",
        "unit": measure.unit,
        "improvement": measure.improvement,
        "rows": rows,
        "median": _round(summary.median),
        "lower_quartile": _round(summary.lower_quartile),
        "upper_quartile": _round(summary.upper_quartile),
        "count": summary.count,
        "suppressed": summary.suppressed,
    }
    return chart, labels


def funnel_stats(
    kind: str, units: Sequence[FunnelUnit], *, adjust: bool
) -> tuple[FunnelResult, FunnelCurve]:
    """Return the funnel of ``units`` and its rounded limit curves (on the displayed scale),
    remembered per exact inputs."""

    def compute() -> tuple[FunnelResult, FunnelCurve]:
        funnel = proportion_funnel if kind == "proportion" else ratio_funnel
        result = funnel(units, adjust_for_overdispersion=adjust)
        scale = 100.0 if kind == "proportion" else 1.0
        # Rounded once, as the chart sends it: [denominator, lower95, upper95, lower998,
        # upper998] per point (immutable: every viewer shares it).
        curve = tuple(
            (
                _round(c.denominator, 2),
                *(_round(v * scale) for v in (c.lower95, c.upper95, c.lower998, c.upper998)),
            )
            for c in curve_for(result)
        )
        return result, curve

    key = (kind, adjust, tuple((u.unit_id, u.numerator, u.denominator) for u in units))
    return FUNNELS.get(key, compute)


def funnel_chart(
    measure: Measure,
    figures: Sequence[Figure],
    *,
    labels: dict[int, str],
    my_org_id: int | None,
    named: bool,
    policy: SuppressionPolicy,
    adjust: bool,
) -> dict[str, Any] | None:
    """Build a funnel plot (95% and 99.8% limits) for proportions and ratios."""
    if measure.kind not in ("proportion", "ratio"):
        return None
    units = [
        FunnelUnit(str(f.organisation_id), f.numerator or 0.0, f.denominator or 0.0)
        for f in figures
        if f.numerator is not None and f.denominator is not None
    ]
    result, curve = funnel_stats(measure.kind, units, adjust=adjust)
    scale = 100.0 if measure.kind == "proportion" else 1.0
    points, hidden = [], 0
    for point in result.points:
        org_id = int(point.unit_id)
        mine = org_id == my_org_id
        if not mine and suppression_for(point.numerator, point.denominator, policy).suppressed:
            hidden += 1
            continue
        # An anonymised point and its exact denominator give the numerator back: round it.
        size = point.denominator if mine or named else 5 * round(point.denominator / 5)
        points.append(
            {
                "label": labels.get(org_id, ""),
                "mine": mine,
                "x": _round(size, 2),
                "y": _round(point.value * scale),
                "status": FUNNEL_STATUS[point.status],
            }
        )
    over = result.overdispersion
    return {
        "kind": "funnel",
        "unit": measure.unit,
        "x_label": measure.denominator_label or "Denominator",
        "target": _round(result.target * scale) if result.target is not None else None,
        "curve": curve,
        "points": sorted(points, key=lambda p: (not p["mine"], p["label"])),
        "hidden": hidden,
        "adjusted": over.adjusted,
        "phi": _round(over.phi, 3),
        "note": over.note or "",
    }
