#!/usr/bin/env python3
"""bench/rank_memory.py end to end on a tiny grid (label bench): every run
finishes or stops cleanly, and the JSON has rank 0's and the worker's peak
RSS for each cell. No figure is judged here (tests/cli/test_memory.py
judges that memory does not grow with the chunks). About 15 s.

  test_rank_memory.py --build-dir BUILD
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARGS = None


class RankMemory(unittest.TestCase):
    def test_a_tiny_grid(self):
        with tempfile.TemporaryDirectory(prefix="rf-rank-memory-") as tmp:
            out = Path(tmp) / "rm.json"
            env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
            proc = subprocess.run(
                [sys.executable, str(ROOT / "bench" / "rank_memory.py"), "--build",
                 ARGS.build_dir, "--lengths", "1e5", "--chunks", "1", "1e4", "--schedules",
                 "static-cyclic", "dynamic", "--stop-after", "2", "--out", str(out)],
                env=env, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
                check=False)
            info = f"\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
            self.assertEqual(proc.returncode, 0, info)
            doc = json.loads(out.read_text())
            cells = {(c["schedule"], c["chunk"]): c for c in doc["table"]}
            self.assertEqual(set(cells), {("static-cyclic", 1), ("static-cyclic", 10**4),
                                          ("dynamic", 1), ("dynamic", 10**4)}, info)
            for c in cells.values():
                self.assertIn(c["after"]["state"], ("done", "stopped"), info)
                self.assertEqual(len(c["after"]["peak_mib"]), 2, info)
                for peak in c["after"]["peak_mib"]:
                    self.assertGreater(peak, 1, info)
            self.assertIn("| static-cyclic | 1e5 |", proc.stdout, info)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
