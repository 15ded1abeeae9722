#!/usr/bin/env python3
"""The benchmark suite of scripts/bench.sh: every side-by-side comparison of
the issue in one run, medians of several runs, figures against their targets
and a regression check against a saved baseline.

Benchmarks (--only picks some; the default is all but seventh):

  sieve      perfect by sieve over [1e10, 1e10 + 1e9], 1 rank and 2 ranks
             (dynamic): numbers/s at one rank (per core) and the 2-rank
             speedup, on the report's timing.wall_s.
  chunks     the sieve's chunk-size curve (build/bench/sieve_bench
             BM_ChunkCurve): one workload object over 1e7 numbers near 1e9,
             1e10 and 1e12 in chunks of 1e3 .. 1e7; each chunk size's rate
             over the rate at chunk 1e7 in the same run (what a chunk's
             set-up costs, so a small-chunk regression fails the check), and
             the sieve at chunk 1e7 near 1e10 over the simple divisor-pair
             reference sieve (BM_ReferenceSieve) in the same run.
  factorial  rangefarm factorial 5e7 at 2 ranks against gmp_factorial
             (mpz_fac_ui, one core), both whole processes.
  decimal    the decimal digits of 1e7!: rangefarm --output at 2 ranks
             (timing.phases.decimal_s) against mpz_get_str (get_str_s); the
             two files must be identical.
  dispatch   rangefarm synthetic --tasks T --cost uniform --unit-ms 0 --chunk 1
             at 2 ranks (T = 1e6): chunks per second = T / timing.wall_s,
             rank 0 computing its share.
  mersenne   mersenne --to 25000, 2 ranks (dynamic) against 1 rank, on
             timing.wall_s (about 2 minutes at 1 rank).
  textbook   bench/textbook_perfect.py (the classic multiprocessing Pool
             divisor loop) on [1, 2e4] with 2 processes, against rangefarm
             perfect --method trial and the sieve at 2 ranks, whole processes;
             all must find the same perfect numbers.
  seventh    rangefarm perfect --to 137438691328 at 2 ranks, once, whole
             process (target: under 10 minutes). Not in the default set.

--quick shrinks every size (1e8 numbers near 1e10, 1e6!, 2e4 tasks, mersenne
to 3000, textbook 2000, seventh to the fifth perfect number, a chunk curve
over 1e6 numbers) and runs once:
a smoke test, whose figures are never compared with a full run's.

How long, on a quiet 2-core machine: the default set about 7 minutes
(mersenne 3 of them, factorial and decimal 1 each); --quick about 10 s;
seventh alone, by the target, under 10 minutes.

Every figure has a unit and a direction (higher or lower is better); it is
printed beside its target from the issue (full sizes only), met or missed,
and with the median of its per-run values and that median's 95% confidence
interval by order statistics (scripts/median_ci.py: distribution-free,
binomial; with fewer than 6 runs no interval reaches 95%, and the min-max
range is shown with its coverage instead).
Targets do not fail the run. The results go to --out as JSON (default
bench/results/bench-<date>.json), the figures under "figures". Then each
figure is compared with the baseline file (--baseline, default
bench/baseline.json; bench_regress.py): more than 10% worse fails the run.
--save-baseline writes this run's figures into the baseline instead (those
not measured are kept). --check FILE compares a saved results file instead
of running anything.

Exit status: 0 fine, 1 a figure regressed, 2 a run failed, results disagree
or the input is wrong.
"""
import argparse
import datetime
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_regress  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from median_ci import fmt_summary, summary  # noqa: E402  (scripts/median_ci.py)
import factorial_compare as fc  # noqa: E402
import mersenne_compare as mc  # noqa: E402
import perfect_compare as pc  # noqa: E402
import bench_common  # noqa: E402
from bench_common import (  # noqa: E402
    REPO, add_common_args, cpu_model, doc_head, fmt_count, machine_start, mpi_env,
    print_failed_runs, print_problems, ratio_of, repo_path, report_noise, rotated, run_rangefarm,
    stats, timed_process, write_results)

BENCHMARKS = ["sieve", "chunks", "factorial", "decimal", "dispatch", "mersenne", "textbook",
              "seventh"]
DEFAULT_SET = [b for b in BENCHMARKS if b != "seventh"]
DEFAULT_RUNS = {"sieve": 3, "chunks": 3, "factorial": 3, "decimal": 3, "dispatch": 5, "mersenne": 1,
                "textbook": 5, "seventh": 1}
RANKS = 2
SEVENTH = 137438691328
SEVENTH_TIMEOUT = 7200  # s, at least, whatever --timeout says
DEFAULT_OUT = "bench/results/bench-<date>.json"
TEXTBOOK = REPO / "bench" / "textbook_perfect.py"

# Sizes: (full, quick).
SIZES = {
    "sieve_from": (10**10, 10**10), "sieve_count": (10**9, 10**8),
    "factorial_n": (5 * 10**7, 10**6), "decimal_n": (10**7, 10**6),
    "dispatch_tasks": (10**6, 2 * 10**4), "mersenne_to": (25000, 3000),
    "textbook_n": (2 * 10**4, 2000), "seventh_to": (SEVENTH, 33550336),
    "chunk_span": (10**7, 10**6),
}
CHUNK_STARTS = (10**9, 10**10, 10**12)
REFERENCE_START = 10**10  # where the sieve is held to the reference sieve
# (chunk, start): the targets for the rate at a chunk over the rate at chunk 1e7.
CHUNK_TARGETS = {(10**5, 10**9): 0.95, (10**5, 10**10): 0.95, (10**5, 10**12): 0.85,
                 (10**4, 10**9): 0.7}


def figure(value, unit, better, params, what, target=None, samples=None):
    """target: (op, value) with op '>=', '<=' or '<', or None. samples: the
    per-run (or per-round) values the figure is the median of, or of which
    its ratio of medians is taken; their median's 95% CI is printed."""
    return {"value": value, "unit": unit, "better": better, "params": params, "what": what,
            "target": {"op": target[0], "value": target[1]} if target else None,
            "median_ci": summary(samples or [])}


def per_round(num, den):
    """Same-round ratios num / den of two per-round series (None where either failed)."""
    return [x / y if x is not None and y else None for x, y in zip(num, den)]


def median(values):
    s = stats(values)
    return s["median"] if s else None


def of_runs(cfg, key):
    """Per-run values of key (None where the run failed)."""
    return [r.get(key) if r["rc"] == 0 else None for r in cfg.runs]


class Command:
    """A configuration run by a function of no arguments that returns the run's dict."""

    def __init__(self, name, what, ranks, run):
        self.name, self.what, self.ranks, self._run = name, what, ranks, run
        self.runs = []

    def run_once(self):
        return self._run()

    def describe(self):
        return {"name": self.name, "what": self.what, "ranks": self.ranks}


def print_run(cfg, r, rnd, runs):
    head = f"  round {rnd + 1}/{runs}  {cfg.name:<16}"
    if r["rc"] != 0:
        print(f"{head} FAILED ({r['rc']}): {r.get('error', '').strip()[-300:]}", flush=True)
        return
    wall = f"  wall {r['wall_s']:8.3f} s" if "wall_s" in r else ""
    print(f"{head} process {r['process_wall_s']:8.3f} s{wall}"
          f"  other {r.get('other_cores', float('nan')):.2f} cores", flush=True)


def run_rounds(configs, runs):
    """Every configuration once a round (order rotated each round)."""
    for rnd in range(runs):
        for cfg in rotated(configs, rnd):
            r = cfg.run_once()
            r["round"] = rnd + 1
            cfg.runs.append(r)
            print_run(cfg, r, rnd, runs)


def perfect_command(ctx, name, ranks, method, frm, to, what, args=None):
    cfg = pc.Config(name, ranks, method, "dynamic", to, what, frm=frm)
    args = args or ctx.args
    return Command(name, what, ranks, lambda: pc.run_once(cfg, args, ctx.binary, ctx.env)), cfg


# ---- the benchmarks: each returns (configs, figures, problems) ----

def bench_sieve(ctx):
    frm, count = ctx.size("sieve_from"), ctx.size("sieve_count")
    to = frm + count
    where = f"[{fmt_count(frm)}, {fmt_count(frm)} + {fmt_count(count)}]"
    one, one_cfg = perfect_command(ctx, "sieve-1", 1, "sieve", frm, to, f"sieve, 1 rank, {where}")
    two, two_cfg = perfect_command(ctx, "sieve-2", RANKS, "sieve", frm, to,
                                   f"sieve, {RANKS} ranks dynamic, {where}")
    configs = [one, two]
    run_rounds(configs, ctx.runs)
    one_cfg.runs, two_cfg.runs = one.runs, two.runs
    size = one_cfg.size
    params = {"from": frm, "to": to, "schedule": "dynamic"}
    rates = [size / w if w else None for w in of_runs(one, "wall_s")]
    speedup = ratio_of(of_runs(one, "wall_s"), of_runs(two, "wall_s"))["ratio_of_medians"]
    figures = {
        "sieve_rate_1rank": figure(median(rates), "numbers/s", "higher", dict(params, ranks=1),
                                   f"sieve numbers/s at 1 rank (per core), {where}",
                                   (">=", 200e6), rates),
        "sieve_speedup_2rank": figure(speedup, "x", "higher", dict(params, ranks=RANKS),
                                      f"sieve {RANKS} ranks / 1 rank speedup, {where}",
                                      (">=", 1.95),
                                      per_round(of_runs(one, "wall_s"), of_runs(two, "wall_s"))),
    }
    return configs, figures, pc.check_results([one_cfg, two_cfg])


def factorial_configs(ctx, n, output):
    """The gmp and rf configurations of n (with --output files where output)."""
    prefix = "dec-" if output else ""
    gmp = fc.Config(f"{prefix}gmp-{fmt_count(n)}", "gmp",
                    f"mpz_fac_ui{' + mpz_get_str' if output else ''} {fmt_count(n)}!, 1 core",
                    [n], output=output)
    rf = fc.Config(f"{prefix}rf{RANKS}-{fmt_count(n)}", "rf",
                   f"rangefarm {fmt_count(n)}!{' --output' if output else ''}, {RANKS} ranks",
                   [n], RANKS, output=output)
    return gmp, rf


def factorial_problems(configs, file_problems):
    ref_bits = {c.ns[0]: r["bits"] for c in configs if c.kind == "gmp" for r in c.runs
                if r["rc"] == 0}
    problems = fc.check_runs(configs, ref_bits) + file_problems
    for n in {n for c in configs if c.kind == "rf" for n in c.ns} - set(ref_bits):
        problems.append(f"n = {n}: no GMP run succeeded, so bits are unchecked")
    return problems


def bench_factorial(ctx):
    n = ctx.size("factorial_n")
    gmp, rf = factorial_configs(ctx, n, output=False)
    configs = [gmp, rf]
    file_problems = fc.run_rounds(configs, ctx.runs, None, ctx.args, ctx.tools, ctx.env)
    params = {"n": n, "ranks": RANKS}
    ratio = fc.ratio(rf, "process_wall_s", gmp, "process_wall_s")["ratio_of_medians"]
    figures = {
        "factorial_vs_gmp": figure(ratio, "ratio", "lower", params,
                                   f"rangefarm {fmt_count(n)}! at {RANKS} ranks / mpz_fac_ui, "
                                   "whole process", ("<=", 0.75),
                                   per_round(fc.series(rf, "process_wall_s"),
                                             fc.series(gmp, "process_wall_s"))),
        "factorial_2rank_s": figure(median(fc.series(rf, "process_wall_s")), "s", "lower", params,
                                    f"rangefarm {fmt_count(n)}! at {RANKS} ranks, whole process",
                                    samples=fc.series(rf, "process_wall_s")),
    }
    return configs, figures, factorial_problems(configs, file_problems)


def bench_decimal(ctx):
    n = ctx.size("decimal_n")
    gmp, rf = factorial_configs(ctx, n, output=True)
    configs = [gmp, rf]
    file_problems = fc.run_rounds(configs, ctx.runs, (rf, gmp), ctx.args, ctx.tools, ctx.env)
    params = {"n": n, "ranks": RANKS}
    ratio = fc.ratio(rf, "phase:decimal_s", gmp, "get_str_s")["ratio_of_medians"]
    figures = {
        "decimal_vs_get_str": figure(ratio, "ratio", "lower", params,
                                     f"decimal of {fmt_count(n)}! at {RANKS} ranks (decimal_s) "
                                     "/ mpz_get_str (get_str_s)", ("<=", 0.6),
                                     per_round(fc.series(rf, "phase:decimal_s"),
                                               fc.series(gmp, "get_str_s"))),
        "decimal_2rank_s": figure(median(fc.series(rf, "phase:decimal_s")), "s", "lower", params,
                                  f"decimal of {fmt_count(n)}! at {RANKS} ranks (decimal_s)",
                                  samples=fc.series(rf, "phase:decimal_s")),
    }
    return configs, figures, factorial_problems(configs, file_problems)


def bench_dispatch(ctx):
    tasks = ctx.size("dispatch_tasks")
    argv = ([ctx.args.mpirun, "-np", str(RANKS)] + ctx.args.mpirun_arg +
            [str(ctx.binary), "synthetic", "--tasks", str(tasks), "--cost", "uniform",
             "--unit-ms", "0", "--chunk", "1", "--json", "-", "--quiet"])
    cmd = Command(f"dispatch-{RANKS}", f"synthetic, {fmt_count(tasks)} zero-cost tasks, chunk 1, "
                                       f"{RANKS} ranks", RANKS,
                  lambda: run_rangefarm(argv, ctx.args, ctx.env))
    run_rounds([cmd], ctx.runs)
    problems = []
    for r in cmd.runs:
        if r["rc"] == 0:
            chunks = sum(c or 0 for c in r["chunks"])
            if r.get("items_total") != tasks or chunks != tasks or \
                    r["result"].get("tasks") != tasks:
                problems.append(f"{cmd.name} round {r['round']}: {tasks} tasks, yet items_total "
                                f"{r.get('items_total')}, chunks {chunks}, result.tasks "
                                f"{r['result'].get('tasks')}")
    rates = [tasks / w if w else None for w in of_runs(cmd, "wall_s")]
    figures = {"dispatch_rate_2rank": figure(
        median(rates), "chunks/s", "higher", {"tasks": tasks, "ranks": RANKS, "chunk": 1},
        f"chunks/s through rank 0, {RANKS} ranks (synthetic, --unit-ms 0 --chunk 1)",
        (">=", 500e3), rates)}
    return [cmd], figures, problems


def bench_mersenne(ctx):
    to = ctx.size("mersenne_to")
    args = argparse.Namespace(**vars(ctx.args), from_=2)
    chosen = {c[0]: c for c in mc.CONFIGS}
    one_cfg, two_cfg = mc.Config(*chosen["one-rank"]), mc.Config(*chosen["dynamic-2"])
    one = Command("mersenne-1", one_cfg.what,
                  1, lambda: mc.run_once(one_cfg, args, ctx.binary, ctx.env, to))
    two = Command(f"mersenne-{RANKS}", two_cfg.what, RANKS,
                  lambda: mc.run_once(two_cfg, args, ctx.binary, ctx.env, to))
    configs = [one, two]
    run_rounds(configs, ctx.runs)
    one_cfg.runs, two_cfg.runs = one.runs, two.runs
    params = {"to": to}
    ratio = ratio_of(of_runs(two, "wall_s"), of_runs(one, "wall_s"))["ratio_of_medians"]
    figures = {
        "mersenne_2rank_vs_1rank": figure(ratio, "ratio", "lower", dict(params, ranks=RANKS),
                                          f"mersenne --to {to}: {RANKS} ranks / 1 rank, wall_s",
                                          ("<=", 0.53),
                                          per_round(of_runs(two, "wall_s"),
                                                    of_runs(one, "wall_s"))),
        "mersenne_2rank_s": figure(median(of_runs(two, "wall_s")), "s", "lower",
                                   dict(params, ranks=RANKS),
                                   f"mersenne --to {to} at {RANKS} ranks, wall_s",
                                   samples=of_runs(two, "wall_s")),
    }
    return configs, figures, mc.check_runs([one_cfg, two_cfg], 2, to)


def run_textbook(ctx, n):
    argv = [sys.executable, str(TEXTBOOK), str(n), "--processes", str(RANKS)]
    rc, out, _, run = timed_process(argv, ctx.env, ctx.args.timeout, ctx.args.wait_idle)
    if rc == 0:
        try:
            run["perfect_numbers"] = [int(x) for x in out.split()]
        except ValueError:
            run["rc"], run["error"] = "bad-output", out[-500:]
    return run


def bench_textbook(ctx):
    n = ctx.size("textbook_n")
    where = f"[1, {fmt_count(n)}]"
    py = Command("textbook-py", f"textbook_perfect.py {where}, Pool({RANKS})", RANKS,
                 lambda: run_textbook(ctx, n))
    trial, trial_cfg = perfect_command(ctx, f"trial-{RANKS}", RANKS, "trial", 1, n,
                                       f"rangefarm perfect --method trial, {where}")
    sieve, sieve_cfg = perfect_command(ctx, f"sieve-small-{RANKS}", RANKS, "sieve", 1, n,
                                       f"rangefarm perfect (sieve), {where}")
    configs = [py, trial, sieve]
    run_rounds(configs, ctx.runs)
    trial_cfg.runs, sieve_cfg.runs = trial.runs, sieve.runs
    problems = pc.check_results([trial_cfg, sieve_cfg])
    known = [p for p in pc.KNOWN_PERFECT if p <= n]
    for r in py.runs:
        if r["rc"] == 0 and r["perfect_numbers"] != known:
            problems.append(f"{py.name} round {r['round']}: perfect numbers "
                            f"{r['perfect_numbers']} != known {known}")
    params = {"n": n, "ranks": RANKS}
    py_s = of_runs(py, "process_wall_s")
    figures = {}
    for cmd, method in ((trial, "trial"), (sieve, "sieve")):
        ratio = ratio_of(py_s, of_runs(cmd, "process_wall_s"))["ratio_of_medians"]
        figures[f"textbook_over_{method}"] = figure(
            ratio, "x", "higher", params,
            f"textbook Python / rangefarm {method}, {where}, {RANKS} workers, whole processes",
            samples=per_round(py_s, of_runs(cmd, "process_wall_s")))
    return configs, figures, problems


def bench_seventh(ctx):
    to = ctx.size("seventh_to")
    args = argparse.Namespace(**vars(ctx.args))
    args.timeout = max(args.timeout, SEVENTH_TIMEOUT)
    cmd, cfg = perfect_command(ctx, f"seventh-{RANKS}", RANKS, "sieve", 1, to,
                               f"rangefarm perfect --to {to}, {RANKS} ranks", args)
    run_rounds([cmd], ctx.runs)
    cfg.runs = cmd.runs
    figures = {"seventh_2rank_s": figure(
        median(of_runs(cmd, "process_wall_s")), "s", "lower", {"to": to, "ranks": RANKS},
        f"perfect --to {to} at {RANKS} ranks, whole process", ("<", 600),
        of_runs(cmd, "process_wall_s"))}
    return [cmd], figures, pc.check_results([cfg])


CURVE_NAME = re.compile(r"^BM_ChunkCurve/chunk:(\d+)/start:(\d+)/span:(\d+)")
REFERENCE_NAME = re.compile(r"^BM_ReferenceSieve/count:(\d+)/start:(\d+)")


def read_curve(text):
    """sieve_bench's JSON (--benchmark_format=json) -> ({(chunk, start): numbers/s},
    {start: reference numbers/s})."""
    curve, reference = {}, {}
    for b in bench_common.first_json(text)["benchmarks"]:
        if b.get("error_occurred"):
            raise ValueError(f"{b['name']}: {b.get('error_message')}")
        if m := CURVE_NAME.match(b["name"]):
            curve[(int(m[1]), int(m[2]))] = b["items_per_second"]
        elif m := REFERENCE_NAME.match(b["name"]):
            reference[int(m[2])] = b["items_per_second"]
    return curve, reference


def run_curve(ctx, span):
    """One run of sieve_bench's chunk curve over span numbers and the reference sieve."""
    argv = [str(ctx.tools["sieve_bench"]), "--benchmark_format=json",
            f"--benchmark_filter=^BM_ChunkCurve/.*/span:{span}/|"
            f"^BM_ReferenceSieve/count:{10**7}/start:{REFERENCE_START}/"]
    rc, out, _, run = timed_process(argv, ctx.env, ctx.args.timeout, ctx.args.wait_idle)
    if rc == 0:
        try:
            curve, reference = read_curve(out)
            run["rates"] = [{"chunk": k, "start": st, "numbers_per_s": v}
                            for (k, st), v in sorted(curve.items())]
            run["reference_numbers_per_s"] = reference.get(REFERENCE_START)
        except (ValueError, KeyError, TypeError) as e:
            run["rc"], run["error"] = "bad-json", f"{type(e).__name__} {e}: {out[-500:]!r}"
    return run


def curve_rate(run, chunk, start):
    if run["rc"] != 0:
        return None
    return next((r["numbers_per_s"] for r in run["rates"]
                 if r["chunk"] == chunk and r["start"] == start), None)


def curve_figures(runs, span):
    """The chunk benchmark's figures from its runs (run_curve's dicts, one a
    round): per start and chunk below span, the median over rounds of the
    same-round rate at that chunk over the rate at chunk = span; and the
    sieve over the reference sieve. Returns (figures, problems)."""
    figures, problems = {}, []
    for start in CHUNK_STARTS:
        whole = [curve_rate(r, span, start) for r in runs]
        if not any(whole):
            problems.append(f"no rate at chunk {fmt_count(span)} near {fmt_count(start)}")
        for chunk in (10**k for k in range(3, 8) if 10**k < span):
            rel = per_round([curve_rate(r, chunk, start) for r in runs], whole)
            target = CHUNK_TARGETS.get((chunk, start))
            figures[f"sieve_chunk_{fmt_count(chunk)}_at_{fmt_count(start)}"] = figure(
                median(rel), "ratio", "higher",
                {"start": start, "chunk": chunk, "span": span, "ranks": 1},
                f"sieve rate at chunk {fmt_count(chunk)} / at chunk {fmt_count(span)}, "
                f"{fmt_count(span)} numbers near {fmt_count(start)}",
                (">=", target) if target and span == 10**7 else None, rel)
    sieve = [curve_rate(r, span, REFERENCE_START) for r in runs]
    ref = [r.get("reference_numbers_per_s") if r["rc"] == 0 else None for r in runs]
    over = per_round(sieve, ref)
    figures["sieve_over_reference"] = figure(
        median(over), "x", "higher", {"start": REFERENCE_START, "span": span, "ranks": 1},
        f"sieve at chunk {fmt_count(span)} ({fmt_count(span)} numbers) / simple divisor-pair "
        f"reference sieve (1e7 numbers), near {fmt_count(REFERENCE_START)}", (">=", 3.0), over)
    return figures, problems


def bench_chunks(ctx):
    span = ctx.size("chunk_span")
    cmd = Command("chunk-curve", f"sieve_bench BM_ChunkCurve over {fmt_count(span)} numbers, "
                                 "1 thread", 1, lambda: run_curve(ctx, span))
    run_rounds([cmd], ctx.runs)
    figures, problems = curve_figures(cmd.runs, span)
    return [cmd], figures, problems


BENCH_FNS = {"sieve": bench_sieve, "chunks": bench_chunks, "factorial": bench_factorial,
             "decimal": bench_decimal, "dispatch": bench_dispatch, "mersenne": bench_mersenne,
             "textbook": bench_textbook, "seventh": bench_seventh}


class Context:
    def __init__(self, args, tools, env, quick):
        self.args, self.tools, self.env, self.quick = args, tools, env, quick
        self.binary = tools["rangefarm"]
        self.runs = 1

    def size(self, key):
        return SIZES[key][1 if self.quick else 0]


# ---- targets and output ----

def target_state(fig, quick):
    t = fig["target"]
    if not t:
        return "", ""
    text = f"{t['op']} {bench_regress.fmt_value(t['value'], fig['unit'])}"
    if quick:
        return text, "(full size only)"
    v = fig["value"]
    if v is None:
        return text, "n/a"
    met = {">=": v >= t["value"], "<=": v <= t["value"], "<": v < t["value"]}[t["op"]]
    return text, "met" if met else "MISSED"


def print_figures(figures, quick):
    print()
    print("figures (medians), each beside its target from the issue; targets do not fail the run:")
    width = max((len(n) for n in figures), default=10)
    for name, fig in figures.items():
        text, state = target_state(fig, quick)
        fig["target_met"] = {"met": True, "MISSED": False}.get(state)
        shown = bench_regress.fmt_value(fig["value"], fig["unit"])
        ci = fig.get("median_ci")
        print(f"  {name:<{width}}  {shown:>22}  {('target ' + text) if text else '':<32} "
              f"{state:<16} {fig['what']}")
        if ci:
            print(f"  {'':<{width}}  median of the runs: {fmt_summary(ci)}")


def check_regressions(figures, args):
    """Compares figures with the baseline; returns (the record for the JSON,
    exit status: 0 fine, 1 a figure regressed, 2 the baseline is unreadable)."""
    path = repo_path(args.baseline)
    if not path.exists():
        print(f"\nno baseline file {path}: nothing compared (--save-baseline writes one)")
        return {"baseline": str(path), "missing": True}, 0
    try:
        base = bench_regress.load_json(path)
    except ValueError as e:
        print(f"\nbench: baseline {e}", file=sys.stderr)
        return {"baseline": str(path), "error": str(e)}, 2
    threshold = args.threshold / 100
    comparisons = bench_regress.compare(figures, base["figures"], threshold)
    print()
    for line in bench_regress.report(comparisons, threshold, path):
        print(line)
    bad = bench_regress.regressed(comparisons)
    return {"baseline": str(path), "threshold": threshold, "comparisons": comparisons,
            "regressed": [c["name"] for c in bad]}, 1 if bad else 0


def save_baseline(figures, args, source):
    """Merges figures into the baseline file; returns the exit status."""
    path = repo_path(args.baseline)
    try:
        old = bench_regress.load_json(path) if path.exists() else None
    except ValueError as e:
        print(f"bench: baseline {e}; not saved", file=sys.stderr)
        return 2
    doc = bench_regress.merged_baseline(old, figures, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"baseline: {sum(1 for f in figures.values() if f['value'] is not None)} figures saved "
          f"to {path}")
    return 0


def check_only(args):
    """--check FILE: a saved results file against the baseline, nothing run."""
    try:
        doc = bench_regress.load_json(repo_path(args.check))
    except ValueError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    if args.save_baseline:
        return save_baseline(doc["figures"], args, str(args.check))
    return check_regressions(doc["figures"], args)[1]


def parse_args(argv=None):
    ap = bench_common.ArgumentParser(
        prog="scripts/bench.sh", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="benchmarks: " + ", ".join(BENCHMARKS) + " (default all but seventh)")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, one run each: a smoke test (never compared with a full"
                         " run's figures)")
    ap.add_argument("--runs", type=int, metavar="N",
                    help="runs of every configuration (default: " + ", ".join(
                        f"{k} {v}" for k, v in DEFAULT_RUNS.items()) + "; 1 with --quick)")
    ap.add_argument("--only", metavar="NAME,...",
                    help="the benchmarks to run, comma-separated: " + ",".join(BENCHMARKS))
    ap.add_argument("--build", default=os.environ.get("RANGEFARM_BUILD_DIR", "build"),
                    help="build folder, relative to the repository root or absolute (default"
                         " $RANGEFARM_BUILD_DIR or build)")
    ap.add_argument("--baseline", default="bench/baseline.json", metavar="FILE",
                    help="baseline figures (default bench/baseline.json)")
    ap.add_argument("--no-compare", action="store_true", help="no regression check")
    ap.add_argument("--save-baseline", action="store_true",
                    help="write the figures into --baseline (keeping those not measured), no"
                         " regression check")
    ap.add_argument("--threshold", type=float, default=bench_regress.DEFAULT_THRESHOLD * 100,
                    metavar="PCT", help="a figure worse than its baseline by more than PCT%%"
                                        " fails the run (default 10)")
    ap.add_argument("--check", metavar="RESULTS",
                    help="run nothing: compare a saved results file with the baseline (with"
                         " --save-baseline: save its figures as the baseline)")
    add_common_args(ap, DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.threshold <= 0:
        ap.error("--threshold must be above 0")
    names = DEFAULT_SET if args.only is None else [x for x in args.only.split(",") if x]
    unknown = [x for x in names if x not in BENCHMARKS]
    if unknown or not names:
        ap.error(f"--only: unknown {', '.join(unknown) or 'empty list'}; choose from "
                 + ",".join(BENCHMARKS))
    args.names = [b for b in BENCHMARKS if b in names]
    if args.save_baseline and args.no_compare:
        ap.error("--save-baseline and --no-compare: choose one")
    return args


def tools_for(args, names):
    """The executables the benchmarks need; None after saying which is missing."""
    build = repo_path(args.build)
    tools = {"rangefarm": build / "apps" / "rangefarm"}
    if {"factorial", "decimal"} & set(names):
        tools["gmp"] = build / "bench" / "gmp_factorial"
    if "chunks" in names:
        tools["sieve_bench"] = build / "bench" / "sieve_bench"
    for path in tools.values():
        if not os.access(path, os.X_OK):
            print(f"bench: no executable {path}; build first: RANGEFARM_BUILD_DIR={build} "
                  f"scripts/setup.sh", file=sys.stderr)
            return None
    return tools


def main(argv=None):
    args = parse_args(argv)
    if args.check:
        return check_only(args)
    args.schedule = None  # factorial_compare's: the app's default
    tools = tools_for(args, args.names)
    if tools is None:
        return 2
    ctx = Context(args, tools, mpi_env(), args.quick)
    model = cpu_model()
    print(f"bench: {', '.join(args.names)}{' (quick)' if args.quick else ''}; build "
          f"{repo_path(args.build)}")
    cores, load_start, started, busy_now = machine_start(model)
    warm = run_rangefarm([args.mpirun, "-np", str(RANKS)] + args.mpirun_arg +
                         [str(ctx.binary), "perfect", "--to", "1000000", "--json", "-"],
                         args, ctx.env)
    if warm["rc"] != 0:
        print(f"bench: warm-up run {warm['argv']} failed ({warm['rc']}):\n"
              f"{warm.get('error', '')}", file=sys.stderr)
        return 2

    figures, problems, all_configs, benchmarks = {}, [], [], {}
    for name in args.names:
        ctx.runs = 1 if args.quick and args.runs is None else (args.runs or DEFAULT_RUNS[name])
        print(f"\n{name}: {ctx.runs} run{'s' if ctx.runs > 1 else ''}", flush=True)
        configs, figs, probs = BENCH_FNS[name](ctx)
        figures.update(figs)
        problems += [f"{name}: {p}" for p in probs]
        all_configs += configs
        benchmarks[name] = {"runs": ctx.runs,
                            "configs": [dict(c.describe(), runs=c.runs) for c in configs]}
    load_end = os.getloadavg()
    failed = [(c.name, r["round"]) for c in all_configs for r in c.runs if r["rc"] != 0]

    print_figures(figures, args.quick)
    print_failed_runs(failed, all_configs)
    print_problems(problems, "every run agrees and finds the known results")
    noisy = report_noise(all_configs, load_start, load_end)

    regression, status = None, 0
    if args.save_baseline:
        if failed or problems:
            print("bench: runs failed or disagree: the baseline is not saved", file=sys.stderr)
        else:
            status = save_baseline(figures, args,
                                   f"{started.isoformat()}{' --quick' if args.quick else ''}")
    elif not args.no_compare:
        regression, status = check_regressions(figures, args)

    doc = {**doc_head("scripts/bench.sh", started, cores, load_start, load_end, busy_now, model),
           "quick": args.quick, "benchmarks_run": args.names, "figures": figures,
           "result_problems": problems, "failed_runs": failed, "noisy": noisy,
           "regression": regression, "benchmarks": benchmarks, "warm_up": warm}
    out = args.out
    if out == DEFAULT_OUT:
        stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
        out = f"bench/results/bench-{stamp}.json"
    write_results(repo_path(out), doc)
    return 2 if failed or problems else status


if __name__ == "__main__":
    sys.exit(main())
