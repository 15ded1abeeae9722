"""Perfect numbers below 100000 (or argv[1]), one number after another."""
import time

from perfect_common import LIMIT, is_perfect

if __name__ == "__main__":
    start = time.perf_counter()
    found = [n for n in range(1, LIMIT) if is_perfect(n)]
    print("perfect numbers:", *found)
    print(f"serial: {time.perf_counter() - start:.1f} s")
