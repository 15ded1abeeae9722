#!/usr/bin/env python3
"""Every script says how to use it, and no script fails in silence (issue
17, items 3 and 4).

* --help of every script in scripts/ and of the benchmark scripts the
  README names prints a usage on stdout and exits 0 (compare_schedules.py
  ended in a traceback); a bad argument gets one line on stderr and exit 2,
  before anything is installed, built or run.
* run.sh refuses more ranks than cores in one line saying why (it is a
  timing comparison); it exited 1 in silence, mpirun's "not enough slots"
  hidden by the quiet setting of scripts/mpi_env.sh.
* rf_mpirun (scripts/mpi_env.sh), how the scripts launch: a launcher
  failure (not enough slots, a binary that cannot start) is one clear line
  on stderr, rangefarm's own error stays its one line.

The scripts' own work (builds, runs, studies) is tested elsewhere; nothing
here builds or runs a study. About 10 s.

Usage: test_script_usage.py --binary PATH [unittest options]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = None

# Each script as it is run, relative to the repository root. Not here:
# cluster-local.sh and slurm-local.sh (their own tests, tests/cluster and
# tests/slurm), slurm_lib.sh (a library they source).
SCRIPTS = [
    ["bash", "scripts/run.sh"],
    ["bash", "scripts/setup.sh"],
    ["bash", "scripts/test.sh"],
    ["bash", "scripts/bench.sh"],
    ["bash", "scripts/mpi_env.sh"],
    [sys.executable, "scripts/compare_schedules.py"],
    [sys.executable, "scripts/scaling.py"],
    [sys.executable, "scripts/launch_error.py"],
    [sys.executable, "scripts/gantt.py"],
    [sys.executable, "bench/mersenne_compare.py"],
    [sys.executable, "bench/factorial_compare.py"],
    [sys.executable, "bench/checkpoint_overhead.py"],
    [sys.executable, "bench/trace_overhead.py"],
    [sys.executable, "bench/perfect_compare.py"],
    [sys.executable, "bench/bench_suite.py"],
]
TIMEOUT_S = 60


def run(cmd, env=None):
    full_env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    # Under ctest more ranks than cores are allowed; here they must not be.
    full_env.pop("OMPI_MCA_rmaps_base_oversubscribe", None)
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT_S, check=False)
    info = (f"\n  command: {' '.join(cmd)}\n  exit status: {proc.returncode}"
            f"\n  stdout: {proc.stdout[:1500]!r}\n  stderr: {proc.stderr[:1500]!r}")
    return proc, info


class UsageTest(unittest.TestCase):
    def test_help_prints_usage(self):
        for script in SCRIPTS:
            with self.subTest(script=script[1]):
                proc, info = run(script + ["--help"])
                self.assertEqual(proc.returncode, 0, info)
                self.assertIn("usage", proc.stdout.lower(), info)
                self.assertEqual(proc.stderr, "", info)

    def assert_one_line(self, proc, info, status=2, contains=""):
        self.assertEqual(proc.returncode, status, info)
        self.assertEqual(proc.stdout, "", info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want one stderr line" + info)
        self.assertIn(contains, lines[0], info)
        self.assertNotIn("Traceback", proc.stderr, info)

    def test_bad_argument_is_one_line(self):
        for script in SCRIPTS:
            with self.subTest(script=script[1]):
                proc, info = run(script + ["--no-such-option"])
                self.assert_one_line(proc, info, contains="--no-such-option"
                                     if "mpi_env" not in script[1] else "sourced")

    def test_run_sh_bad_values(self):
        cores = os.cpu_count()
        cases = [(["--ranks", str(cores + 1)], f"more than the {cores} cores here"),
                 (["--ranks", "0"], "--ranks: not a positive whole number"),
                 (["--to"], "--to needs a value")]
        for args, contains in cases:
            with self.subTest(args=args):
                proc, info = run(["bash", "scripts/run.sh"] + args)
                self.assert_one_line(proc, info, contains=contains)

    def test_compare_schedules_bad_files(self):
        cases = [([], "required: REPORT.json"),
                 (["/nonexistent/r.json"], "cannot read /nonexistent/r.json"),
                 (["README.md"], "README.md is not a rangefarm JSON report")]
        for args, contains in cases:
            with self.subTest(args=args):
                proc, info = run([sys.executable, "scripts/compare_schedules.py"] + args)
                self.assert_one_line(proc, info, contains=contains)


class InstalledScalingName(unittest.TestCase):
    """rangefarm-scaling, the installed wrapper of scaling.py, says
    rangefarm-scaling in its usage, examples and errors (issue 23: it said
    `usage: scaling.py` with `scripts/...` examples)."""

    def test_usage_and_errors_name_the_wrapper(self):
        template = os.path.join(ROOT, "cmake", "install", "rangefarm-scaling.in")
        with tempfile.TemporaryDirectory() as tmp:
            wrapper = os.path.join(tmp, "rangefarm-scaling")
            with open(template, encoding="utf-8") as f:
                text = f.read().replace("@RF_SCALING_FROM_BIN@",
                                        os.path.relpath(os.path.join(ROOT, "scripts"), tmp))
            with open(wrapper, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(wrapper, 0o755)
            proc, info = run([wrapper, "--help"])
            self.assertEqual(proc.returncode, 0, info)
            self.assertTrue(proc.stdout.startswith("usage: rangefarm-scaling "), info)
            self.assertIn("\n  rangefarm-scaling --workload ", proc.stdout, info)
            self.assertNotIn("scripts/scaling.py --", proc.stdout, info)
            self.assertNotIn("usage: scaling.py", proc.stdout, info)
            proc, info = run([wrapper, "--no-such-option"])
            self.assertEqual(proc.returncode, 2, info)
            self.assertTrue(proc.stderr.startswith("rangefarm-scaling: error: "), info)


class LaunchErrorTest(unittest.TestCase):
    """rf_mpirun ARGS: mpirun, and one line when it fails."""

    def rf_mpirun(self, args):
        script = 'source scripts/mpi_env.sh; rf_mpirun "$@"'
        return run(["bash", "-c", script, "rf_mpirun"] + args)

    def test_launcher_failures_are_one_clear_line(self):
        cases = [(["-np", str(os.cpu_count() + 3), "/bin/true"],
                  "mpirun failed (exit status 1): There are not enough slots available"),
                 (["-np", "1", "/nonexistent/rangefarm"],
                  "could not access or execute an executable: Executable: /nonexistent/rangefarm")]
        for args, contains in cases:
            with self.subTest(args=args):
                proc, info = self.rf_mpirun(args)
                self.assertNotEqual(proc.returncode, 0, info)
                lines = proc.stderr.splitlines()
                self.assertEqual(len(lines), 1, "want one stderr line" + info)
                self.assertIn(contains, lines[0], info)

    def test_rangefarm_error_stays_its_own_line(self):
        proc, info = self.rf_mpirun(["-np", "2", BINARY, "perfect", "--to", "0"])
        self.assertEqual(proc.returncode, 2, info)
        self.assertEqual(proc.stderr, "rangefarm: error: --to: must be at least 1, got '0'\n",
                         info)

    def test_success_passes_output_through(self):
        proc, info = self.rf_mpirun(["-np", "2", BINARY, "perfect", "--to", "30", "--quiet"])
        self.assertEqual((proc.returncode, proc.stderr), (0, ""), info)
        self.assertIn("perfect numbers: 6 28", proc.stdout, info)

    def test_silence_is_named(self):
        sys.path.insert(0, os.path.join(ROOT, "scripts"))
        from launch_error import one_line
        self.assertEqual(one_line("", 132), "mpirun failed (exit status 132): it printed nothing")


def main():
    global BINARY
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    opts, rest = ap.parse_known_args()
    BINARY = os.path.abspath(opts.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
