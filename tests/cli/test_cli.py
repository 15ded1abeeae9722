#!/usr/bin/env python3
"""End-to-end tests of the rangefarm command line.

Drives the built binary both as an MPI singleton and under ``mpirun -q``:
good runs must give the right numbers and a JSON report that accounts for
every item; --help must describe the command line. Bad input, for every
subcommand, is test_bad_input.py's.

Usage: test_cli.py --binary PATH [--mpirun PATH] [unittest options]
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None

SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
PERFECT_TO_10000 = [6, 28, 496, 8128]
COUNTS_TO_10000 = {"deficient": 7508, "perfect": 4, "abundant": 2488}

LAUNCHES = cli_common.LAUNCHES


def run_rangefarm(args, np=None, cwd=None):
    """Runs the binary (directly, or under mpirun -q -np NP)."""
    return cli_common.run(BINARY, MPIRUN, args, np, cwd)


describe = cli_common.describe


class PerfectRunTest(unittest.TestCase):
    """Good runs of `perfect`, checked through the JSON report."""

    def run_json(self, args, np):
        """Runs with --json - and returns the single JSON object on stdout."""
        args = list(args) + ["--json", "-"]
        proc = run_rangefarm(args, np)
        info = describe(args, np, proc)
        self.assertEqual(proc.returncode, 0, info)
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            self.fail(f"stdout is not one JSON object ({exc}){info}")
        self.assertIsInstance(report, dict, info)
        return report, info

    def assert_report(self, report, info, *, ranks, lo, hi, perfect,
                      counts=None, method="sieve", schedule=None, chunk=None):
        self.assertEqual(report["workload"], "perfect", info)
        self.assertEqual(report["result"]["perfect_numbers"], perfect, info)
        if counts is not None:
            self.assertEqual(report["result"]["counts"], counts, info)
        items = hi - lo + 1
        self.assertEqual(sum(report["result"]["counts"].values()), items,
                         info)
        self.assertEqual(report["items_total"], items, info)
        self.assertEqual(report["ranks"], ranks, info)
        timing_ranks = report["timing"]["ranks"]
        self.assertEqual(len(timing_ranks), ranks, info)
        self.assertEqual(sorted(r["rank"] for r in timing_ranks),
                         list(range(ranks)), info)
        self.assertEqual(sum(r["items"] for r in timing_ranks), items, info)
        params = report["params"]
        self.assertEqual(params["from"], lo, info)
        self.assertEqual(params["to"], hi, info)
        self.assertEqual(params["method"], method, info)
        if schedule is not None:
            self.assertEqual(params["schedule"], schedule, info)
        if chunk is not None:
            self.assertEqual(params["chunk"], chunk, info)
        # max/mean busy time; allow for rounding when the ranks tie.
        self.assertGreaterEqual(report["imbalance"], 1.0 - 1e-9, info)
        for key in ("host", "version"):
            self.assertIsInstance(report.get(key), str, info)
            self.assertTrue(report[key], info)

    def check_schedules(self, np):
        for schedule in SCHEDULES:
            with self.subTest(schedule=schedule):
                report, info = self.run_json(
                    ["perfect", "--to", "10000", "--schedule", schedule,
                     "--chunk", "700"], np)
                self.assert_report(report, info, ranks=np, lo=1, hi=10000,
                                   perfect=PERFECT_TO_10000,
                                   counts=COUNTS_TO_10000,
                                   schedule=schedule, chunk=700)
                self.assertEqual(set(report["params"]),
                                 {"from", "to", "method", "schedule",
                                  "chunk"}, info)

    def test_schedules_np1(self):
        self.check_schedules(1)

    def test_schedules_np2(self):
        self.check_schedules(2)

    def test_schedules_np3_oversubscribed(self):
        self.check_schedules(3)

    def test_schedules_np4_oversubscribed(self):
        self.check_schedules(4)

    def test_trial_method_np2(self):
        report, info = self.run_json(
            ["perfect", "--to", "10000", "--method", "trial"], 2)
        self.assert_report(report, info, ranks=2, lo=1, hi=10000,
                           perfect=PERFECT_TO_10000, counts=COUNTS_TO_10000,
                           method="trial")

    def test_more_ranks_than_chunks_np4(self):
        for schedule in SCHEDULES:
            with self.subTest(schedule=schedule):
                report, info = self.run_json(
                    ["perfect", "--to", "50", "--chunk", "1000",
                     "--schedule", schedule], 4)
                self.assert_report(report, info, ranks=4, lo=1, hi=50,
                                   perfect=[6, 28], schedule=schedule,
                                   chunk=1000)

    def test_high_range_np2(self):
        report, info = self.run_json(
            ["perfect", "--from", "8589860000", "--to", "8589870000"], 2)
        self.assert_report(report, info, ranks=2, lo=8589860000,
                           hi=8589870000, perfect=[8589869056])

    def test_scientific_to(self):
        report, info = self.run_json(["perfect", "--to", "1e4"], 2)
        self.assert_report(report, info, ranks=2, lo=1, hi=10000,
                           perfect=PERFECT_TO_10000, counts=COUNTS_TO_10000)

    def test_json_file(self):
        args = ["perfect", "--to", "10000", "--chunk", "700"]
        expected, _ = self.run_json(args, 2)
        with tempfile.TemporaryDirectory(prefix="rangefarm-cli-") as tmp:
            path = os.path.join(tmp, "report.json")
            file_args = args + ["--json", path]
            proc = run_rangefarm(file_args, 2, cwd=tmp)
            info = describe(file_args, 2, proc)
            self.assertEqual(proc.returncode, 0, info)
            self.assertIn("perfect numbers: 6 28 496 8128", proc.stdout, info)
            self.assertNotIn("{", proc.stdout, info)
            self.assertEqual(os.listdir(tmp), ["report.json"], info)
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
        self.assert_report(report, info, ranks=2, lo=1, hi=10000,
                           perfect=PERFECT_TO_10000, counts=COUNTS_TO_10000,
                           schedule="dynamic", chunk=700)
        # The same object as --json -, up to the timings.
        self.assertEqual(set(report), set(expected))
        for key in set(expected) - {"timing", "imbalance"}:
            self.assertEqual(report[key], expected[key], key)


class HelpTest(unittest.TestCase):
    """--help exits 0 and describes the command line."""

    def run_help(self, args, np=None):
        proc = run_rangefarm(args, np)
        info = describe(args, np, proc)
        self.assertEqual(proc.returncode, 0, info)
        return proc.stdout, info

    def test_top_level_help(self):
        for launch, np in LAUNCHES:
            with self.subTest(launch=launch):
                out, info = self.run_help(["--help"], np)
                self.assertIn("perfect", out, info)
                # Only rank 0 prints it.
                self.assertEqual(out.count("Usage:"), 1, info)

    def test_perfect_help(self):
        out, info = self.run_help(["perfect", "--help"])
        for text in ("--schedule", "--chunk", "10000000"):
            self.assertIn(text, out, info)
        self.assertIn("default 10000000", out, info)


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_cli.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
