"""The median of a few timings with a distribution-free confidence interval,
by order statistics (the binomial method; e.g. Conover, Practical
Nonparametric Statistics, sec. 3.2).

For n independent runs sorted x_(1) <= ... <= x_(n), the true median m lies
in [x_(k), x_(n+1-k)] with probability 1 - 2 P(B <= k - 1), B ~ Binomial(n,
1/2), whatever the distribution of the runs (as long as it is continuous):
m is below x_(k) exactly when fewer than k runs fall below m. The interval
is the narrowest such [x_(k), x_(n+1-k)] whose coverage is at least the
level asked (95%). Below 6 runs no interval reaches 95%: then it is the
whole range [min, max] and its coverage, 1 - 2 / 2^n, says how much less
(75% for 3 runs, 94% for 5); 9 runs give [x_(2), x_(8)] at 96%.

    from median_ci import median_ci, fmt_median_ci
    ci = median_ci([2.1, 2.3, 2.2, 2.6, 2.2, 2.4])
    # {'median': 2.25, 'lo': 2.1, 'hi': 2.6, 'coverage': 0.96875, 'n': 6, ...}
"""
import statistics
from math import comb

METHOD = "order statistics, binomial (distribution-free)"


def binomial_cdf_half(k, n):
    """P(B <= k) for B ~ Binomial(n, 1/2)."""
    return sum(comb(n, i) for i in range(k + 1)) / 2 ** n


def median_ci(values, level=0.95):
    """The median of values (None entries ignored) and the order-statistic
    interval [lo, hi] for it: a dict with median, lo, hi, coverage (the
    interval's exact coverage, which may fall short of level for few runs),
    level, n and method; None for no values."""
    xs = sorted(v for v in values if v is not None)
    n = len(xs)
    if n == 0:
        return None
    k = 1  # the widest interval, [x_(1), x_(n)], unless a narrower one covers enough
    for j in range(2, (n + 1) // 2 + 1):
        if 1 - 2 * binomial_cdf_half(j - 1, n) >= level:
            k = j
        else:
            break
    coverage = max(0.0, 1 - 2 * binomial_cdf_half(k - 1, n))
    return {"median": statistics.median(xs), "lo": xs[k - 1], "hi": xs[n - k],
            "coverage": coverage, "level": level, "n": n, "method": METHOD}


def fmt_median_ci(ci, fmt="{:.4g}"):
    """'2.25 [2.1, 2.6] 95% CI, n=6' or, where n is too small for the level,
    '2.2 [2.1, 2.3] min-max of 3, 75% coverage'."""
    if ci is None:
        return "n/a"
    m, lo, hi = (fmt.format(ci[k]) for k in ("median", "lo", "hi"))
    if ci["coverage"] >= ci["level"]:
        return f"{m} [{lo}, {hi}] {ci['level']:.0%} CI, n={ci['n']}"
    return f"{m} [{lo}, {hi}] min-max of {ci['n']}, {ci['coverage']:.0%} coverage"
