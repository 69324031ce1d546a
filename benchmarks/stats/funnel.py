"""Funnel plots: classify units against 95% and 99.8% limits, adjusting for over-dispersion.

Method: Spiegelhalter D.J. (2005) "Funnel plots for comparing institutional performance",
*Stat Med* 24:1185-1202; over-dispersion as in Spiegelhalter (2005) *Qual Saf Health Care*
14:347-351 and FunnelPlotR 0.6.0 (``R/od_adjustment.R``):

1. z-scores on the analysis scale: ``z = (y - target) / s``, see ``funnel_limits`` (arcsine
   square root for proportions and square root for ratios with ``method="exact"``; the raw
   scale with ``method="normal"``).
2. Winsorise z at the ``trim`` and ``1 - trim`` quantiles (R type 7; default 10%).
3. ``phi = sum(z_w^2) / k``.
4. If ``phi > 1``, additive random effects (DerSimonian-Laird):
   ``tau2 = max(0, (k * phi - (k - 1)) / (sum(w) - sum(w^2) / sum(w)))`` with ``w = 1/s^2``,
   and every unit is judged against limits widened by tau2. Otherwise tau2 = 0.

Edge-case rules, each tested:

* Zero denominator (or zero expected count): the unit is excluded with a reason, so one
  organisation with no eligible patients does not break the chart.
* Negative or non-finite counts, numerator > denominator (proportions), fractional counts with
  exact binomial limits, or a repeated unit id: ``ValueError`` (sum records per unit first).
* Zero numerator and numerator = denominator are valid; limits are clamped to [0, 1].
* Fewer than 3 units (``MIN_UNITS_FOR_OVERDISPERSION``), including one organisation only:
  over-dispersion is not assessed; phi is None, tau2 = 0 and a note says why.
* All units identical: every z is 0, phi = 0, no adjustment, every unit within the limits.
* No usable units: an empty result; the proportion target is None when it would be pooled.

A unit is outside when strictly beyond a limit; a value on a limit is within (FunnelPlotR and
PHEindicatormethods agree).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from benchmarks.stats.funnel_limits import (
    FunnelLimits,
    Kind,
    Method,
    check_kind_and_method,
    control_limits,
    limit_curve,
    standard_error,
    to_analysis_scale,
)
from benchmarks.stats.quantiles import sample_quantile

MIN_UNITS_FOR_OVERDISPERSION = 3
DEFAULT_TRIM = 0.1

Status = Literal["above_998", "above_95", "within", "below_95", "below_998"]


@dataclass(frozen=True)
class FunnelUnit:
    """One organisation: events over denominator, or observed over expected for ratios."""

    unit_id: str
    numerator: float
    denominator: float


@dataclass(frozen=True)
class FunnelPoint:
    """A unit's value, z-score (analysis scale, unadjusted), limits at its size and status."""

    unit_id: str
    numerator: float
    denominator: float
    value: float
    z: float
    limits: FunnelLimits
    status: Status


@dataclass(frozen=True)
class Exclusion:
    """A unit left off the funnel, and why."""

    unit_id: str
    reason: str


@dataclass(frozen=True)
class Overdispersion:
    """The over-dispersion estimate and whether the limits were widened by it."""

    phi: float | None
    tau2: float
    adjusted: bool
    units: int
    trim: float
    note: str | None


@dataclass(frozen=True)
class FunnelResult:
    """Everything a funnel plot and its data table need."""

    kind: Kind
    method: Method
    target: float | None
    points: tuple[FunnelPoint, ...]
    excluded: tuple[Exclusion, ...]
    overdispersion: Overdispersion


def proportion_funnel(
    units: Sequence[FunnelUnit],
    *,
    target: float | None = None,
    method: Method = "exact",
    adjust_for_overdispersion: bool = True,
    trim: float = DEFAULT_TRIM,
) -> FunnelResult:
    """Classify proportions against a funnel around target (default: the pooled proportion).

    The pooled proportion is sum(numerators) / sum(denominators), not the mean of the units'
    rates, as in FunnelPlotR and PHEindicatormethods.
    """
    if target is not None and not 0.0 < target < 1.0:
        raise ValueError("a proportion target must be strictly between 0 and 1")
    return _funnel("proportion", units, target, method, adjust_for_overdispersion, trim)


def ratio_funnel(
    units: Sequence[FunnelUnit],
    *,
    target: float = 1.0,
    method: Method = "exact",
    adjust_for_overdispersion: bool = True,
    trim: float = DEFAULT_TRIM,
) -> FunnelResult:
    """Classify observed/expected ratios (indirectly standardised) against a funnel around 1."""
    if not (math.isfinite(target) and target > 0.0):
        raise ValueError("a ratio target must be positive")
    return _funnel("ratio", units, target, method, adjust_for_overdispersion, trim)


def curve_for(result: FunnelResult, *, n_points: int = 100) -> tuple[FunnelLimits, ...]:
    """Return the limit curves spanning the result's units, with its tau2, for plotting."""
    if not result.points or result.target is None:
        return ()
    sizes = [point.denominator for point in result.points]
    return limit_curve(
        result.kind,
        result.target,
        min_denominator=min(sizes),
        max_denominator=max(sizes),
        n_points=n_points,
        method=result.method,
        tau2=result.overdispersion.tau2,
    )


def _funnel(
    kind: Kind,
    units: Sequence[FunnelUnit],
    target: float | None,
    method: Method,
    adjust: bool,
    trim: float,
) -> FunnelResult:
    check_kind_and_method(kind, method)
    if not 0.0 <= trim < 0.5:
        raise ValueError("trim must be at least 0 and below 0.5")
    included, excluded = _screen_units(kind, method, units)
    if target is None and included:
        target = sum(u.numerator for u in included) / sum(u.denominator for u in included)
    if target is None:
        overdispersion = Overdispersion(None, 0.0, False, 0, trim, "no units to compare")
        return FunnelResult(kind, method, None, (), tuple(excluded), overdispersion)
    centre = to_analysis_scale(kind, method, target)
    errors = [standard_error(kind, method, target, u.denominator) for u in included]
    zs = [
        _z(to_analysis_scale(kind, method, u.numerator / u.denominator), centre, error)
        for u, error in zip(included, errors, strict=True)
    ]
    overdispersion = _overdispersion(zs, errors, trim, adjust)
    points = []
    for unit, z in zip(included, zs, strict=True):
        limits = control_limits(
            kind, target, unit.denominator, method=method, tau2=overdispersion.tau2
        )
        value = unit.numerator / unit.denominator
        points.append(
            FunnelPoint(
                unit.unit_id,
                unit.numerator,
                unit.denominator,
                value,
                z,
                limits,
                _status(value, limits),
            )
        )
    return FunnelResult(kind, method, target, tuple(points), tuple(excluded), overdispersion)


def _screen_units(
    kind: Kind, method: Method, units: Sequence[FunnelUnit]
) -> tuple[list[FunnelUnit], list[Exclusion]]:
    included: list[FunnelUnit] = []
    excluded: list[Exclusion] = []
    seen: set[str] = set()
    for unit in units:
        if unit.unit_id in seen:
            raise ValueError(f"unit {unit.unit_id!r} appears twice; sum its records first")
        seen.add(unit.unit_id)
        numerator, denominator = unit.numerator, unit.denominator
        if not (math.isfinite(numerator) and math.isfinite(denominator)):
            raise ValueError(f"unit {unit.unit_id!r} has a missing or infinite count")
        if numerator < 0 or denominator < 0:
            raise ValueError(f"unit {unit.unit_id!r} has a negative count")
        if kind == "proportion" and numerator > denominator:
            raise ValueError(f"unit {unit.unit_id!r} has a numerator above its denominator")
        whole = float(numerator).is_integer() and float(denominator).is_integer()
        if kind == "proportion" and method == "exact" and not whole:
            raise ValueError(f"unit {unit.unit_id!r}: exact binomial limits need whole counts")
        if denominator == 0:
            what = "denominator" if kind == "proportion" else "expected count"
            excluded.append(Exclusion(unit.unit_id, f"{what} is zero"))
            continue
        included.append(unit)
    return included, excluded


def _z(y: float, centre: float, error: float) -> float:
    # A zero standard error only arises when the pooled proportion is 0 or 1, and then every
    # unit sits exactly on the target.
    return (y - centre) / error if error > 0 else 0.0


def _overdispersion(
    zs: list[float], errors: list[float], trim: float, enabled: bool
) -> Overdispersion:
    k = len(zs)
    if not enabled:
        return Overdispersion(None, 0.0, False, k, trim, "over-dispersion adjustment is off")
    if k < MIN_UNITS_FOR_OVERDISPERSION:
        note = (
            f"over-dispersion not assessed: needs at least {MIN_UNITS_FOR_OVERDISPERSION} "
            f"units, found {k}"
        )
        return Overdispersion(None, 0.0, False, k, trim, note)
    ordered = sorted(zs)
    low, high = sample_quantile(ordered, trim), sample_quantile(ordered, 1 - trim)
    phi = sum(min(max(z, low), high) ** 2 for z in zs) / k
    if phi <= 1.0:
        return Overdispersion(phi, 0.0, False, k, trim, "no over-dispersion (phi <= 1)")
    weights = [1 / error**2 for error in errors]
    total = sum(weights)
    tau2 = max(0.0, (k * phi - (k - 1)) / (total - sum(w * w for w in weights) / total))
    return Overdispersion(phi, tau2, True, k, trim, None)


def _status(value: float, limits: FunnelLimits) -> Status:
    if value > limits.upper998:
        return "above_998"
    if value > limits.upper95:
        return "above_95"
    if value < limits.lower998:
        return "below_998"
    if value < limits.lower95:
        return "below_95"
    return "within"
