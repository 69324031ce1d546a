"""Peer comparison: quartiles, ranks, anonymised labels and small-number suppression."""

import pytest

from benchmarks.stats import (
    PeerEntry,
    SuppressionPolicy,
    compare_peers,
    peer_label,
    quartiles,
    suppression_for,
)


def entry(org_id: str, value: float, numerator: float = 50, denominator: float = 100) -> PeerEntry:
    return PeerEntry(org_id, f"Trust {org_id}", value, numerator, denominator)


NETWORK = [
    entry("north", 0.60),
    entry("south", 0.90),
    entry("east", 0.75),
    entry("west", 0.80),
    entry("mine", 0.70),
]


def test_quartiles_use_linear_interpolation_type_7() -> None:
    # Sorted 1, 2, 3, 4: h = 3p, so Q1 = 1.75, median 2.5, Q3 = 3.25 (Excel QUARTILE.INC).
    assert quartiles([4, 1, 3, 2]) == (1.75, 2.5, 3.25)
    assert quartiles([7]) == (7, 7, 7)


def test_quartiles_of_nothing_are_rejected() -> None:
    with pytest.raises(ValueError, match="no values"):
        quartiles([])


def test_summary_reports_median_and_quartiles_of_visible_values() -> None:
    summary = compare_peers(NETWORK, my_org_id="mine").summary
    # Sorted 0.60, 0.70, 0.75, 0.80, 0.90.
    assert summary.count == 5
    assert summary.median == pytest.approx(0.75)
    assert summary.lower_quartile == pytest.approx(0.70)
    assert summary.upper_quartile == pytest.approx(0.80)


def test_rank_one_is_the_highest_value_when_increase_is_better() -> None:
    rows = compare_peers(NETWORK, my_org_id="mine").rows
    assert [row.rank for row in rows] == [1, 2, 3, 4, 5]
    mine = next(row for row in rows if row.is_mine)
    assert (mine.label, mine.rank, mine.value) == ("Trust mine", 4, 0.70)


def test_rank_one_is_the_lowest_value_when_decrease_is_better() -> None:
    rows = compare_peers(NETWORK, my_org_id="mine", improvement="decrease").rows
    assert [row.value for row in rows] == [0.60, 0.70, 0.75, 0.80, 0.90]
    assert rows[1].is_mine and rows[1].rank == 2


def test_ties_share_the_better_rank() -> None:
    data = [entry("a", 0.5), entry("b", 0.7), entry("c", 0.7), entry("d", 0.4)]
    assert [row.rank for row in compare_peers(data).rows] == [1, 1, 3, 4]


def test_peers_are_lettered_in_rank_order_not_name_order() -> None:
    rows = compare_peers(NETWORK, my_org_id="mine").rows
    assert [row.label for row in rows] == [
        "Peer A",  # south 0.90
        "Peer B",  # west 0.80
        "Peer C",  # east 0.75
        "Trust mine",
        "Peer E",  # north 0.60
    ]


def test_every_viewer_sees_the_same_letter_for_the_same_peer() -> None:
    as_mine = compare_peers(NETWORK, my_org_id="mine").rows
    as_south = compare_peers(NETWORK, my_org_id="south").rows
    assert as_mine[4].label == as_south[4].label == "Peer E"
    assert as_south[0].label == "Trust south"


def test_anonymised_peers_hide_counts_but_my_row_shows_them() -> None:
    rows = compare_peers(NETWORK, my_org_id="mine").rows
    peers = [row for row in rows if not row.is_mine]
    assert {(row.numerator, row.denominator) for row in peers} == {(None, None)}
    mine = next(row for row in rows if row.is_mine)
    assert (mine.numerator, mine.denominator) == (50, 100)


def test_named_mode_shows_names_and_counts() -> None:
    rows = compare_peers(NETWORK, my_org_id="mine", named=True).rows
    assert rows[0].label == "Trust south"
    assert rows[0].denominator == 100


def test_peer_letters_continue_after_z() -> None:
    assert [peer_label(i) for i in (0, 25, 26, 27, 51, 52)] == [
        "Peer A",
        "Peer Z",
        "Peer AA",
        "Peer AB",
        "Peer AZ",
        "Peer BA",
    ]


@pytest.mark.parametrize(
    ("numerator", "denominator", "suppressed", "reason"),
    [
        (0, 100, False, None),
        (1, 100, True, "numerator between 1 and 7"),
        (7, 100, True, "numerator between 1 and 7"),
        (8, 100, False, None),
        (8, 7, True, "denominator between 1 and 7"),
        (None, None, False, None),
    ],
)
def test_counts_from_one_to_seven_are_suppressed_by_default(
    numerator: float | None, denominator: float | None, suppressed: bool, reason: str | None
) -> None:
    decision = suppression_for(numerator, denominator)
    assert (decision.suppressed, decision.reason) == (suppressed, reason)


def test_suppression_threshold_and_zero_rule_are_configurable() -> None:
    policy = SuppressionPolicy(min_count=5, suppress_zero=True)
    assert suppression_for(5, 100, policy).suppressed is False
    assert suppression_for(4, 100, policy).suppressed is True
    assert suppression_for(0, 100, policy).reason == "numerator is zero"


def test_complement_check_protects_small_numbers_of_non_events() -> None:
    policy = SuppressionPolicy(check_complement=True)
    assert suppression_for(95, 100, policy).reason == "complement between 1 and 7"
    assert suppression_for(95, 100).suppressed is False


def test_suppressed_peer_has_no_value_rank_or_position_by_value() -> None:
    data = [*NETWORK, entry("tiny", 0.99, numerator=3, denominator=4)]
    comparison = compare_peers(data, my_org_id="mine")
    last = comparison.rows[-1]
    # 0.99 would rank first, but a suppressed unit is listed last so its letter says nothing.
    assert (last.label, last.value, last.rank, last.suppressed) == ("Peer F", None, None, True)
    assert last.reason == "numerator between 1 and 7"
    assert comparison.summary.count == 5
    assert comparison.summary.suppressed == 1
    assert comparison.summary.upper_quartile == pytest.approx(0.80)


def test_my_small_value_is_shown_to_me_but_left_out_of_ranks_and_quartiles() -> None:
    data = [*NETWORK[:4], entry("mine", 0.5, numerator=2, denominator=4)]
    comparison = compare_peers(data, my_org_id="mine")
    mine = comparison.rows[-1]
    assert (mine.is_mine, mine.value, mine.numerator, mine.rank) == (True, 0.5, 2, None)
    assert mine.suppressed is True  # hidden from everyone else
    assert comparison.summary.count == 4
    assert comparison.summary.median == pytest.approx(0.775)


def test_named_mode_still_suppresses_small_numbers() -> None:
    data = [*NETWORK, entry("tiny", 0.99, numerator=3, denominator=4)]
    tiny = compare_peers(data, named=True).rows[-1]
    assert (tiny.label, tiny.value, tiny.numerator) == ("Trust tiny", None, None)


def test_no_visible_values_give_an_empty_summary() -> None:
    summary = compare_peers([entry("a", 0.5, numerator=1)]).summary
    assert (summary.count, summary.median, summary.suppressed) == (0, None, 1)


def test_duplicate_organisation_is_rejected() -> None:
    with pytest.raises(ValueError, match="only once"):
        compare_peers([entry("a", 0.5), entry("a", 0.6)])


def test_non_finite_value_is_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        compare_peers([entry("a", float("nan"))])


def test_unknown_improvement_direction_is_rejected() -> None:
    with pytest.raises(ValueError, match="improvement"):
        compare_peers(NETWORK, improvement="up")  # type: ignore[arg-type]
