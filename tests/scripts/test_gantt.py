#!/usr/bin/env python3
"""scripts/gantt.py says when a run was oversubscribed (issue 23): the
scaling study's Gantt charts at 4 ranks on 2 cores looked like any other,
though their ranks took turns on the cores.

* A trace with more ranks on a host than its cores gets "oversubscribed: 4
  ranks on h's 2 cores" in its panel's title, and the figure's default
  title says OVERSUBSCRIBED; one with a core per rank gets neither.
* The cores come from --cores N, else a machine.json beside the trace (a
  study's json/ folder: the one above it), else this machine's for a trace
  taken here; unknown cores say nothing.
* scripts/gantt.py end to end on crafted traces writes a PNG; --cores 0 is
  one line and exit 2.

Crafted traces, no binary. A few seconds (matplotlib).

  test_gantt.py [unittest options]
"""
import json
import socket
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import gantt  # noqa: E402
from scaling_study.gantt import default_title, oversubscription, panel_title  # noqa: E402
from scaling_study.trace import read_trace  # noqa: E402

GANTT = REPO / "scripts" / "gantt.py"


def write_trace(path, hosts, schedule="dynamic"):
    """A trace of len(hosts) ranks, one chunk of 2 items each."""
    lines = [{"type": "header", "format": "rangefarm-trace", "version": 1,
              "subcommand": "perfect", "ranks": len(hosts), "hosts": hosts,
              "schedule": schedule, "chunk": 2, "order": "given",
              "items_total": 2 * len(hosts), "items_restored": 0, "resumed": False,
              "cost_unit": None, "command": f"rangefarm perfect --to {2 * len(hosts)}"}]
    for r, host in enumerate(hosts):
        lines.append({"type": "chunk", "rank": r, "host": host, "first": 2 * r + 1,
                      "last": 2 * r + 2, "items": 2, "start_s": 0.0, "end_s": 0.5, "cost": None})
    lines.append({"type": "end", "wall_s": 0.6, "stopped": False})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


class Titles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.four = read_trace(write_trace(self.dir / "four.jsonl", ["h"] * 4))
        self.two = read_trace(write_trace(self.dir / "two.jsonl", ["h", "g"]))

    def tearDown(self):
        self.tmp.cleanup()

    def test_more_ranks_than_cores(self):
        self.assertEqual(oversubscription(self.four, {"h": 2}),
                         "oversubscribed: 4 ranks on h's 2 cores")
        self.assertTrue(panel_title(self.four, {"h": 2}).endswith(
            "; oversubscribed: 4 ranks on h's 2 cores"))
        self.assertIn("OVERSUBSCRIBED", default_title([self.two, self.four], {"h": 2}))

    def test_a_core_each_or_unknown(self):
        for cores in ({"h": 4}, {"h": 8, "g": 1}, {}, {"other": 1}):
            with self.subTest(cores=cores):
                self.assertEqual(oversubscription(self.four, cores), "")
                self.assertNotIn("oversubscribed", panel_title(self.four, cores))
                self.assertNotIn("OVERSUBSCRIBED", default_title([self.four], cores))
        self.assertEqual(oversubscription(self.two, {"h": 1, "g": 1}), "")

    def test_where_the_cores_come_from(self):
        json_dir = self.dir / "study" / "json"
        json_dir.mkdir(parents=True)
        trace = read_trace(write_trace(json_dir / "r.trace.jsonl", ["h"] * 4))
        self.assertEqual(gantt.cores_of([trace], None), {})
        (self.dir / "study" / "machine.json").write_text('{"host": "h", "cores": 2}\n')
        self.assertEqual(gantt.cores_of([trace], None), {"h": 2})
        self.assertEqual(gantt.cores_of([trace], 8), {"h": 8})
        here = socket.gethostname()
        local = read_trace(write_trace(self.dir / "local.jsonl", [here] * 2))
        self.assertIn(here, gantt.cores_of([local], None))


class EndToEnd(unittest.TestCase):
    def test_draws_and_refuses(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = write_trace(Path(tmp) / "t.jsonl", ["h"] * 4)
            out = Path(tmp) / "g.png"
            proc = subprocess.run([sys.executable, str(GANTT), str(trace), "--cores", "2",
                                   "-o", str(out)], capture_output=True, text=True,
                                  timeout=120, check=False)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(out.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
            proc = subprocess.run([sys.executable, str(GANTT), str(trace), "--cores", "0",
                                   "-o", str(out)], capture_output=True, text=True,
                                  timeout=120, check=False)
            self.assertEqual((proc.returncode, proc.stderr),
                             (2, "gantt.py: error: --cores 0: give 1 or more\n"))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
