"""The peer charts of one measure's period, built once for every viewer.

The ranked chart and the funnel plot list every organisation (200 in a large network), but
only one row differs between viewers: their own organisation, which they see by name, with
its exact counts, and first in the funnel's table. Everything else is what a viewer from
no organisation sees (the most private view: anonymised, suppressed, sizes rounded).

``shared_peers`` builds that view once per exact inputs (kept in ``SHARED``, see
``memo.py``; named scorecards use it), ``anonymous_peers`` builds it for a caller that
remembers it by the measure's figures stamp (``page_cache.py``), each row already written
as HTML and as HTML-safe JSON; ``viewer_peers`` then adds the viewer's own row. The
result is equal to calling ``charts.peer_labels`` and ``charts.funnel_chart`` for the
viewer (tests check it for every organisation), at a small fraction of the cost.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from fivec.memo import Memo

from .charts import _round, funnel_chart, funnel_stats, peer_labels
from .models import Measure
from .stats import FunnelUnit, SuppressionPolicy
from .tables import funnel_rows, peer_rows

_SCALE = {"proportion": 100.0, "ratio": 1.0}


@dataclass(frozen=True)
class SharedPeers:
    """The anonymous peer charts of one period, rows ready as HTML and JSON."""

    peers: dict[str, Any]
    peer_html: tuple[str, ...]
    peer_json: tuple[str, ...]
    peer_index: dict[int, int]  # organisation id -> its row in peers["rows"]
    funnel: dict[str, Any] | None
    funnel_html: tuple[str, ...]
    funnel_json: tuple[str, ...]
    funnel_index: dict[int, int]  # organisation id -> its point (absent when hidden)
    funnel_own: dict[int, tuple[float | None, float | None, str, bool]]  # exact x, y, status,
    # hidden from peers: what the organisation itself sees of its point
    # Each chart's JSON without its rows or points (the funnel's curve is the long part):
    # the ranked chart's, and the funnel's as is and with one fewer hidden point (the
    # viewer's own, shown to them).
    peers_head: str = "{}"
    funnel_heads: tuple[str, str] = ("{}", "{}")


@dataclass(frozen=True)
class ViewerPeers:
    """One viewer's ranked chart and funnel, with their tables' rows and JSON."""

    peers: dict[str, Any]
    peer_html: Markup
    peers_json: str
    funnel: dict[str, Any] | None
    funnel_html: Markup | None
    funnel_json: str | None


SHARED: Memo[SharedPeers] = Memo("shared peers", 128)


def to_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (as Jinja's ``tojson``)."""
    return (
        json.dumps(data, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def _places(measure: Measure) -> int:
    return 1 if measure.kind == "proportion" else 2


def shared_peers(
    measure: Measure,
    figures: Sequence[Any],
    *,
    named: bool,
    policy: SuppressionPolicy,
    adjust: bool,
) -> SharedPeers:
    """Return the anonymous view of one period's figures, remembered per exact inputs."""
    key = (
        measure.id,
        measure.kind,
        measure.unit,
        measure.improvement,
        measure.denominator_label,
        named,
        policy,
        adjust,
        tuple(
            (f.organisation_id, f.name if named else "", f.value, f.numerator, f.denominator)
            for f in figures
        ),
    )
    return SHARED.get(key, lambda: _build(measure, figures, named, policy, adjust))


def anonymous_peers(
    measure: Measure, figures: Sequence[Any], *, policy: SuppressionPolicy, adjust: bool
) -> SharedPeers:
    """Build the anonymous view without remembering it (callers key it by the measure's
    figures stamp, ``page_cache.py``, so the figures need not be read to check it)."""
    return _build(measure, figures, False, policy, adjust)


def _build(
    measure: Measure, figures: Sequence[Any], named: bool, policy: SuppressionPolicy, adjust: bool
) -> SharedPeers:
    places = _places(measure)
    peers, labels = peer_labels(measure, figures, my_org_id=None, named=named, policy=policy)
    order = [int(org) for org in _peer_order(measure, figures, policy)]
    peer_index = {org: i for i, org in enumerate(order)}
    funnel = funnel_chart(
        measure,
        figures,
        labels=labels,
        my_org_id=None,
        named=named,
        policy=policy,
        adjust=adjust,
    )
    funnel_index: dict[int, int] = {}
    funnel_own: dict[int, tuple[float | None, float | None, str, bool]] = {}
    funnel_html: tuple[str, ...] = ()
    funnel_json: tuple[str, ...] = ()
    if funnel is not None:
        by_label = {p["label"]: i for i, p in enumerate(funnel["points"])}
        funnel_index = {org: by_label[labels[org]] for org in labels if labels[org] in by_label}
        funnel_own = _own_points(measure, figures, policy, adjust)
        funnel_html = tuple(str(funnel_rows([p], places)) for p in funnel["points"])
        funnel_json = tuple(to_json(p) for p in funnel["points"])
    funnel_heads = ("{}", "{}")
    if funnel is not None:
        head = {k: v for k, v in funnel.items() if k != "points"}
        funnel_heads = (to_json(head), to_json({**head, "hidden": funnel["hidden"] - 1}))
    return SharedPeers(
        peers=peers,
        peer_html=tuple(str(peer_rows([r], places, measure.has_counts)) for r in peers["rows"]),
        peer_json=tuple(to_json(r) for r in peers["rows"]),
        peer_index=peer_index,
        funnel=funnel,
        funnel_html=funnel_html,
        funnel_json=funnel_json,
        funnel_index=funnel_index,
        funnel_own=funnel_own,
        peers_head=to_json({k: v for k, v in peers.items() if k != "rows"}),
        funnel_heads=funnel_heads,
    )


def _peer_order(measure: Measure, figures: Sequence[Any], policy: SuppressionPolicy) -> list[str]:
    """Organisation ids in the ranked chart's row order (named view: labels are ids)."""
    from .stats import PeerEntry, compare_peers

    comparison = compare_peers(
        [
            PeerEntry(
                str(f.organisation_id), str(f.organisation_id), f.value, f.numerator, f.denominator
            )
            for f in figures
        ],
        improvement=measure.improvement,  # type: ignore[arg-type]
        named=True,
        policy=policy,
    )
    return [row.label for row in comparison.rows]


def _own_points(
    measure: Measure, figures: Sequence[Any], policy: SuppressionPolicy, adjust: bool
) -> dict[int, tuple[float | None, float | None, str, bool]]:
    """Each organisation's own funnel point: exact size, value, status, hidden from peers."""
    from .charts import FUNNEL_STATUS
    from .stats import suppression_for

    units = [
        FunnelUnit(str(f.organisation_id), f.numerator or 0.0, f.denominator or 0.0)
        for f in figures
        if f.numerator is not None and f.denominator is not None
    ]
    result, _curve = funnel_stats(measure.kind, units, adjust=adjust)
    scale = _SCALE[measure.kind]
    return {
        int(p.unit_id): (
            _round(p.denominator, 2),
            _round(p.value * scale),
            FUNNEL_STATUS[p.status],
            suppression_for(p.numerator, p.denominator, policy).suppressed,
        )
        for p in result.points
    }


def viewer_peers(shared: SharedPeers, measure: Measure, mine: Any | None) -> ViewerPeers:
    """Add the viewer's own row (``mine``: their organisation's figure, or None)."""
    places = _places(measure)
    peers = dict(shared.peers)
    rows = list(shared.peers["rows"])
    peer_html = list(shared.peer_html)
    peer_json = list(shared.peer_json)
    if mine is not None and mine.organisation_id in shared.peer_index:
        i = shared.peer_index[mine.organisation_id]
        own = {
            "label": mine.name,
            "mine": True,
            "value": _round(mine.value),
            "numerator": mine.numerator,
            "denominator": mine.denominator,
            "rank": rows[i]["rank"],
            "suppressed": False,
        }
        rows[i] = own
        peer_html[i] = str(peer_rows([own], places, measure.has_counts))
        peer_json[i] = to_json(own)
    peers["rows"] = rows
    peers_json = _splice(shared.peers_head, "rows", peer_json)
    if shared.funnel is None:
        return ViewerPeers(peers, Markup("".join(peer_html)), peers_json, None, None, None)  # noqa: S704
    funnel = dict(shared.funnel)
    points = list(shared.funnel["points"])
    funnel_html = list(shared.funnel_html)
    funnel_json = list(shared.funnel_json)
    own_point = shared.funnel_own.get(mine.organisation_id) if mine is not None else None
    head = shared.funnel_heads[0]
    if own_point is not None:
        x, y, status, hidden = own_point
        point = {"label": mine.name, "mine": True, "x": x, "y": y, "status": status}
        at = shared.funnel_index.get(mine.organisation_id)
        if at is not None:  # shown to peers: take it out of the anonymous order
            del points[at], funnel_html[at], funnel_json[at]
        if hidden:  # hidden from peers, shown to its own organisation
            funnel["hidden"] = shared.funnel["hidden"] - 1
            head = shared.funnel_heads[1]
        points.insert(0, point)
        funnel_html.insert(0, str(funnel_rows([point], places)))
        funnel_json.insert(0, to_json(point))
    funnel["points"] = points
    return ViewerPeers(
        peers,
        Markup("".join(peer_html)),  # noqa: S704  (rows written by tables.py, escaped there)
        peers_json,
        funnel,
        Markup("".join(funnel_html)),  # noqa: S704  (as above)
        _splice(head, "points", funnel_json),
    )


def _splice(head: str, field: str, items: list[str]) -> str:
    """JSON of a chart from its ``head`` (the JSON of everything but ``field``) and
    ready-made JSON items of ``field``."""
    return f'{head[:-1]},"{field}":[{",".join(items)}]}}'
