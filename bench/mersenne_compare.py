#!/usr/bin/env python3
"""Whole-process benchmark of `rangefarm mersenne`, side by side, in one run.

Configurations (each one `mpirun -np R build/apps/rangefarm mersenne --to TO
--json - --quiet ...`; TO is 25000 unless --to says otherwise):

  one-rank     1 rank, the app's defaults (dynamic, largest-first)
  dynamic-2    2 ranks, --schedule dynamic (largest-first, the default order)
  given-2      2 ranks, --schedule dynamic --order given: exponents handed out
               in range order, to show what largest-first buys
  block-2      2 ranks, --schedule static-block
  notf-2       2 ranks, --schedule dynamic --tf-bits 0: trial factoring off,
               every exponent goes to Lucas-Lehmer

--configs runs a subset. At TO = 25000 a run takes about 120 s on one rank and
60 s on two, so a round of all five is about 5 minutes.

Each run is timed twice: the report's timing.wall_s (the farm's own wall clock)
and the whole process as seen from here (mpirun start-up and tear-down
included). Runs are interleaved, round r running every configuration once,
with the order rotated from round to round, so that drift on the machine
(other jobs, thermal) hits every configuration alike; one untimed warm-up run
comes first. Medians, min and max over --runs rounds are printed and written,
with every raw run, to --out as JSON.

Goal, on the medians of timing.wall_s:
  dynamic-2 / one-rank                                  <= 0.53
Reported, not judged: block-2 / dynamic-2 (with the median busy_s of rank 0
and rank 1 that explain it), given-2 / dynamic-2, notf-2 / dynamic-2 (with the
number of exponents trial factoring eliminated, len(result.factored)). A goal
whose configurations were not run is shown as skipped and does not count.

Results are checked, not assumed, on every run: the exponents found are the
known ones (OEIS A000043) in [FROM, TO]; the perfect numbers' p, digits and
leading and trailing digits are Python's own; every prime exponent in the range
is either factored or Lucas-Lehmer tested, once; every factor divides 2^p - 1;
a Lucas-Lehmer verdict says prime exactly for the known exponents, with res64
zero exactly then. All runs but notf-2 agree on the whole result (factored and
lucas_lehmer lists included); notf-2 factors nothing, and its Lucas-Lehmer
entries equal the others' for every exponent both tested.

Exit status: 0 all runs fine and the goal met, 1 the goal missed, 2 a run
failed or the results disagree.

  python3 bench/mersenne_compare.py [--runs 5] [--build build] [--to 25000]
      [--configs one-rank dynamic-2 ...] [--wait-idle S]

The process timing and machine-load helpers (idle wait, /proc/stat accounting,
MPI environment) are bench_common.py's, imported from beside this file.
"""
import argparse
import functools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common  # noqa: E402
from bench_common import (  # noqa: E402
    add_common_args, cpu_model, doc_head, missing_executable, machine_start, mpi_env, parse_count,
    print_failed_runs, print_problems, ratio_of, repo_path, report_noise, rotated, run_rangefarm,
    stats, write_results)

# OEIS A000043, Mersenne prime exponents. The next term is 132049, so the list
# is complete for every range that ends below it.
KNOWN_EXPONENTS = [2, 3, 5, 7, 13, 17, 19, 31, 61, 89, 107, 127, 521, 607, 1279, 2203, 2281,
                   3217, 4253, 4423, 9689, 9941, 11213, 19937, 21701, 23209, 44497, 86243,
                   110503]
KNOWN_COMPLETE_TO = 132048
DEFAULT_TO = 25000
GOAL_SPEEDUP = 0.53  # dynamic-2 / one-rank, timing.wall_s medians
WARM_UP_TO = 2000
ZERO_RES64 = "0" * 16


class Config:
    def __init__(self, name, ranks, opts, what, trial_factoring=True):
        self.name, self.ranks, self.opts, self.what = name, ranks, opts, what
        self.trial_factoring = trial_factoring
        self.runs = []  # dicts, one per round

    def argv(self, args, binary, to):
        frm = ["--from", str(args.from_)] if args.from_ != 2 else []
        return ([args.mpirun, "-np", str(self.ranks)] + args.mpirun_arg +
                [str(binary), "mersenne"] + frm + ["--to", str(to)] + self.opts +
                ["--json", "-", "--quiet"])

    def describe(self):
        return {"name": self.name, "ranks": self.ranks, "options": self.opts, "what": self.what,
                "trial_factoring": self.trial_factoring}


CONFIGS = [
    ("one-rank", 1, [], "1 rank (dynamic, largest-first)", True),
    ("dynamic-2", 2, ["--schedule", "dynamic"], "2 ranks dynamic, largest-first", True),
    ("given-2", 2, ["--schedule", "dynamic", "--order", "given"],
     "2 ranks dynamic, given (range) order", True),
    ("block-2", 2, ["--schedule", "static-block"], "2 ranks static-block", True),
    ("notf-2", 2, ["--schedule", "dynamic", "--tf-bits", "0"],
     "2 ranks dynamic, trial factoring off", False),
]
CONFIG_NAMES = [c[0] for c in CONFIGS]


def run_once(cfg, args, binary, env, to):
    run = run_rangefarm(cfg.argv(args, binary, to), args, env)
    if run["rc"] != 0:
        return run
    try:
        run["factored"] = len(run["result"]["factored"])
        run["lucas_lehmer"] = len(run["result"]["lucas_lehmer"])
    except (KeyError, TypeError) as e:
        run["rc"] = "bad-json"
        run["error"] = f"{type(e).__name__} {e}: result {str(run['result'])[:500]!r}"
    return run


# ---- checks ----

def primes_between(lo, hi):
    if hi < 2:
        return []
    sieve = bytearray([1]) * (hi + 1)
    sieve[0:2] = b"\0\0"
    for i in range(2, int(hi ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytearray(len(range(i * i, hi + 1, i)))
    return [p for p in range(max(lo, 2), hi + 1) if sieve[p]]


@functools.lru_cache(maxsize=None)
def perfect_summary(p):
    """(digits, first 20 digits, last 20 digits) of 2^(p-1) (2^p - 1)."""
    if hasattr(sys, "set_int_max_str_digits"):  # Python >= 3.11 limits str(int) by default
        sys.set_int_max_str_digits(0)
    s = str((1 << (p - 1)) * ((1 << p) - 1))
    return len(s), s[:20], s[-20:]


def check_run(where, res, items_total, frm, to, trial_factoring):
    """One run's result against the known exponents and arithmetic."""
    problems = []
    known = [p for p in KNOWN_EXPONENTS if frm <= p <= to]
    if res.get("exponents") != known:
        problems.append(f"{where}: exponents {res.get('exponents')} != known {known}")
    perfect = res.get("perfect_numbers", [])
    if [e.get("p") for e in perfect] != res.get("exponents"):
        problems.append(f"{where}: perfect numbers for p = {[e.get('p') for e in perfect]}, "
                        f"exponents are {res.get('exponents')}")
    for e in perfect:
        digits, lead, trail = perfect_summary(e["p"])
        got = (e.get("digits"), e.get("leading_digits"), e.get("trailing_digits"))
        if got != (digits, lead, trail):
            problems.append(f"{where}: perfect number of p = {e['p']}: {got} != "
                            f"{(digits, lead, trail)}")
    primes = primes_between(frm, to)
    if res.get("tested") != len(primes):
        problems.append(f"{where}: tested {res.get('tested')} != {len(primes)} primes in range")
    if items_total not in (None, len(primes)):
        problems.append(f"{where}: items_total {items_total} != {len(primes)}")
    factored = res.get("factored", [])
    ll = res.get("lucas_lehmer", [])
    covered = sorted([e["p"] for e in factored] + [e["p"] for e in ll])
    if covered != primes:
        missing = sorted(set(primes) - set(covered))
        extra = sorted(set(covered) - set(primes))
        twice = sorted({p for p in covered if covered.count(p) > 1}) if len(covered) != len(
            set(covered)) else []
        problems.append(f"{where}: factored + lucas_lehmer do not cover the primes once "
                        f"(missing {missing[:10]}, not prime or out of range {extra[:10]}, "
                        f"twice {twice[:10]})")
    bad_f = [e for e in factored
             if not (1 < e["factor"] < (1 << e["p"]) - 1 and pow(2, e["p"], e["factor"]) == 1)]
    if bad_f:
        problems.append(f"{where}: {len(bad_f)} factors do not divide 2^p - 1 properly, first "
                        f"{bad_f[0]}")
    known_set = set(KNOWN_EXPONENTS)
    # Res64 is 0 exactly for a prime, but p = 2 runs no step: 4 mod 3 = 1.
    bad_ll = [e for e in ll if e["prime"] != (e["p"] in known_set)
              or ((e["res64"] == ZERO_RES64) != e["prime"] and e["p"] != 2)]
    if bad_ll:
        problems.append(f"{where}: {len(bad_ll)} wrong Lucas-Lehmer verdicts, first {bad_ll[0]}")
    if not trial_factoring and factored:
        problems.append(f"{where}: trial factoring is off, yet {len(factored)} exponents factored")
    return problems


def check_runs(configs, frm, to):
    """Every run right on its own; the TF runs agree on the whole result; notf agrees on LL."""
    problems = []
    ref = None  # (result, where) of the first trial-factoring run
    ll_ref = {}  # p -> (entry, where), from every run
    for c in configs:
        for r in c.runs:
            if r["rc"] != 0:
                continue
            where = f"{c.name} round {r['round']}"
            res = r["result"]
            problems += check_run(where, res, r.get("items_total"), frm, to, c.trial_factoring)
            if c.trial_factoring:
                if ref is None:
                    ref = (res, where)
                else:
                    for key in sorted(set(res) | set(ref[0])):
                        if res.get(key) != ref[0].get(key):
                            problems.append(f"{where}: result.{key} differs from {ref[1]}")
            for e in res.get("lucas_lehmer", []):
                first = ll_ref.setdefault(e["p"], (e, where))
                if first[0] != e:
                    problems.append(f"{where}: Lucas-Lehmer of p = {e['p']} {e} differs from "
                                    f"{first[1]}'s {first[0]}")
    return problems


# ---- figures ----

def series(cfg, key, rank=None):
    """Per-round values of key (None where the run failed); rank picks one of a per-rank list."""
    out = []
    for r in cfg.runs:
        v = r.get(key) if r["rc"] == 0 else None
        if rank is not None:
            v = v[rank] if v is not None and rank < len(v) else None
        out.append(v)
    return out


def ratio(num_cfg, den_cfg, key):
    return ratio_of(series(num_cfg, key), series(den_cfg, key))


def summarize(cfg):
    return {
        "wall_s": stats(series(cfg, "wall_s")),
        "process_wall_s": stats(series(cfg, "process_wall_s")),
        "busy_s_per_rank": [stats(series(cfg, "busy_s", k)) for k in range(cfg.ranks)],
        "wait_s_per_rank": [stats(series(cfg, "wait_s", k)) for k in range(cfg.ranks)],
        "imbalance": stats(series(cfg, "imbalance")),
        "factored": stats(series(cfg, "factored")),
        "lucas_lehmer": stats(series(cfg, "lucas_lehmer")),
        "children_cpu_s": stats(series(cfg, "children_cpu_s")),
        "other_cores": stats(series(cfg, "other_cores")),
        "steal_cores": stats(series(cfg, "steal_cores")),
    }


def fmt_ratio(rb):
    v = rb["ratio_of_medians"] if rb else None
    return f"{v:.3f}" if v is not None else "n/a"


def busy_text(summary):
    parts = [f"rank {k} {b['median']:.3f} s" for k, b in enumerate(summary["busy_s_per_rank"])
             if b]
    imb = summary["imbalance"]
    return ", ".join(parts) + (f" (imbalance {imb['median']:.3f})" if imb else "")


def print_run(cfg, r, rnd, runs):
    head = f"  round {rnd + 1}/{runs}  {cfg.name:<10}"
    if r["rc"] != 0:
        print(f"{head} FAILED ({r['rc']}): {r.get('error', '').strip()[-300:]}", flush=True)
        return
    busy = " ".join(f"{b:.2f}" for b in r["busy_s"])
    waited = r["waited_idle_s"]
    print(f"{head} wall {r['wall_s']:8.3f} s  process {r['process_wall_s']:8.3f} s  busy {busy}"
          f"  TF {r['factored']} LL {r['lucas_lehmer']}"
          f"  other {r.get('other_cores', float('nan')):.2f} cores"
          + (f"  (waited {waited:.0f} s for idle)" if waited >= 2 else ""), flush=True)


def main():
    ap = bench_common.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Goal: dynamic-2 / one-rank <= {GOAL_SPEEDUP} on the medians of timing.wall_s.")
    ap.add_argument("--runs", type=int, default=5, help="rounds of every configuration (default 5)")
    ap.add_argument("--build", default="build",
                    help="build folder, relative to the repository root or absolute"
                         " (default build)")
    ap.add_argument("--to", type=parse_count, default=DEFAULT_TO, metavar="P",
                    help=f"last exponent (default {DEFAULT_TO}; at most {KNOWN_COMPLETE_TO},"
                         " as far as the known list here is complete)")
    ap.add_argument("--from", dest="from_", type=parse_count, default=2, metavar="A",
                    help="first exponent (default 2)")
    ap.add_argument("--configs", nargs="+", choices=CONFIG_NAMES, default=CONFIG_NAMES,
                    metavar="NAME",
                    help="configurations to run (default all: " + " ".join(CONFIG_NAMES) + ")")
    add_common_args(ap, "bench/results/mersenne_compare.json")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.to > KNOWN_COMPLETE_TO:
        ap.error(f"--to: at most {KNOWN_COMPLETE_TO} (the exponents found could not be checked"
                 " beyond)")
    if args.from_ < 1 or args.from_ > args.to:
        ap.error("--from must be at least 1 and at most --to")

    build = repo_path(args.build)
    binary = build / "apps" / "rangefarm"
    if not os.access(binary, os.X_OK):
        missing_executable("mersenne_compare", binary, build)
        return 2
    out_path = repo_path(args.out)

    chosen = set(args.configs)
    configs = [Config(*c) for c in CONFIGS if c[0] in chosen]
    by_name = {c.name: c for c in configs}
    frm, to = args.from_, args.to

    env = mpi_env()
    model = cpu_model()
    print(f"mersenne_compare: {args.runs} round{'s' if args.runs > 1 else ''} of "
          f"{len(configs)} configurations, exponents [{frm}, {to}], binary {binary}")
    cores, load_start, started, busy_now = machine_start(model)

    # Warm-up, not counted: page cache for the binary, MPI libraries, mpirun itself.
    warm = run_once(Config("warm-up", 2, [], "warm-up"), args, binary, env,
                    max(frm, min(to, WARM_UP_TO)))
    if warm["rc"] != 0:
        print(f"mersenne_compare: warm-up run {warm['argv']} failed ({warm['rc']}):\n"
              f"{warm.get('error', '')}", file=sys.stderr)
        return 2

    for rnd in range(args.runs):
        order = rotated(configs, rnd)
        for cfg in order:
            r = run_once(cfg, args, binary, env, to)
            r["round"] = rnd + 1
            cfg.runs.append(r)
            print_run(cfg, r, rnd, args.runs)
    load_end = os.getloadavg()
    # Each configuration's runs are in round order: index i is round i + 1 for all.

    problems = check_runs(configs, frm, to)
    failed = [(c.name, r["round"]) for c in configs for r in c.runs if r["rc"] != 0]
    sums = {c.name: summarize(c) for c in configs}

    # ---- table rows: (config, measure, series key, reference config, goal) ----
    refs = {"dynamic-2": "one-rank", "given-2": "dynamic-2", "block-2": "dynamic-2",
            "notf-2": "dynamic-2"}
    rows = []
    for c in configs:
        ref = by_name.get(refs.get(c.name))
        for measure, key in (("wall_s", "wall_s"), ("process s", "process_wall_s")):
            goal = GOAL_SPEEDUP if c.name == "dynamic-2" and key == "wall_s" else None
            rows.append((c, measure, key, ref, goal))

    date = started.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print()
    print(f"{model}, {cores} cores; {args.runs} round{'s' if args.runs > 1 else ''}; "
          f"exponents [{frm}, {to}]; {date}")
    print("Medians, min and max over the rounds, in s; 'wall_s' = timing.wall_s of the report, "
          "'process' = whole process timed from here (mpirun start-up included). "
          "ratio = median / the median of the 'vs' configuration.")
    hdr = (f"{'config':<10} {'what':<38} {'measure':<10} {'median':>8} {'min':>8} {'max':>8} "
           f"{'ratio':>7} {'vs':<10} {'goal':>7} {'met?':>5}")
    print(hdr)
    print("-" * len(hdr))
    table = []
    for cfg, measure, key, ref, goal in rows:
        s = stats(series(cfg, key))
        rb = ratio(cfg, ref, key) if ref else None
        v = rb["ratio_of_medians"] if rb else None
        met = "" if goal is None else ("yes" if v is not None and v <= goal else "NO")
        figs = [f"{s[k]:8.3f}" for k in ("median", "min", "max")] if s else [f"{'n/a':>8}"] * 3
        print(f"{cfg.name:<10} {cfg.what:<38} {measure:<10} " + " ".join(figs)
              + f" {(f'{v:.3f}' if v is not None else ''):>7} {(ref.name if ref else ''):<10}"
              + f" {(f'<={goal}' if goal is not None else ''):>7} {met:>5}")
        table.append({"config": cfg.name, "measure": measure, "stats": s,
                      "vs": ref.name if ref else None, "ratio": rb, "goal": goal})
    spreads = [(cfg.name, measure, ratio(cfg, ref, key)["per_round"])
               for cfg, measure, key, ref, _ in rows if ref]
    spreads = [(n, m, p) for n, m, p in spreads if p and p["n"] > 1]
    if spreads:
        print("same-round ratios, [min, max]: " + "; ".join(
            f"{name} {measure} [{p['min']:.3f}, {p['max']:.3f}]" for name, measure, p in spreads))

    # ---- the reported comparisons, with what explains them ----
    comparisons = {}
    dyn = by_name.get("dynamic-2")
    print()
    print("reported, not judged (timing.wall_s medians; busy_s medians per rank):")
    if dyn:
        print(f"  dynamic-2: busy {busy_text(sums['dynamic-2'])}")
    for name, label in (("block-2", "static-block vs dynamic"),
                        ("given-2", "given order vs largest-first"),
                        ("notf-2", "trial factoring off vs on")):
        c = by_name.get(name)
        if not c:
            continue
        rb = ratio(c, dyn, "wall_s") if dyn else None
        comparisons[f"{name}/dynamic-2"] = {"wall_s": rb,
                                            "process_wall_s": ratio(c, dyn, "process_wall_s")
                                            if dyn else None}
        print(f"  {name} / dynamic-2 ({label}): {fmt_ratio(rb)}; {name} busy "
              f"{busy_text(sums[name])}")
        if name == "notf-2":
            tf_runs = [r for x in configs if x.trial_factoring for r in x.runs if r["rc"] == 0]
            nt = sums["notf-2"]["lucas_lehmer"]
            if tf_runs:
                f, ll = tf_runs[0]["factored"], tf_runs[0]["lucas_lehmer"]
                print(f"    trial factoring eliminated {f} of {f + ll} exponents "
                      f"(len(result.factored)), leaving {ll} Lucas-Lehmer tests; without it "
                      f"{round(nt['median']) if nt else 'n/a'}")
                comparisons["notf-2/dynamic-2"]["tf_eliminated"] = f
                comparisons["notf-2/dynamic-2"]["tested"] = f + ll

    # ---- goal ----
    print()
    print("goal (on the medians of timing.wall_s; the whole-process ratio beside it):")
    goal_label = f"dynamic-2 / one-rank <= {GOAL_SPEEDUP}"
    base = by_name.get("one-rank")
    if dyn and base:
        rb = ratio(dyn, base, "wall_s")
        pb = ratio(dyn, base, "process_wall_s")
        v = rb["ratio_of_medians"]
        state = "PASS" if v is not None and v <= GOAL_SPEEDUP else "FAIL"
        print(f"  {state}  {goal_label}: {fmt_ratio(rb)} (process: {fmt_ratio(pb)})")
        goal = {"goal": goal_label, "measured": v, "process_measured": pb["ratio_of_medians"],
                "target": GOAL_SPEEDUP, "state": state}
    else:
        print(f"  SKIP  {goal_label}: needs both configurations")
        goal = {"goal": goal_label, "measured": None, "target": GOAL_SPEEDUP, "state": "SKIP"}

    print_failed_runs(failed, configs)
    known = [p for p in KNOWN_EXPONENTS if frm <= p <= to]
    print_problems(problems, f"exponents as known ({len(known)}: {known[0] if known else ''}"
                             f"{' .. ' + str(known[-1]) if len(known) > 1 else ''}), perfect "
                             f"numbers right, factors divide, Lucas-Lehmer verdicts right, "
                             f"runs agree")
    noisy = report_noise(
        configs, load_start, load_end,
        busy_note=f": the 2-rank figures compete with them for the {cores} cores")

    doc = {
        **doc_head("bench/mersenne_compare.py", started, cores, load_start, load_end, busy_now,
                   model),
        "binary": str(binary),
        "from": frm,
        "to": to,
        "runs_per_config": args.runs,
        "goals": [goal],
        "table": table,
        "comparisons": comparisons,
        "configs": [dict(c.describe(), summary=sums[c.name], runs=c.runs) for c in configs],
        "result_problems": problems,
        "failed_runs": failed,
        "noisy": noisy,
        "warm_up": warm,
    }
    write_results(out_path, doc)

    if failed or problems:
        return 2
    return 0 if goal["state"] != "FAIL" else 1


if __name__ == "__main__":
    sys.exit(main())
