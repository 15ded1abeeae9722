#!/usr/bin/env python3
"""The textbook parallel perfect-number search, as the classic Python
multiprocessing tutorial writes it: a Pool maps every n of the range to a
test that sums each i in range(1, n) dividing n and compares the sum with n.
It is the baseline scripts/bench.sh compares `rangefarm perfect` with; kept
as the tutorial has it, quadratic, on purpose.

  python3 bench/textbook_perfect.py N [--processes P]

Prints the perfect numbers in [1, N] on one line, space-separated, and nothing
else (the caller checks them against the known ones).
"""
import argparse
from multiprocessing import Pool


def is_perfect(n):
    sum_factors = 0
    for i in range(1, n):
        if n % i == 0:
            sum_factors = sum_factors + i
    return sum_factors == n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="search [1, N]")
    ap.add_argument("--processes", type=int, default=None,
                    help="worker processes (default: Pool's, one per core)")
    args = ap.parse_args()
    numbers = range(1, args.n + 1)
    with Pool(args.processes) as pool:
        results = pool.map(is_perfect, numbers)
    print(" ".join(str(n) for n, perfect in zip(numbers, results) if perfect))


if __name__ == "__main__":
    main()
