#!/usr/bin/env python3
"""`rangefarm simulate` validated against the real farm (label predict).

* The classic pool example, 10 tasks of 1..10 units on 5 ranks, through the
  real simulate: 19 / 15 / 15 / 11 units (static-block / static-cyclic /
  dynamic / dynamic largest-first), exactly.
* Sleeping synthetic tasks (no CPU while they sleep, so runs past the 2
  cores are real measurements of the protocol), every schedule, predicted
  from dynamic's 1- and 2-rank traces: within 5% at 1 and 2 ranks, within
  10% at 4, 8 and 16 (medians of 3 interleaved rounds). 32 ranks is
  measured by validate.py only (about 5% under-predicted on a quiet 2-core
  machine: 32 processes on 2 cores wake late; a loaded one adds to it).
* perfect and mersenne traced at 2 ranks: simulate's 1-rank wall is the
  trace's busy time and more ranks never beat ideal (the trace-to-costs
  path for a workload without and with a cost model). Their 5% check
  against measured runs at 1 and 2 ranks does not hold on a loaded 2-core
  machine (two CPU-bound ranks there get less than two cores, and a run's
  wall more than its chunks' time); tests/predict/validate.py measures and
  prints it, CI does not gate on it.
Calibration traces are per-chunk medians over the rounds (a sleep
overslept on a loaded machine calibrates nothing).

A point that misses gets 2 more rounds before it is judged (a host's slow
spell can take 2 of 3 runs). About 2 minutes, 3 with extra rounds; run
alone (RUN_SERIAL).

  test_predict.py --binary build/apps/rangefarm [unittest options]
"""
import argparse
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from predict_common import Config, Farm, Runs, message_model, predict, read_trace  # noqa: E402

ARGS = None
ROUNDS = 3
SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
SLEEP = ("synthetic", "--tasks", "480", "--cost", "random", "--unit-ms", "5", "--sleep")
SLEEP_RANKS = (1, 2, 4, 8, 16)
EXTRA_ROUNDS = 2


def tolerance(ranks):
    """5% on the cores (1 and 2 ranks), 10% past them."""
    return 0.05 if ranks <= 2 else 0.10


CPU_BOUND = {"perfect": ("perfect", "--to", "1e7"), "mersenne": ("mersenne", "--to", "2500")}


class Predict(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="rf-predict-test-")
        cls.farm = Farm(ARGS.binary, cls.tmp.name)
        cls.model, cls.record = message_model(cls.farm)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_pool_example(self):
        preds = self.farm.simulate(list(range(1, 11)), [5],
                                   ["static-block", "static-cyclic", "dynamic"], 1,
                                   ["given", "largest-first"])
        got = {(p["schedule"], p["order"]): p["wall_s"] for p in preds}
        self.assertEqual(got[("static-block", "given")], 19)
        self.assertEqual(got[("static-cyclic", "given")], 15)
        self.assertEqual(got[("dynamic", "given")], 15)
        self.assertEqual(got[("dynamic", "largest-first")], 11)

    def test_sleeping_tasks(self):
        """Every schedule at 1 and 2 ranks within 5%, and at 4, 8 and 16 ranks
        within 10%, predicted from dynamic's 1- and 2-rank traces. (Guided at
        16 ranks missed by 14% until a worker's Ahead stopped binding a tail
        chunk while the others idled, dispatch_policy.hpp.)"""
        configs = [Config("sleep", SLEEP, s, order="given") for s in SCHEDULES]
        cal = configs[SCHEDULES.index("dynamic")]  # the finest chunks; replays any order
        runs = Runs(self.farm)
        runs.measure([(c, p) for p in SLEEP_RANKS for c in configs], ROUNDS)

        def error(c, p, p0):
            measured = runs.median(c, p)
            return abs(predict(runs, c, p, cal, p0, self.model) - measured) / measured

        # A spell of the machine (the host taking the VM's cores for a while)
        # can slow 2 of a point's 3 runs, even of sleeping tasks: a point that
        # misses gets EXTRA_ROUNDS more runs, interleaved, and is judged on
        # the median of them all.
        again = sorted({(c, p) for c in configs for p in SLEEP_RANKS for p0 in (1, 2)
                        if error(c, p, p0) >= tolerance(p)},
                       key=lambda cp: (cp[1], SCHEDULES.index(cp[0].schedule)))
        if again:
            print(f"predict: {len(again)} point(s) missed; {EXTRA_ROUNDS} more rounds of them",
                  file=sys.stderr)
            runs.measure(again, EXTRA_ROUNDS)
        for c in configs:
            for p in SLEEP_RANKS:
                for p0 in (1, 2):
                    with self.subTest(schedule=c.schedule, ranks=p, calibrated_on=p0):
                        measured = runs.median(c, p)
                        predicted = predict(runs, c, p, cal, p0, self.model)
                        self.assertLess(abs(predicted - measured) / measured, tolerance(p),
                                        f"{c.schedule} at {p} ranks: predicted {predicted:.4g} "
                                        f"s from dynamic's {p0}-rank trace, measured "
                                        f"{measured:.4g} s (runs {runs.walls(c, p)})")

    def test_cpu_bound_traces(self):
        """perfect (no cost model) and mersenne (one), traced at 2 ranks:
        simulate's 1-rank wall is the trace's busy time (its per-item costs
        add up) and more ranks never beat ideal."""
        for name, args in CPU_BOUND.items():
            with self.subTest(workload=name):
                _, path = self.farm.run(list(args), 2, "dynamic", order="given")
                busy = sum(read_trace(path).busy_s())
                preds = {int(p["ranks"]): float(p["wall_s"]) for p in self.farm.simulate(
                    path, [1, 2, 4, 64], "dynamic", order="given", model=self.model)}
                self.assertAlmostEqual(preds[1] / busy, 1.0, delta=0.02, msg=f"{preds} {busy}")
                for p in (2, 4, 64):
                    self.assertGreaterEqual(preds[p] * p, preds[1] * 0.999, f"{p}: {preds}")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ARGS, rest = ap.parse_known_args()
    if not os.access(ARGS.binary, os.X_OK):
        sys.exit(f"test_predict: no binary at {ARGS.binary}")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
