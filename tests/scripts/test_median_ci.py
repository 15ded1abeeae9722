#!/usr/bin/env python3
"""scripts/median_ci.py: the order-statistics interval of a median, against
the published table of it and against brute force (every one of the 2^n
ways n draws can fall above or below the median), and the pieces of
scripts/scaling.py built on it. No binary is run.

  test_median_ci.py [unittest options]
"""
import itertools
import random
import statistics
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import median_ci  # noqa: E402


def brute_coverage(n, k):
    """P(x(k) <= m <= x(n+1-k)) counted over the 2^n equally likely patterns
    of draws above (1) or below (0) the median m: the interval misses m when
    fewer than k draws lie below it or fewer than k above it."""
    hits = 0
    for pattern in itertools.product((0, 1), repeat=n):
        above = sum(pattern)
        hits += (n - above) >= k and above >= k
    return hits / 2 ** n


class OrderIndex(unittest.TestCase):
    def test_published_table(self):
        # Conover (1999), table A3 / the sign-test interval: n -> (k, n+1-k) at 95%.
        table = {6: 1, 7: 1, 8: 1, 9: 2, 10: 2, 11: 2, 12: 3, 13: 3, 14: 3, 15: 4, 16: 4,
                 17: 5, 18: 5, 19: 5, 20: 6, 25: 8, 30: 10}
        for n, k in table.items():
            with self.subTest(n=n):
                self.assertEqual(median_ci.order_index(n)[0], k)

    def test_coverage_is_exact_against_brute_force(self):
        for n in range(6, 15):
            k, coverage = median_ci.order_index(n)
            with self.subTest(n=n):
                self.assertAlmostEqual(coverage, brute_coverage(n, k), places=12)
                self.assertGreaterEqual(coverage, 0.95)
                # The next k in would fall short: k is the largest that holds.
                if k + 1 <= n // 2:
                    self.assertLess(brute_coverage(n, k + 1), 0.95)

    def test_too_few_runs(self):
        for n in range(0, 6):
            self.assertIsNone(median_ci.order_index(n), n)
            self.assertIsNone(median_ci.median_ci([1.0] * n), n)
        self.assertEqual(median_ci.runs_needed(), 6)
        self.assertAlmostEqual(median_ci.order_index(6)[1], 1 - 2 / 64)
        self.assertEqual(median_ci.runs_needed(0.90), 5)  # 1 - 2/32 = 0.9375 >= 0.90


class Interval(unittest.TestCase):
    def test_values_of_a_known_sample(self):
        xs = [10.9, 10.1, 10.4, 10.0, 10.3, 10.2, 10.8, 10.6, 10.5, 10.7]  # shuffled 10.0..10.9
        ci = median_ci.median_ci(xs)
        self.assertEqual((ci.n, ci.k), (10, 2))
        self.assertEqual((ci.low, ci.high), (10.1, 10.8))  # x(2), x(9)
        self.assertAlmostEqual(ci.median, 10.45)
        self.assertAlmostEqual(ci.coverage, 1 - 2 * 11 / 1024)
        self.assertAlmostEqual(ci.rel_half_width, 0.35 / 10.45)

    def test_within_a_target(self):
        tight = [1.00, 1.01, 0.99, 1.00, 1.02, 0.98]
        self.assertTrue(median_ci.within(tight, 0.03))
        self.assertFalse(median_ci.within(tight, 0.01))
        self.assertFalse(median_ci.within(tight[:5], 1.0))  # no interval at all
        spike = tight + [5.0]  # one slow run: the interval of 7 is [x(1), x(7)]
        self.assertFalse(median_ci.within(spike, 0.03))
        self.assertTrue(median_ci.within(spike + [1.0] * 3, 0.03))  # 10 runs: [x(2), x(9)]

    def test_coverage_holds_on_skewed_times(self):
        """Simulated timings (a floor plus exponential noise, as a busy
        machine gives): the 95% interval holds the true median at least
        about 95% of the time."""
        rng = random.Random(16)
        true_median = 1.0 + 0.1 * 0.6931471805599453  # floor 1 + median of Exp(mean 0.1)
        hits, trials = 0, 4000
        for _ in range(trials):
            ci = median_ci.median_ci([1.0 + rng.expovariate(10.0) for _ in range(9)])
            hits += ci.low <= true_median <= ci.high
        self.assertGreater(hits / trials, 0.95 - 0.015)  # 0.961 exact for n = 9; 4000 draws

    def test_median_is_the_sample_median(self):
        xs = [3.0, 1.0, 2.0, 8.0, 5.0, 4.0, 7.0]
        self.assertEqual(median_ci.median_ci(xs).median, statistics.median(xs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
