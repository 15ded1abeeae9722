#!/usr/bin/env python3
"""scripts/scaling.py end to end: a small strong and a small weak sweep of
the real binary (1 and 2 ranks, two schedules, sizes of milliseconds), the
tables, plots and report they write, --from-results on the reports they
saved (the same CSVs byte for byte) and on the committed reports in data/
(a 3-rank one oversubscribed with --cores 2), --ci-target (repeats until
the 95% interval of each median is within the target, or --max-runs),
the intervals, the Amdahl fit and the chunk-cost table on crafted reports,
and bad arguments. Timings are only checked for sanity: the machine may be
busy.

  test_scaling.py --binary build/apps/rangefarm [unittest options]
"""
import argparse
import csv
import json
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "scaling.py"
DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(REPO / "scripts"))
import median_ci  # noqa: E402
from scaling_study import amdahl, weak  # noqa: E402
from scaling_study.errors import UsageError  # noqa: E402
from scaling_study.numbers import parse_count  # noqa: E402
from scaling_study.workload import Workload  # noqa: E402

ARGS = None
TMP = None
RUN_TIMEOUT_S = 300
RUN_COLUMNS = ["file", "workload", "mode", "size", "params", "schedule", "chunk", "order",
               "ranks", "host", "wall_s", "imbalance", "busy_mean_s", "wait_mean_s",
               "items_total", "oversubscribed", "version"]
SUMMARY_COLUMNS = ["workload", "mode", "size", "params", "schedule", "chunk", "order", "ranks",
                   "runs", "wall_median_s", "wall_min_s", "wall_max_s", "base_ranks", "speedup",
                   "efficiency", "karp_flatt", "imbalance", "oversubscribed", "hosts",
                   "wall_ci_low_s", "wall_ci_high_s", "ci_coverage", "speedup_ci_low",
                   "speedup_ci_high", "amdahl_speedup"]
PLOTS = ["speedup.png", "efficiency.png", "karp_flatt.png"]
# --oversubscribe: 2 ranks run on a 1-core machine too (and are marked so).
SWEEP = ["--ranks", "1,2", "--schedules", "static-block,dynamic", "--oversubscribe"]


def scaling(*args, env=None):
    """Runs scripts/scaling.py with args; returns the CompletedProcess."""
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          env=dict(os.environ, **(env or {})), check=False)


def sweep(*args):
    proc = scaling("--binary", ARGS.binary, *args)
    assert proc.returncode == 0, f"scaling.py {' '.join(args)} failed:\n{proc.stderr}"
    return proc


def read_csv(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def png_size(path):
    """(width, height) of a PNG, from its IHDR chunk; AssertionError if no PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: no PNG signature"
    assert data[12:16] == b"IHDR", f"{path}: no IHDR chunk first"
    return struct.unpack(">II", data[16:24])


def close(a, b, rel=1e-4, abs_=1e-5):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


class Checks:
    """Checks shared by the strong and the weak sweep."""

    def check_columns(self, out):
        head, _ = read_csv(out / "runs.csv")
        self.assertEqual(head, RUN_COLUMNS)
        head, rows = read_csv(out / "summary.csv")
        self.assertEqual(head, SUMMARY_COLUMNS)
        return rows

    def check_numbers(self, out, rows, mode):
        cores = json.loads((out / "machine.json").read_text())["cores"]
        for row in rows:
            p = int(row["ranks"])
            t, lo, hi = (float(row[k]) for k in ("wall_median_s", "wall_min_s", "wall_max_s"))
            s, e = float(row["speedup"]), float(row["efficiency"])
            self.assertEqual(row["mode"], mode)
            self.assertTrue(0 < lo <= t <= hi, row)
            self.assertTrue(s > 0, row)
            self.assertTrue(close(e, s / p), row)
            self.assertEqual(row["base_ranks"], "1")
            self.assertEqual(row["oversubscribed"], "yes" if p > cores else "no")
            if p == 1:
                self.assertEqual(float(row["speedup"]), 1.0)
                self.assertEqual(row["karp_flatt"], "")
            else:
                kf = (1 / s - 1 / p) / (1 - 1 / p)
                self.assertTrue(close(float(row["karp_flatt"]), kf), row)

    def check_medians(self, out, summary):
        """Each point's median, min and max are those of its runs in runs.csv,
        and so is its 95% interval: x(k) and x(n+1-k) of the sorted runs,
        none for fewer than 6."""
        _, runs = read_csv(out / "runs.csv")
        keys = ("workload", "size", "params", "schedule", "chunk", "order", "ranks")
        for row in summary:
            walls = [float(r["wall_s"]) for r in runs if all(r[k] == row[k] for k in keys)]
            self.assertEqual(len(walls), int(row["runs"]), row)
            self.assertTrue(close(float(row["wall_median_s"]), statistics.median(walls)), row)
            self.assertTrue(close(float(row["wall_min_s"]), min(walls)), row)
            self.assertTrue(close(float(row["wall_max_s"]), max(walls)), row)
            if len(walls) < 6:
                self.assertEqual((row["wall_ci_low_s"], row["wall_ci_high_s"]), ("", ""), row)
                continue
            k, coverage = median_ci.order_index(len(walls))
            walls.sort()
            self.assertTrue(close(float(row["wall_ci_low_s"]), walls[k - 1]), row)
            self.assertTrue(close(float(row["wall_ci_high_s"]), walls[-k]), row)
            self.assertTrue(close(float(row["ci_coverage"]), coverage), row)

    def check_plots_and_report(self, out, workloads):
        report = (out / "report.md").read_text()
        busy = sorted(p.name for p in out.glob("busy_wait-*.png"))
        self.assertEqual(len(busy), len(workloads), busy)
        for name in PLOTS + busy:
            width, height = png_size(out / name)
            self.assertGreater(width, 300, name)
            self.assertGreater(height, 300, name)
            self.assertGreater((out / name).stat().st_size, 5000, name)
            self.assertIn(f"]({name})", report)
        for w in workloads:
            self.assertRegex(report, rf"The best schedule for {w}\b.* at \d+ ranks.* is \*\*")
        self.assertIn("| workload | size |", report)

    def check_same_tables(self, out, *extra):
        for source in (out, out / "json"):
            again = TMP / f"again-{out.name}-{source.name}"
            proc = scaling("--from-results", source, "--out", again, *extra)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            for name in ("runs.csv", "summary.csv"):
                self.assertEqual((again / name).read_bytes(), (out / name).read_bytes(), name)


class StrongSweep(unittest.TestCase, Checks):
    @classmethod
    def setUpClass(cls):
        cls.out = TMP / "strong"
        cls.proc = sweep("--workload", "perfect --to 1e6", "--workload", "factorial 100000",
                         *SWEEP, "--chunks", "default,1e5", "--repeats", "2", "--out", cls.out)

    def test_tables(self):
        rows = self.check_columns(self.out)
        # 2 workloads x 2 rank counts x 2 schedules x 2 chunks, 2 runs each.
        self.assertEqual(len(rows), 16)
        self.assertTrue(all(r["runs"] == "2" for r in rows))
        self.assertEqual({r["workload"] for r in rows}, {"perfect", "factorial"})
        self.assertEqual({r["size"] for r in rows}, {"to=1000000", "ns=100000"})
        # 'default' is the workload's own chunk, as its report gives it.
        self.assertEqual({r["chunk"] for r in rows if r["workload"] == "perfect"},
                         {"10000000", "100000"})
        self.check_numbers(self.out, rows, "strong")
        self.check_medians(self.out, rows)

    def test_saved_reports_and_machine(self):
        names = sorted(p.name for p in (self.out / "json").glob("*.json"))
        self.assertEqual(len(names), 32)
        self.assertIn("w1-perfect-to1e6-r2-dynamic-c100000-rep2.json", names)
        machine = json.loads((self.out / "machine.json").read_text())
        self.assertGreaterEqual(machine["cores"], 1)

    def test_plots_and_report(self):
        self.check_plots_and_report(self.out, ["perfect", "factorial"])

    def test_progress_on_stderr(self):
        self.assertIn("run 32 of 32 (point 16 of 16, repeat 2 of 2)", self.proc.stderr)

    def test_from_results_same_tables(self):
        self.check_same_tables(self.out)


class WeakSweep(unittest.TestCase, Checks):
    @classmethod
    def setUpClass(cls):
        cls.out = TMP / "weak"
        sweep("--mode", "weak", "--workload", "perfect --to 1e6", "--workload",
              "factorial 200000", *SWEEP, "--repeats", "1", "--out", cls.out)

    def test_tables(self):
        rows = self.check_columns(self.out)
        self.assertEqual(len(rows), 8)
        self.check_numbers(self.out, rows, "weak")
        self.check_medians(self.out, rows)
        perfect = {(r["schedule"], r["ranks"]): r for r in rows if r["workload"] == "perfect"}
        self.assertEqual(perfect["dynamic", "1"]["size"], "to=1000000")
        self.assertEqual(perfect["dynamic", "2"]["size"], "to=2000000")
        for schedule in ("static-block", "dynamic"):
            t1 = float(perfect[schedule, "1"]["wall_median_s"])
            t2 = float(perfect[schedule, "2"]["wall_median_s"])
            self.assertTrue(close(float(perfect[schedule, "2"]["efficiency"]), t1 / t2))
            self.assertTrue(close(float(perfect[schedule, "2"]["speedup"]), 2 * t1 / t2))

    def test_calibration(self):
        """factorial grows by measured one-rank times, not by N x ranks."""
        (cal,) = json.loads((self.out / "calibration.json").read_text())
        self.assertEqual(cal["workload"], "factorial 200000")
        self.assertEqual([s["size"] for s in cal["samples"]], [50000, 100000, 200000, 400000])
        self.assertGreater(cal["b"], 0)
        sizes = {s["ranks"]: s["size"] for s in cal["sizes"]}
        self.assertEqual(sizes[1], 200000)
        self.assertEqual(sizes[2], round(200000 * 2 ** (1 / cal["b"])))
        _, rows = read_csv(self.out / "summary.csv")
        grown = {r["size"] for r in rows if r["workload"] == "factorial" and r["ranks"] == "2"}
        self.assertEqual(grown, {f"ns={sizes[2]}"})
        self.assertIn("How the weak-scaling sizes were chosen",
                      (self.out / "report.md").read_text())

    def test_plots_and_report(self):
        self.check_plots_and_report(self.out, ["perfect", "factorial"])

    def test_from_results_same_tables(self):
        self.check_same_tables(self.out, "--mode", "weak")


class CommittedReports(unittest.TestCase):
    """data/: perfect --to 2e6 --chunk 250000 at 1, 2 and 3 ranks (3 on a
    2-core machine), static-block and dynamic, dynamic at 2 ranks twice;
    written by the real binary, named as slurm/scaling-array.sbatch names them."""

    def study(self, source, *extra):
        out = Path(tempfile.mkdtemp(dir=TMP))
        proc = scaling("--from-results", source, "--out", out, *extra)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out, read_csv(out / "summary.csv")[1]

    @staticmethod
    def wall(name):
        return json.loads((DATA / name).read_text())["timing"]["wall_s"]

    def test_expected_table(self):
        out, rows = self.study(DATA, "--cores", "2")
        got = [(r["schedule"], r["ranks"], r["runs"], r["oversubscribed"]) for r in rows]
        self.assertEqual(got, [("static-block", "1", "1", "no"), ("static-block", "2", "1", "no"),
                               ("static-block", "3", "1", "yes"), ("dynamic", "1", "1", "no"),
                               ("dynamic", "2", "2", "no"), ("dynamic", "3", "1", "yes")])
        self.assertTrue(all(r["size"] == "to=2000000" and r["params"] == "from=1 method=sieve"
                            and r["chunk"] == "250000" for r in rows))
        by = {(r["schedule"], r["ranks"]): r for r in rows}
        t1 = self.wall("r1-dynamic-rep1.json")
        t2 = statistics.median([self.wall("r2-dynamic-rep1.json"),
                                self.wall("r2-dynamic-rep2.json")])
        self.assertTrue(close(float(by["dynamic", "2"]["wall_median_s"]), t2))
        self.assertTrue(close(float(by["dynamic", "2"]["speedup"]), t1 / t2))
        t3 = self.wall("r3-static-block-rep1.json")
        s3 = self.wall("r1-static-block-rep1.json") / t3
        self.assertTrue(close(float(by["static-block", "3"]["speedup"]), s3))
        self.assertTrue(close(float(by["static-block", "3"]["karp_flatt"]),
                              (1 / s3 - 1 / 3) / (1 - 1 / 3)))
        _, runs = read_csv(out / "runs.csv")
        self.assertEqual(len(runs), 7)
        self.assertEqual({r["file"] for r in runs if r["oversubscribed"] == "yes"},
                         {"r3-dynamic-rep1.json", "r3-static-block-rep1.json"})
        report = (out / "report.md").read_text()
        self.assertIn("cores as given by --cores", report)
        # The best schedule is judged at 2 ranks, the largest not oversubscribed.
        self.assertRegex(report, r"The best schedule for perfect to=2000000 .* at 2 ranks is")

    def test_cores_unknown(self):
        out, rows = self.study(DATA)
        self.assertTrue(all(r["oversubscribed"] == "no" for r in rows))
        self.assertIn("are not known", (out / "report.md").read_text())

    def test_machine_file_beside_reports(self):
        folder = Path(tempfile.mkdtemp(dir=TMP))
        for f in DATA.glob("*.json"):
            shutil.copy(f, folder)
        host = json.loads((DATA / "r1-dynamic-rep1.json").read_text())["host"]
        (folder / f"machine-{host}.json").write_text(json.dumps({"host": host, "cores": 2}))
        _, rows = self.study(folder)
        self.assertEqual([r["oversubscribed"] for r in rows if r["ranks"] == "3"], ["yes"] * 2)

    def test_no_one_rank_run(self):
        folder = Path(tempfile.mkdtemp(dir=TMP))
        for f in DATA.glob("r[23]-*.json"):
            shutil.copy(f, folder)
        out, rows = self.study(folder, "--cores", "2")
        base = [r for r in rows if r["ranks"] == "2"]
        self.assertTrue(all(r["base_ranks"] == "2" and float(r["speedup"]) == 2.0 for r in base))
        self.assertIn("no 1-rank run", (out / "report.md").read_text())

    def test_results_must_agree(self):
        folder = Path(tempfile.mkdtemp(dir=TMP))
        for f in DATA.glob("*.json"):
            shutil.copy(f, folder)
        report = json.loads((folder / "r2-dynamic-rep1.json").read_text())
        report["result"]["counts"]["perfect"] = 5
        (folder / "r2-dynamic-rep1.json").write_text(json.dumps(report))
        proc = scaling("--from-results", folder, "--out", TMP / "differ")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("results differ", proc.stderr)
        self.assertIn("r2-dynamic-rep1.json", proc.stderr)


def crafted(folder, chunk, ranks, wall, chunks, rep=1, items=2000000):
    """A report of perfect --to 2e6 (from data/) with the given chunk, ranks,
    wall time and chunks processed (spread over the ranks), in folder."""
    report = json.loads((DATA / "r2-dynamic-rep1.json").read_text())
    report["params"]["chunk"] = chunk
    report["ranks"] = ranks
    report["timing"]["wall_s"] = wall
    report["timing"]["ranks"] = [
        {"rank": r, "busy_s": wall, "wait_s": 0.0, "items": items // ranks,
         "chunks": chunks // ranks + (r < chunks % ranks)} for r in range(ranks)]
    name = f"r{ranks}-c{chunk}-rep{rep}.json"
    (folder / name).write_text(json.dumps(report))


class CraftedStudies(unittest.TestCase):
    """--from-results on reports whose times are chosen, so that every
    figure derived from them is known."""

    def study(self, folder):
        out = Path(tempfile.mkdtemp(dir=TMP))
        proc = scaling("--from-results", folder, "--out", out, "--cores", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out, read_csv(out / "summary.csv")[1], (out / "report.md").read_text()

    def test_chunk_sweep_separates_kernel_and_farm(self):
        """Per-item rate 1 s / 2e6 items at chunk 2e6 (1 chunk, 1 s); chunk
        2e5 costs 1.1 s in 10 chunks, chunk 2e4 2.0 s in 100: 0.01 s of
        kernel set-up per chunk either way. At 2 ranks (0.6, 0.65, 1.2 s)
        the kernel loses (T1(K) - 1) / 2 and the farm T2(K) - T1(K) / 2."""
        folder = Path(tempfile.mkdtemp(dir=TMP))
        for chunk, chunks, t1, t2 in ((2000000, 1, 1.0, 0.6), (200000, 10, 1.1, 0.65),
                                      (20000, 100, 2.0, 1.2)):
            crafted(folder, chunk, 1, t1, chunks)
            crafted(folder, chunk, 2, t2, chunks)
        _, _, report = self.study(folder)
        self.assertIn("## Chunk size: the kernel's cost apart from the farm's", report)
        self.assertIn("Per-item rate at chunk 2000000: 500 ns per item.", report)
        self.assertIn("| 2000000 | 1 | 1 | 0 | 0.0% | 2 | 0.6 | 0.5 | 0 | 0.1 |", report)
        self.assertIn("| 200000 | 10 | 1.1 | 1e+04 | 9.1% | 2 | 0.65 | 0.5 | 0.05 | 0.1 |", report)
        self.assertIn("| 20000 | 100 | 2 | 1e+04 | 50.0% | 2 | 1.2 | 0.5 | 0.5 | 0.2 |", report)

    def test_no_chunk_sweep_no_section(self):
        _, _, report = self.study(DATA)
        self.assertNotIn("kernel's cost apart", report)

    def test_intervals_baseline_and_amdahl(self):
        """Seven runs a point: the interval is [x(1), x(7)]; the speedup's
        divides the ends of both. Speedups 1.8 at 2 ranks fit Amdahl's
        f = 2/1.8 - 1 exactly."""
        folder = Path(tempfile.mkdtemp(dir=TMP))
        ones = [1.00, 0.99, 1.01, 1.02, 0.98, 1.00, 1.005]
        twos = [w / 1.8 for w in (1.00, 0.995, 1.0, 1.01, 0.99, 1.02, 1.0)]
        for rep, (w1, w2) in enumerate(zip(ones, twos), 1):
            crafted(folder, 250000, 1, w1, 8, rep)
            crafted(folder, 250000, 2, w2, 8, rep)
        _, rows, report = self.study(folder)
        one, two = rows
        self.assertEqual((float(one["wall_ci_low_s"]), float(one["wall_ci_high_s"])),
                         (0.98, 1.02))
        self.assertTrue(close(float(one["ci_coverage"]), 1 - 2 / 2 ** 7))
        self.assertEqual((one["speedup_ci_low"], one["speedup_ci_high"]), ("", ""))
        self.assertTrue(close(float(two["speedup"]), 1.8))
        self.assertTrue(close(float(two["speedup_ci_low"]), 0.98 / (1.02 / 1.8)))
        self.assertTrue(close(float(two["speedup_ci_high"]), 1.02 / (0.99 / 1.8)))
        self.assertTrue(close(float(two["amdahl_speedup"]), 1.8))
        self.assertIn("| perfect to=2000000 (from=1 method=sieve) | dynamic, chunk 250000 | 1 "
                      "| 7 | 1 | 0.98 to 1.02 | 0.98 | 1.02 |", report)
        f = 2 / 1.8 - 1
        self.assertIn(f"| dynamic, chunk 250000 | {f:.4f} | {1 / f:.3g} | 2 | 1.8 | 1.8 | 2 |",
                      report)
        self.assertIn("order-statistics intervals (the binomial, or sign-test, interval", report)


class CiTarget(unittest.TestCase):
    """--ci-target on a live sweep of one point: a target no run can miss
    stops at the 6 runs an interval needs; one no run can meet stops at
    --max-runs and says so."""

    def sweep(self, target, max_runs, name):
        out = TMP / name
        proc = sweep("--workload", "perfect --to 1e5", "--ranks", "1", "--schedules", "dynamic",
                     "--repeats", "2", "--ci-target", target, "--max-runs", max_runs,
                     "--out", out)
        return out, read_csv(out / "summary.csv")[1], proc

    def test_stops_when_within(self):
        out, (row,), proc = self.sweep("1000", "9", "ci-wide")
        self.assertEqual(row["runs"], "6")
        self.assertNotEqual(row["wall_ci_low_s"], "")
        self.assertIn("1 of 1 points got there", (out / "report.md").read_text())
        self.assertIn("run 6 (point 1 of 1, repeat 6, until its interval is within +-100000.0%)",
                      proc.stderr)

    def test_stops_at_the_cap(self):
        out, (row,), proc = self.sweep("1e-12", "7", "ci-narrow")
        self.assertEqual(row["runs"], "7")
        report = (out / "report.md").read_text()
        self.assertIn("0 of 1 points got there", report)
        self.assertIn("Stopped at --max-runs 7 short of the target", report)
        self.assertIn("Stopped at --max-runs 7", proc.stderr)


class BadArguments(unittest.TestCase):
    CASES = [
        ["--ranks", "1,x"],
        ["--ranks", "0"],
        ["--ranks", "1,,2"],
        ["--schedules", "static-block,fastest"],
        ["--chunks", "0"],
        ["--chunks", "1.5e0"],
        ["--chunks", "2.55e1"],
        ["--ci-target", "0"],
        ["--ci-target", "x"],
        ["--ci-target", "-3%"],
        ["--max-runs", "8"],
        ["--ci-target", "0.03", "--max-runs", "5"],
        ["--ci-target", "0.03", "--repeats", "9", "--max-runs", "8"],
        ["--from-results", str(DATA), "--ci-target", "0.03"],
        ["--repeats", "0"],
        ["--repeats", "two"],
        ["--mode", "medium"],
        ["--timeout", "0"],
        ["--unknown-option"],
        ["--workload", ""],
        ["--workload", "--to 1e6"],
        ["--workload", "perfect --to 1e6 --schedule dynamic"],
        ["--workload", "perfect --to 1e6 --json x.json"],
        ["--workload", "perfect 'unclosed"],
        ["--mode", "weak", "--workload", "perfect"],
        ["--mode", "weak", "--workload", "factorial 10 20"],
        ["--mode", "weak", "--workload", "wonder --size 5"],
        ["--binary", "/nonexistent/rangefarm"],
        ["--from-results", "/nonexistent/folder"],
        ["--from-results", str(DATA), "--ranks", "1,2"],
        ["--from-results", str(DATA), "--repeats", "3"],
        ["--cores", "2"],
        ["--from-results", str(DATA), "--cores", "0"],
        ["--from-results", str(DATA), "--mode", "weak", "--binary", "/bin/true"],
    ]

    def test_one_line_and_status_2(self):
        for case in self.CASES:
            with self.subTest(case=case):
                out = TMP / "bad"
                live = not {"--binary", "--from-results"} & set(case)
                args = ["--binary", ARGS.binary, *case] if live else case
                proc = scaling(*args, "--out", out)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(proc.stdout, "")
                lines = proc.stderr.splitlines()
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertTrue(lines[0].startswith("scaling.py: error: "), lines[0])
                self.assertFalse(out.exists())

    def test_out_is_required(self):
        proc = scaling("--binary", ARGS.binary)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr, "scaling.py: error: --out DIR is required\n")

    def test_a_failed_run_names_its_command(self):
        proc = scaling("--binary", ARGS.binary, "--workload", "perfect --from 9 --to 5",
                       "--ranks", "1", "--schedules", "dynamic", "--repeats", "1",
                       "--out", TMP / "failed")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("run failed with status 2: mpirun -np 1 ", proc.stderr)
        self.assertIn("perfect --from 9 --to 5 --schedule dynamic", proc.stderr)
        self.assertIn("rangefarm: error:", proc.stderr)

    def test_no_matplotlib(self):
        """A Python without matplotlib (and no other to turn to): one line
        naming the Debian package, status 2."""
        fake = TMP / "no-matplotlib"
        (fake / "matplotlib").mkdir(parents=True, exist_ok=True)
        (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('hidden')\n")
        proc = scaling("--help", env={"PYTHONPATH": str(fake), "RANGEFARM_SCALING_REEXEC": "1"})
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn("python3-matplotlib", proc.stderr)


class Pieces(unittest.TestCase):
    def test_amdahl_fit(self):
        f = 0.05
        samples = [(p, amdahl.amdahl(f, p)) for p in (1, 2, 4, 8, 16)]
        self.assertAlmostEqual(amdahl.fit_serial_fraction(samples), f, places=6)
        self.assertEqual(amdahl.fit_serial_fraction([(2, 2.3), (4, 4.5)]), 0.0)  # super-linear
        self.assertIsNone(amdahl.fit_serial_fraction([(1, 1.0)]))
        # Least squares on S: no f near the fit does better on noisy speedups.
        noisy = [(2, 1.9), (3, 2.6), (4, 3.1), (6, 4.5)]
        fit = amdahl.fit_serial_fraction(noisy)

        def sse(x):
            return sum((s - amdahl.amdahl(x, p)) ** 2 for p, s in noisy)
        for other in (fit - 1e-4, fit + 1e-4, fit - 0.01, fit + 0.01):
            self.assertLess(sse(fit), sse(other))
        self.assertEqual(amdahl.limit(0.0), math.inf)
        self.assertAlmostEqual(amdahl.limit(0.04), 25)

    def test_numbers_as_rangefarm_reads_them(self):
        """The same forms as src/rangefarm/numbers.cpp (tests/unit/numbers_test.cpp)."""
        for text, want in [("1e9", 10 ** 9), ("2.5e6", 2500000), ("10.5e9", 10500000000),
                           ("1.05e10", 10500000000), ("1e+3", 1000), ("2500e-2", 25),
                           ("9007199254740993", 9007199254740993), (".5e1", 5), ("1.", 1),
                           ("1.8446744073709551615e19", 2 ** 64 - 1), ("0e99999999999", 0)]:
            self.assertEqual(parse_count(text), want, text)
        for text, why in [("2.55e1", "'2.55e1' is not a whole number: 2.55e1 = 25.5"),
                          ("1.5e0", "'1.5e0' is not a whole number: 1.5e0 = 1.5"),
                          ("1.5", "'1.5' is not a whole number"),
                          ("1e-3", "'1e-3' is not a whole number: 1e-3 = 0.001"),
                          ("1e20", "'1e20' is too large (the limit is 2^64 - 1)"),
                          ("1.8446744073709551616e19", "is too large"),
                          ("-5", "'-5' is negative"), ("+5", "is not an integer"),
                          ("abc", "is not an integer"), (".", "is not an integer"),
                          ("1e3.5", "is not an integer")]:
            with self.assertRaises(UsageError, msg=text) as caught:
                parse_count(text)
            self.assertIn(why, str(caught.exception))

    def test_power_law_fit(self):
        samples = [(n, 3e-9 * n ** 1.5) for n in (1000, 2000, 4000, 8000)]
        a, b = weak.fit_power_law(samples)
        self.assertAlmostEqual(b, 1.5)
        self.assertAlmostEqual(a / 3e-9, 1.0)

    def test_weak_growth(self):
        perfect = weak.growth_of(Workload.parse("perfect --from 1e6 --to 2e6"))
        self.assertEqual(weak.proportional_sizes(perfect, [1, 2, 4]),
                         {1: 2000000, 2: 3000001, 4: 5000003})
        synthetic = weak.growth_of(Workload.parse("synthetic --tasks 200 --cost random"))
        self.assertEqual(weak.proportional_sizes(synthetic, [1, 3]), {1: 200, 3: 600})
        self.assertEqual(synthetic.at(600).text(), "synthetic --tasks 600 --cost random")
        factorial = weak.growth_of(Workload.parse("factorial --quiet 1e5 --output f.txt"))
        self.assertEqual(factorial.at(7).text(), "factorial --quiet 7 --output f.txt")


def main():
    global ARGS, TMP
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ARGS, rest = ap.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="test_scaling.") as tmp:
        TMP = Path(tmp)
        unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
