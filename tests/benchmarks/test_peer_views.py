"""Peer charts built once and given each viewer's own row equal the charts built per viewer."""

from __future__ import annotations

import json

import pytest

from benchmarks.charts import Figure, funnel_chart, peer_labels
from benchmarks.models import Measure
from benchmarks.peer_views import SHARED, shared_peers, viewer_peers
from benchmarks.stats import SuppressionPolicy
from benchmarks.tables import funnel_rows, peer_rows

NAMES = ["Northfield", "Riverside", "Moorside", "Hillcrest", "Canal", "Pennine", "Ashford"]


def figures(kind: str) -> list[Figure]:
    found = []
    for n, name in enumerate(NAMES, start=1):
        denominator = [40.0, 55.0, 5.0, 120.0, 33.0, 6.0, 80.0][n - 1]  # two small ones
        numerator = [30.0, 41.0, 3.0, 60.0, 33.0, 2.0, 71.0][n - 1]
        if kind == "ratio":
            denominator += 0.5
        value = 100 * numerator / denominator if kind == "proportion" else numerator / denominator
        found.append(Figure(n, name, None, value, numerator, denominator))
    return found


@pytest.mark.parametrize("kind", ["proportion", "ratio", "rate"])
@pytest.mark.parametrize("named", [False, True])
@pytest.mark.parametrize("adjust", [False, True])
def test_every_viewer_sees_exactly_what_the_direct_build_gives(
    kind: str, named: bool, adjust: bool
) -> None:
    measure = Measure(
        id=1,
        name="M",
        kind=kind,
        unit="%",
        improvement="increase",
        rate_multiplier=1000,
        denominator_label="Patients",
    )
    policy = SuppressionPolicy(min_count=8)
    data = figures(kind)
    places = 1 if kind == "proportion" else 2
    SHARED.clear()
    for viewer in [None, *range(1, len(NAMES) + 2)]:  # no organisation, each, one not listed
        own = next((f for f in data if f.organisation_id == viewer), None)
        shared = shared_peers(measure, data, named=named, policy=policy, adjust=adjust)
        view = viewer_peers(shared, measure, own)
        peers, labels = peer_labels(measure, data, my_org_id=viewer, named=named, policy=policy)
        funnel = funnel_chart(
            measure,
            data,
            labels=labels,
            my_org_id=viewer,
            named=named,
            policy=policy,
            adjust=adjust,
        )
        assert view.peers == peers
        assert json.loads(view.peers_json) == json.loads(json.dumps(peers))
        assert str(view.peer_html) == str(peer_rows(peers["rows"], places, measure.has_counts))
        assert view.funnel == funnel
        if funnel is not None:
            assert json.loads(view.funnel_json or "") == json.loads(json.dumps(funnel))
            assert str(view.funnel_html) == str(funnel_rows(funnel["points"], places))
        else:
            assert kind == "rate" and view.funnel_json is None
    assert SHARED.misses == 1  # built once for all eight viewers


def test_the_shared_view_never_carries_a_peers_name_or_exact_counts() -> None:
    measure = Measure(id=2, name="M", kind="proportion", unit="%", improvement="increase")
    data = figures("proportion")
    SHARED.clear()
    shared = shared_peers(
        measure, data, named=False, policy=SuppressionPolicy(min_count=8), adjust=True
    )
    text = "".join(shared.peer_html + shared.peer_json + shared.funnel_html + shared.funnel_json)
    assert not any(name in text for name in NAMES)
    assert all(row["numerator"] is None for row in shared.peers["rows"])
    # Riverside's exact 55 becomes 55 by chance; Canal's 33 is rounded to 35.
    assert 33 not in [p["x"] for p in shared.funnel["points"]]  # type: ignore[index]
