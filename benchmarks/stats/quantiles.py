"""Quantiles of samples and of the binomial and gamma distributions, in pure Python.

The funnel plots need exact binomial and Poisson (chi-square) quantiles and the peer table
needs sample quartiles. The standard library has only the normal distribution, so the
regularised incomplete beta and gamma functions are computed here with the continued
fractions of Press et al., *Numerical Recipes* (3rd ed., sections 6.2 and 6.4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITERATIONS = 100_000


def sample_quantile(sorted_values: Sequence[float], p: float) -> float:
    """Return the p-quantile of sorted values by linear interpolation (R type 7).

    Type 7 is R's default, Excel's QUARTILE.INC/PERCENTILE.INC, numpy's "linear" and
    ``statistics.quantiles(method="inclusive")``, so users can reproduce it in any tool.
    """
    if not sorted_values:
        raise ValueError("cannot take a quantile of no values")
    if not 0.0 <= p <= 1.0:
        raise ValueError("quantile probability must be between 0 and 1")
    h = (len(sorted_values) - 1) * p
    below = math.floor(h)
    above = min(below + 1, len(sorted_values) - 1)
    return sorted_values[below] + (h - below) * (sorted_values[above] - sorted_values[below])


def regularized_lower_gamma(a: float, x: float) -> float:
    """Return P(a, x), the regularised lower incomplete gamma function."""
    if a <= 0:
        raise ValueError("gamma shape must be positive")
    if x <= 0:
        return 0.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        # The series converges quickly below the mode; the continued fraction above it.
        term = total = 1.0 / a
        denominator = a
        for _ in range(_MAX_ITERATIONS):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return min(1.0, total * math.exp(log_front))
    return max(0.0, 1.0 - math.exp(log_front) * _gamma_continued_fraction(a, x))


def _gamma_continued_fraction(a: float, x: float) -> float:
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < _EPS:
            break
    return h


def gamma_quantile(shape: float, p: float) -> float:
    """Return x with P(shape, x) = p for the unit-scale gamma distribution.

    Safeguarded Newton iteration from the Wilson-Hilferty starting value, falling back to
    bisection whenever a step leaves the bracket, so it cannot diverge.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("gamma quantile probability must be strictly between 0 and 1")
    if shape <= 0:
        raise ValueError("gamma shape must be positive")
    z = NormalDist().inv_cdf(p)
    guess = shape * (1 - 1 / (9 * shape) + z / (3 * math.sqrt(shape))) ** 3
    low, high = 0.0, max(1.0, 2 * shape)
    while regularized_lower_gamma(shape, high) < p:
        low, high = high, high * 2
    x = guess if low < guess < high else (low + high) / 2
    for _ in range(200):
        error = regularized_lower_gamma(shape, x) - p
        if error < 0:
            low = x
        else:
            high = x
        density = math.exp((shape - 1) * math.log(x) - x - math.lgamma(shape)) if x > 0 else 0.0
        candidate = x - error / density if density > 0 else (low + high) / 2
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - x) <= 1e-14 * max(1.0, x):
            return candidate
        x = candidate
    return x


def regularized_beta(x: float, a: float, b: float) -> float:
    """Return I_x(a, b), the regularised incomplete beta function."""
    if a <= 0 or b <= 0:
        raise ValueError("beta parameters must be positive")
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    # The continued fraction converges fast only below the mean; use symmetry above it.
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(1 - x, b, a) / b


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    c = 1.0
    d = 1 - (a + b) * x / (a + 1)
    d = 1 / (_TINY if abs(d) < _TINY else d)
    h = d
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        even = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        for coefficient in (even, odd):
            d = 1 + coefficient * d
            d = 1 / (_TINY if abs(d) < _TINY else d)
            c = 1 + coefficient / c
            c = _TINY if abs(c) < _TINY else c
            h *= d * c
        if abs(d * c - 1) < _EPS:
            break
    return h


def binomial_cdf(k: int, n: int, p: float) -> float:
    """Return P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return regularized_beta(1 - p, n - k, k + 1)


def binomial_pmf(k: int, n: int, p: float) -> float:
    """Return P(X = k) for X ~ Binomial(n, p), with 0 < p < 1."""
    if not 0 <= k <= n:
        return 0.0
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return math.exp(log_choose + k * math.log(p) + (n - k) * math.log1p(-p))


def binomial_quantile(n: int, p: float, q: float) -> int:
    """Return the smallest r with P(X <= r) >= q for X ~ Binomial(n, p)."""
    low, high = -1, n  # invariant: cdf(low) < q <= cdf(high)
    while high - low > 1:
        middle = (low + high) // 2
        if binomial_cdf(middle, n, p) >= q:
            high = middle
        else:
            low = middle
    return high
