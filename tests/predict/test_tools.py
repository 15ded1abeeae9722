#!/usr/bin/env python3
"""scripts/gantt.py and scripts/scaling.py --predict-ranks end to end
(label predict): the Gantt chart of hand-made traces and bad ones, then a
small traced sweep whose predictions reach prediction.csv, report.md and
the plots, and --from-results on its reports predicting the same. Timings
are not checked (test_predict.py validates the numbers). About 40 s.

  test_tools.py --binary build/apps/rangefarm [unittest options]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GANTT = REPO / "scripts" / "gantt.py"
SCALING = REPO / "scripts" / "scaling.py"
ARGS = None
TIMEOUT_S = 300
COLUMNS = ["workload", "schedule", "chunk", "order", "ranks", "predicted_wall_s",
           "predicted_speedup", "predicted_efficiency", "predicted_imbalance"]
PREDICT_RANKS = [1, 2, 4, 64, 4096]


def tool(script, *args, env=None):
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True,
                          text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL, check=False,
                          env=dict(os.environ, **(env or {})))


def write_trace(path, schedule, chunks, ranks=2, footer=True):
    """A hand-made trace: chunks are (rank, first, last, start_s, end_s)."""
    lines = [{"type": "header", "format": "rangefarm-trace", "version": 1,
              "subcommand": "synthetic", "ranks": ranks, "hosts": ["h"] * ranks,
              "schedule": schedule, "chunk": 1, "order": "given", "items_total": 4,
              "items_restored": 0, "resumed": False, "cost_unit": "units",
              "command": f"rangefarm synthetic --tasks 4 --schedule {schedule}"}]
    lines += [{"type": "chunk", "rank": r, "host": "h", "first": a, "last": b,
               "items": b - a + 1, "start_s": t0, "end_s": t1, "cost": float(b - a + 1)}
              for r, a, b, t0, t1 in chunks]
    lines += [{"type": "request", "rank": 1, "t_s": 0.0}]
    if footer:
        lines.append({"type": "end", "wall_s": max(c[4] for c in chunks), "stopped": False})
    Path(path).write_text("".join(json.dumps(x) + "\n" for x in lines))


def is_png(path):
    return Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class Gantt(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="rf-gantt-")
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_help(self):
        proc = tool(GANTT, "--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("usage: gantt.py", proc.stdout)

    def test_side_by_side(self):
        block, dyn = self.dir / "block.jsonl", self.dir / "dyn.jsonl"
        write_trace(block, "static-block", [(0, 1, 2, 0.0, 0.3), (1, 3, 4, 0.0, 0.7)])
        write_trace(dyn, "dynamic", [(0, 4, 4, 0.0, 0.4), (1, 3, 3, 0.0, 0.3),
                                     (1, 2, 2, 0.3, 0.5), (0, 1, 1, 0.4, 0.5)], footer=False)
        out = self.dir / "g.png"
        proc = tool(GANTT, block, dyn, "-o", out, "--colour", "cost")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(is_png(out))

    def test_bad_traces(self):
        cases = {"not-json.jsonl": "{\n", "no-header.jsonl": '{"type": "chunk"}\n',
                 "empty.jsonl": ""}
        wrong_rank = self.dir / "rank.jsonl"
        write_trace(wrong_rank, "dynamic", [(5, 1, 1, 0.0, 0.1)])
        for name, text in cases.items():
            (self.dir / name).write_text(text)
        for path in [self.dir / n for n in cases] + [wrong_rank, self.dir / "missing.jsonl"]:
            with self.subTest(trace=path.name):
                proc = tool(GANTT, path, "-o", self.dir / "x.png")
                self.assertEqual(proc.returncode, 2)
                lines = proc.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertTrue(lines[0].startswith("gantt.py: error: "), lines[0])
                self.assertFalse((self.dir / "x.png").exists())


class PredictedStudy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="rf-predict-study-")
        cls.out = Path(cls.tmp.name) / "study"
        cls.proc = tool(SCALING, "--binary", ARGS.binary, "--workload",
                        "synthetic --tasks 48 --cost linear --unit-ms 0.2", "--ranks", "1,2",
                        "--schedules", "static-block,dynamic", "--repeats", "1",
                        "--oversubscribe", "--predict-ranks", ",".join(map(str, PREDICT_RANKS)),
                        "--out", cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def rows(self, path):
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            return reader.fieldnames, list(reader)

    def test_prediction_csv(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        columns, rows = self.rows(self.out / "prediction.csv")
        self.assertTrue(set(COLUMNS) <= set(columns), columns)
        self.assertEqual(sorted({r["schedule"] for r in rows}), ["dynamic", "static-block"])
        for schedule in ("dynamic", "static-block"):
            ranks = [int(r["ranks"]) for r in rows if r["schedule"] == schedule]
            self.assertEqual(ranks, PREDICT_RANKS)
        one = [r for r in rows if r["ranks"] == "1"]
        for r in one:
            self.assertAlmostEqual(float(r["predicted_speedup"]), 1.0, places=3)
        for r in rows:
            self.assertLessEqual(float(r["predicted_speedup"]), int(r["ranks"]) * 1.0001)

    def test_report_and_plots(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        report = (self.out / "report.md").read_text()
        self.assertIn("## Predictions", report)
        self.assertIn("Where rank 0 stops keeping up", report)
        self.assertIn("(gantt-1-synthetic.png)", report)
        for name in ("speedup.png", "efficiency.png", "gantt-1-synthetic.png"):
            self.assertTrue(is_png(self.out / name), name)
        cal = json.loads((self.out / "dispatch_calibration.json").read_text())
        self.assertGreater(cal["service_s"], 0)

    def test_from_results_predicts_the_same(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        again = Path(self.tmp.name) / "again"
        # --from-results runs the simulator of the build tree: this one.
        build = str(Path(ARGS.binary).resolve().parents[1])
        proc = tool(SCALING, "--from-results", self.out, "--predict-ranks",
                    ",".join(map(str, PREDICT_RANKS)), "--out", again,
                    env={"RANGEFARM_BUILD_DIR": build})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual((again / "prediction.csv").read_text(),
                         (self.out / "prediction.csv").read_text())

    def test_bad_predict_ranks(self):
        proc = tool(SCALING, "--from-results", self.out, "--predict-ranks", "1,x",
                    "--out", Path(self.tmp.name) / "bad")
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn("--predict-ranks", proc.stderr)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
