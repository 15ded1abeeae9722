#!/usr/bin/env python3
"""Every failure case of test_cluster_failures.py (a rank, a node, rank 0's
node; under mpirun -q, mpirun, srun) run REPEAT times on a virtual cluster
of its own, with the checks of the test but without the resume; prints a
table: the median seconds from the kill to the launcher's end, to the
rangefarm line and to the last surviving rank's exit, the exit statuses,
and one line as printed. Not part of ctest (a few minutes).

  measure_failures.py --binary build/apps/rangefarm [--repeat 3] [--port 16987]

On this loaded, oversubscribed machine the times are upper bounds.
"""

import re
import statistics
import sys
import unittest

import test_cluster_failures as tcf


class _Case(unittest.TestCase):
    def runTest(self):
        pass


def main():
    repeat = 3
    argv = sys.argv[1:]
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = int(argv[i + 1])
        del argv[i:i + 2]
    if not any(a.startswith("--port") for a in argv):
        argv += ["--port", "16987"]
    sys.argv[1:] = argv
    tcf.ARGS, _ = tcf.parse_args(__doc__, tcf.__file__)
    tcf.setUpModule()
    rows, failures = [], []
    try:
        for case in tcf.CASES:
            for launcher in tcf.LAUNCHERS:
                runs = []
                for _ in range(repeat):
                    test = _Case()
                    try:
                        runs.append(tcf.failure_case(test, case, launcher))
                    except AssertionError as exc:  # counted, shown, not timed
                        failures.append(f"{case} / {launcher}: {str(exc)[:3000]}")
                    finally:
                        test.doCleanups()
                if runs:
                    rows.append((case, launcher, runs))
                sys.stderr.write(f"{case} / {launcher}: {[round(x['end'], 2) for x in runs]}\n")
    finally:
        tcf.tearDownModule()

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    print(f"\n{'case':<11} {'launcher':<9} {'end s':>6} {'line s':>6} {'ranks s':>7}  "
          f"statuses  Open MPI banners")
    for case, launcher, runs in rows:
        banners = sorted({b for r in runs for b in r["banners"]})
        print(f"{case:<11} {launcher:<9} {med(runs, 'end'):6.2f} {med(runs, 'line_s'):6.2f} "
              f"{med(runs, 'ranks_s'):7.2f}  {','.join(str(r['status']) for r in runs):<9} "
              f"{'; '.join(banners) or '-'}")
    print("\nThe line, one run of each (journal paths shortened):")
    for case, launcher, runs in rows:
        line = re.sub(r"/var/tmp/\S+/", "W/", runs[-1]["line"])
        print(f"{case} / {launcher}:\n  {line}")
    for failure in failures:
        print(f"\nFAILED {failure}")
    tcf.finish(not failures)


if __name__ == "__main__":
    main()
