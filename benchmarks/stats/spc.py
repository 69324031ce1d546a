"""XmR (individuals) charts with the NHS England "Making Data Count" rules.

The limits, rules, icons and their precedence follow NHS England's *Making Data Count*
guidance as implemented by NHSRplotthedots 0.2.2 (nhs-r-community/NHSRplotthedots,
``R/ptd_spc_standard.R`` and ``R/ptd_calculate_point_type.R``), so a chart here matches the
one a user draws in R or in the MDC Excel tool (with ``screen_outliers=False`` for Excel).

Edge-case rules, each chosen on purpose and covered by a test:

* Empty series: an empty chart with no icons and a "no data" warning, not an error.
* One point in a segment: no moving range, so no limits (``None``), no signals and no
  icons; the point is common cause.
* Fewer than 12 points in a segment's baseline: limits are "trial limits" (warning and
  ``XmrSegment.trial_limits``). NHSRplotthedots' message says "n < 12" but its default
  threshold (13) also flags n = 12; we use the message's rule, so 12 points lock the limits.
* Constant series (mR-bar = 0): the limits collapse onto the mean and carry no information
  about spread, so the limit-based rules (beyond limits, 2 of 3) are not applied; trend and
  shift still are. This avoids flagging every later point that differs from the constant.
* Screening that removes every non-zero moving range (e.g. ``[1, 1, 1, 1, 2]``): the
  unscreened mR-bar is used instead, with a warning. Copying the screened mR-bar of 0 would
  flag every point (the nhspy-plotthedots defect).
* NaN or infinite values or target: ``ValueError``.
* ``fix_after_n_points`` below 12: ``ValueError``; a segment shorter than the fixed window
  uses all its points.
* A rebase label that matches no point is ignored with a warning (as NHSRplotthedots does); a
  rebase index outside the series is a ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from statistics import fmean
from typing import Literal

from benchmarks.stats.spc_rules import Direction, Limits, Rule, find_signals

RULESET_VERSION = "mdc-xmr-1"
LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
NEAR_LIMIT_FACTOR = 2 * LIMIT_FACTOR / 3  # the "2 sigma" line, 1.7733
SCREENING_FACTOR = 3.267  # Nelson (1982): upper range limit for moving ranges of two
TRIAL_LIMITS_BELOW = 12
MIN_FIX_AFTER_N_POINTS = 12

Improvement = Literal["increase", "decrease", "neutral"]
PointType = Literal[
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
    "common_cause",
]
Assurance = Literal["consistent_pass", "consistent_fail", "inconsistent"]
Label = str | date
_IMPROVEMENTS: frozenset[str] = frozenset({"increase", "decrease", "neutral"})


@dataclass(frozen=True)
class XmrSettings:
    """Options a chart was drawn with, stored beside the results so they can be reproduced."""

    improvement: Improvement = "neutral"
    target: float | None = None
    rebase_at: tuple[int | Label, ...] = ()
    screen_outliers: bool = True
    fix_after_n_points: int | None = None


@dataclass(frozen=True)
class XmrSegment:
    """Limits of one rebase segment, points ``start`` to ``stop - 1``."""

    start: int
    stop: int
    baseline_points: int
    mean: float
    mr_bar: float | None
    upl: float | None
    lpl: float | None
    upper_near: float | None
    lower_near: float | None
    trial_limits: bool
    no_variation: bool
    screening_fallback: bool


@dataclass(frozen=True)
class XmrPoint:
    """One plotted point with its segment's limits and the rule that flagged it."""

    index: int
    label: Label | None
    value: float
    moving_range: float | None
    segment: int
    mean: float
    upl: float | None
    lpl: float | None
    upper_near: float | None
    lower_near: float | None
    point_type: PointType
    rule: Rule | None


@dataclass(frozen=True)
class XmrChart:
    """An XmR chart: points, segments, the two MDC icons and warnings for the reader."""

    points: tuple[XmrPoint, ...]
    segments: tuple[XmrSegment, ...]
    variation: PointType | None
    assurance: Assurance | None
    warnings: tuple[str, ...]
    settings: XmrSettings
    ruleset_version: str = RULESET_VERSION


def xmr_chart(
    values: Sequence[float],
    *,
    labels: Sequence[Label] | None = None,
    improvement: Improvement = "neutral",
    target: float | None = None,
    rebase_at: Sequence[int | Label] = (),
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
) -> XmrChart:
    """Build an XmR chart with Making Data Count limits, rules and icons.

    :param labels: one date or string per value, shown on the chart and usable in ``rebase_at``.
    :param rebase_at: where new segments start: integers are positions, anything else is
        looked up in ``labels``.
    :param fix_after_n_points: compute each segment's limits from its first n points only.

    A segment whose baseline has fewer than 12 points gets trial limits; the module docstring
    lists the other edge-case rules.
    """
    settings = XmrSettings(
        improvement=improvement,
        target=target,
        rebase_at=tuple(rebase_at),
        screen_outliers=screen_outliers,
        fix_after_n_points=fix_after_n_points,
    )
    series = _validated_values(values)
    _validate_settings(settings, labels, len(series))
    if not series:
        return XmrChart((), (), None, None, ("no data",), settings)
    starts, warnings = _segment_starts(len(series), labels, settings.rebase_at)
    segments: list[XmrSegment] = []
    points: list[XmrPoint] = []
    for number, (start, stop) in enumerate(pairwise([*starts, len(series)])):
        segment = _segment(series[start:stop], start, stop, settings)
        segments.append(segment)
        warnings.extend(_segment_warnings(number, segment))
        points.extend(_segment_points(series, labels, number, segment, settings.improvement))
    latest = segments[-1]
    variation = points[-1].point_type if latest.mr_bar is not None else None
    return XmrChart(
        tuple(points),
        tuple(segments),
        variation,
        _assurance(latest, settings.improvement, target),
        tuple(warnings),
        settings,
    )


def _validated_values(values: Sequence[float]) -> list[float]:
    series = [float(value) for value in values]
    if not all(math.isfinite(value) for value in series):
        raise ValueError("values must be finite numbers (no NaN or infinity)")
    return series


def _validate_settings(settings: XmrSettings, labels: Sequence[Label] | None, n: int) -> None:
    if settings.improvement not in _IMPROVEMENTS:
        raise ValueError("improvement must be 'increase', 'decrease' or 'neutral'")
    if settings.target is not None and not math.isfinite(settings.target):
        raise ValueError("target must be a finite number")
    fix = settings.fix_after_n_points
    if fix is not None and (isinstance(fix, bool) or fix < MIN_FIX_AFTER_N_POINTS):
        raise ValueError(
            f"fix_after_n_points must be at least {MIN_FIX_AFTER_N_POINTS}: "
            "limits fixed on fewer points are not reliable"
        )
    if labels is not None and len(labels) != n:
        raise ValueError("labels must have one entry per value")


def _segment_starts(
    n: int, labels: Sequence[Label] | None, rebase_at: Sequence[int | Label]
) -> tuple[list[int], list[str]]:
    starts = {0}
    warnings: list[str] = []
    for where in rebase_at:
        if isinstance(where, bool):
            raise ValueError("rebase_at entries must be positions or labels")
        if isinstance(where, int):
            if not 0 <= where < n:
                raise ValueError(f"rebase index {where} is outside the series of {n} points")
            starts.add(where)
        elif labels is None:
            raise ValueError("rebase_at uses labels, but no labels were given")
        elif where in labels:
            starts.add(list(labels).index(where))
        else:
            warnings.append(f"rebase at {where} matches no point and was ignored")
    return sorted(starts), warnings


def _segment(values: list[float], start: int, stop: int, settings: XmrSettings) -> XmrSegment:
    fix = settings.fix_after_n_points
    baseline = values[:fix] if fix is not None else values
    mean = fmean(baseline)
    ranges = [abs(b - a) for a, b in pairwise(baseline)]
    mr_bar = fmean(ranges) if ranges else None
    fallback = False
    if mr_bar is not None and settings.screen_outliers:
        kept = [r for r in ranges if r < SCREENING_FACTOR * mr_bar]
        screened = fmean(kept) if kept else 0.0
        # Screening can leave only zero ranges in near-constant data; a zero mR-bar would
        # then put every differing point outside the limits, so keep the unscreened one.
        fallback = screened == 0.0 and mr_bar > 0.0
        mr_bar = mr_bar if fallback else screened
    limits = None if mr_bar is None else _limits(mean, mr_bar)
    return XmrSegment(
        start=start,
        stop=stop,
        baseline_points=len(baseline),
        mean=mean,
        mr_bar=mr_bar,
        upl=None if limits is None else limits.upl,
        lpl=None if limits is None else limits.lpl,
        upper_near=None if limits is None else limits.upper_near,
        lower_near=None if limits is None else limits.lower_near,
        trial_limits=len(baseline) < TRIAL_LIMITS_BELOW,
        no_variation=mr_bar == 0.0,
        screening_fallback=fallback,
    )


def _limits(mean: float, mr_bar: float) -> Limits:
    return Limits(
        upl=mean + LIMIT_FACTOR * mr_bar,
        lpl=mean - LIMIT_FACTOR * mr_bar,
        upper_near=mean + NEAR_LIMIT_FACTOR * mr_bar,
        lower_near=mean - NEAR_LIMIT_FACTOR * mr_bar,
    )


def _segment_warnings(number: int, segment: XmrSegment) -> list[str]:
    name = f"segment {number + 1}"
    warnings: list[str] = []
    if segment.mr_bar is None:
        warnings.append(f"{name} has a single point: no limits can be calculated")
    elif segment.trial_limits:
        warnings.append(
            f"{name}: trial limits from {segment.baseline_points} points "
            f"(fewer than {TRIAL_LIMITS_BELOW})"
        )
    if segment.no_variation:
        warnings.append(
            f"{name} has no variation: limits equal the mean, so beyond-limits and "
            "2-of-3 rules are not applied"
        )
    if segment.screening_fallback:
        warnings.append(
            f"{name}: screening removed every non-zero moving range; "
            "the unscreened average moving range is used"
        )
    return warnings


def _segment_points(
    series: list[float],
    labels: Sequence[Label] | None,
    number: int,
    segment: XmrSegment,
    improvement: Improvement,
) -> list[XmrPoint]:
    values = series[segment.start : segment.stop]
    limits = None
    if segment.mr_bar is not None and not segment.no_variation:
        limits = _limits(segment.mean, segment.mr_bar)
    signals = find_signals(values, segment.mean, limits)
    points = []
    for offset, value in enumerate(values):
        index = segment.start + offset
        signal = signals[offset]
        points.append(
            XmrPoint(
                index=index,
                label=None if labels is None else labels[index],
                value=value,
                moving_range=None if offset == 0 else abs(value - values[offset - 1]),
                segment=number,
                mean=segment.mean,
                upl=segment.upl,
                lpl=segment.lpl,
                upper_near=segment.upper_near,
                lower_near=segment.lower_near,
                point_type="common_cause"
                if signal is None
                else _point_type(signal.direction, improvement),
                rule=None if signal is None else signal.rule,
            )
        )
    return points


def _point_type(direction: Direction, improvement: Improvement) -> PointType:
    if improvement == "neutral":
        return "special_cause_neutral_high" if direction > 0 else "special_cause_neutral_low"
    better = 1 if improvement == "increase" else -1
    return "special_cause_improvement" if direction == better else "special_cause_concern"


def _assurance(
    segment: XmrSegment, improvement: Improvement, target: float | None
) -> Assurance | None:
    """Compare the target with the latest segment's limits (MDC assurance icon)."""
    if target is None or improvement == "neutral" or segment.upl is None or segment.lpl is None:
        return None
    if target > segment.upl:
        return "consistent_fail" if improvement == "increase" else "consistent_pass"
    if target < segment.lpl:
        return "consistent_pass" if improvement == "increase" else "consistent_fail"
    return "inconsistent"
