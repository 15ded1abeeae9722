"""The tutorials' perfect-number test: add up every divisor below n.

n is perfect when the sum of its divisors other than itself equals n. The
loop tries every i below n, so a number costs n divisions and the search
of [1, N) about N^2 / 2 of them: 5e9 for N = 100000.
"""
import sys

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 100000


def is_perfect(n):
    return n > 1 and sum(i for i in range(1, n) if n % i == 0) == n
