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
sys.path.insert(0, str(REPO / "scripts"))
import median_ci as mci  # noqa: E402


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


class MedianCI(unittest.TestCase):
    def test_order_statistics_and_their_coverage(self):
        # n: (k, coverage of [x_(k), x_(n+1-k)]) from the binomial(n, 1/2) tails.
        for n, k, coverage in ((3, 1, 0.75), (5, 1, 0.9375), (6, 1, 0.96875),
                               (9, 2, 1 - 2 * 10 / 512), (20, 6, 1 - 2 * 21700 / 2**20)):
            ci = mci.summary(list(range(n, 0, -1)))  # unsorted on purpose
            self.assertEqual((ci["lo"], ci["hi"]), (k, n + 1 - k), n)
            self.assertAlmostEqual(ci["coverage"], coverage, msg=n)
            self.assertEqual(ci["n"], n)
            self.assertEqual(ci["median"], (n + 1) / 2)

    def test_few_runs_say_their_coverage(self):
        self.assertIn("min-max of 3, 75% coverage", mci.fmt_summary(mci.summary([3, 1, 2])))
        self.assertIn("95% CI, n=9", mci.fmt_summary(mci.summary(list(range(9)))))
        self.assertIsNone(mci.summary([]))
        self.assertIsNone(mci.summary([None, None]))
        self.assertEqual(mci.summary([None, 4.0, 2.0])["median"], 3.0)
        self.assertEqual(mci.fmt_summary(None), "n/a")

    def test_figures_carry_it(self):
        f = bench_suite.figure(2.0, "x", "higher", {}, "w", samples=[1.0, 2.0, 3.0])
        self.assertEqual((f["median_ci"]["lo"], f["median_ci"]["hi"]), (1.0, 3.0))
        self.assertIsNone(bench_suite.figure(2.0, "x", "higher", {}, "w")["median_ci"])


def sieve_bench_json(rates, reference=None):
    """What sieve_bench --benchmark_format=json prints, for {(chunk, start): numbers/s}."""
    out = [{"name": f"BM_ChunkCurve/chunk:{k}/start:{st}/span:{10**7}/min_time:0.300",
            "items_per_second": v} for (k, st), v in rates.items()]
    if reference:
        out.append({"name": f"BM_ReferenceSieve/count:{10**7}/start:{10**10}/min_time:0.300",
                    "items_per_second": reference})
    return json.dumps({"context": {}, "benchmarks": out})


def curve_run(rates, reference=5e7):
    """A run_curve dict read from sieve_bench's JSON."""
    curve, refs = bench_suite.read_curve(sieve_bench_json(rates, reference))
    return {"rc": 0, "reference_numbers_per_s": refs.get(10**10),
            "rates": [{"chunk": k, "start": st, "numbers_per_s": v}
                      for (k, st), v in curve.items()]}


def healthy_rates(scale=1.0):
    """A curve that flattens above 1e5: per-chunk set-up about 15 us."""
    out = {}
    for start, full in ((10**9, 2.3e8), (10**10, 1.6e8), (10**12, 1.1e8)):
        for k in range(3, 8):
            chunk = 10**k
            out[(chunk, start)] = scale * chunk / (chunk / full + 15e-6)
    return out


class ChunkCurve(unittest.TestCase):
    SPAN = 10**7

    def test_reads_sieve_bench_json(self):
        curve, refs = bench_suite.read_curve("noise before\n" + sieve_bench_json(
            {(1000, 10**9): 1e8}, 4e7))
        self.assertEqual(curve, {(1000, 10**9): 1e8})
        self.assertEqual(refs, {10**10: 4e7})
        bad = json.dumps({"benchmarks": [{"name": "BM_ChunkCurve/chunk:1/start:1/span:1",
                                          "error_occurred": True, "error_message": "lost"}]})
        with self.assertRaisesRegex(ValueError, "lost"):
            bench_suite.read_curve(bad)

    def test_figures_are_rates_relative_to_the_largest_chunk(self):
        figs, problems = bench_suite.curve_figures([curve_run(healthy_rates())], self.SPAN)
        self.assertEqual(problems, [])
        self.assertEqual(len([n for n in figs if n.startswith("sieve_chunk_")]), 12)
        f = figs["sieve_chunk_1e5_at_1e9"]
        self.assertAlmostEqual(f["value"], (1e5 / (1e5 / 2.3e8 + 15e-6)) /
                               (1e7 / (1e7 / 2.3e8 + 15e-6)))
        self.assertEqual((f["unit"], f["better"]), ("ratio", "higher"))
        self.assertEqual(f["params"], {"start": 10**9, "chunk": 10**5, "span": self.SPAN,
                                       "ranks": 1})
        self.assertEqual(f["target"], {"op": ">=", "value": 0.95})
        self.assertAlmostEqual(figs["sieve_over_reference"]["value"],
                               healthy_rates()[(10**7, 10**10)] / 5e7)

    def test_the_machine_speed_cancels(self):
        # A machine half as fast (or as loaded) moves no relative figure.
        base = bench_suite.curve_figures([curve_run(healthy_rates())], self.SPAN)[0]
        slow = bench_suite.curve_figures([curve_run(healthy_rates(0.5), 2.5e7)], self.SPAN)[0]
        self.assertEqual(br.regressed(br.compare(slow, {n: br.baseline_entry(f)
                                                        for n, f in base.items()})), [])

    def test_a_small_chunk_regression_fails_the_check(self):
        base_runs = [curve_run(healthy_rates()) for _ in range(3)]
        base = {n: br.baseline_entry(f)
                for n, f in bench_suite.curve_figures(base_runs, self.SPAN)[0].items()}
        # Per-chunk set-up back to 235 us near 1e9 (the allocation and the
        # division per prime of old): small chunks slow, chunk 1e7 not.
        worse = healthy_rates()
        for k in range(3, 8):
            worse[(10**k, 10**9)] = 10**k / (10**k / 2.3e8 + 235e-6)
        figs = bench_suite.curve_figures([curve_run(worse) for _ in range(3)], self.SPAN)[0]
        bad = [c["name"] for c in br.regressed(br.compare(figs, base))]
        self.assertEqual(bad, ["sieve_chunk_1e3_at_1e9", "sieve_chunk_1e4_at_1e9",
                               "sieve_chunk_1e5_at_1e9"])
        self.assertIn("REGRESSION: 3 figures", br.report(br.compare(figs, base), 0.1, "b")[-1])

    def test_a_quick_curve_is_not_judged_against_a_full_one(self):
        full = bench_suite.curve_figures([curve_run(healthy_rates())], self.SPAN)[0]
        quick = bench_suite.curve_figures([curve_run(healthy_rates())], 10**6)[0]
        states = {c["state"] for c in br.compare(quick, {n: br.baseline_entry(f)
                                                         for n, f in full.items()})}
        self.assertEqual(states, {"not-comparable"})

    def test_failed_rounds_are_left_out(self):
        runs = [curve_run(healthy_rates()), {"rc": 1}, curve_run(healthy_rates())]
        figs, problems = bench_suite.curve_figures(runs, self.SPAN)
        self.assertEqual(problems, [])
        self.assertEqual(figs["sieve_chunk_1e4_at_1e9"]["median_ci"]["n"], 2)


if __name__ == "__main__":
    unittest.main()
