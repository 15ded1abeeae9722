#!/usr/bin/env python3
"""bench/trace_overhead.py end to end on tiny problems (label bench): one
round of each pair runs, every traced run's result equals its plain run's
and its trace has one record per chunk (exit status 2 otherwise), and the
JSON has each pair's ratio, the chunk1 per-record cost and a state per goal.
No timing is judged (tiny problems on a busy machine). About 15 s.

  test_trace_overhead.py --build-dir BUILD
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


class TraceOverhead(unittest.TestCase):
    def test_one_round_of_every_pair(self):
        with tempfile.TemporaryDirectory(prefix="rf-trace-overhead-") as tmp:
            out = Path(tmp) / "to.json"
            env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
            proc = subprocess.run(
                [sys.executable, str(ROOT / "bench" / "trace_overhead.py"), "--runs", "1",
                 "--build", ARGS.build_dir, "--to", "2e7", "--mersenne-to", "600",
                 "--out", str(out)], env=env, capture_output=True, text=True, timeout=240,
                stdin=subprocess.DEVNULL, check=False)
            info = f"\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
            self.assertIn(proc.returncode, (0, 1), info)  # 2: a run or a check failed
            doc = json.loads(out.read_text())
            self.assertEqual(doc["problems"], [], info)
            goals = {g["pair"]: g for g in doc["goals"]}
            self.assertEqual(set(goals), {"perfect", "mersenne", "chunk1"})
            self.assertGreater(goals["chunk1"]["per_chunk_s"], 0, info)
            self.assertEqual(goals["chunk1"]["chunks"], 300000)
            for pair in ("perfect", "mersenne"):
                self.assertIn(goals[pair]["state"], ("PASS", "FAIL"), info)
                self.assertGreater(goals[pair]["ratio"]["median"], 0)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
