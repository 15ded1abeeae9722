#!/usr/bin/env python3
"""The regression check of scripts/bench.sh (bench/bench_regress.py) on
made-up figures: direction, the 10% threshold (more than 10% worse fails,
exactly 10% does not), figures not comparable (other sizes, unit or
direction), missing and failed ones, the report naming every regressed
figure with its old and new value and the change, reading results and
baseline files, and saving a baseline over an old one. Also the suite's
target marks and its refusal of bad options. Nothing is run or timed.

  test_bench_compare.py [unittest options]
"""
import contextlib
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import bench_regress as br  # noqa: E402
import bench_suite  # noqa: E402


def fig(value, better="higher", unit="numbers/s", params=None):
    return {"value": value, "unit": unit, "better": better,
            "params": {"n": 1000} if params is None else params}


def one(new, old, **kw):
    """The comparison of a figure `new` against a baseline `old` (None: none)."""
    base = None if old is None else br.baseline_entry(fig(old, **kw))
    return br.compare_figure("f", fig(new, **kw), base, br.DEFAULT_THRESHOLD)


class DirectionAndThreshold(unittest.TestCase):
    def test_higher_is_better(self):
        self.assertEqual(one(89.0, 100.0)["state"], "regressed")
        self.assertEqual(one(90.0, 100.0)["state"], "ok")  # exactly 10%: not more
        self.assertEqual(one(91.0, 100.0)["state"], "ok")
        self.assertEqual(one(105.0, 100.0)["state"], "ok")
        self.assertEqual(one(111.0, 100.0)["state"], "improved")

    def test_lower_is_better(self):
        kw = {"better": "lower", "unit": "s"}
        self.assertEqual(one(11.5, 10.0, **kw)["state"], "regressed")
        self.assertEqual(one(11.0, 10.0, **kw)["state"], "ok")
        self.assertEqual(one(9.5, 10.0, **kw)["state"], "ok")
        self.assertEqual(one(5.0, 10.0, **kw)["state"], "improved")

    def test_change_is_how_much_worse(self):
        self.assertAlmostEqual(one(50.0, 100.0)["change_percent"], 50.0)
        self.assertAlmostEqual(one(150.0, 100.0)["change_percent"], -50.0)
        c = one(0.9, 0.6, better="lower", unit="ratio")
        self.assertAlmostEqual(c["change_percent"], 50.0)
        self.assertEqual((c["old"], c["new"]), (0.6, 0.9))

    def test_threshold_is_a_parameter(self):
        base = {"f": br.baseline_entry(fig(100.0))}
        self.assertEqual(br.compare({"f": fig(96.0)}, base, 0.05)[0]["state"], "ok")
        self.assertEqual(br.compare({"f": fig(94.0)}, base, 0.05)[0]["state"], "regressed")
        self.assertEqual(br.compare({"f": fig(94.0)}, base, 0.10)[0]["state"], "ok")


class NotCompared(unittest.TestCase):
    def test_other_sizes_are_not_compared(self):
        base = br.baseline_entry(fig(100.0, params={"n": 10**9}))
        c = br.compare_figure("f", fig(1.0, params={"n": 10**6}), base, 0.1)
        self.assertEqual(c["state"], "not-comparable")
        self.assertIn("{'n': 1000000000}", c["why"])

    def test_other_unit_or_direction(self):
        base = br.baseline_entry(fig(100.0, unit="x"))
        self.assertEqual(br.compare_figure("f", fig(1.0), base, 0.1)["state"], "not-comparable")
        base = br.baseline_entry(fig(100.0, better="lower"))
        self.assertEqual(br.compare_figure("f", fig(1.0), base, 0.1)["state"], "not-comparable")

    def test_zero_baseline(self):
        self.assertEqual(one(1.0, 0.0)["state"], "not-comparable")

    def test_missing_and_failed(self):
        self.assertEqual(one(1.0, None)["state"], "no-baseline")
        self.assertEqual(one(None, 100.0)["state"], "failed")

    def test_baseline_figures_not_measured_are_ignored(self):
        base = {"a": br.baseline_entry(fig(1.0)), "gone": br.baseline_entry(fig(1.0))}
        out = br.compare({"a": fig(1.0)}, base)
        self.assertEqual([c["name"] for c in out], ["a"])
        self.assertEqual(br.regressed(out), [])


class Report(unittest.TestCase):
    def setUp(self):
        self.base = {"rate": br.baseline_entry(fig(2e8)),
                     "ratio": br.baseline_entry(fig(0.6, better="lower", unit="ratio")),
                     "fine": br.baseline_entry(fig(10.0, better="lower", unit="s"))}
        self.figs = {"rate": fig(1e8), "ratio": fig(0.9, better="lower", unit="ratio"),
                     "fine": fig(10.5, better="lower", unit="s"), "new": fig(3.0)}

    def test_every_regressed_figure_named_with_old_new_and_change(self):
        out = br.compare(self.figs, self.base)
        self.assertEqual([c["name"] for c in br.regressed(out)], ["rate", "ratio"])
        lines = br.report(out, 0.1, "baseline.json")
        last = lines[-1]
        self.assertTrue(last.startswith("REGRESSION: 2 figures"), last)
        for text in ("rate", "200.000 M numbers/s", "100.000 M numbers/s", "+50.0%",
                     "ratio", "0.6 ratio", "0.9 ratio"):
            self.assertIn(text, last)
        self.assertNotIn("fine", last)
        body = "\n".join(lines)
        self.assertIn("fine: ok", body)
        self.assertIn("new: 3 numbers/s (no baseline)", body)

    def test_no_regression(self):
        out = br.compare({"fine": self.figs["fine"]}, self.base)
        self.assertEqual(br.report(out, 0.1, "b")[-1], "no regression")


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_load_json(self):
        good = self.dir / "good.json"
        good.write_text(json.dumps({"figures": {"a": fig(1.0)}}))
        self.assertEqual(br.load_json(good)["figures"]["a"]["value"], 1.0)
        for name, text in (("bad.json", "{not json"), ("nofig.json", '{"x": 1}'),
                           ("list.json", "[1]")):
            (self.dir / name).write_text(text)
            with self.assertRaisesRegex(ValueError, name):
                br.load_json(self.dir / name)
        with self.assertRaisesRegex(ValueError, "missing.json"):
            br.load_json(self.dir / "missing.json")

    def test_merged_baseline_replaces_measured_and_keeps_the_rest(self):
        old = {"figures": {"a": dict(br.baseline_entry(fig(1.0)), source="old"),
                           "b": dict(br.baseline_entry(fig(2.0)), source="old")},
               "note": "kept"}
        doc = br.merged_baseline(old, {"a": dict(fig(5.0), what="x", target=None),
                                       "b": fig(None), "c": fig(7.0)}, "new")
        self.assertEqual(doc["note"], "kept")
        self.assertEqual(doc["figures"]["a"], dict(br.baseline_entry(fig(5.0)), source="new"))
        self.assertEqual(doc["figures"]["b"]["value"], 2.0)  # failed now: the old value stays
        self.assertEqual(doc["figures"]["c"]["value"], 7.0)
        self.assertEqual(old["figures"]["a"]["value"], 1.0)  # old_doc itself untouched
        self.assertEqual(br.merged_baseline(None, {"a": fig(1.0)}, "s")["figures"]["a"]["value"],
                         1.0)


class Suite(unittest.TestCase):
    def test_target_marks(self):
        f = bench_suite.figure(2.1e8, "numbers/s", "higher", {}, "w", (">=", 2e8))
        self.assertEqual(bench_suite.target_state(f, quick=False)[1], "met")
        f["value"] = 1.9e8
        self.assertEqual(bench_suite.target_state(f, quick=False)[1], "MISSED")
        self.assertEqual(bench_suite.target_state(f, quick=True)[1], "(full size only)")
        f = bench_suite.figure(0.7, "ratio", "lower", {}, "w", ("<=", 0.75))
        self.assertEqual(bench_suite.target_state(f, quick=False)[1], "met")
        f = bench_suite.figure(600.0, "s", "lower", {}, "w", ("<", 600))
        self.assertEqual(bench_suite.target_state(f, quick=False)[1], "MISSED")
        self.assertEqual(bench_suite.target_state(bench_suite.figure(1.0, "x", "higher", {}, "w"),
                                                  quick=False), ("", ""))

    def test_bad_options_exit_2(self):
        for argv in (["--only", "sieve,nope"], ["--only", ","], ["--runs", "0"],
                     ["--threshold", "0"], ["--save-baseline", "--no-compare"]):
            with self.subTest(argv=argv), contextlib.redirect_stderr(io.StringIO()):
                with self.assertRaises(SystemExit) as e:
                    bench_suite.parse_args(argv)
                self.assertEqual(e.exception.code, 2)

    def test_only_keeps_the_suite_order(self):
        self.assertEqual(bench_suite.parse_args(["--only", "textbook,dispatch"]).names,
                         ["dispatch", "textbook"])
        self.assertNotIn("seventh", bench_suite.parse_args([]).names)


if __name__ == "__main__":
    unittest.main()
