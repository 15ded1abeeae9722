"""Ten 1 s sleeps on ten processes take 1 s: sleeping needs no core."""
import time
from multiprocessing import Process


def task():
    time.sleep(1)


if __name__ == "__main__":
    start = time.perf_counter()
    processes = [Process(target=task) for _ in range(10)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    print(f"10 tasks of 1 s on 10 processes: {time.perf_counter() - start:.2f} s")
