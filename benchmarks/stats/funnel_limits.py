"""Funnel-plot control limits at 95% and 99.8% for proportions and standardised ratios.

Spiegelhalter D.J. (2005) "Funnel plots for comparing institutional performance",
*Stat Med* 24:1185-1202, doi:10.1002/sim.1970. Two methods:

``"exact"`` (default)
    Proportions: binomial limits, smoothed by the interpolation of Spiegelhalter (2005)
    Appendix A.1.1: with r the q-quantile of Binomial(n, target) and
    ``a = (P(X <= r) - q) / P(X = r)``, the limit is ``(r - a) / n``. (Neither FunnelPlotR
    nor PHEindicatormethods computes exact binomial limits; ours are tested against exact
    sums.) Ratios (observed / expected, target t): exact Poisson limits from chi-square
    quantiles, ``chi2_a(2tE) / 2E`` and ``chi2_{1-a}(2(tE + 1)) / 2E``, as FunnelPlotR's
    unadjusted SR limits (``R/calculate_limits.R``; for t = 1 they are identical).
    With over-dispersion (tau2 > 0) the limits are the additive random-effects limits on
    the variance-stabilised scale (Spiegelhalter, *Qual Saf Health Care* 2005;14:347-351):
    ``sin^2(asin(sqrt(t)) +/- z * sqrt(1/(4n) + tau2))`` for proportions, as FunnelPlotR's
    "PR" type, and ``(sqrt(t) +/- z * sqrt(1/(4E) + tau2))^2`` for ratios. FunnelPlotR's
    "CQC" method leaves the ratio limits unsquared (its open issue #33); we square them back
    as Spiegelhalter does.

``"normal"``
    The normal approximation on the original scale: ``t +/- z * sqrt(t(1 - t)/n + tau2)``
    for proportions and ``t +/- z * sqrt(t/E + tau2)`` for ratios. A Wilson score test of a
    unit against t gives exactly this band, so Wilson limits are not offered separately.

Limits are clamped to [0, 1] for proportions and to [0, inf) for ratios.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from benchmarks.stats.quantiles import (
    binomial_cdf,
    binomial_pmf,
    binomial_quantile,
    gamma_quantile,
)

Kind = Literal["proportion", "ratio"]
Method = Literal["exact", "normal"]

Z95 = NormalDist().inv_cdf(0.975)  # 1.959964
Z998 = NormalDist().inv_cdf(0.999)  # 3.090232
TAIL95 = 0.025  # each side of the two-sided 95% limits
TAIL998 = 0.001


@dataclass(frozen=True)
class FunnelLimits:
    """The four control limits at one denominator (or expected count, for ratios)."""

    denominator: float
    lower95: float
    upper95: float
    lower998: float
    upper998: float


def check_kind_and_method(kind: str, method: str) -> None:
    """Raise ValueError unless kind and method are supported."""
    if kind not in ("proportion", "ratio"):
        raise ValueError("kind must be 'proportion' or 'ratio'")
    if method not in ("exact", "normal"):
        raise ValueError("method must be 'exact' or 'normal'")


def control_limits(
    kind: Kind, target: float, denominator: float, *, method: Method = "exact", tau2: float = 0.0
) -> FunnelLimits:
    """Return the 95% and 99.8% limits around target at one denominator."""
    check_kind_and_method(kind, method)
    if not denominator > 0:
        raise ValueError("denominator must be positive")
    if not tau2 >= 0:
        raise ValueError("tau2 must be zero or positive")
    if kind == "proportion" and method == "exact" and not float(denominator).is_integer():
        raise ValueError("exact binomial limits need a whole-number denominator")
    lower95, upper95 = _limit_pair(kind, method, target, denominator, TAIL95, tau2)
    lower998, upper998 = _limit_pair(kind, method, target, denominator, TAIL998, tau2)
    return FunnelLimits(denominator, lower95, upper95, lower998, upper998)


def limit_curve(
    kind: Kind,
    target: float,
    *,
    min_denominator: float,
    max_denominator: float,
    n_points: int = 100,
    method: Method = "exact",
    tau2: float = 0.0,
) -> tuple[FunnelLimits, ...]:
    """Return limits at n_points denominators, spaced geometrically, for drawing the funnel.

    Geometric spacing puts more points at small denominators, where the funnel bends most.
    Exact proportion limits are evaluated at whole denominators only (duplicates dropped).
    """
    if not 0 < min_denominator <= max_denominator:
        raise ValueError("need 0 < min_denominator <= max_denominator")
    if n_points < 2:
        raise ValueError("a curve needs at least 2 points")
    ratio = max_denominator / min_denominator
    grid: Sequence[float] = [
        min_denominator * ratio ** (i / (n_points - 1)) for i in range(n_points)
    ]
    grid = [*grid[:-1], max_denominator]  # exact end point despite rounding
    if kind == "proportion" and method == "exact":
        grid = sorted({max(1, round(n)) for n in grid})
    return tuple(control_limits(kind, target, n, method=method, tau2=tau2) for n in grid)


def to_analysis_scale(kind: Kind, method: Method, rate: float) -> float:
    """Map a rate onto the scale where z-scores and tau2 are estimated."""
    if method == "normal":
        return rate
    return math.asin(math.sqrt(rate)) if kind == "proportion" else math.sqrt(rate)


def standard_error(kind: Kind, method: Method, target: float, denominator: float) -> float:
    """Return the standard error of a unit's value on the analysis scale under the target."""
    if method == "exact":
        # Variance-stabilised: both asin(sqrt(p)) and sqrt(O/E) have variance 1/(4n).
        return 0.5 / math.sqrt(denominator)
    if kind == "proportion":
        return math.sqrt(target * (1 - target) / denominator)
    return math.sqrt(target / denominator)


def _limit_pair(
    kind: Kind, method: Method, target: float, n: float, tail: float, tau2: float
) -> tuple[float, float]:
    if method == "exact" and tau2 == 0.0:
        if kind == "proportion":
            return _binomial_limit(int(n), target, tail), _binomial_limit(int(n), target, 1 - tail)
        return _poisson_limits(target, n, tail)
    centre = to_analysis_scale(kind, method, target)
    z = NormalDist().inv_cdf(1 - tail)
    spread = z * math.sqrt(standard_error(kind, method, target, n) ** 2 + tau2)
    return (
        _from_analysis_scale(kind, method, centre - spread),
        _from_analysis_scale(kind, method, centre + spread),
    )


def _from_analysis_scale(kind: Kind, method: Method, y: float) -> float:
    if kind == "proportion":
        if method == "normal":
            return min(1.0, max(0.0, y))
        # Clamping the angle to [0, pi/2] keeps the limits monotone at small n.
        return math.sin(min(math.pi / 2, max(0.0, y))) ** 2
    return max(0.0, y) if method == "normal" else max(0.0, y) ** 2


def _binomial_limit(n: int, p: float, q: float) -> float:
    if p <= 0.0 or p >= 1.0:
        return p  # a certain outcome has no spread
    r = binomial_quantile(n, p, q)
    a = (binomial_cdf(r, n, p) - q) / binomial_pmf(r, n, p)
    return min(1.0, max(0.0, (r - a) / n))


def _poisson_limits(target: float, expected: float, tail: float) -> tuple[float, float]:
    mean = target * expected
    # chi2_q(2k) / 2 is the gamma(k) quantile, so divide by E rather than 2E.
    lower = gamma_quantile(mean, tail) / expected if mean > 0 else 0.0
    upper = gamma_quantile(mean + 1, 1 - tail) / expected
    return lower, upper
