"""Pool(5).map over sleeps of 1..10 s takes 15 s, not the 11 s possible.

map hands the tasks out in the order given: the five workers take 1..5,
then whoever finishes first takes the next one, so the worker that took
5 s then takes 10 s: 5 + 10 = 15 s. Handing out the longest first
(10, 9, ... 1) would end at 11 s = max(55 / 5, 10).
"""
import time
from multiprocessing import Pool


def task(seconds):
    time.sleep(seconds)
    return seconds


if __name__ == "__main__":
    start = time.perf_counter()
    with Pool(5) as pool:
        done = pool.map(task, range(1, 11))
    print(f"slept {sum(done)} s in all on 5 processes: {time.perf_counter() - start:.2f} s")
