#!/usr/bin/env python3
"""scripts/bench.sh end to end on its two cheapest benchmarks
(`--quick --only dispatch,textbook`, a few seconds): it exits 0, writes its
results JSON with the expected figures (value, unit, direction, sizes), and
--save-baseline writes them as the baseline. Then the regression check, on
those results (--check, nothing run): an equal baseline passes, a baseline
50% better in every figure exits 1 and names every figure. Finally a second
real run against a baseline no machine can reach (1e12 chunks/s) exits 1,
and one with a bad --only exits 2. No timing is judged: the machine may be
busy.

  test_bench_smoke.py --build-dir build [unittest options]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH_SH = REPO / "scripts" / "bench.sh"
RUN_TIMEOUT_S = 300
FIGURES = {  # name: (unit, better)
    "dispatch_rate_2rank": ("chunks/s", "higher"),
    "textbook_over_trial": ("x", "higher"),
    "textbook_over_sieve": ("x", "higher"),
}
ARGS = None


def bench(*args):
    """Runs scripts/bench.sh with args; returns the CompletedProcess."""
    return subprocess.run(["bash", str(BENCH_SH), "--build", ARGS.build_dir, *map(str, args)],
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          env=dict(os.environ, PYTHON=sys.executable), check=False)


def better_by_half(figures):
    """A baseline whose every figure is 50% better than these."""
    out = {}
    for name, f in figures.items():
        v = f["value"] * 1.5 if f["better"] == "higher" else f["value"] / 1.5
        out[name] = {"value": v, "unit": f["unit"], "better": f["better"], "params": f["params"]}
    return {"figures": out}


class BenchSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="bench_smoke.")
        cls.dir = Path(cls.tmp.name)
        cls.results = cls.dir / "results.json"
        cls.baseline = cls.dir / "baseline.json"
        cls.first = bench("--quick", "--only", "dispatch,textbook", "--out", cls.results,
                          "--baseline", cls.baseline, "--save-baseline")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def output(self, proc):
        return f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n" \
               f"{proc.stderr[-3000:]}"

    def test_1_run_writes_the_figures(self):
        self.assertEqual(self.first.returncode, 0, self.output(self.first))
        doc = json.loads(self.results.read_text())
        self.assertTrue(doc["quick"])
        self.assertEqual(doc["benchmarks_run"], ["dispatch", "textbook"])
        self.assertEqual(sorted(doc["figures"]), sorted(FIGURES))
        for name, (unit, better) in FIGURES.items():
            f = doc["figures"][name]
            self.assertEqual((f["unit"], f["better"]), (unit, better), name)
            self.assertIsInstance(f["value"], float, name)
            self.assertGreater(f["value"], 0, name)
            self.assertEqual(f["params"]["ranks"], 2, name)
        self.assertEqual(doc["failed_runs"], [])
        self.assertEqual(doc["result_problems"], [])
        for name in ("dispatch", "textbook"):
            self.assertTrue(all(r["rc"] == 0 for c in doc["benchmarks"][name]["configs"]
                                for r in c["runs"]), name)
        for name in FIGURES:
            self.assertIn(name, self.first.stdout)

    def test_2_saved_baseline_holds_the_figures(self):
        self.assertEqual(self.first.returncode, 0, self.output(self.first))
        base = json.loads(self.baseline.read_text())["figures"]
        figures = json.loads(self.results.read_text())["figures"]
        self.assertEqual(sorted(base), sorted(FIGURES))
        for name, f in base.items():
            self.assertEqual({k: f[k] for k in ("value", "unit", "better", "params")},
                             {k: figures[name][k] for k in ("value", "unit", "better", "params")})

    def test_3_equal_baseline_passes(self):
        self.assertEqual(self.first.returncode, 0, self.output(self.first))
        proc = bench("--check", self.results, "--baseline", self.baseline)
        self.assertEqual(proc.returncode, 0, self.output(proc))
        self.assertIn("no regression", proc.stdout)

    def test_4_baseline_half_better_fails_naming_every_figure(self):
        self.assertEqual(self.first.returncode, 0, self.output(self.first))
        better = self.dir / "better.json"
        figures = json.loads(self.results.read_text())["figures"]
        better.write_text(json.dumps(better_by_half(figures)))
        proc = bench("--check", self.results, "--baseline", better)
        self.assertEqual(proc.returncode, 1, self.output(proc))
        last = [l for l in proc.stdout.splitlines() if l.startswith("REGRESSION")]
        self.assertEqual(len(last), 1, self.output(proc))
        for name in FIGURES:
            self.assertIn(name, last[0])
        self.assertIn(f"{len(FIGURES)} figures", last[0])

    def test_5_real_run_against_an_unreachable_baseline_fails(self):
        unit, better = FIGURES["dispatch_rate_2rank"]
        first = json.loads(self.results.read_text())["figures"]["dispatch_rate_2rank"]
        impossible = self.dir / "impossible.json"
        impossible.write_text(json.dumps({"figures": {"dispatch_rate_2rank": {
            "value": 1e12, "unit": unit, "better": better, "params": first["params"]}}}))
        out = self.dir / "second.json"
        proc = bench("--quick", "--only", "dispatch", "--out", out, "--baseline", impossible)
        self.assertEqual(proc.returncode, 1, self.output(proc))
        self.assertIn("REGRESSION: 1 figure", proc.stdout)
        doc = json.loads(out.read_text())
        self.assertEqual(doc["regression"]["regressed"], ["dispatch_rate_2rank"])

    def test_6_bad_only_exits_2(self):
        proc = bench("--quick", "--only", "nope")
        self.assertEqual(proc.returncode, 2, self.output(proc))
        self.assertIn("--only", proc.stderr)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True, help="the build folder (apps/rangefarm)")
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
