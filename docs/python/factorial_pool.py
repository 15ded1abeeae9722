"""The factorials of 5310, 5263 and 7854 through Pool.map.

Each factorial is the tutorials' loop, 1 x 2 x ... x n; the parent prints
the number of digits and the first and last nonzero digits of each.
"""
import sys
import time
from multiprocessing import Pool

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)  # Python 3.11 refuses str() of ints over 4300 digits


def factorial(n):
    product = 1
    for i in range(2, n + 1):
        product *= i
    return product


def summary(n, value):
    digits = str(value)
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped)
    return f"{n}! has {len(digits)} digits, {zeros} trailing zeros: {digits[:20]}...{stripped[-20:]}"


if __name__ == "__main__":
    numbers = [5310, 5263, 7854]
    start = time.perf_counter()
    with Pool() as pool:
        values = pool.map(factorial, numbers)
    elapsed = time.perf_counter() - start
    for n, value in zip(numbers, values):
        print(summary(n, value))
    print(f"pool: {elapsed * 1000:.1f} ms")
