#!/usr/bin/env python3
"""End-to-end tests of `rangefarm factorial`.

Drives the built binary as an MPI singleton and under ``mpirun -q``: good
runs must give the known sizes of n!, the digits Python's math.factorial
has, and with --output the very file GMP's mpz_fac_ui/mpz_get_str reference
(gmp_factorial) writes; a corrupted result must be refused with exit status
3. Bad input (too big for memory included) is test_bad_input.py's.

Usage: test_factorial_cli.py --binary PATH --gmp-reference PATH
                             [--mpirun PATH] [unittest options]
"""

import filecmp
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402
from cli_common import RUN_TIMEOUT_S  # noqa: E402

BINARY = None
GMP_REFERENCE = None
MPIRUN = None

SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")

LAUNCHES = cli_common.LAUNCHES

# A result row of the human summary: n, digits, bits, zeros.
ROW = re.compile(r"^\s*\d+\s+\d+\s+\d+\s+\d+\s")

# 10^6! and 10^5!: decimal digits, trailing zeros, bits, first digits
# (10^6! = 8.2639316883... * 10^5565708).
MILLION = {"n": 1000000, "digits": 5565709, "trailing_zeros": 249998,
           "bits": 18488885, "leading_prefix": "826393168833"}
HUNDRED_THOUSAND = {"n": 100000, "digits": 456574, "trailing_zeros": 24999,
                    "bits": 1516705, "leading_prefix": "282422940796"}


def run_rangefarm(args, np=None, cwd=None, env=None):
    """Runs the binary (directly, or under mpirun -q -np NP); the corruption
    switch RANGEFARM_TEST_FLIP_LIMB only where env sets it."""
    return cli_common.run(BINARY, MPIRUN, args, np, cwd, env,
                          unset=("RANGEFARM_TEST_FLIP_LIMB",))


def describe(args, np, proc):
    return cli_common.describe(args, np, proc, stdout_limit=2000)


def reference_summary(n):
    """What the JSON result of n! must say, from Python's math.factorial."""
    x = math.factorial(n)
    digits = max(1, int(x.bit_length() * math.log10(2)))
    while x >= 10 ** digits:
        digits += 1
    while digits > 1 and x < 10 ** (digits - 1):
        digits -= 1
    leading = str(x // 10 ** max(0, digits - 20))
    zeros = 0
    step = 1
    # Trailing zeros by doubling steps of powers of ten, then halving.
    while x % 10 ** (zeros + step) == 0:
        zeros += step
        step *= 2
    while step > 0:
        if x % 10 ** (zeros + step) == 0:
            zeros += step
        step //= 2
    kept = x // 10 ** zeros
    width = min(20, digits - zeros)
    last = str(kept % 10 ** width).rjust(width, "0")
    return {"n": n, "digits": digits, "bits": x.bit_length(),
            "trailing_zeros": zeros, "leading_digits": leading,
            "last_nonzero_digits": last, "check": "ok"}


class FactorialRunTest(unittest.TestCase):
    """Good runs, checked through the JSON report and --output."""

    def run_json(self, args, np, env=None):
        """Runs with --json - and returns the single JSON object on stdout."""
        args = list(args) + ["--json", "-"]
        proc = run_rangefarm(args, np, env=env)
        report, info = cli_common.json_report(self, proc, args, np, "factorial")
        for row in report["result"]:
            self.assertEqual(row["check"], "ok", info)
        return report, info

    def assert_known(self, row, known, info):
        self.assertEqual(row["n"], known["n"], info)
        self.assertEqual(row["digits"], known["digits"], info)
        self.assertEqual(row["trailing_zeros"], known["trailing_zeros"], info)
        self.assertEqual(row["bits"], known["bits"], info)
        self.assertTrue(row["leading_digits"].startswith(
            known["leading_prefix"]), info)
        self.assertEqual(len(row["leading_digits"]), 20, info)
        self.assertEqual(len(row["last_nonzero_digits"]), 20, info)
        self.assertNotEqual(row["last_nonzero_digits"][-1], "0", info)

    def test_million_np1_and_np2(self):
        for np in (None, 2):
            with self.subTest(np=np):
                report, info = self.run_json(["factorial", "1e6"], np)
                self.assertEqual(len(report["result"]), 1, info)
                self.assert_known(report["result"][0], MILLION, info)

    def test_hundred_thousand_np1_and_np2(self):
        want = reference_summary(100000)
        for np in (1, 2):
            with self.subTest(np=np):
                report, info = self.run_json(["factorial", "100000"], np)
                self.assertEqual(len(report["result"]), 1, info)
                self.assert_known(report["result"][0], HUNDRED_THOUSAND, info)
                self.assertEqual(report["result"][0], want, info)

    def test_zero_and_one(self):
        report, info = self.run_json(["factorial", "0", "1"], 2)
        self.assertEqual(report["result"], [
            {"n": 0, "digits": 1, "bits": 1, "trailing_zeros": 0,
             "leading_digits": "1", "last_nonzero_digits": "1",
             "check": "ok"},
            {"n": 1, "digits": 1, "bits": 1, "trailing_zeros": 0,
             "leading_digits": "1", "last_nonzero_digits": "1",
             "check": "ok"}], info)

    def test_matches_python_math_factorial(self):
        ns = [2, 3, 4, 5, 7, 10, 20, 21, 24, 25, 100, 1000, 1500, 5263, 5310,
              7854, 20000, 100000]
        want = [reference_summary(n) for n in ns]
        for np in (2, 3):
            with self.subTest(np=np):
                report, info = self.run_json(
                    ["factorial"] + [str(n) for n in ns], np)
                self.assertEqual(report["result"], want, info)

    def test_batch_keeps_command_line_order(self):
        for order in (["5310", "5263", "7854"], ["7854", "5310", "5263"],
                      ["5263", "7854", "5310", "7854"]):
            for np in (1, 3):
                with self.subTest(order=order, np=np):
                    report, info = self.run_json(["factorial"] + order, np)
                    self.assertEqual([r["n"] for r in report["result"]],
                                     [int(n) for n in order], info)
                    self.assertEqual(report["params"]["ns"],
                                     [int(n) for n in order], info)

    def test_every_schedule(self):
        want = [reference_summary(n) for n in (100000, 5310, 21)]
        for schedule in SCHEDULES:
            for chunk in ("1", "2"):
                with self.subTest(schedule=schedule, chunk=chunk):
                    report, info = self.run_json(
                        ["factorial", "100000", "5310", "21", "--schedule",
                         schedule, "--chunk", chunk], 3)
                    self.assertEqual(report["result"], want, info)
                    self.assertEqual(report["params"]["schedule"], schedule,
                                     info)
                    self.assertEqual(report["params"]["chunk"], int(chunk),
                                     info)

    def test_json_phases(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-fac-cli-") as tmp:
            out = os.path.join(tmp, "f.txt")
            for extra in ([], ["--output", out]):
                with self.subTest(extra=extra):
                    report, info = self.run_json(
                        ["factorial", "100000", "20"] + extra, 2)
                    phases = report["timing"]["phases"]
                    for key in ("pieces_s", "combine_s", "check_s",
                                "decimal_s"):
                        self.assertIsInstance(phases.get(key), (int, float),
                                              f"{key}{info}")
                        self.assertGreaterEqual(phases[key], 0, info)
                    self.assertEqual(len(report["timing"]["ranks"]), 2, info)
                    if not extra:
                        self.assertEqual(phases["decimal_s"], 0, info)
                        self.assertIsNone(report["params"]["output"], info)
                    else:
                        self.assertEqual(report["params"]["output"], out,
                                         info)

    def test_human_summary(self):
        args = ["factorial", "7854", "5", "100000", "--quiet"]
        proc = run_rangefarm(args, 2)
        info = describe(args, 2, proc)
        self.assertEqual(proc.returncode, 0, info)
        rows = [line.split() for line in proc.stdout.splitlines()
                if ROW.match(line)]
        self.assertEqual([int(r[0]) for r in rows], [7854, 5, 100000], info)
        self.assertEqual([r[-1] for r in rows], ["ok"] * 3, info)
        self.assertEqual(rows[2][1:4], ["456574", "1516705", "24999"], info)
        self.assertEqual(rows[1][1:6], ["3", "7", "1", "120", "12"], info)


class FactorialOutputTest(unittest.TestCase):
    """--output: the file GMP's reference writes, byte for byte."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rangefarm-fac-out-")
        cls.reference = os.path.join(cls.tmp, "gmp.txt")
        proc = subprocess.run([GMP_REFERENCE, "100000", "--output",
                               cls.reference], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"gmp_factorial failed: {proc.stderr}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_hundred_thousand_equals_gmp_file(self):
        for np in (1, 2, 3):
            with self.subTest(np=np):
                path = os.path.join(self.tmp, f"rangefarm-np{np}.txt")
                args = ["factorial", "100000", "--output", path, "--quiet"]
                proc = run_rangefarm(args, np)
                info = describe(args, np, proc)
                self.assertEqual(proc.returncode, 0, info)
                self.assertEqual(os.path.getsize(path),
                                 os.path.getsize(self.reference), info)
                self.assertTrue(
                    filecmp.cmp(path, self.reference, shallow=False), info)

    def test_singleton_equals_gmp_file(self):
        path = os.path.join(self.tmp, "rangefarm-singleton.txt")
        args = ["factorial", "1e5", "--output", path]
        proc = run_rangefarm(args, None)
        info = describe(args, None, proc)
        self.assertEqual(proc.returncode, 0, info)
        self.assertTrue(filecmp.cmp(path, self.reference, shallow=False),
                        info)

    def test_batch_writes_one_line_per_n_in_order(self):
        if hasattr(sys, "set_int_max_str_digits"):
            sys.set_int_max_str_digits(0)
        ns = [7854, 0, 5310, 1, 20]
        path = os.path.join(self.tmp, "batch.txt")
        args = ["factorial"] + [str(n) for n in ns] + ["--output", path]
        proc = run_rangefarm(args, 2)
        info = describe(args, 2, proc)
        self.assertEqual(proc.returncode, 0, info)
        with open(path, encoding="ascii") as f:
            text = f.read()
        want = "".join(f"{n}! = {math.factorial(n)}\n" for n in ns)
        self.assertTrue(text == want, f"{len(text)} vs {len(want)} bytes"
                        + info)


class FactorialCheckFailureTest(unittest.TestCase):
    """RANGEFARM_TEST_FLIP_LIMB corrupts the product: the check refuses it."""

    FLIP = {"RANGEFARM_TEST_FLIP_LIMB": "1"}

    def assert_refused(self, args, np, cwd=None):
        proc = run_rangefarm(args, np, cwd=cwd, env=self.FLIP)
        info = describe(args, np, proc)
        self.assertEqual(proc.returncode, 3, info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(lines[0].startswith("rangefarm: error:"), info)
        self.assertIn("check", lines[0], info)
        self.assertNotIn("MPI_ABORT", proc.stderr, info)
        self.assertEqual([line for line in proc.stdout.splitlines()
                          if ROW.match(line)], [], info)
        self.assertNotIn("leading_digits", proc.stdout, info)
        return lines[0]

    def test_exit_status_3_at_every_launch(self):
        for launch, np in LAUNCHES + (("mpirun_np3", 3),):
            with self.subTest(launch=launch):
                line = self.assert_refused(["factorial", "100000", "20"], np)
                self.assertIn("100000!", line)

    def test_json_report_is_not_written(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-fac-cli-") as tmp:
            path = os.path.join(tmp, "r.json")
            self.assert_refused(["factorial", "20", "--json", path], 2, tmp)
            self.assertFalse(os.path.exists(path))
            self.assert_refused(["factorial", "20", "--json", "-"], 2, tmp)

    def test_digits_are_not_written(self):
        with tempfile.TemporaryDirectory(prefix="rangefarm-fac-cli-") as tmp:
            path = os.path.join(tmp, "f.txt")
            self.assert_refused(["factorial", "5310", "--output", path], 2,
                                tmp)
            if os.path.exists(path):
                with open(path, encoding="ascii") as f:
                    self.assertNotIn("5310! =", f.read())


class NodeMemoryGuardTest(unittest.TestCase):
    """The memory guard judges each node (ranks grouped by host name) by
    what its ranks hold against its MemAvailable, which the test hook
    RANGEFARM_TEST_MEMAVAILABLE sets for every host or by host name. Here
    every rank is on this host: one node, which holds the whole run, 9
    times n!'s size for one n (the pieces, then the peak of the last
    multiplication), plus twice its digits with --output."""

    HOOK = "RANGEFARM_TEST_MEMAVAILABLE"
    N = 1000000
    HOST = socket.gethostname()

    @classmethod
    def need(cls, decimal=False):
        size = math.lgamma(cls.N + 1) / math.log(2) / 8
        return 9 * size + (2 * size * 8 * math.log10(2) if decimal else 0)

    def run_with(self, hook, np=3, extra=()):
        args = ["factorial", str(self.N), "--quiet"] + list(extra)
        with tempfile.TemporaryDirectory(prefix="rangefarm-fac-mem-") as tmp:
            proc = cli_common.run(BINARY, MPIRUN, args, np, tmp, {self.HOOK: hook},
                                  unset=("RANGEFARM_TEST_FLIP_LIMB",))
        return proc, describe(args, np, proc) + f"\n  {self.HOOK}={hook}"

    def assert_refused(self, hook, ranks="ranks 0-2", np=3, extra=()):
        proc, info = self.run_with(hook, np, extra)
        self.assertEqual((proc.returncode, proc.stdout), (2, ""), info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(lines[0].startswith(f"rangefarm: error: {self.N}! has about"), info)
        self.assertIn(f"on node {self.HOST} ({ranks}), which has ", lines[0], info)
        return lines[0], info

    def assert_runs(self, hook, np=3, extra=()):
        proc, info = self.run_with(hook, np, extra)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""), info)

    def test_one_value_for_every_host(self):
        below, above = int(self.need() * 0.97), int(self.need() * 1.03)
        line, info = self.assert_refused(str(below))
        self.assertIn(f"has {below / (1 << 20):.1f} MiB available", line, info)
        self.assertIn(f"needs about {self.need() / (1 << 20):.1f} MiB", line, info)
        self.assert_runs(str(above))
        self.assert_refused(str(below), "rank 0", np=None)

    def test_digits_count_on_the_node_of_rank_0(self):
        between = str(int(self.need() * 1.03))
        self.assertLess(self.need() * 1.03, self.need(decimal=True) * 0.97)
        self.assert_runs(between)
        with tempfile.TemporaryDirectory(prefix="rangefarm-fac-mem-") as tmp:
            self.assert_refused(between, extra=["--output", os.path.join(tmp, "f.txt")])

    def test_values_by_host_name(self):
        below, above = int(self.need() * 0.97), int(self.need() * 1.03)
        self.assert_refused(f"elsewhere=1,{self.HOST}={below}")
        self.assert_runs(f"{self.HOST}={above},elsewhere=1")
        # Another host's figure is not this one's: the real MemAvailable.
        self.assert_runs("elsewhere=1")

    def test_bad_hook_is_one_line(self):
        proc, info = self.run_with(f"{self.HOST}=lots")
        self.assertEqual(proc.returncode, 2, info)
        self.assertEqual(len(proc.stderr.splitlines()), 1, info)
        self.assertIn(f"{self.HOOK}: '{self.HOST}=lots'", proc.stderr, info)


def main():
    global BINARY, GMP_REFERENCE, MPIRUN
    opts, rest = cli_common.parse_args(
        "test_factorial_cli.py",
        [("--gmp-reference", "RANGEFARM_GMP_FACTORIAL",
          "the gmp_factorial reference executable")])
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    BINARY = os.path.abspath(opts.binary)
    GMP_REFERENCE = os.path.abspath(opts.gmp_reference)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
