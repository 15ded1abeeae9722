#!/usr/bin/env python3
"""End-to-end tests of `rangefarm synthetic`.

Drives the built binary as an MPI singleton and under ``mpirun -q``:

* The classic pool example: 10 tasks costing 1..10 units on 5 ranks, chunk
  1, 50 ms a unit, slept. Its makespan is known exactly for each schedule
  (19 units static-block, 15 static-cyclic, 15 dynamic or guided in the
  given order, 11 = the optimum largest-first) and must be met within 5%:
  never below (a run cannot beat its sleeps), and above only by as much as
  a busy machine adds (the best of up to 6 attempts, 1 s apart, counts). With both
  cores saturated by other work (load average above 1) the hand-offs add
  about 0.6 units (30 ms) and dynamic and guided miss the 5%: then the
  busiest rank's work must be within 5% and the wall time within 15%.
  ctest runs this test alone.
* Results are exact: with --unit-ms 0, every rank count, schedule, order
  and chunk gives the same `result`, and it equals what a Python
  reimplementation of the cost profiles (SplitMix64 of seed and task
  number, as synthetic.cpp) adds up to, to the last micro-unit; the costs
  do not depend on T; the seed changes random and heavy, nothing else.
* Every rank's items add up to T; the static schedules give each rank the
  items and chunks Python says; dynamic and guided hand out the chunks
  Python counts.
* --spin, and the human summary (with and without --quiet).
Bad input is test_bad_input.py's; checkpoint and resume test_checkpoint.py's.

About 30 s on 2 busy cores.

Usage: test_synthetic_cli.py --binary PATH [--mpirun PATH] [unittest options]
"""

import concurrent.futures
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None

PROFILES = ("uniform", "linear", "random", "heavy")
# (schedule, order) pairs that differ: static schedules ignore the order.
SCHEDULE_ORDERS = (("static-block", None), ("static-cyclic", None),
                   ("dynamic", "given"), ("dynamic", "largest-first"),
                   ("guided", "given"), ("guided", "largest-first"))
CHUNKS = (1, 7)
# Good runs with --unit-ms 0 are mostly mpirun starting up: run a few at once.
PARALLEL_RUNS = 3

# The pool example and the makespan each schedule must give, in units.
POOL = ["synthetic", "--tasks", "10", "--cost", "linear", "--unit-ms", "50",
        "--chunk", "1"]
POOL_RANKS = 5
POOL_UNIT_MS = 50
POOL_MAKESPANS = (
    # 5 parts of 2 tasks: the last rank runs 9 + 10.
    ("static-block", None, 19),
    # task k to rank (k - 1) mod 5: the last runs 5 + 10.
    ("static-cyclic", None, 15),
    # list scheduling of 1..10: tasks 1..5 first, the rank of task k
    # (done at k) takes k + 5, done at 2k + 5; the last at 15.
    ("dynamic", "given", 15),
    # 10..6 first, then the rank of 6 takes 5, of 7 takes 4, ...: all
    # done at 11 = 55 / 5, the optimum.
    ("dynamic", "largest-first", 11),
    # guided chunks are max(1, ceil(remaining / 10)) = 1 for 10 tasks on
    # 5 ranks: the same as dynamic.
    ("guided", "given", 15),
    ("guided", "largest-first", 11),
)
POOL_LOWER_BOUND = 11  # max(55 / 5, longest task 10)
MAKESPAN_SLACK = 0.05  # above: a busy machine; retried
MAKESPAN_FLOOR = 0.99  # below: never (timer granularity only)
MAKESPAN_ATTEMPTS = 6
MAKESPAN_RETRY_PAUSE_S = 1  # lets a passing burst of other work end
BUSY_LOAD = 1.0  # a 1-minute load average above this: other work is running
BUSY_MAKESPAN_SLACK = 0.15  # the wall-time bound then


# --- The cost profiles in Python, independently of synthetic.cpp's code ---

MASK64 = (1 << 64) - 1


def splitmix64(x):
    """SplitMix64's finaliser (of x + the golden-ratio increment)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def uniform_draw(seed, k):
    """Task k's draw on (0, 1]: the top 53 bits of its hash under seed."""
    h = splitmix64(splitmix64(seed) ^ k)
    return (float(h >> 11) + 1.0) * 2.0 ** -53


def task_cost(profile, seed, k):
    """Task k's cost in units (k from 1)."""
    if profile == "uniform":
        return 1.0
    if profile == "linear":
        return float(k)
    u = uniform_draw(seed, k)
    if profile == "random":
        return 2.0 * (1.0 - u)
    # Pareto, shape 1.5, scale 1/3 (mean 1), by inversion; u >= 1e-9.
    return (1.0 / 3.0) * math.pow(max(u, 1e-9), -1.0 / 1.5)


def micro_units(units):
    """llround(units * 1e6): half away from zero (costs are >= 0)."""
    x = units * 1e6
    whole = math.floor(x)
    return int(whole) + (1 if x - whole >= 0.5 else 0)


def task_micro_costs(profile, tasks, seed=1):
    return [micro_units(task_cost(profile, seed, k))
            for k in range(1, tasks + 1)]


def expected_result(profile, tasks, seed=1):
    """The JSON `result` of a run: its totals, summed in micro-units."""
    micro = task_micro_costs(profile, tasks, seed)
    checksum = sum(splitmix64(k) for k in range(1, tasks + 1)) & MASK64
    return {"tasks": tasks, "units": sum(micro) / 1e6,
            "longest_task_units": max(micro) / 1e6,
            "task_checksum": f"{checksum:016X}"}


def near_equal_split(n, parts):
    """Items of each part when n items are cut as static-block cuts them."""
    return [n * (r + 1) // parts - n * r // parts for r in range(parts)]


def static_cyclic_split(n, parts, k):
    """(items, chunks) of each rank when chunks of k go round-robin."""
    items, chunks = [0] * parts, [0] * parts
    for i, lo in enumerate(range(0, n, k)):
        items[i % parts] += min(k, n - lo)
        chunks[i % parts] += 1
    return items, chunks


def dispensed_chunks(schedule, n, parts, k):
    """How many chunks dynamic (k each) or guided (max(k, ceil(left /
    2P))) hands out for n items."""
    count, left = 0, n
    while left:
        size = k if schedule == "dynamic" else max(k, -(-left // (2 * parts)))
        left -= min(size, left)
        count += 1
    return count


# --- Running the binary ---

def run_rangefarm(args, np=None, cwd=None):
    return cli_common.run(BINARY, MPIRUN, args, np, cwd)


def describe(args, np, proc):
    return cli_common.describe(args, np, proc, stdout_limit=2000)


def synthetic_args(profile, tasks, unit_ms=0, schedule=None, order=None,
                   chunk=None, seed=None, extra=()):
    args = ["synthetic", "--tasks", str(tasks), "--cost", profile,
            "--unit-ms", str(unit_ms)]
    for option, value in (("--schedule", schedule), ("--order", order),
                          ("--chunk", chunk), ("--seed", seed)):
        if value is not None:
            args += [option, str(value)]
    return args + list(extra)


def launch_json(args, np):
    """Runs args with --json -; returns (proc, full args)."""
    args = list(args) + ["--json", "-"]
    return run_rangefarm(args, np), args


def check_json(test, proc, args, np):
    """The one JSON object a run with --json - printed; returns (report,
    info)."""
    return cli_common.json_report(test, proc, args, np, "synthetic")


def run_json(test, args, np):
    proc, args = launch_json(args, np)
    return check_json(test, proc, args, np)


def run_many(test, runs):
    """Runs [(args, np)] a few at a time; returns [(report, info)] in
    order, each checked by check_json in a subTest of its own."""
    with concurrent.futures.ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        futures = [pool.submit(launch_json, args, np) for args, np in runs]
        done = [f.result() for f in futures]
    return [check_json(test, proc, args, np)
            for (proc, args), (_, np) in zip(done, runs)]


class SyntheticResultTest(unittest.TestCase):
    """Results are exact: what Python adds up, under every schedule."""

    def check_run(self, report, info, *, profile, tasks, np, seed=1,
                  schedule="dynamic", order=None, chunk=1):
        """The report of a --unit-ms 0 run: params, the result Python
        computes, and every item accounted for (per rank where static)."""
        ranks = 1 if np is None else np
        params = report["params"]
        self.assertEqual(params, {
            "tasks": tasks, "cost": profile, "unit_ms": 0, "mode": "sleep",
            "seed": seed, "schedule": schedule, "chunk": chunk,
            "order": "given" if schedule.startswith("static") else order or "largest-first"},
            info)
        self.assertEqual(report["result"],
                         expected_result(profile, tasks, seed), info)
        self.assertEqual(report["items_total"], tasks, info)
        timing = report["timing"]
        self.assertNotIn("makespan_units", timing, info)
        self.assertNotIn("lower_bound_units", timing, info)
        rows = sorted(timing["ranks"], key=lambda r: r["rank"])
        self.assertEqual([r["rank"] for r in rows], list(range(ranks)), info)
        items = [r["items"] for r in rows]
        chunks = [r["chunks"] for r in rows]
        self.assertEqual(sum(items), tasks, info)
        if schedule == "static-block":
            split = near_equal_split(tasks, ranks)
            self.assertEqual(items, split, info)
            self.assertEqual(chunks, [-(-n // chunk) for n in split], info)
        elif schedule == "static-cyclic":
            self.assertEqual((items, chunks),
                             static_cyclic_split(tasks, ranks, chunk), info)
        else:
            self.assertEqual(sum(chunks),
                             dispensed_chunks(schedule, tasks, ranks, chunk),
                             info)

    def test_python_model(self):
        # The reimplementation itself, on figures worked out by hand.
        self.assertEqual(task_micro_costs("linear", 4), [1e6, 2e6, 3e6, 4e6])
        self.assertEqual(expected_result("uniform", 5)["units"], 5.0)
        for profile, low, high in (("random", 0, 2), ("heavy", 1 / 3, 3.4e5)):
            costs = [task_cost(profile, 1, k) for k in range(1, 20001)]
            self.assertTrue(all(low <= c < high for c in costs), profile)
            self.assertAlmostEqual(sum(costs) / len(costs), 1.0, delta=0.1)

    def test_identical_under_every_schedule_heavy(self):
        # Every rank count, schedule, order and chunk: one result.
        runs, where = [], []
        for np in (1, 2, 3, 4):
            for schedule, order in SCHEDULE_ORDERS:
                for chunk in CHUNKS:
                    runs.append((synthetic_args("heavy", 1000, schedule=schedule,
                                                order=order, chunk=chunk), np))
                    where.append(dict(np=np, schedule=schedule, order=order,
                                      chunk=chunk))
        results = set()
        for w, (report, info) in zip(where, run_many(self, runs)):
            with self.subTest(**w):
                self.check_run(report, info, profile="heavy", tasks=1000, **w)
                results.add(json.dumps(report["result"], sort_keys=True))
        self.assertEqual(len(results), 1, results)

    def test_every_profile_every_schedule(self):
        # Each profile under each schedule, order and chunk, the rank count
        # taken in turn (a singleton among them).
        nps = (None, 2, 3, 4)
        runs, where = [], []
        for profile in ("uniform", "linear", "random"):
            i = 0
            for schedule, order in SCHEDULE_ORDERS:
                for chunk in CHUNKS:
                    np = nps[i % len(nps)]
                    i += 1
                    runs.append((synthetic_args(profile, 1000, schedule=schedule,
                                                order=order, chunk=chunk), np))
                    where.append(dict(profile=profile, np=np, schedule=schedule,
                                      order=order, chunk=chunk))
        for w, (report, info) in zip(where, run_many(self, runs)):
            with self.subTest(**w):
                self.check_run(report, info, tasks=1000, **w)
                result = report["result"]
                if w["profile"] == "linear":
                    self.assertEqual(result["units"], 1000 * 1001 / 2, info)
                    self.assertEqual(result["longest_task_units"], 1000, info)
                elif w["profile"] == "uniform":
                    self.assertEqual(result["units"], 1000, info)
                    self.assertEqual(result["longest_task_units"], 1, info)

    def test_checksum_depends_on_tasks_only(self):
        runs = [(synthetic_args(p, 1000, seed=seed), 2)
                for p in PROFILES for seed in (1, 9)]
        runs.append((synthetic_args("uniform", 999), 2))
        reports = run_many(self, runs)
        checksums = {r["result"]["task_checksum"] for r, _ in reports[:-1]}
        self.assertEqual(checksums,
                         {expected_result("uniform", 1000)["task_checksum"]})
        self.assertNotIn(reports[-1][0]["result"]["task_checksum"], checksums)

    def test_seed(self):
        # random and heavy: the same seed the same costs (at any rank
        # count), another seed others; edge seeds hash as Python says.
        for profile in ("random", "heavy"):
            with self.subTest(profile=profile):
                seeds = (1, 1, 2, 0, 2 ** 64 - 1)
                runs = [(synthetic_args(profile, 500, seed=s), np)
                        for s, np in zip(seeds, (2, 3, None, 2, 2))]
                reports = run_many(self, runs)
                for seed, (report, info) in zip(seeds, reports):
                    self.assertEqual(report["params"]["seed"], seed, info)
                    self.assertEqual(report["result"],
                                     expected_result(profile, 500, seed), info)
                one, again, two = (r["result"] for r, _ in reports[:3])
                self.assertEqual(one, again)
                self.assertNotEqual(one["units"], two["units"])
                self.assertNotEqual(one["longest_task_units"],
                                    two["longest_task_units"])
        # uniform and linear ignore it.
        for profile in ("uniform", "linear"):
            with self.subTest(profile=profile):
                reports = run_many(self, [(synthetic_args(profile, 100, seed=s), 2)
                                          for s in (1, 12345)])
                self.assertEqual(reports[0][0]["result"], reports[1][0]["result"])

    def test_costs_do_not_depend_on_tasks(self):
        # Task k costs the same whatever T: the first 100 tasks of 1000
        # cost what a run of 100 adds up to.
        for profile in ("random", "heavy"):
            with self.subTest(profile=profile):
                (small, info), (large, _) = run_many(self, [
                    (synthetic_args(profile, 100), 2),
                    (synthetic_args(profile, 1000), 3)])
                prefix = task_micro_costs(profile, 1000)[:100]
                self.assertEqual(small["result"]["units"], sum(prefix) / 1e6,
                                 info)
                self.assertEqual(small["result"]["longest_task_units"],
                                 max(prefix) / 1e6, info)
                self.assertLessEqual(small["result"]["longest_task_units"],
                                     large["result"]["longest_task_units"])
                self.assertLess(small["result"]["units"],
                                large["result"]["units"])

    def test_more_ranks_than_tasks(self):
        for schedule, order in SCHEDULE_ORDERS:
            with self.subTest(schedule=schedule, order=order):
                report, info = run_json(self, synthetic_args(
                    "linear", 3, schedule=schedule, order=order), 4)
                self.check_run(report, info, profile="linear", tasks=3, np=4,
                               schedule=schedule, order=order)


class SyntheticMakespanTest(unittest.TestCase):
    """The classic pool example: 10 tasks of 1..10 units on 5 ranks."""

    def test_pool_example(self):
        for schedule, order, want in POOL_MAKESPANS:
            with self.subTest(schedule=schedule, order=order, want=want):
                args = POOL + ["--schedule", schedule]
                args += ["--order", order] if order else []
                attempts = []
                busiest_units = []
                for attempt in range(MAKESPAN_ATTEMPTS):
                    if attempt:
                        time.sleep(MAKESPAN_RETRY_PAUSE_S)
                    report, info = run_json(self, args, POOL_RANKS)
                    timing = report["timing"]
                    makespan = timing["makespan_units"]
                    attempts.append(round(makespan, 3))
                    # For a failure: the schedule itself (the busiest rank's
                    # units) apart from what the farm and the machine add.
                    busiest = max(r["busy_s"] for r in timing["ranks"]) * 1e3 / POOL_UNIT_MS
                    busiest_units.append(busiest)
                    info += (f"\n  makespans so far: {attempts}, want {want}; busiest rank "
                             f"{busiest:.3f} units, waits (ms) "
                             f"{[round(r['wait_s'] * 1e3, 1) for r in timing['ranks']]}")
                    self.assertEqual(report["result"],
                                     expected_result("linear", 10), info)
                    self.assertAlmostEqual(
                        makespan, timing["wall_s"] * 1e3 / POOL_UNIT_MS,
                        delta=1e-9 * makespan, msg=info)
                    self.assertEqual(timing["lower_bound_units"],
                                     POOL_LOWER_BOUND, info)
                    self.assertGreaterEqual(makespan, want * MAKESPAN_FLOOR,
                                            "faster than its sleeps" + info)
                    if schedule.startswith("static"):
                        self.assertEqual([r["items"] for r in timing["ranks"]],
                                         [2] * POOL_RANKS, info)
                    if makespan <= want * (1 + MAKESPAN_SLACK):
                        break
                if min(attempts) <= want * (1 + MAKESPAN_SLACK):
                    continue
                # Other work kept both cores busy (the load average counts
                # runnable processes; these ranks mostly sleep): each hand-off
                # then waits for the OS scheduler. The schedule itself must
                # still be right (the busiest rank's work within 5%), and the
                # wall time within 15%.
                load = os.getloadavg()[0]
                info += f"\n  load average {load:.2f} over {os.cpu_count()} cores"
                self.assertGreater(load, BUSY_LOAD, "missed on a quiet machine" + info)
                self.assertLessEqual(min(busiest_units), want * (1 + MAKESPAN_SLACK), info)
                self.assertLessEqual(min(attempts), want * (1 + BUSY_MAKESPAN_SLACK), info)


class SyntheticOutputTest(unittest.TestCase):
    """--spin, --sleep, and the human summary."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rangefarm-synth-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def test_spin(self):
        # 20 tasks of 5 ms spun on 2 ranks: 100 ms of work in all, so at
        # least 50 ms of wall time; each rank busy while it spins.
        args = synthetic_args("uniform", 20, unit_ms=5, extra=["--spin"])
        report, info = run_json(self, args, 2)
        timing = report["timing"]
        self.assertEqual(report["params"]["mode"], "spin", info)
        self.assertEqual(report["result"], expected_result("uniform", 20), info)
        self.assertGreaterEqual(timing["wall_s"], 0.05 * MAKESPAN_FLOOR, info)
        self.assertGreaterEqual(sum(r["busy_s"] for r in timing["ranks"]),
                                0.1 * MAKESPAN_FLOOR, info)
        self.assertEqual(timing["lower_bound_units"], 10, info)
        self.assertGreaterEqual(timing["makespan_units"], 10 * MAKESPAN_FLOOR,
                                info)
        self.assertLess(timing["wall_s"], 60, info)

    def test_sleep_is_the_default(self):
        for extra in ([], ["--sleep"]):
            with self.subTest(extra=extra):
                args = synthetic_args("linear", 6, unit_ms=2, extra=extra)
                report, info = run_json(self, args, 2)
                self.assertEqual(report["params"]["mode"], "sleep", info)
                self.assertEqual(report["params"]["unit_ms"], 2, info)
                # 21 units on 2 ranks, the longest task 6.
                self.assertEqual(report["timing"]["lower_bound_units"], 10.5,
                                 info)
                self.assertGreaterEqual(report["timing"]["makespan_units"],
                                        10.5 * MAKESPAN_FLOOR, info)

    def run_human(self, args, np):
        proc = run_rangefarm(args, np, cwd=self.tmp)
        info = describe(args, np, proc)
        self.assertEqual(proc.returncode, 0, info)
        self.assertEqual(proc.stderr, "", info)
        return proc.stdout.splitlines(), info

    def assert_timing_table(self, lines, ranks, info):
        self.assertEqual(lines[0],
                         "  rank     busy s     wait s     chunks            items  host",
                         info)
        self.assertEqual([int(line.split()[0]) for line in lines[1:1 + ranks]],
                         list(range(ranks)), info)
        self.assertRegex(lines[1 + ranks],
                         r"^  imbalance \(max busy / mean busy\): \d+\.\d{3}$", info)
        self.assertEqual(len(lines), ranks + 2, info)

    def test_human_summary(self):
        lines, info = self.run_human(synthetic_args("linear", 10), 2)
        self.assertEqual(lines[0], "rangefarm synthetic: 10 tasks, linear cost, "
                         "0 ms per unit, sleep; schedule dynamic (chunk 1, "
                         "largest-first), 2 ranks", info)
        self.assertEqual(lines[1], "tasks 10, 55.000 units in all, longest "
                         "10.000 units; every task ran once", info)
        self.assertRegex(lines[2], r"^wall \d+\.\d{3} s$", info)
        self.assert_timing_table(lines[3:], 2, info)

    def test_human_summary_with_makespan(self):
        args = synthetic_args("random", 8, unit_ms=0.5, schedule="guided",
                              order="given", chunk=3, seed=4)
        lines, info = self.run_human(args, 3)
        want = expected_result("random", 8, 4)
        self.assertEqual(lines[0], "rangefarm synthetic: 8 tasks, random cost, "
                         "0.5 ms per unit, sleep; schedule guided (chunk 3, "
                         "given), 3 ranks", info)
        self.assertEqual(lines[1], f"tasks 8, {want['units']:.3f} units in all, "
                         f"longest {want['longest_task_units']:.3f} units; "
                         "every task ran once", info)
        m = re.fullmatch(r"wall (\d+\.\d{3}) s = (\d+\.\d\d) units; lower bound "
                         r"(\d+\.\d\d) units \(even spread or longest task\)",
                         lines[2])
        self.assertIsNotNone(m, info)
        bound = max(want["units"] / 3, want["longest_task_units"])
        self.assertEqual(m.group(3), f"{bound:.2f}", info)
        self.assertAlmostEqual(float(m.group(2)), float(m.group(1)) * 1e3 / 0.5,
                               delta=2.0, msg=info)
        self.assertGreaterEqual(float(m.group(2)), float(m.group(3)) * MAKESPAN_FLOOR,
                                info)
        self.assert_timing_table(lines[3:], 3, info)

    def test_quiet(self):
        want = "tasks 1000, 998.315 units in all, longest 74.703 units; every task ran once"
        self.assertEqual(expected_result("heavy", 1000)["units"], 998.314722)
        for np in (None, 3):
            with self.subTest(np=np):
                lines, info = self.run_human(
                    synthetic_args("heavy", 1000, extra=["--quiet"]), np)
                self.assertEqual(lines, [want], info)
        # With --json FILE: the line on stdout, the report in the file.
        lines, info = self.run_human(
            synthetic_args("heavy", 1000, extra=["--quiet", "--json", "r.json"]), 2)
        self.assertEqual(lines, [want], info)
        with open(os.path.join(self.tmp, "r.json"), encoding="utf-8") as f:
            report = json.load(f)
        self.assertEqual(report["result"], expected_result("heavy", 1000), info)
        self.assertEqual(os.listdir(self.tmp), ["r.json"], info)

    def test_sums_past_64_bits(self):
        # 7 million linear tasks cost 24500003500000 units, 2.45e19
        # micro-units: past 2^64, where the sum wrapped to 6053259426290.448
        # and "every task ran once" was still printed (issue 23).
        args = synthetic_args("linear", "7e6", schedule="static-block", chunk="1e6")
        for np in (None, 2):
            with self.subTest(np=np):
                lines, info = self.run_human(args + ["--quiet"], np)
                self.assertEqual(lines, ["tasks 7000000, 24500003500000.000 units in all, "
                                         "longest 7000000.000 units; every task ran once"], info)
        report, info = run_json(self, args, 2)
        self.assertEqual(report["result"]["units"], 24500003500000, info)
        self.assertEqual(report["params"]["tasks"], 7000000, info)
        self.assertEqual(report["result"]["longest_task_units"], 7000000, info)

    def test_plural(self):
        lines, info = self.run_human(synthetic_args("uniform", 1), None)
        self.assertTrue(lines[0].startswith("rangefarm synthetic: 1 task, uniform cost"), info)

    def test_help(self):
        proc = run_rangefarm(["synthetic", "--help"])
        info = describe(["synthetic", "--help"], None, proc)
        self.assertEqual(proc.returncode, 0, info)
        for text in ("--tasks", "--cost", "--unit-ms", "--sleep", "--spin",
                     "--seed", "--order", "--schedule", "--checkpoint"):
            self.assertIn(text, proc.stdout, info)


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_synthetic_cli.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
