"""Ranked peer comparison for one period: quartiles, ranks, anonymised labels, suppression.

Quartiles use R's default type 7 (Excel QUARTILE.INC), see ``quantiles.sample_quantile``.

Small-number suppression follows the NHS Digital (now NHS England) disclosure control for
HES/ECDS introduced in September 2018: a count of 1 to 7 is shown as ``*``, 0 is shown,
and a simple statistic based on 1 to 7 individuals is suppressed. (Read in a third-party copy
of the methodology; confirm on the live page before quoting it in product copy.) A rate is
suppressed whenever its numerator is, because the rate and the denominator give it back.

Rules chosen here, each tested:

* Your own organisation is always shown in full, even when it would be suppressed for others.
* Quartiles, ranks and the peer count use only values every viewer may see, so they are the
  same for everyone and never reveal a suppressed value. A suppressed own value is shown but
  not ranked.
* Anonymised peers are labelled "Peer A", "Peer B", ... in rank order (best first), with
  ties and suppressed units ordered by a hash of their id, never by name. Suppressed units
  come last so their letters reveal nothing about their values. Letters are assigned over
  all units, including yours (shown by name), so every viewer sees the same letter for the
  same peer. Anonymised peers' numerators and denominators are hidden, since a point plus its
  denominator reveals the numerator.
* Rank 1 is the best value; with ``improvement="neutral"`` rank 1 is the highest. Ties share
  the better rank (1, 2, 2, 4).
* A value without counts (not a rate) is never suppressed: there is no count to protect.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from benchmarks.stats.quantiles import sample_quantile

QUANTILE_METHOD = "R type 7 (linear interpolation; Excel QUARTILE.INC)"


@dataclass(frozen=True)
class PeerEntry:
    """One organisation's value for the period, with its counts when it is a rate."""

    org_id: str
    name: str
    value: float
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class SuppressionPolicy:
    """Counts from 1 to ``min_count - 1`` are suppressed; 0 is shown unless told otherwise."""

    min_count: int = 8
    suppress_zero: bool = False
    check_complement: bool = False  # also protect denominator - numerator (e.g. "5 did not")


@dataclass(frozen=True)
class Suppression:
    """Whether a value is hidden from peers, and the rule that hid it (for the audit log)."""

    suppressed: bool
    reason: str | None = None


@dataclass(frozen=True)
class PeerRow:
    """One row of the peer table as one viewer may see it.

    ``suppressed`` means hidden from other viewers; your own row still carries its value.
    """

    label: str
    is_mine: bool
    value: float | None
    numerator: float | None
    denominator: float | None
    rank: int | None
    suppressed: bool
    reason: str | None


@dataclass(frozen=True)
class PeerSummary:
    """Median and quartiles of the values that all viewers may see."""

    count: int
    suppressed: int
    median: float | None
    lower_quartile: float | None
    upper_quartile: float | None


@dataclass(frozen=True)
class PeerComparison:
    """The peer table (best first) and its summary."""

    rows: tuple[PeerRow, ...]
    summary: PeerSummary
    quantile_method: str = QUANTILE_METHOD


_DEFAULT_POLICY = SuppressionPolicy()
_SHOWN = Suppression(False)


def suppression_for(
    numerator: float | None,
    denominator: float | None,
    policy: SuppressionPolicy | None = None,
) -> Suppression:
    """Decide whether a rate built from these counts must be hidden from peers."""
    policy = policy or _DEFAULT_POLICY
    counts: tuple[tuple[str, float | None], ...] = (
        ("numerator", numerator),
        ("denominator", denominator),
    )
    if policy.check_complement and numerator is not None and denominator is not None:
        counts = (*counts, ("complement", denominator - numerator))
    for name, count in counts:
        if count is None:
            continue
        if count == 0 and policy.suppress_zero:
            return Suppression(True, f"{name} is zero")
        if 0 < count < policy.min_count:
            return Suppression(True, f"{name} between 1 and {policy.min_count - 1}")
    return _SHOWN


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """Return the lower quartile, median and upper quartile (R type 7)."""
    ordered = sorted(values)
    return (
        sample_quantile(ordered, 0.25),
        sample_quantile(ordered, 0.5),
        sample_quantile(ordered, 0.75),
    )


def peer_label(position: int) -> str:
    """Return the anonymous label for a 0-based position: Peer A ... Peer Z, Peer AA, ..."""
    if position < 0:
        raise ValueError("position must not be negative")
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"Peer {letters}"


def compare_peers(
    entries: Sequence[PeerEntry],
    *,
    my_org_id: str | None = None,
    improvement: Literal["increase", "decrease", "neutral"] = "increase",
    named: bool = False,
    policy: SuppressionPolicy | None = None,
) -> PeerComparison:
    """Rank one period's values and label them for the viewer from my_org_id."""
    _validate(entries, improvement)
    decisions = {e.org_id: suppression_for(e.numerator, e.denominator, policy) for e in entries}
    public = [e for e in entries if not decisions[e.org_id].suppressed]
    hidden = [e for e in entries if decisions[e.org_id].suppressed]
    better_first = -1.0 if improvement in ("increase", "neutral") else 1.0
    public.sort(key=lambda e: (better_first * e.value, _stable_hash(e.org_id)))
    hidden.sort(key=lambda e: _stable_hash(e.org_id))
    # Competition ranking (ties share the better rank): 1 + how many are strictly better.
    ordered_keys = sorted(better_first * e.value for e in public)
    rows = []
    for position, entry in enumerate([*public, *hidden]):
        decision = decisions[entry.org_id]
        mine = entry.org_id == my_org_id
        shown_in_full = mine or (named and not decision.suppressed)
        rows.append(
            PeerRow(
                label=entry.name if mine or named else peer_label(position),
                is_mine=mine,
                value=entry.value if mine or not decision.suppressed else None,
                numerator=entry.numerator if shown_in_full else None,
                denominator=entry.denominator if shown_in_full else None,
                rank=None
                if decision.suppressed
                else 1 + bisect_left(ordered_keys, better_first * entry.value),
                suppressed=decision.suppressed,
                reason=decision.reason,
            )
        )
    return PeerComparison(tuple(rows), _summary([e.value for e in public], len(hidden)))


def _validate(entries: Sequence[PeerEntry], improvement: str) -> None:
    if improvement not in ("increase", "decrease", "neutral"):
        raise ValueError("improvement must be 'increase', 'decrease' or 'neutral'")
    ids = [e.org_id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("each organisation may appear only once per period")
    for entry in entries:
        if not math.isfinite(entry.value):
            raise ValueError(f"value for {entry.org_id!r} must be a finite number")


def _summary(values: list[float], suppressed: int) -> PeerSummary:
    if not values:
        return PeerSummary(0, suppressed, None, None, None)
    lower, median, upper = quartiles(values)
    return PeerSummary(len(values), suppressed, median, lower, upper)


@lru_cache(maxsize=8192)
def _stable_hash(org_id: str) -> str:
    # Stable across runs (unlike hash()) and unrelated to names or id order.
    return hashlib.sha256(org_id.encode()).hexdigest()
