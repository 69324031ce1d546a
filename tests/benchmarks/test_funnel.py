"""Funnel plots: control limits, classification, over-dispersion and edge cases."""

import math
from fractions import Fraction

import pytest

from benchmarks.stats import (
    Z95,
    Z998,
    FunnelUnit,
    control_limits,
    curve_for,
    limit_curve,
    proportion_funnel,
    ratio_funnel,
)


def units(*pairs: tuple[float, float]) -> list[FunnelUnit]:
    return [FunnelUnit(f"org{i}", num, den) for i, (num, den) in enumerate(pairs)]


def exact_binomial_cdf(k: int, n: int, p: Fraction) -> Fraction:
    return sum((math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1)), Fraction(0))


def poisson_cdf(k: int, mean: float) -> float:
    return math.fsum(math.exp(-mean) * mean**j / math.factorial(j) for j in range(k + 1))


def test_z_values_are_the_two_sided_95_and_99_8_percent_points() -> None:
    assert round(Z95, 6) == 1.959964
    assert round(Z998, 6) == 3.090232


def test_normal_limits_for_ten_percent_at_one_hundred() -> None:
    # 0.1 +/- z * sqrt(0.1 * 0.9 / 100) = 0.1 +/- z * 0.03
    limits = control_limits("proportion", 0.1, 100, method="normal")
    assert limits.lower95 == pytest.approx(0.1 - 1.959964 * 0.03, abs=1e-7)
    assert limits.upper95 == pytest.approx(0.15879892, abs=1e-7)
    assert limits.lower998 == pytest.approx(0.00729304, abs=1e-7)
    assert limits.upper998 == pytest.approx(0.19270696, abs=1e-7)


def test_exact_binomial_limits_use_spiegelhalter_interpolation() -> None:
    # Binomial(10, 0.5): P(X<=1) = 11/1024, P(X<=2) = 56/1024, P(X=2) = 45/1024, so the
    # 0.025 quantile is r = 2 with a = (56/1024 - 0.025) / (45/1024) = 30.4/45 and the limit is
    # (2 - a)/10. Upper: r = 8, a = (1013/1024 - 0.975) / (45/1024) = 14.6/45.
    limits = control_limits("proportion", 0.5, 10)
    assert limits.lower95 == pytest.approx((2 - 30.4 / 45) / 10, abs=1e-12)
    assert limits.upper95 == pytest.approx((8 - 14.6 / 45) / 10, abs=1e-12)
    # 99.8%: r = 1, a = (11 - 1.024)/10; r = 9, a = (1023 - 1022.976)/10.
    assert limits.lower998 == pytest.approx(0.00024, abs=1e-12)
    assert limits.upper998 == pytest.approx(0.89976, abs=1e-12)


def test_exact_binomial_limits_match_brute_force_sums() -> None:
    n, p = 37, Fraction(23, 100)
    limits = control_limits("proportion", 0.23, n)
    for q, got in [(0.025, limits.lower95), (0.975, limits.upper95), (0.999, limits.upper998)]:
        r = next(k for k in range(n + 1) if exact_binomial_cdf(k, n, p) >= Fraction(q))
        cdf, below = exact_binomial_cdf(r, n, p), exact_binomial_cdf(r - 1, n, p)
        a = (cdf - Fraction(q)) / (cdf - below)
        assert got == pytest.approx(float((r - a) / n), abs=1e-12)


def test_exact_poisson_limits_match_funnelplotr_for_expected_fifteen() -> None:
    # Published in FunnelPlotR's tests (nhs-r-community/FunnelPlotR @ 9020d497, limits for
    # SR with E = 15 at 95%), as recorded in docs benchmarking-methods.md section 2.
    limits = control_limits("ratio", 1.0, 15)
    assert limits.lower95 == pytest.approx(0.5596924, abs=1e-7)
    assert limits.upper95 == pytest.approx(1.649348, abs=1e-6)


def test_exact_poisson_99_8_limits_satisfy_the_poisson_identity() -> None:
    # chi2_q(2k)/2 = x exactly when P(Poisson(x) <= k - 1) = 1 - q, for whole k.
    limits = control_limits("ratio", 1.0, 15)
    assert 1 - poisson_cdf(14, 15 * limits.lower998) == pytest.approx(0.001, abs=1e-12)
    assert 1 - poisson_cdf(15, 15 * limits.upper998) == pytest.approx(0.999, abs=1e-12)


def test_normal_ratio_limits_are_one_plus_minus_z_over_root_expected() -> None:
    limits = control_limits("ratio", 1.0, 25, method="normal")
    assert limits.lower95 == pytest.approx(1 - 1.959964 * 0.2, abs=1e-6)
    assert limits.upper95 == pytest.approx(1 + 1.959964 * 0.2, abs=1e-6)


def test_overdispersed_proportion_limits_use_the_arcsine_scale() -> None:
    limits = control_limits("proportion", 0.1, 100, tau2=0.001)
    spread = Z95 * math.sqrt(1 / 400 + 0.001)
    centre = math.asin(math.sqrt(0.1))
    assert limits.lower95 == pytest.approx(math.sin(centre - spread) ** 2, abs=1e-12)
    assert limits.upper95 == pytest.approx(math.sin(centre + spread) ** 2, abs=1e-12)


def test_overdispersed_ratio_limits_are_squared_back_from_the_root_scale() -> None:
    # (1 +/- z * sqrt(1/(4 * 25) + 0.01))^2, unlike FunnelPlotR's unsquared CQC limits (#33).
    limits = control_limits("ratio", 1.0, 25, tau2=0.01)
    assert limits.lower95 == pytest.approx((1 - 1.959964 * math.sqrt(0.02)) ** 2, abs=1e-6)
    assert limits.upper95 == pytest.approx((1 + 1.959964 * math.sqrt(0.02)) ** 2, abs=1e-6)


def test_target_is_the_pooled_proportion_not_the_mean_of_rates() -> None:
    result = proportion_funnel(units((1, 10), (30, 100), (5, 50)))
    assert result.target == pytest.approx(36 / 160)


def test_status_bands_with_a_fixed_target() -> None:
    data = units((16, 100), (20, 100), (4, 100), (0, 100), (10, 100))
    result = proportion_funnel(data, target=0.1, method="normal", adjust_for_overdispersion=False)
    assert [p.status for p in result.points] == [
        "above_95",
        "above_998",
        "below_95",
        "below_998",
        "within",
    ]


def test_z_scores_use_arcsine_root_for_proportions() -> None:
    result = proportion_funnel(units((15, 100)), target=0.1)
    expected = (math.asin(math.sqrt(0.15)) - math.asin(math.sqrt(0.1))) * 2 * math.sqrt(100)
    assert result.points[0].z == pytest.approx(expected)


def test_z_scores_for_ratios_are_twice_the_difference_of_roots() -> None:
    result = ratio_funnel(units((25, 16)))
    assert result.points[0].z == pytest.approx(2 * (5 - 4))
    assert result.points[0].value == pytest.approx(25 / 16)


def test_overdispersion_winsorises_at_ten_percent_and_adds_dersimonian_laird_tau2() -> None:
    # Normal method, target 0.1, s = 0.03: z = -5/3, 0, 5/3. Type-7 10%/90% quantiles are
    # -4/3 and 4/3, so phi = 2 * (16/9) / 3 = 32/27. With w = 1/0.0009 for all three,
    # tau2 = (3 * 32/27 - 2) / (3w - w) = (14/9) / (20000/9) = 0.0007.
    result = proportion_funnel(units((5, 100), (10, 100), (15, 100)), method="normal")
    od = result.overdispersion
    assert od.phi == pytest.approx(32 / 27)
    assert od.tau2 == pytest.approx(0.0007)
    assert od.adjusted is True
    limits = result.points[0].limits
    assert limits.upper95 == pytest.approx(0.1 + 1.959964 * 0.04, abs=1e-6)
    assert limits.lower95 == pytest.approx(0.1 - 1.959964 * 0.04, abs=1e-6)


def test_trim_is_configurable() -> None:
    result = proportion_funnel(units((5, 100), (10, 100), (15, 100)), method="normal", trim=0)
    assert result.overdispersion.phi == pytest.approx(50 / 27)
    assert result.overdispersion.tau2 == pytest.approx(0.0016)


def test_no_adjustment_when_phi_is_at_most_one() -> None:
    result = proportion_funnel(units((9, 100), (10, 100), (11, 100)), method="normal")
    od = result.overdispersion
    assert od.phi is not None and od.phi < 1
    assert (od.tau2, od.adjusted) == (0.0, False)
    assert result.points[0].limits == control_limits("proportion", 0.1, 100, method="normal")


def test_adjustment_can_be_switched_off() -> None:
    result = proportion_funnel(
        units((5, 100), (10, 100), (15, 100)), method="normal", adjust_for_overdispersion=False
    )
    assert (result.overdispersion.phi, result.overdispersion.tau2) == (None, 0.0)
    assert result.overdispersion.note == "over-dispersion adjustment is off"


def test_exact_method_estimates_overdispersion_on_the_arcsine_scale() -> None:
    data = units((5, 100), (10, 100), (15, 100), (30, 100), (2, 100))
    result = proportion_funnel(data)
    assert result.overdispersion.adjusted is True
    assert result.points[0].limits == control_limits(
        "proportion", 62 / 500, 100, tau2=result.overdispersion.tau2
    )


def test_zero_numerator_is_a_valid_unit() -> None:
    result = proportion_funnel(units((0, 50), (10, 100), (12, 100)))
    zero = result.points[0]
    assert zero.value == 0.0
    assert zero.limits.lower998 >= 0.0


def test_numerator_equal_to_denominator_is_valid_and_limits_stay_at_most_one() -> None:
    result = proportion_funnel(units((20, 20), (10, 100), (10, 100), (10, 100)))
    full = result.points[0]
    assert full.value == 1.0
    assert full.limits.upper998 <= 1.0
    assert full.status == "above_998"


def test_zero_denominator_is_excluded_with_a_reason() -> None:
    result = proportion_funnel(
        [FunnelUnit("empty", 0, 0), FunnelUnit("a", 10, 100), FunnelUnit("b", 20, 100)]
    )
    assert [p.unit_id for p in result.points] == ["a", "b"]
    assert [(e.unit_id, e.reason) for e in result.excluded] == [("empty", "denominator is zero")]
    assert result.target == pytest.approx(0.15)


def test_zero_expected_count_is_excluded_for_ratios() -> None:
    result = ratio_funnel([FunnelUnit("x", 3, 0), FunnelUnit("y", 3, 4)])
    assert [(e.unit_id, e.reason) for e in result.excluded] == [("x", "expected count is zero")]


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        (-1, 10, "negative"),
        (float("nan"), 10, "missing or infinite"),
        (5, float("inf"), "missing or infinite"),
        (11, 10, "numerator above its denominator"),
        (2.5, 10, "whole counts"),
    ],
)
def test_invalid_counts_are_rejected(numerator: float, denominator: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        proportion_funnel([FunnelUnit("bad", numerator, denominator)])


def test_repeated_unit_is_rejected() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        proportion_funnel([FunnelUnit("a", 1, 10), FunnelUnit("a", 2, 10)])


def test_one_organisation_gets_no_overdispersion_estimate_and_a_note() -> None:
    result = proportion_funnel(units((7, 40)))
    od = result.overdispersion
    assert (od.phi, od.tau2, od.adjusted, od.units) == (None, 0.0, False, 1)
    assert od.note == "over-dispersion not assessed: needs at least 3 units, found 1"
    assert result.points[0].status == "within"


def test_two_units_are_too_few_for_overdispersion() -> None:
    result = ratio_funnel(units((5, 10), (40, 10)))
    assert result.overdispersion.phi is None
    assert result.overdispersion.tau2 == 0.0


def test_identical_units_have_zero_phi_and_are_all_within() -> None:
    result = proportion_funnel(units((10, 100), (10, 100), (10, 100), (10, 100)))
    assert [p.z for p in result.points] == [0.0] * 4
    assert result.overdispersion.phi == 0.0
    assert result.overdispersion.adjusted is False
    assert {p.status for p in result.points} == {"within"}


def test_all_zero_numerators_sit_on_zero_width_limits_and_are_within() -> None:
    for method in ("exact", "normal"):
        result = proportion_funnel(units((0, 30), (0, 80), (0, 10)), method=method)
        assert result.target == 0.0
        assert {p.status for p in result.points} == {"within"}
        assert result.points[0].limits.upper998 == 0.0


def test_no_units_give_an_empty_result() -> None:
    result = proportion_funnel([])
    assert (result.target, result.points, result.excluded) == (None, (), ())
    assert curve_for(result) == ()
    assert ratio_funnel([]).target == 1.0


@pytest.mark.parametrize("target", [0.0, 1.0, 1.5])
def test_proportion_target_must_be_strictly_between_zero_and_one(target: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        proportion_funnel(units((1, 10)), target=target)


def test_ratio_target_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ratio_funnel(units((1, 10)), target=0.0)


def test_trim_must_be_below_one_half() -> None:
    with pytest.raises(ValueError, match="trim"):
        proportion_funnel(units((1, 10)), trim=0.5)


def test_limit_curve_spans_the_range_geometrically_and_narrows() -> None:
    curve = limit_curve(
        "proportion", 0.1, min_denominator=10, max_denominator=1000, n_points=3, method="normal"
    )
    assert [c.denominator for c in curve] == pytest.approx([10, 100, 1000])
    assert curve[0].upper95 > curve[1].upper95 > curve[2].upper95
    assert curve[1] == control_limits("proportion", 0.1, 100, method="normal")


def test_exact_proportion_curve_uses_whole_denominators() -> None:
    curve = limit_curve("proportion", 0.2, min_denominator=1, max_denominator=5, n_points=50)
    assert [c.denominator for c in curve] == [1, 2, 3, 4, 5]


def test_curve_for_result_covers_its_units_and_uses_its_tau2() -> None:
    result = proportion_funnel(units((5, 100), (10, 200), (15, 100)), method="normal")
    curve = curve_for(result, n_points=10)
    assert (curve[0].denominator, curve[-1].denominator) == (100, 200)
    assert curve[0] == result.points[0].limits


def test_exact_proportions_reject_fractional_denominator_limits() -> None:
    with pytest.raises(ValueError, match="whole-number"):
        control_limits("proportion", 0.1, 10.5)
