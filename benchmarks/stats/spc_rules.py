"""Special-cause rules of NHS England "Making Data Count", applied within one segment.

Rules and precedence as in NHSRplotthedots (``R/ptd_calculate_point_type.R``), run length 7:
beyond limits > trend > two of three near the limits > shift. The caller passes one rebase
segment at a time, so no rule can run across a rebase boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

RUN_LENGTH = 7

Rule = Literal["beyond_limits", "trend", "two_of_three", "shift"]
Direction = Literal[1, -1]


@dataclass(frozen=True)
class Limits:
    """Process limits and the near-limit (2 sigma) lines of a segment."""

    upl: float
    lpl: float
    upper_near: float
    lower_near: float


@dataclass(frozen=True)
class Signal:
    """Why a point is special cause: the rule that fired and which way it points."""

    rule: Rule
    direction: Direction


def find_signals(
    values: Sequence[float], mean: float, limits: Limits | None
) -> list[Signal | None]:
    """Return the highest-precedence signal for each point, or None for common cause.

    ``limits`` is None when the limits carry no information (one point, or no variation);
    then only the trend and shift rules, which need no limits, are applied.
    """
    signals: list[Signal | None] = [None] * len(values)

    def mark(flagged: Iterator[tuple[int, Direction]], rule: Rule) -> None:
        # Rules run in precedence order and the first signal on a point wins.
        for index, direction in flagged:
            if signals[index] is None:
                signals[index] = Signal(rule, direction)

    if limits is not None:
        mark(_beyond_limits(values, limits), "beyond_limits")
    mark(_trends(values), "trend")
    if limits is not None:
        mark(_two_of_three(values, mean, limits), "two_of_three")
    mark(_shifts(values, mean), "shift")
    return signals


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _beyond_limits(values: Sequence[float], limits: Limits) -> Iterator[tuple[int, Direction]]:
    # A point exactly on a limit is not outside it.
    for index, value in enumerate(values):
        if value > limits.upl:
            yield index, 1
        elif value < limits.lpl:
            yield index, -1


def _trends(values: Sequence[float]) -> Iterator[tuple[int, Direction]]:
    """Yield points in runs of 7 or more, each strictly above (or below) the one before.

    A tie ends the run. Runs are yielded oldest first, so a peak shared by a rising and a
    falling run keeps the direction of the rising run it completed when it was observed.
    """
    steps = [_sign(b - a) for a, b in pairwise(values)]
    start = 0
    while start < len(steps):
        direction = steps[start]
        end = start
        while end + 1 < len(steps) and steps[end + 1] == direction:
            end += 1
        if direction != 0 and end - start + 2 >= RUN_LENGTH:
            for index in range(start, end + 2):
                yield index, 1 if direction > 0 else -1
        start = end + 1


def _two_of_three(
    values: Sequence[float], mean: float, limits: Limits
) -> Iterator[tuple[int, Direction]]:
    """Yield near-limit points where 2 of 3 consecutive points are near, all on one side.

    "Near" means beyond the 2-sigma line but not outside the limits, so points beyond the
    limits do not count. Only the near points are flagged (NHSRplotthedots issue #143).
    """
    near = [
        limits.upper_near < value <= limits.upl or limits.lpl <= value < limits.lower_near
        for value in values
    ]
    sides = [_sign(value - mean) for value in values]
    for first in range(len(values) - 2):
        window = range(first, first + 3)
        side = sides[first]
        if side == 0 or any(sides[i] != side for i in window):
            continue
        if sum(near[i] for i in window) >= 2:
            for index in window:
                if near[index]:
                    yield index, 1 if side > 0 else -1


def _shifts(values: Sequence[float], mean: float) -> Iterator[tuple[int, Direction]]:
    """Yield points in runs of 7 or more on one side of the mean; a point on the mean breaks it."""
    sides = [_sign(value - mean) for value in values]
    start = 0
    while start < len(sides):
        end = start
        while end + 1 < len(sides) and sides[end + 1] == sides[start]:
            end += 1
        if sides[start] != 0 and end - start + 1 >= RUN_LENGTH:
            for index in range(start, end + 1):
                yield index, 1 if sides[start] > 0 else -1
        start = end + 1
