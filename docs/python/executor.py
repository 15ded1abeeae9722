"""ProcessPoolExecutor(max_workers=3) over ten 1 s tasks: 4 rounds, 4 s."""
import time
from concurrent.futures import ProcessPoolExecutor


def task(i):
    time.sleep(1)
    return i


if __name__ == "__main__":
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=3) as executor:
        done = list(executor.map(task, range(10)))
    print(f"{len(done)} tasks of 1 s on 3 workers: {time.perf_counter() - start:.2f} s")
