"""XmR charts: limits, Making Data Count rules, icons and edge cases."""

from datetime import date

import pytest

from benchmarks.stats import RULESET_VERSION, XmrChart, xmr_chart

# Twelve alternating points: mean 11, every moving range 2, so mR-bar = 2 and
# UPL/LPL = 11 +/- 2.66 * 2 = 16.32 / 5.68, near lines 11 +/- 1.7733 * 2.
BASELINE = [12.0, 10.0] * 6


def rules(chart: XmrChart) -> list[str | None]:
    return [point.rule for point in chart.points]


def flagged(chart: XmrChart) -> list[int]:
    return [point.index for point in chart.points if point.rule is not None]


def test_limits_are_mean_plus_minus_2_66_average_moving_ranges() -> None:
    chart = xmr_chart([1, 3] * 6)
    segment = chart.segments[0]
    assert segment.mean == 2.0
    assert segment.mr_bar == 2.0
    assert segment.upl == pytest.approx(7.32)
    assert segment.lpl == pytest.approx(-3.32)
    assert segment.upper_near == pytest.approx(2 + 2 * 2.66 * 2 / 3)
    assert segment.lower_near == pytest.approx(2 - 3.5466667, abs=1e-6)
    assert [p.moving_range for p in chart.points[:3]] == [None, 2.0, 2.0]
    assert all(p.point_type == "common_cause" for p in chart.points)


def test_twelve_points_give_locked_limits_without_trial_warning() -> None:
    chart = xmr_chart([1, 3] * 6)
    assert chart.segments[0].trial_limits is False
    assert chart.warnings == ()


def test_eleven_points_give_trial_limits_warning() -> None:
    chart = xmr_chart([1, 3] * 5 + [1])
    assert chart.segments[0].trial_limits is True
    assert chart.warnings == ("segment 1: trial limits from 11 points (fewer than 12)",)


def test_screening_drops_moving_ranges_of_3_267_times_average_and_recomputes_once() -> None:
    values = [10.0, 11.0] * 6 + [20.0]
    screened = xmr_chart(values)
    unscreened = xmr_chart(values, screen_outliers=False)
    # Moving ranges: eleven 1s and one 9; mean 20/12. 9 >= 3.267 * 1.667, so it is dropped.
    assert unscreened.segments[0].mr_bar == pytest.approx(20 / 12)
    assert screened.segments[0].mr_bar == pytest.approx(1.0)
    assert screened.segments[0].mean == pytest.approx(146 / 13)  # the mean is not screened


def test_point_above_upper_limit_is_special_cause_improvement_when_increase_is_better() -> None:
    # Mean 179/13 = 13.77, so the 14s and 10s alternate around it and form no shift.
    chart = xmr_chart([10.0, 14.0] * 6 + [35.0], improvement="increase")
    last = chart.points[-1]
    assert last.rule == "beyond_limits"
    assert last.point_type == "special_cause_improvement"
    assert flagged(chart) == [12]


def test_point_above_upper_limit_is_concern_when_decrease_is_better() -> None:
    chart = xmr_chart([10.0, 14.0] * 6 + [35.0], improvement="decrease")
    assert chart.points[-1].point_type == "special_cause_concern"


def test_point_below_lower_limit_is_neutral_low_for_neutral_direction() -> None:
    chart = xmr_chart([10.0, 14.0] * 6 + [-10.0])
    assert chart.points[-1].point_type == "special_cause_neutral_low"


def test_point_exactly_on_upper_limit_is_not_outside() -> None:
    on_limit = 11.0 + 2.66 * 2.0
    chart = xmr_chart([*BASELINE, on_limit], fix_after_n_points=12)
    assert chart.segments[0].upl == on_limit
    assert chart.points[-1].rule != "beyond_limits"


def test_trend_of_seven_rising_points_is_flagged_in_trend_direction() -> None:
    values = [*BASELINE, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 10.0]
    chart = xmr_chart(values, fix_after_n_points=12, improvement="decrease")
    assert flagged(chart) == list(range(12, 19))
    assert set(rules(chart)[12:19]) == {"trend"}
    # The trend crosses the mean (11) but is coloured by its own direction (issue #171).
    assert chart.points[12].point_type == "special_cause_concern"


def test_six_rising_points_are_not_a_trend() -> None:
    values = [*BASELINE, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 10.0]
    chart = xmr_chart(values, fix_after_n_points=12)
    assert flagged(chart) == []


def test_tie_breaks_a_trend() -> None:
    values = [*BASELINE, 8.0, 9.0, 10.0, 10.0, 11.0, 12.0, 13.0, 10.0]
    chart = xmr_chart(values, fix_after_n_points=12)
    assert flagged(chart) == []


def test_peak_shared_by_rising_and_falling_trends_keeps_the_rising_direction() -> None:
    values = [*BASELINE, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 13.5, 13.0, 12.5, 12.0, 11.5, 10]
    chart = xmr_chart(values, fix_after_n_points=12, improvement="increase")
    assert chart.points[18].rule == "trend"
    assert chart.points[18].point_type == "special_cause_improvement"
    assert chart.points[19].point_type == "special_cause_concern"
    assert set(rules(chart)[12:25]) == {"trend"}


def test_two_of_three_near_limit_on_one_side_flags_only_the_near_points() -> None:
    values = [*BASELINE, 15.0, 12.0, 15.0, 10.0]
    chart = xmr_chart(values, fix_after_n_points=12, improvement="increase")
    assert rules(chart)[12:] == ["two_of_three", None, "two_of_three", None]
    assert chart.points[12].point_type == "special_cause_improvement"


def test_two_of_three_needs_all_three_points_on_the_same_side_of_the_mean() -> None:
    chart = xmr_chart([*BASELINE, 15.0, 10.0, 15.0, 10.0], fix_after_n_points=12)
    assert flagged(chart) == []


def test_points_beyond_limits_do_not_count_towards_two_of_three() -> None:
    chart = xmr_chart([*BASELINE, 15.0, 17.0, 12.0, 10.0], fix_after_n_points=12)
    assert rules(chart)[12:] == [None, "beyond_limits", None, None]


def test_shift_of_seven_points_above_the_mean_is_flagged() -> None:
    chart = xmr_chart([*BASELINE, *[11.5] * 7, 10.0], fix_after_n_points=12)
    assert flagged(chart) == list(range(12, 19))
    assert chart.points[12].point_type == "special_cause_neutral_high"


def test_six_points_on_one_side_are_not_a_shift() -> None:
    chart = xmr_chart([*BASELINE, *[11.5] * 6, 10.0], fix_after_n_points=12)
    assert flagged(chart) == []


def test_point_exactly_on_the_mean_breaks_a_shift() -> None:
    chart = xmr_chart([*BASELINE, *[11.5] * 4, 11.0, *[11.5] * 4], fix_after_n_points=12)
    assert flagged(chart) == []


def test_beyond_limits_takes_precedence_over_shift() -> None:
    chart = xmr_chart([*BASELINE, 11.5, 11.5, 11.5, 30.0, 11.5, 11.5, 11.5], fix_after_n_points=12)
    assert rules(chart)[12:] == ["shift"] * 3 + ["beyond_limits"] + ["shift"] * 3


def test_trend_takes_precedence_over_shift() -> None:
    values = [*BASELINE, 11.1, 11.2, 11.3, 11.4, 11.5, 11.6, 11.7, 11.7]
    chart = xmr_chart(values, fix_after_n_points=12)
    assert rules(chart)[12:] == ["trend"] * 7 + ["shift"]


def test_rebase_gives_each_segment_its_own_limits_and_moving_ranges() -> None:
    chart = xmr_chart([1, 3] * 6 + [11, 13] * 6, rebase_at=[12])
    first, second = chart.segments
    assert (first.mean, second.mean) == (2.0, 12.0)
    assert (first.mr_bar, second.mr_bar) == (2.0, 2.0)
    assert chart.points[12].moving_range is None
    assert chart.points[12].segment == 1
    assert flagged(chart) == []
    assert len(flagged(xmr_chart([1, 3] * 6 + [11, 13] * 6))) == 24


def test_rules_never_cross_a_rebase_boundary() -> None:
    values = [*BASELINE, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 9.0, 15.0]
    assert rules(xmr_chart(values)).count("trend") == 7
    rebased = xmr_chart(values, rebase_at=[15])
    assert "trend" not in rules(rebased)


def test_rebase_by_label_and_unknown_label_is_ignored_with_warning() -> None:
    labels = [date(2024, month, 1) for month in range(1, 13)] + [date(2025, 1, 1)]
    chart = xmr_chart(
        [1, 3] * 6 + [2], labels=labels, rebase_at=[date(2024, 7, 1), date(2030, 1, 1)]
    )
    assert [(s.start, s.stop) for s in chart.segments] == [(0, 6), (6, 13)]
    assert "rebase at 2030-01-01 matches no point and was ignored" in chart.warnings
    assert chart.points[0].label == date(2024, 1, 1)


def test_rebase_index_outside_series_is_rejected() -> None:
    with pytest.raises(ValueError, match="outside the series"):
        xmr_chart([1, 2, 3], rebase_at=[3])


def test_rebase_label_without_labels_is_rejected() -> None:
    with pytest.raises(ValueError, match="no labels"):
        xmr_chart([1, 2, 3], rebase_at=["2024-01"])


def test_variation_icon_is_the_last_point_type_of_the_latest_segment() -> None:
    chart = xmr_chart([10.0, 14.0] * 6 + [35.0], improvement="increase")
    assert chart.variation == "special_cause_improvement"
    assert xmr_chart([1, 3] * 6).variation == "common_cause"


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("increase", 8.0, "consistent_fail"),  # target above UPL 7.32
        ("decrease", 8.0, "consistent_pass"),
        ("increase", -4.0, "consistent_pass"),  # target below LPL -3.32
        ("decrease", -4.0, "consistent_fail"),
        ("increase", 5.0, "inconsistent"),
        ("neutral", 8.0, None),
        ("increase", None, None),
    ],
)
def test_assurance_icon_compares_target_with_latest_limits(
    improvement: str, target: float | None, expected: str | None
) -> None:
    chart = xmr_chart([1, 3] * 6, improvement=improvement, target=target)  # type: ignore[arg-type]
    assert chart.assurance == expected


def test_assurance_uses_only_the_latest_segment() -> None:
    chart = xmr_chart([1, 3] * 6 + [101, 103] * 6, rebase_at=[12], improvement="increase", target=8)
    assert chart.assurance == "consistent_pass"  # below the second segment's LPL of 96.68


def test_empty_series_gives_an_empty_chart_without_icons() -> None:
    chart = xmr_chart([], improvement="increase", target=5)
    assert chart.points == ()
    assert chart.segments == ()
    assert (chart.variation, chart.assurance) == (None, None)
    assert chart.warnings == ("no data",)


def test_single_point_has_no_limits_no_signal_and_no_icons() -> None:
    chart = xmr_chart([7.0], improvement="increase", target=5)
    point = chart.points[0]
    assert (point.mean, point.upl, point.lpl, point.moving_range) == (7.0, None, None, None)
    assert point.point_type == "common_cause"
    assert (chart.variation, chart.assurance) == (None, None)
    assert chart.warnings == ("segment 1 has a single point: no limits can be calculated",)


def test_constant_series_has_zero_width_limits_and_no_signals() -> None:
    chart = xmr_chart([5.0] * 20, improvement="increase")
    segment = chart.segments[0]
    assert (segment.mr_bar, segment.upl, segment.lpl) == (0.0, 5.0, 5.0)
    assert segment.no_variation is True
    assert flagged(chart) == []
    assert chart.variation == "common_cause"
    assert any("no variation" in warning for warning in chart.warnings)


def test_constant_baseline_applies_shift_but_not_limit_rules() -> None:
    chart = xmr_chart([5.0] * 12 + [6.0] * 7, fix_after_n_points=12)
    assert rules(chart)[12:] == ["shift"] * 7


def test_near_constant_series_falls_back_to_unscreened_moving_range() -> None:
    chart = xmr_chart([1, 1, 1, 1, 2])
    segment = chart.segments[0]
    # Screening would keep only the three zero ranges and flag every point.
    assert segment.screening_fallback is True
    assert segment.mr_bar == pytest.approx(0.25)
    assert segment.upl == pytest.approx(1.2 + 2.66 * 0.25)
    assert flagged(chart) == [4]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_values_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        xmr_chart([1.0, bad, 2.0])


def test_non_finite_target_is_rejected() -> None:
    with pytest.raises(ValueError, match="target"):
        xmr_chart([1.0, 2.0], target=float("nan"))


def test_fix_after_fewer_than_twelve_points_is_rejected_with_plain_message() -> None:
    with pytest.raises(ValueError, match="fix_after_n_points must be at least 12"):
        xmr_chart([1.0] * 20, fix_after_n_points=11)


def test_fixed_limits_ignore_later_points() -> None:
    chart = xmr_chart([*BASELINE, 50.0, 60.0], fix_after_n_points=12)
    segment = chart.segments[0]
    assert (segment.mean, segment.mr_bar, segment.baseline_points) == (11.0, 2.0, 12)
    assert chart.points[-1].moving_range == 10.0


def test_fixed_window_longer_than_segment_uses_all_its_points() -> None:
    chart = xmr_chart([1, 3] * 3, fix_after_n_points=12)
    assert chart.segments[0].baseline_points == 6
    assert chart.segments[0].trial_limits is True


def test_unknown_improvement_direction_is_rejected() -> None:
    with pytest.raises(ValueError, match="improvement"):
        xmr_chart([1.0, 2.0], improvement="up")  # type: ignore[arg-type]


def test_labels_must_match_values() -> None:
    with pytest.raises(ValueError, match="one entry per value"):
        xmr_chart([1.0, 2.0], labels=["a"])


def test_chart_records_ruleset_version_and_settings() -> None:
    chart = xmr_chart([1, 3] * 6, improvement="decrease", target=2.5, rebase_at=[0])
    assert chart.ruleset_version == RULESET_VERSION
    assert chart.settings.improvement == "decrease"
    assert chart.settings.target == 2.5
    assert chart.settings.rebase_at == (0,)
