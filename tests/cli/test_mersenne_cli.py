#!/usr/bin/env python3
"""End-to-end tests of `rangefarm mersenne`.

Drives the built binary as an MPI singleton and under ``mpirun -q``: good
runs must find exactly the Mersenne prime exponents of OEIS A000043 at every
rank count, schedule and dispatch order, with the same factors and
Lucas-Lehmer residues everywhere; every factor must divide 2^p - 1 and be
the smallest of the form 2kp + 1; the residues must equal Python's own
Lucas-Lehmer; the perfect numbers must be those of OEIS A000396, in
--output in full and in the JSON report by their digits. Bad input is
test_bad_input.py's.

Usage: test_mersenne_cli.py --binary PATH [--mpirun PATH] [unittest options]
"""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None

SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
ORDERS = ("largest-first", "given")

# OEIS A000043: the exponents p of the Mersenne primes 2^p - 1, up to 25000.
A000043 = [2, 3, 5, 7, 13, 17, 19, 31, 61, 89, 107, 127, 521, 607, 1279,
           2203, 2281, 3217, 4253, 4423, 9689, 9941, 11213, 19937, 21701,
           23209]

# OEIS A000396: the perfect numbers 2^(p-1) (2^p - 1) for p <= 127.
A000396 = [
    6, 28, 496, 8128, 33550336, 8589869056, 137438691328,
    2305843008139952128,
    2658455991569831744654692615953842176,
    191561942608236107294793378084303638130997321548169216,
    13164036458569648337239753460458722910223472318386943117783728128,
    14474011154664524427946373126085988481573677491474835889066354349131199152128,  # noqa: E501
]

# The residues of composites checked against Python's own Lucas-Lehmer
# (plain big-integer %) up to this exponent; more would take long.
PYTHON_LL_MAX_P = 2500

# A factor q = 2kp + 1 is checked to be the smallest by trying every k' < k
# up to this k (the deepest factors of --to 25000 would take minutes).
SMALLEST_CHECK_MAX_K = 30000

def run_rangefarm(args, np=None, cwd=None):
    return cli_common.run(BINARY, MPIRUN, args, np, cwd)


def describe(args, np, proc):
    return cli_common.describe(args, np, proc, stdout_limit=2000)


def primes_up_to(n):
    sieve = bytearray([1]) * (n + 1)
    sieve[:2] = b"\0\0"
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytearray(len(range(i * i, n + 1, i)))
    return [i for i in range(n + 1) if sieve[i]]


def perfect_number(p):
    return (1 << (p - 1)) * ((1 << p) - 1)


def lucas_lehmer_res64(p):
    """The low 64 bits of the last Lucas-Lehmer residue of 2^p - 1: s(0) =
    4 mod 2^p - 1, p - 2 steps (none for p = 2, whose residue is then 1)."""
    m = (1 << p) - 1
    s = 4 % m
    for _ in range(p - 2):
        s = (s * s - 2) % m
    return s & ((1 << 64) - 1)


def smallest_factor_of_form(p, below):
    """The smallest q = 2kp + 1 < below dividing 2^p - 1, or None."""
    q = 2 * p + 1
    while q < below:
        if q % 8 in (1, 7) and pow(2, p, q) == 1:
            return q
        q += 2 * p
    return None


def run_json(test, args, np, timeout_s=None):
    """Runs with --json - and returns (report, info) for the single JSON
    object on stdout."""
    args = list(args) + ["--json", "-"]
    saved = cli_common.RUN_TIMEOUT_S
    if timeout_s is not None:
        cli_common.RUN_TIMEOUT_S = timeout_s
    try:
        proc = run_rangefarm(args, np)
    finally:
        cli_common.RUN_TIMEOUT_S = saved
    return cli_common.json_report(test, proc, args, np, "mersenne")


class MersenneResultChecks:
    """Checks of one JSON result against Python, for --to N from 2."""

    def check_result(self, result, to, info, tf_bits_zero=False):
        primes = primes_up_to(to)
        want_exponents = [p for p in A000043 if p <= to]
        self.assertEqual(result["exponents"], want_exponents, info)
        self.assertEqual(result["tested"], len(primes), info)
        factored = result["factored"]
        ll = result["lucas_lehmer"]
        self.assertEqual(len(factored) + len(ll), len(primes), info)
        fp = [row["p"] for row in factored]
        lp = [row["p"] for row in ll]
        self.assertEqual(fp, sorted(fp), info)
        self.assertEqual(lp, sorted(lp), info)
        self.assertEqual(sorted(fp + lp), primes, info)
        if tf_bits_zero:
            self.assertEqual(factored, [], info)
        for row in factored:
            self.assertEqual(set(row), {"p", "factor"}, info)
            self.check_factor(row["p"], row["factor"], info)
        for row in ll:
            self.assertEqual(set(row), {"p", "prime", "res64"}, info)
            p = row["p"]
            self.assertEqual(row["prime"], p in A000043, f"p={p}{info}")
            self.assertRegex(row["res64"], r"^[0-9A-F]{16}$", info)
            if row["prime"] and p != 2:
                self.assertEqual(row["res64"], "0" * 16, f"p={p}{info}")
            else:
                self.assertNotEqual(row["res64"], "0" * 16, f"p={p}{info}")
        self.check_perfect_numbers(result["perfect_numbers"], want_exponents,
                                   info)

    def check_factor(self, p, q, info):
        where = f"p={p} q={q}{info}"
        self.assertIsInstance(q, int, where)
        self.assertEqual(pow(2, p, q), 1,
                         "q does not divide 2^p - 1: " + where)
        self.assertEqual((q - 1) % (2 * p), 0, "q is not 2kp + 1: " + where)
        self.assertIn(q % 8, (1, 7), where)
        self.assertLess(q, (1 << p) - 1, "not a proper factor: " + where)
        if (q - 1) // (2 * p) <= SMALLEST_CHECK_MAX_K:
            self.assertEqual(smallest_factor_of_form(p, q + 1), q,
                             "not the smallest factor: " + where)

    def check_residues_with_python(self, ll, info):
        checked = 0
        for row in ll:
            p = row["p"]
            if p > PYTHON_LL_MAX_P:
                continue
            self.assertEqual(row["res64"], f"{lucas_lehmer_res64(p):016X}",
                             f"p={p}{info}")
            checked += 1
        return checked

    def check_perfect_numbers(self, rows, exponents, info):
        self.assertEqual([row["p"] for row in rows], exponents, info)
        for row in rows:
            p = row["p"]
            digits = str(perfect_number(p))
            if p <= 127:
                self.assertEqual(digits, str(A000396[A000043.index(p)]), p)
            where = f"p={p}{info}"
            self.assertEqual(row["digits"], len(digits), where)
            self.assertEqual(row["leading_digits"], digits[:20], where)
            self.assertEqual(row["trailing_digits"], digits[-20:], where)


class MersenneRunTest(unittest.TestCase, MersenneResultChecks):
    """Good runs, checked through the JSON report."""

    baseline = None  # the result of --to 5000 as a singleton

    @classmethod
    def baseline_result(cls, test):
        if cls.baseline is None:
            report, info = run_json(test, ["mersenne", "--to", "5000"], None)
            cls.baseline = (report["result"], info)
        return cls.baseline

    def test_to_5000_result(self):
        result, info = self.baseline_result(self)
        self.check_result(result, 5000, info)
        self.assertEqual(result["exponents"], A000043[:20], info)
        self.assertGreater(len(result["factored"]), 100, info)
        self.assertGreater(self.check_residues_with_python(
            result["lucas_lehmer"], info), 100, info)

    def test_to_5000_identical_everywhere(self):
        want, base_info = self.baseline_result(self)
        self.assertEqual(want["exponents"], A000043[:20], base_info)
        runs = [(np, schedule, order, None)
                for np in (1, 2, 3, 4)
                for schedule in SCHEDULES
                for order in ORDERS]
        runs += [(3, "static-cyclic", "largest-first", "5"),
                 (2, "guided", "given", "10"),
                 (4, "dynamic", "largest-first", "3")]
        for np, schedule, order, chunk in runs:
            with self.subTest(np=np, schedule=schedule, order=order,
                              chunk=chunk):
                args = ["mersenne", "--to", "5000", "--schedule", schedule,
                        "--order", order]
                if chunk is not None:
                    args += ["--chunk", chunk]
                report, info = run_json(self, args, np)
                params = report["params"]
                self.assertEqual(params["schedule"], schedule, info)
                # Static schedules use the range order, and say so.
                self.assertEqual(params["order"],
                                 "given" if schedule.startswith("static") else order, info)
                self.assertEqual(params["chunk"],
                                 1 if chunk is None else int(chunk), info)
                self.assertEqual(params["tf_bits"], "default", info)
                self.assertEqual(report["items_total"], 669, info)
                self.assertEqual(report["result"]["exponents"], A000043[:20],
                                 info)
                self.assertEqual(report["result"], want, info)

    def test_tf_bits_zero_to_2000(self):
        base, _ = self.baseline_result(self)
        base_res64 = {row["p"]: row["res64"] for row in base["lucas_lehmer"]}
        for np in (None, 2):
            with self.subTest(np=np):
                report, info = run_json(
                    self, ["mersenne", "--to", "2000", "--tf-bits", "0"], np)
                self.assertEqual(report["params"]["tf_bits"], 0, info)
                result = report["result"]
                self.check_result(result, 2000, info, tf_bits_zero=True)
                self.assertEqual(result["exponents"], A000043[:15], info)
                self.assertEqual(len(result["lucas_lehmer"]), 303, info)
                both = 0
                for row in result["lucas_lehmer"]:
                    if row["p"] in base_res64:
                        both += 1
                        self.assertEqual(row["res64"], base_res64[row["p"]],
                                         f"p={row['p']}{info}")
                self.assertGreater(both, 100, info)
        self.check_residues_with_python(result["lucas_lehmer"], info)

    def test_p2_res64_is_one(self):
        # No iteration runs for p = 2: the residue is s(0) = 4 mod 3 = 1,
        # what an independent Lucas-Lehmer gives (issue 17, item 8: it was
        # reported as 0).
        for launch, np in cli_common.LAUNCHES:
            with self.subTest(launch=launch):
                report, info = run_json(self, ["mersenne", "--to", "3"], np)
                ll = report["result"]["lucas_lehmer"]
                self.assertEqual(ll, [{"p": 2, "prime": True, "res64": "0000000000000001"},
                                      {"p": 3, "prime": True, "res64": "0" * 16}], info)
                self.assertEqual(self.check_residues_with_python(ll, info), 2, info)

    def test_from_10_to_12(self):
        # The default depth is at least 20 bits (capped at p/2 = 5 for
        # p = 11), which finds 23 in 2^11 - 1 = 23 * 89; with trial
        # factoring off, Lucas-Lehmer calls it composite with
        # s(9) = 1736 = 0x6C8.
        report, info = run_json(self, ["mersenne", "--from", "10", "--to",
                                       "12"], None)
        result = report["result"]
        self.assertEqual(result["tested"], 1, info)
        self.assertEqual(result["exponents"], [], info)
        self.assertEqual(result["perfect_numbers"], [], info)
        self.assertEqual(result["factored"], [{"p": 11, "factor": 23}], info)
        self.assertEqual(result["lucas_lehmer"], [], info)
        report, info = run_json(self, ["mersenne", "--from", "10", "--to",
                                       "12", "--tf-bits", "0"], None)
        self.assertEqual(report["result"]["lucas_lehmer"], [
            {"p": 11, "prime": False, "res64": "00000000000006C8"}], info)
        for bits in ("5", "6", "64"):
            for np in (None, 2):
                with self.subTest(bits=bits, np=np):
                    report, info = run_json(
                        self, ["mersenne", "--from", "10", "--to", "12",
                               "--tf-bits", bits], np)
                    self.assertEqual(report["result"], {
                        "exponents": [], "perfect_numbers": [], "tested": 1,
                        "factored": [{"p": 11, "factor": 23}],
                        "lucas_lehmer": []}, info)

    def test_from_24_to_28_has_no_primes(self):
        for np in (None, 2, 3):
            with self.subTest(np=np):
                report, info = run_json(
                    self, ["mersenne", "--from", "24", "--to", "28"], np)
                self.assertEqual(report["result"], {
                    "exponents": [], "perfect_numbers": [], "tested": 0,
                    "factored": [], "lucas_lehmer": []}, info)
                self.assertEqual(report["items_total"], 0, info)
        args = ["mersenne", "--from", "24", "--to", "28"]
        proc = run_rangefarm(args, 2)
        info = describe(args, 2, proc)
        self.assertEqual(proc.returncode, 0, info)
        self.assertIn("Mersenne prime exponents: none", proc.stdout, info)
        self.assertIn("tested 0 exponents", proc.stdout, info)

    def test_single_exponents(self):
        for lo, hi, want in ((2, 2, [2]), (1, 1, []), (1, 2, [2]),
                             (127, 127, [127]), (128, 130, [])):
            with self.subTest(lo=lo, hi=hi):
                report, info = run_json(
                    self, ["mersenne", "--from", str(lo), "--to", str(hi)], 2)
                self.assertEqual(report["result"]["exponents"], want, info)

    def test_human_summary(self):
        args = ["mersenne", "--to", "200", "--quiet"]
        proc = run_rangefarm(args, 2)
        info = describe(args, 2, proc)
        self.assertEqual(proc.returncode, 0, info)
        self.assertEqual(proc.stderr, "", info)
        lines = proc.stdout.splitlines()
        self.assertEqual(
            lines[0],
            "Mersenne prime exponents: 2 3 5 7 13 17 19 31 61 89 107 127",
            info)
        rows = [line.split() for line in lines
                if line.split() and line.split()[0].isdigit()]
        self.assertEqual([int(r[0]) for r in rows], A000043[:12], info)
        for r, n in zip(rows, A000396):
            self.assertEqual(int(r[1]), len(str(n)), info)
            self.assertTrue(str(n).startswith(r[2]), info)
        self.assertTrue(lines[-1].startswith("tested 46 exponents: "), info)


class MersenneOutputTest(unittest.TestCase):
    """--output: one line per perfect number, in full."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rangefarm-mers-out-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def read_output(self, args, np):
        path = os.path.join(self.tmp, f"perfect-{np}.txt")
        args = list(args) + ["--output", path, "--quiet"]
        proc = run_rangefarm(args, np)
        info = describe(args, np, proc)
        self.assertEqual(proc.returncode, 0, info)
        with open(path, encoding="ascii") as f:
            return f.read(), info

    def test_perfect_numbers_to_127_are_a000396(self):
        want = "".join(f"2^{p - 1}*(2^{p}-1) = {n}\n"
                       for p, n in zip(A000043, A000396))
        for np in (None, 1, 2, 3):
            for schedule in ("static-block", "dynamic"):
                with self.subTest(np=np, schedule=schedule):
                    text, info = self.read_output(
                        ["mersenne", "--to", "127", "--schedule", schedule],
                        np)
                    self.assertEqual(text, want, info)
        self.assertTrue(want.startswith("2^1*(2^2-1) = 6\n2^2*(2^3-1) = 28\n"
                                        "2^4*(2^5-1) = 496\n"))

    def test_perfect_numbers_to_5000(self):
        text, info = self.read_output(["mersenne", "--to", "5000"], 3)
        lines = text.splitlines()
        self.assertEqual(len(lines), 20, info)
        for line, p in zip(lines, A000043):
            lhs, _, digits = line.partition(" = ")
            self.assertEqual(lhs, f"2^{p - 1}*(2^{p}-1)", info)
            self.assertEqual(int(digits), perfect_number(p), f"p={p}{info}")
            self.assertEqual(digits, str(perfect_number(p)), f"p={p}{info}")
        for line, n in zip(lines, A000396):
            self.assertEqual(line.partition(" = ")[2], str(n), info)

    def test_no_perfect_numbers_gives_empty_file(self):
        text, info = self.read_output(["mersenne", "--from", "24", "--to",
                                       "28"], 2)
        self.assertEqual(text, "", info)


class MersenneLongRunTest(unittest.TestCase, MersenneResultChecks):
    """The one long run of the suite: --to 25000 at 2 ranks (about a minute
    on two cores)."""

    def test_to_25000_np2(self):
        report, info = run_json(self, ["mersenne", "--to", "25000"], 2,
                                timeout_s=900)
        self.assertEqual(report["params"]["schedule"], "dynamic", info)
        self.assertEqual(report["params"]["order"], "largest-first", info)
        result = report["result"]
        self.assertEqual(result["exponents"], A000043, info)
        self.assertEqual(len(A000043), 26)
        self.check_result(result, 25000, info)
        perfect = {row["p"]: row for row in result["perfect_numbers"]}
        self.assertEqual(perfect[23209]["digits"], 13973, info)


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_mersenne_cli.py")
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
