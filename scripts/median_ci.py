"""The confidence interval of a median from repeated timings, free of any
assumption about how the times are distributed (run times are skewed: a
busy machine only ever adds time, so a normal-theory interval is wrong).

It is the order-statistics interval (the binomial, or sign-test, interval;
Conover, Practical Nonparametric Statistics, sec. 3.2; the one Hoefler and
Belli, SC'15, recommend for the median): with n times sorted, x(1) <= ... <=
x(n), the population median lies below x(k) only if at least n - k + 1 of
the n times fall above it, so

    P(x(k) <= median <= x(n+1-k)) = 1 - 2 P(B <= k - 1),   B ~ Binomial(n, 1/2),

whatever the distribution (continuous). The interval here takes the largest
k whose coverage is still at least the level asked for; the coverage it
reaches is returned with it (it is exact, and a little above the level).
At 95% it needs 6 runs at least: with 5, even [x(1), x(5)] covers only
1 - 2/32 = 93.75%.

scripts/scaling.py uses it; bench/ imports it from here (scripts/ on the
path) rather than keeping a second copy."""
import dataclasses
import math
import statistics
from fractions import Fraction

LEVEL = 0.95
METHOD = "order statistics, binomial (distribution-free)"


@dataclasses.dataclass(frozen=True)
class MedianCI:
    median: float
    low: float
    high: float
    coverage: float  # exact: 1 - 2 P(B <= k - 1)
    k: int           # the interval is [x(k), x(n+1-k)], counted from 1
    n: int

    @property
    def rel_half_width(self):
        """The larger of median - low and high - median, relative to the
        median: the interval lies within median * (1 +- this)."""
        if self.median == 0:
            return 0.0 if self.low == self.high == 0 else math.inf
        return max(self.median - self.low, self.high - self.median) / abs(self.median)


def _below_fraction(n, j):
    """P(B <= j) for B ~ Binomial(n, 1/2), exactly."""
    return Fraction(sum(math.comb(n, i) for i in range(j + 1)), 2 ** n)


def order_index(n, level=LEVEL):
    """(k, coverage): the largest k with 1 - 2 P(B <= k - 1) >= level, or
    None where even k = 1 (the whole sample) falls short."""
    want = Fraction(level).limit_denominator(10 ** 9)
    best = None
    for k in range(1, n // 2 + 1):
        coverage = 1 - 2 * _below_fraction(n, k - 1)
        if coverage < want:
            break
        best = (k, float(coverage))
    return best


def runs_needed(level=LEVEL):
    """The fewest runs with an interval at this level (6 at 95%)."""
    n = 1
    while order_index(n, level) is None:
        n += 1
    return n


def median_ci(values, level=LEVEL):
    """The MedianCI of values, or None where there are too few of them for
    an interval at this level (fewer than runs_needed(level))."""
    xs = sorted(float(v) for v in values)
    found = order_index(len(xs), level)
    if found is None:
        return None
    k, coverage = found
    return MedianCI(statistics.median(xs), xs[k - 1], xs[len(xs) - k], coverage, k, len(xs))


def within(values, target, level=LEVEL):
    """True where values have an interval at this level and it lies within
    median * (1 +- target)."""
    ci = median_ci(values, level)
    return ci is not None and ci.rel_half_width <= target


def summary(values, level=LEVEL):
    """The median of values (None entries ignored) with the best interval
    they allow, for figures reported from however many runs there are: a
    dict with median, lo, hi, coverage (exact), level, n and method. Where
    there are too few runs for the level (fewer than runs_needed), the
    interval is the whole range [min, max] and coverage says how much less
    it covers (1 - 2/2^n: 75% for 3 runs). None for no values. bench/
    reports its figures with this."""
    xs = sorted(float(v) for v in values if v is not None)
    if not xs:
        return None
    found = order_index(len(xs), level)
    k, coverage = found if found else (1, max(0.0, 1 - 2 / 2 ** len(xs)))
    return {"median": statistics.median(xs), "lo": xs[k - 1], "hi": xs[len(xs) - k],
            "coverage": coverage, "level": level, "n": len(xs), "method": METHOD}


def fmt_summary(ci, fmt="{:.4g}"):
    """'2.25 [2.1, 2.6] 95% CI, n=6' or, where n is too small for the level,
    '2.2 [2.1, 2.3] min-max of 3, 75% coverage'."""
    if ci is None:
        return "n/a"
    m, lo, hi = (fmt.format(ci[k]) for k in ("median", "lo", "hi"))
    if ci["coverage"] >= ci["level"]:
        return f"{m} [{lo}, {hi}] {ci['level']:.0%} CI, n={ci['n']}"
    return f"{m} [{lo}, {hi}] min-max of {ci['n']}, {ci['coverage']:.0%} coverage"
