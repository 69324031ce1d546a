"""What the scorecard page remembers between views, keyed by each measure's figures stamp.

Two layers, both per worker process and bounded (``memo.Memo``):

* ``PERIOD_PEERS``: per measure, its latest period and the anonymous peer charts of that
  period (``peer_views.SharedPeers``: the most private view, with no organisation named
  and small numbers suppressed), shared by every viewer;
* ``SPC_PARTS``: per measure and organisation, the SPC chart of that organisation's series,
  its JSON and its table's rows, and the organisation's latest figure (its own row in the
  peer charts). Only ever looked up for the organisation the viewer was allowed to view.

Both are keyed by ``measure_state``: every column of the measure, including
``figures_stamp``, which every write of a figure changes (``stamps.py``). A remembered part
is therefore never out of date, in any worker, and checking it costs no query: the stamp
comes with the measures the page loads anyway. The database's address is part of every
key so that two databases (tests, benchmarks) never share an entry.

What is *not* remembered: anything that depends on who is looking, beyond their
organisation's own series. The viewer's own row is added to the shared peer charts on each
view (``peer_views.viewer_peers``), and each measure's section is rendered on each view.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from fivec.extensions import db
from fivec.memo import Memo

from .charts import Figure, spc_chart
from .models import Measure
from .peer_views import SharedPeers, anonymous_peers, to_json
from .queries import figures_for_periods, latest_periods, series_for_measures
from .stats import SuppressionPolicy
from .tables import spc_rows

_COLUMNS = tuple(attr.key for attr in Measure.__mapper__.column_attrs)


@dataclass(frozen=True)
class PeriodPeers:
    """A measure's latest period and its anonymous peer charts (None: no figures yet)."""

    period: date | None
    shared: SharedPeers | None


@dataclass(frozen=True)
class SpcPart:
    """One organisation's SPC chart of a measure, ready to show, and its latest figure."""

    chart: dict[str, Any]
    json: str
    rows: Markup
    last: Figure


# 20 measures x 2 (over-dispersion on/off) per scorecard; ~100 KB each.
PERIOD_PEERS: Memo[PeriodPeers] = Memo("period peers", 256)
# ~15 KB each: 4,096 is 200 organisations x 20 measures, ~60 MB at most per worker.
SPC_PARTS: Memo[SpcPart] = Memo("spc parts", 4096)
_NO_SERIES = SpcPart({}, "null", Markup(""), Figure(0, "", None, 0.0))  # remembered "none"


def database_key() -> str:
    """Name the database the figures come from (part of every key)."""
    return str(db.engine.url)


def measure_state(measure: Measure) -> tuple[Any, ...]:
    """Every column of ``measure``: its settings and its figures stamp."""
    return tuple(getattr(measure, name) for name in _COLUMNS)


def period_peers(
    measures: Sequence[Measure], policy: SuppressionPolicy, adjust: bool, database: str
) -> dict[int, PeriodPeers]:
    """Return each measure's latest period and anonymous peer charts, reading the figures
    (two statements for all the misses together) only for those not remembered."""
    found: dict[int, PeriodPeers] = {}
    keys: dict[int, Hashable] = {}
    for measure in measures:
        keys[measure.id] = ("peers", database, measure_state(measure), policy, adjust)
        remembered = PERIOD_PEERS.peek(keys[measure.id])
        if remembered is not None:
            found[measure.id] = remembered
    missing = [m for m in measures if m.id not in found]
    if missing:
        latest = latest_periods(missing)
        figures = figures_for_periods(latest, {})  # anonymous: no names needed
        for measure in missing:
            period = latest.get(measure.id)
            shared = None
            if period is not None:
                shared = anonymous_peers(measure, figures[measure.id], policy=policy, adjust=adjust)
            found[measure.id] = PeriodPeers(period, shared)
            PERIOD_PEERS.put(keys[measure.id], found[measure.id])
    return found


def spc_parts(
    measures: Sequence[Measure], organisation_id: int, database: str
) -> dict[int, SpcPart | None]:
    """Return the organisation's SPC part of each measure (None: it sent no figures),
    reading the series (one statement for all the misses) only for those not remembered."""
    found: dict[int, SpcPart | None] = {}
    keys: dict[int, Hashable] = {}
    for measure in measures:
        keys[measure.id] = ("spc", database, measure_state(measure), organisation_id)
        remembered = SPC_PARTS.peek(keys[measure.id])
        if remembered is not None:
            found[measure.id] = None if remembered is _NO_SERIES else remembered
    missing = [m for m in measures if m.id not in found]
    if missing:
        series = series_for_measures(missing, organisation_id)
        for measure in missing:
            part = _spc_part(measure, series[measure.id])
            found[measure.id] = part
            SPC_PARTS.put(keys[measure.id], part or _NO_SERIES)
    return found


def _spc_part(measure: Measure, series: Sequence[Figure]) -> SpcPart | None:
    if not series:
        return None
    chart = spc_chart(measure, series)
    rows = spc_rows(chart["points"], measure.kind, measure.has_counts)
    return SpcPart(chart, to_json(chart), rows, series[-1])
