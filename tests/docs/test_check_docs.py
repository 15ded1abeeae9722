#!/usr/bin/env python3
"""Self-test of check_docs.py: the checker passes a true example, fails one
whose expected line was changed (a digit of a result, an error line, an exit
status), ignores what a run measures, and refuses a mark on no example.
Runs the real binary on small fixtures written here (a second or two).

  test_check_docs.py --binary build/apps/rangefarm
"""
import argparse
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import check_docs

HERE = Path(__file__).resolve().parent
ARGS = None

# `rangefarm perfect --to 10000` as a singleton, its output as the doc shows it
# (counts known: A005101, A005100); then a usage error and its exit status.
TRUE_DOC = """\
# A fixture

Some text, and a block that is not checked:

```console
$ rangefarm perfect --to 1e99
this is never run
```

<!-- check -->
```console
$ rangefarm perfect --to 10000
rangefarm perfect: [1, 10000] by sieve, schedule dynamic (chunk 10000000), 1 rank
perfect numbers: 6 28 496 8128
deficient 7508, perfect 4, abundant 2488
wall 0.002 s, 4.4 M numbers/s, 10000 items computed
  rank     busy s     wait s     chunks            items  host
     0      0.002      0.000          1            10000  vm
  imbalance (max busy / mean busy): 1.000
$ rangefarm perfect --to 0
rangefarm: error: --to: must be at least 1, got '0'
$ echo $?
2
```
"""


def write_doc(folder, text):
    doc = Path(folder) / "fixture.md"
    doc.write_text(text)
    return doc


def run_checker(text):
    """check_docs.py on one doc, as ctest runs it: (exit status, output)."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([sys.executable, str(HERE / "check_docs.py"), "--binary", ARGS.binary,
                               str(write_doc(folder, text))], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=120)
        return done.returncode, done.stdout


def parse_one(text):
    with tempfile.TemporaryDirectory() as folder:
        (block,) = check_docs.parse(write_doc(folder, text))
        return block


class Checker(unittest.TestCase):
    """The checker as ctest runs it, on the true fixture and a changed one."""

    def test_true_example_passes(self):
        status, out = run_checker(TRUE_DOC)
        self.assertEqual(status, 0, out)
        self.assertIn("1 of 1 checked examples match", out)

    def test_changed_result_fails(self):
        status, out = run_checker(TRUE_DOC.replace("6 28 496 8128\n", "6 28 496 8129\n"))
        self.assertEqual(status, 1, out)
        self.assertIn("fixture.md:12: $ rangefarm perfect --to 10000", out)
        self.assertIn("-perfect numbers: 6 28 496 8129", out)
        self.assertIn("+perfect numbers: 6 28 496 8128", out)
        self.assertIn("0 of 1 checked examples match", out)

    def test_mark_inside_a_shown_block_is_text(self):
        shown = "````\n<!-- check -->\n```console\n$ false\nnever printed\n```\n````\n"
        status, out = run_checker(shown + TRUE_DOC)
        self.assertEqual(status, 0, out)
        self.assertIn("1 of 1 checked examples match", out)

    def test_mark_without_console_block_fails(self):
        status, out = run_checker("<!-- check -->\n```\n$ true\n```\n")
        self.assertEqual(status, 1, out)
        self.assertIn("not followed by a ```console block", out)

    def test_nothing_to_check_fails(self):
        status, out = run_checker("# no examples\n")
        self.assertEqual(status, 1, out)
        self.assertIn("no <!-- check --> example", out)


class Comparison(unittest.TestCase):
    """Changed docs against the fixture's real output, run once."""

    @classmethod
    def setUpClass(cls):
        source = HERE.parents[1]
        cls.outputs = check_docs.run_commands(parse_one(TRUE_DOC), Path(ARGS.binary).resolve(), source)

    def ok(self, text):
        return check_docs.compare(parse_one(text), self.outputs)[0]

    def test_true_example_matches(self):
        self.assertTrue(self.ok(TRUE_DOC), self.outputs)

    def test_changed_lines_fail(self):
        row = "     0      0.002      0.000          1            10000  vm\n"
        for old, new in [("6 28 496 8128\n", "6 28 496 8129\n"),                 # a result
                         ("10000 items computed", "10001 items computed"),        # a count
                         ("at least 1", "at least 2"),                            # an error line
                         ("$ echo $?\n2\n", "$ echo $?\n0\n"),                    # an exit status
                         ("deficient 7508, perfect 4, abundant 2488\n", ""),      # a line missing
                         (row, row + row.replace(" 0  ", " 1  ", 1)),             # a rank too many
                         ("dynamic (chunk", "guided (chunk")]:                    # a header
            changed = TRUE_DOC.replace(old, new)
            self.assertNotEqual(changed, TRUE_DOC, old)
            self.assertFalse(self.ok(changed), (old, new))

    def test_measurements_are_not_compared(self):
        text = (TRUE_DOC.replace("wall 0.002 s, 4.4 M numbers/s", "wall 12.345 s, 987.6 M numbers/s")
                .replace("0.002      0.000          1            10000  vm",
                         "9.999      1.234          7               77  othernode")
                .replace("1.000\n", "1.234\n"))
        self.assertTrue(self.ok(text))

    def test_ellipsis_stands_for_lines(self):
        text = TRUE_DOC.replace("deficient 7508, perfect 4, abundant 2488\n"
                                "wall 0.002 s, 4.4 M numbers/s, 10000 items computed\n", "...\n")
        self.assertTrue(self.ok(text))


class Masking(unittest.TestCase):
    def same(self, a, b):
        return check_docs.mask([a]) == check_docs.mask([b])

    def test_measured(self):
        for a, b in [("wall 1.647 s, 607.0 M numbers/s", "wall 12.0 s, 7.5 M numbers/s"),
                     ("wall 0.514 ms: pieces 0.383 ms", "wall 7.028 s: pieces 0.823 s"),
                     ("3.3e+08 items/s, ETA 2s, elapsed 1s", "1.1e+07 items/s, ETA 15s, elapsed 3s"),
                     ("static-block   2  10000000  1.632  1.91  0.96", "static-block 2 10000000 3.1 0.5 0.25"),
                     ("lost rank 2 (pid 11097 on vm)", "lost rank 2 (pid 5 on vm)"),
                     ("got USR1 at 21:16:01", "got USR1 at 09:01:59"),
                     ("journal /tmp/rfs/x.journal", "journal /tmp/tmpab12/x.journal")]:
            self.assertTrue(self.same(a, b), (a, b))

    def test_computed(self):
        for a, b in [("perfect numbers: 6 28 496", "perfect numbers: 6 28 497"),
                     ("deficient 7508, perfect 4", "deficient 7509, perfect 4"),
                     ("10000 items computed", "1000 items computed"),
                     ("2 ranks", "3 ranks"),
                     ("5310  17477  58056  1325  25695202623029798812", "5310  17477  58056  1325  25695202623029798813"),
                     ("tested 669 exponents: 326 eliminated", "tested 669 exponents: 327 eliminated")]:
            self.assertFalse(self.same(a, b), (a, b))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
