"""Perfect numbers below 100000 (or argv[1]), one Process per number.

The tutorials start a Process for every number. Starting 100000 at once
would exhaust the machine, so at most as many as there are cores run at a
time: a new one starts as soon as one ends. Each reports through a Queue.
"""
import os
import time
from multiprocessing import Process, Queue
from multiprocessing.connection import wait

from perfect_common import LIMIT, is_perfect


def check(n, found):
    if is_perfect(n):
        found.put(n)


if __name__ == "__main__":
    start = time.perf_counter()
    found = Queue()
    running = {}
    for n in range(1, LIMIT):
        if len(running) == os.cpu_count():
            for sentinel in wait(list(running)):
                running.pop(sentinel).join()
        p = Process(target=check, args=(n, found))
        p.start()
        running[p.sentinel] = p
    for p in running.values():
        p.join()
    result = []
    while not found.empty():
        result.append(found.get())
    print("perfect numbers:", *sorted(result))
    print(f"one process per number: {time.perf_counter() - start:.1f} s")
