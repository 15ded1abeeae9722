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
import signal
import stat
import sys
import tempfile
import threading
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
                                  "chunk", "order"}, info)
                self.assertEqual(report["params"]["order"], "given", info)

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


class ReportTargetTest(unittest.TestCase):
    """--json and --output onto what is not a plain new file: a symbolic link
    keeps being a link (its target gets the report), a FIFO or a device is
    written in place and keeps its kind (as root, replacing /dev/null with a
    file would break the machine)."""

    ARGS = ["perfect", "--to", "10000", "--quiet"]

    def run_ok(self, args, cwd):
        proc = run_rangefarm(args, 2, cwd=cwd)
        info = describe(args, 2, proc)
        self.assertEqual(proc.returncode, 0, info)
        return info

    def test_symlink_is_followed(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-cli-") as tmp:
            os.mkdir(os.path.join(tmp, "reports"))
            target = os.path.join(tmp, "reports", "r.json")
            with open(target, "w", encoding="utf-8") as f:
                f.write("old\n")
            link = os.path.join(tmp, "latest.json")
            os.symlink(os.path.join("reports", "r.json"), link)
            info = self.run_ok(self.ARGS + ["--json", link], tmp)
            self.assertTrue(os.path.islink(link), info)
            with open(target, encoding="utf-8") as f:
                report = json.load(f)
            self.assertEqual(report["result"]["perfect_numbers"], PERFECT_TO_10000, info)
            self.assertEqual(sorted(os.listdir(tmp)), ["latest.json", "reports"], info)
            self.assertEqual(os.listdir(os.path.join(tmp, "reports")), ["r.json"], info)

    def test_dangling_symlink_creates_its_target(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-cli-") as tmp:
            link = os.path.join(tmp, "latest.json")
            os.symlink("r.json", link)
            info = self.run_ok(self.ARGS + ["--json", link], tmp)
            self.assertTrue(os.path.islink(link), info)
            with open(os.path.join(tmp, "r.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f)["workload"], "perfect", info)

    def test_link_to_the_journal_is_refused(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-cli-") as tmp:
            os.symlink("run.journal", os.path.join(tmp, "r.json"))
            args = self.ARGS + ["--json", "r.json", "--checkpoint", "run.journal"]
            proc = run_rangefarm(args, 2, cwd=tmp)
            info = describe(args, 2, proc)
            self.assertEqual(proc.returncode, 2, info)
            self.assertIn("--json and --checkpoint name the same file 'run.journal'", proc.stderr,
                          info)
            self.assertEqual(os.listdir(tmp), ["r.json"], info)

    def test_fifo_is_written_in_place(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-cli-") as tmp:
            fifo = os.path.join(tmp, "report.fifo")
            os.mkfifo(fifo)
            got = []

            def read_fifo():
                with open(fifo, encoding="utf-8") as f:
                    got.append(f.read())

            # The reader opens the FIFO before rangefarm's write can finish.
            reader = threading.Thread(target=read_fifo)
            reader.start()
            try:
                info = self.run_ok(self.ARGS + ["--json", fifo], tmp)
            finally:
                if reader.is_alive():  # rangefarm never opened it: unblock the reader
                    with open(fifo, "w", encoding="utf-8"):
                        pass
                reader.join(30)
            self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), info)
            self.assertEqual(json.loads(got[0])["result"]["perfect_numbers"], PERFECT_TO_10000, info)
            self.assertEqual(os.listdir(tmp), ["report.fifo"], info)

    def test_dev_null_stays_a_device(self):
        info = self.run_ok(self.ARGS + ["--json", "/dev/null"], None)
        self.assertTrue(stat.S_ISCHR(os.lstat("/dev/null").st_mode), info)
        self.assertFalse(os.path.exists("/dev/null.tmp"), info)

    def test_mersenne_output_through_symlink(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-cli-") as tmp:
            with open(os.path.join(tmp, "p.txt"), "w", encoding="utf-8") as f:
                f.write("old\n")
            os.symlink("p.txt", os.path.join(tmp, "out"))
            args = ["mersenne", "--to", "20", "--quiet", "--output", "out"]
            info = self.run_ok(args, tmp)
            self.assertTrue(os.path.islink(os.path.join(tmp, "out")), info)
            with open(os.path.join(tmp, "p.txt"), encoding="utf-8") as f:
                lines = f.read().splitlines()
            self.assertEqual([line.split(" = ")[1] for line in lines],
                             ["6", "28", "496", "8128", "33550336", "8589869056", "137438691328"],
                             info)


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

    def test_order_offered_only_where_it_works(self):
        # perfect and factorial refuse largest-first: their help must not
        # offer it (issue 23); mersenne and synthetic take both.
        for sub, both in (("perfect", False), ("factorial", False), ("mersenne", True),
                          ("synthetic", True)):
            with self.subTest(sub=sub):
                out, info = self.run_help([sub, "--help"])
                line = next(x for x in out.splitlines() if x.strip().startswith("--order"))
                self.assertEqual("given | largest-first" in line, both, line + info)
                if not both:
                    self.assertIn(f"the only one here ({sub} has no cost model", line, info)


class VersionTest(unittest.TestCase):
    """--version prints the version and the build facts and exits 0,
    wherever it stands: first, or after a subcommand and its options (issue
    17, item 7: it was refused there), the same text everywhere."""

    def test_version_anywhere(self):
        top = run_rangefarm(["--version"])
        self.assertEqual(top.returncode, 0, describe(["--version"], None, top))
        version = top.stdout
        self.assertRegex(version, r"^rangefarm \d+\.\d+\.\d+\S*\ncommit: ")
        for fact in ("build type:", "compiler:", "MPI:", "GMP:", "primesieve:"):
            self.assertIn("\n" + fact, version)
        for args in (["perfect", "--to", "1", "--version"], ["perfect", "--version"],
                     ["mersenne", "--to", "5", "--version"], ["factorial", "10", "--version"],
                     ["synthetic", "--version", "--tasks", "2"]):
            for launch, np in LAUNCHES:
                with self.subTest(args=args, launch=launch):
                    proc = run_rangefarm(args, np)
                    info = describe(args, np, proc)
                    self.assertEqual((proc.returncode, proc.stdout, proc.stderr),
                                     (0, version, ""), info)


class HeaderTest(unittest.TestCase):
    """The header line counts ranks in English: "1 rank", "2 ranks" (issue
    17, item 10: it said "1 ranks"); it comes at the start of the run, not
    at its end (issue 23), and every count in English ("1 task")."""

    def test_header_before_the_run_ends(self):
        # One task of 10 minutes: the header must come while it runs, and a
        # stop then ends the run (exit 75) after it. It was printed last,
        # with the results, so a stopped run never showed it.
        args = ["synthetic", "--tasks", "1", "--cost", "uniform", "--unit-ms", "600000"]
        want = ("rangefarm synthetic: 1 task, uniform cost, 600000 ms per unit, sleep; "
                "schedule dynamic (chunk 1, largest-first), {}\n")
        for launch, np in LAUNCHES:
            with self.subTest(launch=launch), cli_common.Launch(BINARY, MPIRUN, args, np) as run:
                header = want.format("1 rank" if np is None else f"{np} ranks")
                cli_common.poll_until("the header", lambda: run.output()[0].endswith("\n"),
                                      60, launch=run)
                self.assertTrue(run.running(), run.describe())
                self.assertEqual(run.output()[0], header, run.describe())
                # SIGTERM to the ranks, as Slurm sends it.
                pids = [run.proc.pid] if np is None else list(cli_common.poll_until(
                    "the ranks", lambda: len(run.ranks()) == np and run.ranks(), 60,
                    launch=run).values())
                for pid in pids:
                    os.kill(pid, signal.SIGTERM)
                proc = run.wait(60)
                info = describe(args, np, proc)
                self.assertEqual(proc.returncode, 75, info)
                self.assertEqual(proc.stdout, header, info)  # nothing after it

    def test_no_header_when_quiet_or_json(self):
        for extra in (["--quiet"], ["--json", "-"]):
            with self.subTest(extra=extra):
                proc = run_rangefarm(["perfect", "--to", "100"] + extra, 2)
                info = describe(extra, 2, proc)
                self.assertEqual(proc.returncode, 0, info)
                self.assertNotIn("rangefarm perfect:", proc.stdout, info)
                if extra[0] == "--json":
                    self.assertEqual(json.loads(proc.stdout)["workload"], "perfect", info)

    def test_counts_in_english(self):
        cases = [(["perfect", "--to", "1"], "wall ", ", 1 item computed"),
                 (["mersenne", "--to", "2"], "tested ",
                  "tested 1 exponent: 0 eliminated by trial factoring, 1 Lucas-Lehmer test"),
                 (["synthetic", "--tasks", "1", "--cost", "uniform", "--unit-ms", "0"],
                  "rangefarm synthetic:", "rangefarm synthetic: 1 task, "),
                 (["simulate", "--costs", "1", "--ranks", "1"], "rangefarm simulate:",
                  "rangefarm simulate: 1 item, ")]
        for args, start, want in cases:
            with self.subTest(args=args):
                proc = run_rangefarm(args)
                info = describe(args, None, proc)
                self.assertEqual(proc.returncode, 0, info)
                line = next(x for x in proc.stdout.splitlines() if x.startswith(start))
                self.assertIn(want, line, info)

    def test_order_a_static_schedule_ignores(self):
        # --order largest-first under a static schedule deals in given order:
        # the header says so (it silently said "given").
        base = ["mersenne", "--to", "20", "--schedule", "static-cyclic"]
        proc = run_rangefarm(base + ["--order", "largest-first"])
        info = describe(base, None, proc)
        self.assertEqual(proc.returncode, 0, info)
        self.assertIn("(chunk 1, given: --order largest-first has no effect on a static "
                      "schedule), 1 rank", proc.stdout.splitlines()[0], info)
        for extra in ([], ["--order", "given"]):
            proc = run_rangefarm(base + extra)
            self.assertIn("(chunk 1, given), 1 rank", proc.stdout.splitlines()[0], info)
        report = json.loads(run_rangefarm(base + ["--order", "largest-first", "--json", "-"])
                            .stdout)
        self.assertEqual(report["params"]["order"], "given")

    def test_factorial_params_order(self):
        proc = run_rangefarm(["factorial", "10", "--json", "-"])
        self.assertEqual(json.loads(proc.stdout)["params"]["order"], "given", proc.stderr)

    def test_rank_count_in_header(self):
        for args in (["perfect", "--to", "100"], ["mersenne", "--to", "100"],
                     ["factorial", "10"], ["synthetic", "--tasks", "4", "--cost", "uniform",
                                           "--unit-ms", "0"]):
            for launch, np in LAUNCHES:
                with self.subTest(args=args, launch=launch):
                    proc = run_rangefarm(args, np)
                    info = describe(args, np, proc)
                    self.assertEqual(proc.returncode, 0, info)
                    header = proc.stdout.splitlines()[0]
                    want = "1 rank" if np is None else f"{np} ranks"
                    self.assertTrue(header.endswith(", " + want), header + info)


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_cli.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
