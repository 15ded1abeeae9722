#!/usr/bin/env python3
"""End-to-end tests of --trace FILE and `rangefarm simulate`.

* Every subcommand writes a trace: a header, one chunk record per chunk
  computed, covering exactly the run's items once, with times inside the
  run's wall time; per rank the records add up to the JSON report's chunks
  and items; synthetic's costs add up to its units, mersenne has costs,
  perfect and factorial none; dynamic runs have request and assign records
  from workers only; the footer repeats the wall time.
* A resumed run traces only what it computes: the header says resumed and
  counts the items restored; the chunks cover exactly the rest.
* A bad --trace path: exit status 2 and one line on stderr, no trace.
* `rangefarm simulate`: the pool example (19 / 15 / 15 / 11); a trace of
  slept tasks at 2 ranks, simulated at 2 ranks, gives its measured wall
  time within 10% (the median of 3 runs; sleeping tasks are measurements of
  the protocol even on a busy machine); bad input is one line.

About 40 s on 2 busy cores.

Usage: test_trace.py --binary PATH [--mpirun PATH] [unittest options]
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402
from cli_common import describe  # noqa: E402

BINARY = None
MPIRUN = None
# Ranks measure from their own exit from the start barrier: a worker may
# leave it a little before rank 0 does.
CLOCK_SLACK_S = 0.05


def run_rangefarm(args, np=None, cwd=None):
    return cli_common.run(BINARY, MPIRUN, args, np, cwd)


def read_trace(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class TraceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rangefarm-trace-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def traced_run(self, args, np):
        trace = os.path.join(self.tmp, "t.jsonl")
        report_path = os.path.join(self.tmp, "r.json")
        full = args + ["--trace", trace, "--json", report_path, "--quiet"]
        proc = run_rangefarm(full, np, cwd=self.tmp)
        info = describe(full, np, proc)
        self.assertEqual(proc.returncode, 0, info)
        self.assertEqual(proc.stderr, "", info)
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        return read_trace(trace), report, info

    def check_trace(self, records, report, info, first_item, items, subcommand):
        """The checks every trace passes; returns its chunk records."""
        header, footer = records[0], records[-1]
        ranks = report["ranks"]
        self.assertEqual(header["type"], "header", info)
        self.assertEqual(header["format"], "rangefarm-trace", info)
        self.assertEqual(header["version"], 1, info)
        self.assertEqual(header["subcommand"], subcommand, info)
        self.assertEqual(header["ranks"], ranks, info)
        self.assertEqual(len(header["hosts"]), ranks, info)
        self.assertEqual(header["items_total"], items, info)
        self.assertTrue(header["command"].startswith("rangefarm " + subcommand), info)
        self.assertEqual(footer["type"], "end", info)
        self.assertFalse(footer["stopped"], info)
        wall = footer["wall_s"]
        self.assertAlmostEqual(wall, report["timing"]["wall_s"], delta=1e-3, msg=info)
        body = records[1:-1]
        self.assertTrue(all(r["type"] in ("chunk", "request", "assign") for r in body), info)
        chunks = [r for r in body if r["type"] == "chunk"]
        for c in chunks:
            self.assertEqual(c["items"], c["last"] - c["first"] + 1, info)
            self.assertEqual(c["host"], header["hosts"][c["rank"]], info)
            self.assertLessEqual(0, c["start_s"], info)
            self.assertLessEqual(c["start_s"], c["end_s"], info)
            self.assertLessEqual(c["end_s"], wall + CLOCK_SLACK_S, info)
        for r in body:
            if r["type"] != "chunk":
                self.assertGreaterEqual(r["rank"], 1, info)  # rank 0 sends no messages
                self.assertLessEqual(r["t_s"], wall + CLOCK_SLACK_S, info)
        # Per rank, the records are the report's chunks and items.
        for t in report["timing"]["ranks"]:
            mine = [c for c in chunks if c["rank"] == t["rank"]]
            self.assertEqual(len(mine), t["chunks"], info)
            self.assertEqual(sum(c["items"] for c in mine), t["items"], info)
        return chunks

    def assert_covers(self, chunks, first_item, items, info, restored=()):
        """The chunks (and the restored [lo, hi] runs) cover first_item ..
        first_item + items - 1 exactly once."""
        runs = sorted([(c["first"], c["last"]) for c in chunks] + list(restored))
        expect = first_item
        for lo, hi in runs:
            self.assertEqual(lo, expect, info)
            expect = hi + 1
        self.assertEqual(expect, first_item + items, info)

    def test_every_subcommand(self):
        cases = [
            ("perfect", ["perfect", "--to", "200000"], 2, 1, 200000, "dynamic"),
            ("perfect", ["perfect", "--to", "200000", "--schedule", "static-block",
                         "--chunk", "7000"], 3, 1, 200000, "static-block"),
            ("synthetic", ["synthetic", "--tasks", "300", "--cost", "linear", "--unit-ms", "0",
                           "--chunk", "4", "--schedule", "guided"], 2, 0, 300, "guided"),
            ("synthetic", ["synthetic", "--tasks", "50", "--cost", "random", "--unit-ms", "0"],
             None, 0, 50, "dynamic"),
            ("mersenne", ["mersenne", "--to", "1500"], 2, 0, 239, "dynamic"),
            ("factorial", ["factorial", "3000", "20"], 2, 0, None, "dynamic"),
        ]
        for name, args, np, first, items, schedule in cases:
            with self.subTest(args=args, np=np):
                records, report, info = self.traced_run(args, np)
                header = records[0]
                items = items if items is not None else header["items_total"]
                chunks = self.check_trace(records, report, info, first, items, name)
                self.assert_covers(chunks, first, items, info)
                self.assertEqual(header["schedule"], schedule, info)
                self.assertFalse(header["resumed"], info)
                self.assertEqual(header["items_restored"], 0, info)
                messages = [r for r in records if r["type"] in ("request", "assign")]
                if schedule in ("dynamic", "guided") and report["ranks"] > 1:
                    self.assertTrue(messages, info)
                    for a in (r for r in messages if r["type"] == "assign"):
                        self.assertLessEqual(a["first"], a["last"], info)
                if schedule.startswith("static") or report["ranks"] == 1:
                    self.assertEqual(messages, [], info)
                costs = [c["cost"] for c in chunks]
                if name == "synthetic":
                    self.assertEqual(header["cost_unit"], "units", info)
                    self.assertAlmostEqual(sum(costs), report["result"]["units"], places=4,
                                           msg=info)
                elif name == "mersenne":
                    self.assertEqual(header["cost_unit"], "units", info)
                    self.assertTrue(all(c > 0 for c in costs), info)
                else:
                    self.assertIsNone(header["cost_unit"], info)
                    self.assertTrue(all(c is None for c in costs), info)

    def test_resumed_run_traces_only_what_it_computes(self):
        journal = os.path.join(self.tmp, "j.jsonl")
        args = ["perfect", "--to", "300000", "--chunk", "10000"]
        full = args + ["--checkpoint", journal, "--quiet"]
        proc = run_rangefarm(full, 2, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, describe(full, 2, proc))
        with open(journal, encoding="utf-8") as f:
            # The end record of the completed run left out: an unfinished journal.
            lines = [line for line in f.readlines() if "end" not in json.loads(line)]
        kept = [lines[0]] + lines[1::2]  # every other record: a stopped run's journal
        with open(journal, "w", encoding="utf-8") as f:
            f.writelines(kept)
        restored = [(r["lo"], r["hi"] - 1) for r in map(json.loads, kept[1:])]
        records, report, info = self.traced_run(args + ["--checkpoint", journal, "--resume"], 2)
        header = records[0]
        restored_items = sum(hi - lo + 1 for lo, hi in restored)
        self.assertTrue(header["resumed"], info)
        self.assertEqual(header["items_restored"], restored_items, info)
        self.assertEqual(report["checkpoint"]["restored_items"], restored_items, info)
        chunks = self.check_trace(records, report, info, 1, 300000, "perfect")
        self.assertEqual(sum(c["items"] for c in chunks), 300000 - restored_items, info)
        self.assert_covers(chunks, 1, 300000, info, restored)

    def test_bad_trace_path(self):
        for np in (None, 2):
            with self.subTest(np=np):
                args = ["perfect", "--to", "1000", "--trace", "/nonexistent-dir/t.jsonl"]
                proc = run_rangefarm(args, np, cwd=self.tmp)
                info = describe(args, np, proc)
                self.assertEqual(proc.returncode, 2, info)
                self.assertEqual(proc.stdout, "", info)
                lines = proc.stderr.splitlines()
                self.assertEqual(len(lines), 1, info)
                self.assertTrue(lines[0].startswith("rangefarm: error: --trace"), info)


class SimulateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rangefarm-simulate-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def simulate(self, args):
        full = ["simulate"] + args + ["--json", "-"]
        proc = run_rangefarm(full, cwd=self.tmp)
        info = describe(full, None, proc)
        self.assertEqual(proc.returncode, 0, info)
        return json.loads(proc.stdout)["predictions"], info

    def test_pool_example(self):
        predictions, info = self.simulate(
            ["--costs", "1,2,3,4,5,6,7,8,9,10", "--ranks", "5", "--schedule",
             "static-block,static-cyclic,dynamic", "--chunk", "1", "--order",
             "given,largest-first"])
        walls = {(p["schedule"], p["order"]): p["wall_s"] for p in predictions}
        self.assertEqual(walls, {("static-block", "given"): 19, ("static-cyclic", "given"): 15,
                                 ("dynamic", "given"): 15, ("dynamic", "largest-first"): 11},
                         info)
        for p in predictions:
            self.assertEqual(p["ranks"], 5, info)
            self.assertAlmostEqual(p["speedup"], 55 / p["wall_s"], msg=info)
            self.assertAlmostEqual(p["efficiency"], p["speedup"] / 5, msg=info)
            self.assertAlmostEqual(sum(p["busy_s"]), 55, msg=info)
            self.assertIsNone(p["rank0_capacity_hz"], info)
            self.assertFalse(p["saturated"], info)

    def test_trace_round_trip(self):
        """A trace of slept tasks, simulated at its own rank count, gives its
        own wall time: the median of 3 runs within 10%."""
        trace = os.path.join(self.tmp, "t.jsonl")
        args = ["synthetic", "--tasks", "60", "--cost", "random", "--unit-ms", "10", "--sleep",
                "--trace", trace, "--quiet"]
        errors = []
        for _ in range(3):
            proc = run_rangefarm(args, 2, cwd=self.tmp)
            self.assertEqual(proc.returncode, 0, describe(args, 2, proc))
            measured = read_trace(trace)[-1]["wall_s"]
            predictions, info = self.simulate(["--trace", trace, "--ranks", "2"])
            self.assertEqual(len(predictions), 1, info)
            p = predictions[0]
            self.assertEqual((p["schedule"], p["chunk"], p["order"]),
                             ("dynamic", 1, "largest-first"), info)
            errors.append(abs(p["wall_s"] - measured) / measured)
        self.assertLess(statistics.median(errors), 0.10, errors)

    def test_bad_input(self):
        cases = [
            ["--ranks", "2"],
            ["--costs", "1,2", "--trace", "x", "--ranks", "2"],
            ["--costs", "1,x", "--ranks", "2"],
            ["--costs", "1,2", "--ranks", "0"],
            ["--costs", "1,2", "--ranks", "2", "--schedule", "fast"],
            ["--trace", "/nonexistent/t.jsonl", "--ranks", "2"],
        ]
        for args in cases:
            with self.subTest(args=args):
                full = ["simulate"] + args
                proc = run_rangefarm(full, cwd=self.tmp)
                info = describe(full, None, proc)
                self.assertEqual(proc.returncode, 2, info)
                self.assertEqual(len(proc.stderr.splitlines()), 1, info)
                self.assertTrue(proc.stderr.startswith("rangefarm: error: "), info)


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_trace.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
