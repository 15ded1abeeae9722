#!/usr/bin/env python3
"""cleanup_watchdog.py under a real ctest: a probe test arms a watchdog
whose clean-up command writes a marker file, then
- sleeps past its ctest TIMEOUT, so that ctest kills its process tree: the
  marker must appear (the watchdog is out of the tree and notices);
- says it cleaned up and exits: no marker, ever;
- says its clean-up failed and exits: the marker is there when it exits.

  test_cleanup_watchdog.py [--ctest ctest] [unittest options]

The probe runs from a CTestTestfile.cmake written in a temporary folder, so
no CMake project is configured. About 5 s.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CTEST = "ctest"
PROBE_TIMEOUT_S = 2
MARKER_WAIT_S = 15

# argv: how (sleep | cleaned | failed), the marker, the log.
PROBE = r"""
import os, sys, time
sys.path.insert(0, HERE)
import cleanup_watchdog
how, marker, log = sys.argv[1:4]
command = [sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write('ran')", marker]
dog = cleanup_watchdog.Watchdog(command, dict(os.environ), log)
print("armed", flush=True)
if how == "sleep":
    time.sleep(60)
dog.finish(cleaned=how == "cleaned")
"""


def ctest_probe(folder, how):
    """Runs the probe as the only test of a ctest in folder; returns
    (ctest's process, the marker's path, the log's path)."""
    marker = os.path.join(folder, f"marker-{how}")
    log = os.path.join(folder, f"watchdog-{how}.log")
    probe = os.path.join(folder, "probe.py")
    with open(probe, "w", encoding="utf-8") as f:
        f.write(f"HERE = {HERE!r}\n" + PROBE)
    with open(os.path.join(folder, "CTestTestfile.cmake"), "w", encoding="utf-8") as f:
        f.write(f'add_test(probe "{sys.executable}" "{probe}" "{how}" "{marker}" "{log}")\n'
                f'set_tests_properties(probe PROPERTIES TIMEOUT "{PROBE_TIMEOUT_S}")\n')
    proc = subprocess.run([CTEST, "--output-on-failure"], cwd=folder, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60, check=False)
    return proc, marker, log


def wait_for_file(path, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.path.exists(path)


class UnderCtest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="rangefarm-watchdog-test-")
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def info(self, proc, log):
        text = "(no log)"
        if os.path.exists(log):
            with open(log, encoding="utf-8") as f:
                text = f.read()
        return f"\n  ctest said: {proc.stdout[-1500:]}{proc.stderr[-500:]}\n  log: {text}"

    def test_killed_past_timeout_cleans_up(self):
        proc, marker, log = ctest_probe(self.folder, "sleep")
        self.assertIn("Timeout", proc.stdout, self.info(proc, log))
        self.assertTrue(wait_for_file(marker, MARKER_WAIT_S),
                        f"no clean-up {MARKER_WAIT_S} s after ctest's kill" + self.info(proc, log))
        with open(log, encoding="utf-8") as f:
            self.assertIn("the test ended without cleaning up", f.read())

    def test_cleaned_runs_nothing(self):
        proc, marker, log = ctest_probe(self.folder, "cleaned")
        self.assertEqual(proc.returncode, 0, self.info(proc, log))
        # finish() waited for the watchdog to exit: it will never write.
        self.assertFalse(os.path.exists(marker), self.info(proc, log))

    def test_failed_clean_up_is_run_again(self):
        proc, marker, log = ctest_probe(self.folder, "failed")
        self.assertEqual(proc.returncode, 0, self.info(proc, log))
        self.assertTrue(os.path.exists(marker), "finish() returns after the command ran"
                        + self.info(proc, log))


def main():
    global CTEST
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctest", default="ctest", help="the ctest to run the probe under")
    args, rest = parser.parse_known_args()
    CTEST = args.ctest
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
