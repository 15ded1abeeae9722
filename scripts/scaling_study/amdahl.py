"""The upper bound of strong scaling: the ideal line S = p, and Amdahl's
law S(p) = 1 / (f + (1 - f) / p) with the serial fraction f fitted by least
squares on the measured speedups (on S itself, not on 1/S, so the points
a reader sees are the ones fitted). No number of ranks takes a series with
serial fraction f past 1/f; the measured points sit on or below the curve
where f alone explains the loss, and fall further below it where the loss
grows with the ranks (dispatch, imbalance)."""
import math

GRID = 1000  # f is first sought on a grid of this many steps of [0, 1]


def amdahl(f, p):
    return 1.0 / (f + (1.0 - f) / p)


def _sse(f, samples):
    return sum((s - amdahl(f, p)) ** 2 for p, s in samples)


def fit_serial_fraction(samples):
    """f in [0, 1] minimising sum (S - amdahl(f, p))^2 over samples, the
    (p, S) pairs with p > 1; None where there is none. A super-linear
    series fits f = 0 (the ideal line)."""
    samples = [(p, s) for p, s in samples if p > 1 and s is not None and math.isfinite(s)]
    if not samples:
        return None
    best = min(range(GRID + 1), key=lambda i: _sse(i / GRID, samples)) / GRID
    # Golden-section search in the grid step either side of the best point.
    lo, hi = max(best - 1 / GRID, 0.0), min(best + 1 / GRID, 1.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if _sse(a, samples) <= _sse(b, samples):
            hi = b
        else:
            lo = a
    f = (lo + hi) / 2
    return min(f, best, key=lambda x: _sse(x, samples))


def limit(f):
    """The speedup no number of ranks exceeds: 1/f (infinite for f = 0)."""
    return math.inf if f == 0 else 1.0 / f
