"""Two functions, each in its own Process: start both, then join both.

The first example of every multiprocessing tutorial. One function sleeps
1 s, the other 0.5 s (so they always print in the same order), and the two
together take about 1 s, not 1.5.
"""
import time
from multiprocessing import Process


def greet(name):
    time.sleep(1)
    print(f"hello from {name}", flush=True)


def count(n):
    time.sleep(0.5)
    print(f"counted to {n}", flush=True)


if __name__ == "__main__":
    start = time.perf_counter()
    p1 = Process(target=greet, args=("process 1",))
    p2 = Process(target=count, args=(10,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    print(f"both done in {time.perf_counter() - start:.2f} s")
