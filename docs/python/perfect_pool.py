"""Perfect numbers below 100000 (or argv[1]) with a Pool, one worker a core."""
import time
from multiprocessing import Pool

from perfect_common import LIMIT, is_perfect

if __name__ == "__main__":
    start = time.perf_counter()
    with Pool() as pool:
        flags = pool.map(is_perfect, range(1, LIMIT))
    found = [n for n, perfect in zip(range(1, LIMIT), flags) if perfect]
    print("perfect numbers:", *found)
    print(f"pool: {time.perf_counter() - start:.1f} s")
