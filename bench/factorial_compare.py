#!/usr/bin/env python3
"""Whole-process benchmark of `rangefarm factorial` against GMP, side by side, in one run.

Configurations (R = --ranks, 2 by default; gmp = build/bench/gmp_factorial,
which runs mpz_fac_ui on one core):

  gmp-N        gmp_factorial N                                   for each N of --ns
  rfR-N        mpirun -np R rangefarm factorial N --json - --quiet
  dec-gmp-D    gmp_factorial D --output F                        (D = --decimal-n, 1e7)
  dec-rfR-D    mpirun -np R rangefarm factorial D --output F2 --json - --quiet
  batch-R      mpirun -np R rangefarm factorial 5310 5263 7854 --json - --quiet
  batch-1      the same on one rank

--ns is 1e7 5e7 unless told otherwise (--skip-5e7 drops 5e7, which costs about
25 s a round). Every run is timed as a whole process from here (mpirun start-up
and tear-down included); the tools' own clocks (gmp's fac_s and get_str_s, the
report's timing.wall_s and timing.phases) are kept beside it.

Goals, on the medians:
  rfR-5e7 / gmp-5e7, whole process                 <= 0.75
  dec-rfR-1e7 decimal_s / dec-gmp-1e7 get_str_s    <= 0.6
The same ratio at the other N, the whole-process times of the decimal runs and
the batch times are reported, not judged. A goal whose configurations were not
run is shown as skipped and does not count.

Runs are interleaved, round r running every configuration once, with the order
rotated from round to round, so that drift on the machine (other jobs, thermal)
hits every configuration alike. Medians, min and max over --runs rounds are
printed and written, with every raw run, to --out as JSON.

Results are checked, not assumed: every rangefarm result has check "ok", bits
equal to GMP's, the right number of digits (65657060 for 1e7!) and trailing
zeros, and every run of one n agrees. Small n are compared digit for digit with
Python's math.factorial. Once a round the two decimal files must be identical
(cmp), have the size their digit count says, and show the report's leading and
last non-zero digits; they are then deleted (1e7! is 65 MB).

Exit status: 0 all runs fine and all goals met, 1 a goal missed, 2 a run failed
or the results disagree.

  python3 bench/factorial_compare.py [--runs 5] [--build build] [--skip-5e7]

The process timing and machine-load helpers (idle wait, /proc/stat accounting,
MPI environment) are bench_common.py's, imported from beside this file.
"""
import argparse
import functools
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common  # noqa: E402
from bench_common import (  # noqa: E402
    add_common_args, cpu_model, doc_head, first_json, fmt_count, machine_start, missing_executable,
    mpi_env, parse_count, print_failed_runs, print_problems, ratio_of, repo_path, report_noise,
    rotated, stats, timed_process, write_results)

GOAL_N = 5 * 10**7
GOAL_FACTORIAL = 0.75  # rangefarm on R ranks / mpz_fac_ui, whole process, at GOAL_N
GOAL_DECIMAL = 0.6  # rangefarm decimal_s / mpz_get_str, at GOAL_DECIMAL_N
GOAL_DECIMAL_N = 10**7
KNOWN_DIGITS = {10**7: 65657060}
EXACT_UP_TO = 20000  # n whose n! Python computes in full for the checks
DEFAULT_BATCH = [5310, 5263, 7854]


class Config:
    """One command line, run once a round. kind: 'gmp' or 'rf'."""

    def __init__(self, name, kind, what, ns, ranks=1, output=False):
        self.name, self.kind, self.what = name, kind, what
        self.ns, self.ranks, self.output = ns, ranks, output
        self.runs = []  # dicts, one per round

    def argv(self, args, tools, out_file):
        if self.kind == "gmp":
            return [str(tools["gmp"]), str(self.ns[0])] + (["--output", str(out_file)]
                                                          if self.output else [])
        argv = ([args.mpirun, "-np", str(self.ranks)] + args.mpirun_arg +
                [str(tools["rangefarm"]), "factorial"] + [str(n) for n in self.ns])
        if self.output:
            argv += ["--output", str(out_file)]
        if args.schedule:
            argv += ["--schedule", args.schedule]
        return argv + ["--json", "-", "--quiet"]

    def describe(self):
        return {"name": self.name, "kind": self.kind, "what": self.what, "ns": self.ns,
                "ranks": self.ranks, "output": self.output}


def run_once(cfg, args, tools, env, out_file=None):
    argv = cfg.argv(args, tools, out_file)
    rc, out, _, run = timed_process(argv, env, args.timeout, args.wait_idle)
    if rc != 0:
        return run
    try:
        report = first_json(out)
    except ValueError as e:
        run["rc"] = "bad-json"
        run["error"] = f"{e}: {out[-500:]!r}"
        return run
    if cfg.kind == "gmp":
        run.update(bits=report["bits"], fac_s=report["fac_s"], get_str_s=report["get_str_s"])
    else:
        timing = report["timing"]
        run["wall_s"] = timing["wall_s"]
        run["phases"] = timing.get("phases", {})
        run["busy_s"] = [r["busy_s"] for r in timing.get("ranks", [])]
        run["imbalance"] = report.get("imbalance")
        run["result"] = report["result"]
    return run


# ---- checks ----

@functools.lru_cache(maxsize=None)
def exact_factorial(n):
    """n! in decimal, for n <= EXACT_UP_TO."""
    if hasattr(sys, "set_int_max_str_digits"):  # Python >= 3.11 limits str(int) by default
        sys.set_int_max_str_digits(0)
    return str(math.factorial(n))


def expected_digits(n):
    """Digits of n!, or None where lgamma cannot tell (within 1e-4 of a power of ten)."""
    if n in KNOWN_DIGITS:
        return KNOWN_DIGITS[n]
    if n <= EXACT_UP_TO:
        return len(exact_factorial(n))
    x = math.lgamma(n + 1) / math.log(10)
    if abs(x - round(x)) < 1e-4:
        return None
    return math.floor(x) + 1


def trailing_zeros(n):
    z, q = 0, n // 5
    while q:
        z, q = z + q, q // 5
    return z


def check_entry(where, e, ref_bits):
    """One entry of a rangefarm result against what n! must be."""
    n = e["n"]
    problems = []
    if e.get("check") != "ok":
        problems.append(f"{where}: n = {n}: check is {e.get('check')!r}, not 'ok'")
    if ref_bits.get(n) is not None and e.get("bits") != ref_bits[n]:
        problems.append(f"{where}: n = {n}: bits {e.get('bits')} != GMP's {ref_bits[n]}")
    digits = expected_digits(n)
    if digits is not None and e.get("digits") != digits:
        problems.append(f"{where}: n = {n}: digits {e.get('digits')} != {digits}")
    if e.get("trailing_zeros") != trailing_zeros(n):
        problems.append(f"{where}: n = {n}: trailing zeros {e.get('trailing_zeros')} != "
                        f"{trailing_zeros(n)}")
    if n <= EXACT_UP_TO:
        s = exact_factorial(n)
        lead, last = e.get("leading_digits") or "", e.get("last_nonzero_digits") or ""
        if not lead or not s.startswith(lead):
            problems.append(f"{where}: n = {n}: leading digits {lead!r} wrong")
        if not last or not s.rstrip("0").endswith(last):
            problems.append(f"{where}: n = {n}: last non-zero digits {last!r} wrong")
    return problems


def check_runs(configs, ref_bits):
    """Every rangefarm run is right; GMP and rangefarm runs of one n agree among themselves."""
    problems = []
    gmp_bits, rf_entry = {}, {}
    for c in configs:
        for r in c.runs:
            if r["rc"] != 0:
                continue
            where = f"{c.name} round {r['round']}"
            if c.kind == "gmp":
                n = c.ns[0]
                if gmp_bits.setdefault(n, (r["bits"], where))[0] != r["bits"]:
                    problems.append(f"{where}: GMP bits {r['bits']} != {gmp_bits[n][0]} "
                                    f"({gmp_bits[n][1]})")
                continue
            if [e["n"] for e in r["result"]] != c.ns:
                problems.append(f"{where}: result for n = {[e['n'] for e in r['result']]}, "
                                f"asked {c.ns}")
            for e in r["result"]:
                problems += check_entry(where, e, ref_bits)
                first = rf_entry.setdefault(e["n"], (e, where))
                if first[0] != e:
                    problems.append(f"{where}: n = {e['n']}: result differs from {first[1]}")
    return problems


def read_at(path, offset, size):
    with open(path, "rb") as f:
        f.seek(max(0, offset))
        return f.read(size).decode("ascii", errors="replace")


def check_decimal_files(n, gmp_file, rf_file, rf_run):
    """The two files are identical and show what the report says; None when fine."""
    for p in (gmp_file, rf_file):
        if not p.exists():
            return f"{p.name} was not written"
    if subprocess.run(["cmp", "-s", str(gmp_file), str(rf_file)]).returncode != 0:
        return f"{gmp_file.name} and {rf_file.name} differ (cmp)"
    e = next(x for x in rf_run["result"] if x["n"] == n)
    head = f"{n}! = "
    size = gmp_file.stat().st_size
    want = len(head) + e["digits"] + 1
    if size != want:
        return f"{gmp_file.name}: {size} bytes, where {e['digits']} digits make {want}"
    lead = e["leading_digits"]
    if read_at(gmp_file, 0, len(head) + len(lead)) != head + lead:
        return f"{gmp_file.name} does not start with {head + lead!r}"
    last = e["last_nonzero_digits"]
    end = size - 1 - e["trailing_zeros"]  # offset just past the last non-zero digit
    if read_at(gmp_file, end - len(last), len(last)) != last:
        return f"{gmp_file.name}: last non-zero digits are not {last!r}"
    return None


# ---- figures ----

def rf_phase(run, key):
    return run.get("phases", {}).get(key) if run["rc"] == 0 else None


def series(cfg, key):
    """Per-round values of key (None where the run failed); phases as 'phase:NAME'."""
    if key.startswith("phase:"):
        return [rf_phase(r, key[6:]) for r in cfg.runs]
    return [r.get(key) if r["rc"] == 0 else None for r in cfg.runs]


def ratio(num_cfg, num_key, den_cfg, den_key):
    return ratio_of(series(num_cfg, num_key), series(den_cfg, den_key))


def run_rounds(configs, runs, dec, args, tools, env):
    """Runs every configuration once a round, runs rounds, the order rotated
    each round; appends each run to its configuration. The decimal files (of
    dec, the rf and gmp configurations of --output runs, or None) go to
    args.tmpdir (default a new temporary folder, removed at the end), are
    compared once a round and deleted. Returns the problems with the files."""
    tmpdir_arg = getattr(args, "tmpdir", None)
    tmp_made = tmpdir_arg is None
    tmpdir = Path(tempfile.mkdtemp(prefix="factorial_compare.")) if tmp_made else Path(tmpdir_arg)
    tmpdir.mkdir(parents=True, exist_ok=True)
    file_problems = []
    try:
        for rnd in range(runs):
            files = {}
            for cfg in rotated(configs, rnd):
                out_file = None
                if cfg.output:
                    out_file = files[cfg.kind] = tmpdir / f"{cfg.name}.round{rnd + 1}.txt"
                r = run_once(cfg, args, tools, env, out_file)
                r["round"] = rnd + 1
                cfg.runs.append(r)
                print_run(cfg, r, rnd, runs)
            if dec and dec[0].runs[-1]["rc"] == 0 and dec[1].runs[-1]["rc"] == 0:
                p = check_decimal_files(dec[0].ns[0], files["gmp"], files["rf"], dec[0].runs[-1])
                dec[0].runs[-1]["files_identical"] = p is None
                if p:
                    file_problems.append(f"round {rnd + 1}: {p}")
            for f in files.values():
                f.unlink(missing_ok=True)
    finally:
        if tmp_made:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return file_problems


def main():
    ap = bench_common.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Goals: rangefarm on R ranks / mpz_fac_ui at {fmt_count(GOAL_N)} <= "
               f"{GOAL_FACTORIAL} (whole process); decimal_s / mpz_get_str at "
               f"{fmt_count(GOAL_DECIMAL_N)} <= {GOAL_DECIMAL}.")
    ap.add_argument("--runs", type=int, default=5, help="rounds of every configuration (default 5)")
    ap.add_argument("--build", default="build",
                    help="build folder, relative to the repository root or absolute (default"
                         " build); needs apps/rangefarm and bench/gmp_factorial")
    ap.add_argument("--ns", type=parse_count, nargs="+", default=[10**7, GOAL_N], metavar="N",
                    help="n of the rangefarm-against-mpz_fac_ui runs (default 1e7 5e7)")
    ap.add_argument("--skip-5e7", action="store_true", help="leave 5e7 out of --ns")
    ap.add_argument("--decimal-n", type=parse_count, default=10**7, metavar="N",
                    help="n of the decimal-conversion runs (default 1e7)")
    ap.add_argument("--skip-decimal", action="store_true", help="no decimal-conversion runs")
    ap.add_argument("--batch", type=parse_count, nargs="+", default=DEFAULT_BATCH, metavar="N",
                    help="the list of the batch runs (default 5310 5263 7854)")
    ap.add_argument("--skip-batch", action="store_true", help="no batch runs")
    ap.add_argument("--ranks", type=int, default=2, help="ranks of the rangefarm runs (default 2)")
    ap.add_argument("--schedule", help="--schedule for rangefarm (default: the app's)")
    ap.add_argument("--tmpdir", help="folder for the decimal files (default: a new one under"
                                     " the system's temporary folder, removed at the end)")
    add_common_args(ap, "bench/results/factorial_compare.json")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.ranks < 1:
        ap.error("--ranks must be at least 1")
    ns = list(dict.fromkeys(n for n in args.ns if not (args.skip_5e7 and n == GOAL_N)))

    build = repo_path(args.build)
    tools = {"rangefarm": build / "apps" / "rangefarm",
             "gmp": build / "bench" / "gmp_factorial"}
    for path in tools.values():
        if not os.access(path, os.X_OK):
            missing_executable("factorial_compare", path, build)
            return 2
    out_path = repo_path(args.out)

    R = args.ranks
    configs, pairs = [], {}
    for n in ns:
        g = Config(f"gmp-{fmt_count(n)}", "gmp", f"mpz_fac_ui {fmt_count(n)}!, 1 core", [n])
        r = Config(f"rf{R}-{fmt_count(n)}", "rf", f"rangefarm {fmt_count(n)}!, {R} ranks", [n], R)
        configs += [g, r]
        pairs[n] = (r, g)
    dn = args.decimal_n
    dec = None
    if not args.skip_decimal:
        dec = (Config(f"dec-rf{R}-{fmt_count(dn)}", "rf",
                      f"rangefarm {fmt_count(dn)}! --output, {R} ranks", [dn], R, output=True),
               Config(f"dec-gmp-{fmt_count(dn)}", "gmp",
                      f"mpz_fac_ui + mpz_get_str {fmt_count(dn)}!", [dn], output=True))
        configs += [dec[1], dec[0]]
    batch = None
    if not args.skip_batch:
        listed = " ".join(str(n) for n in args.batch)
        batch = [Config(f"batch-{k}", "rf", f"rangefarm {listed}, {k} rank{'s' if k > 1 else ''}",
                        list(args.batch), k) for k in dict.fromkeys([R, 1])]
        configs += batch
    if not configs:
        ap.error("nothing to run")

    env = mpi_env()
    model = cpu_model()
    print(f"factorial_compare: {args.runs} round{'s' if args.runs > 1 else ''} of "
          f"{len(configs)} configurations, build {build}")
    cores, load_start, started, busy_now = machine_start(model)

    # Warm-up and references, not timed: GMP's bits of every small n (they need
    # no timed GMP run of their own) and one mpirun, for the page cache.
    ref_bits = {}
    warm = []
    for n in sorted(set(args.batch if batch else [])):
        w = run_once(Config("reference", "gmp", "reference", [n]), args, tools, env)
        warm.append(w)
        if w["rc"] == 0:
            ref_bits[n] = w["bits"]
    warm.append(run_once(Config("warm-up", "rf", "warm-up", [1000], R), args, tools, env))
    if any(w["rc"] != 0 for w in warm):
        bad = next(w for w in warm if w["rc"] != 0)
        print(f"factorial_compare: warm-up run {bad['argv']} failed ({bad['rc']}):\n"
              f"{bad.get('error', '')}", file=sys.stderr)
        return 2

    file_problems = run_rounds(configs, args.runs, dec, args, tools, env)
    load_end = os.getloadavg()

    for c in configs:  # the GMP runs are the reference bits of their n
        for r in c.runs:
            if c.kind == "gmp" and r["rc"] == 0:
                ref_bits.setdefault(c.ns[0], r["bits"])
    problems = check_runs(configs, ref_bits) + file_problems
    for n in set(n for c in configs if c.kind == "rf" for n in c.ns):
        if n not in ref_bits:
            problems.append(f"n = {n}: no GMP run succeeded, so bits are unchecked")
    failed = [(c.name, r["round"]) for c in configs for r in c.runs if r["rc"] != 0]

    # ---- table rows: (config, what, measure, series key, ratio block, goal) ----
    rows, goals = [], []
    for n in ns:
        rf, g = pairs[n]
        rows.append((g, "process s", "process_wall_s", None, None))
        rb = ratio(rf, "process_wall_s", g, "process_wall_s")
        goal = GOAL_FACTORIAL if n == GOAL_N else None
        rows.append((rf, "process s", "process_wall_s", rb, goal))
        if goal is not None:
            goals.append((f"{rf.name} / {g.name}, whole process <= {goal}", rb, goal))
    if dec:
        drf, dg = dec
        rows.append((dg, "get_str_s", "get_str_s", None, None))
        rb = ratio(drf, "phase:decimal_s", dg, "get_str_s")
        goal = GOAL_DECIMAL if dn == GOAL_DECIMAL_N else None
        rows.append((drf, "decimal_s", "phase:decimal_s", rb, goal))
        if goal is not None:
            goals.append((f"{drf.name} decimal_s / {dg.name} get_str_s <= {goal}", rb, goal))
        rows.append((dg, "process s", "process_wall_s", None, None))
        rows.append((drf, "process s", "process_wall_s",
                     ratio(drf, "process_wall_s", dg, "process_wall_s"), None))
    if batch:
        rows.append((batch[0], "process s", "process_wall_s", None, None))
        for b in batch[1:]:
            rows.append((b, "process s", "process_wall_s",
                         ratio(b, "process_wall_s", batch[0], "process_wall_s"), None))
    if GOAL_N not in ns:
        goals.append((f"rf{R}-{fmt_count(GOAL_N)} / gmp-{fmt_count(GOAL_N)} <= {GOAL_FACTORIAL}",
                      None, GOAL_FACTORIAL))
    if not dec or dn != GOAL_DECIMAL_N:
        goals.append((f"dec-rf{R}-{fmt_count(GOAL_DECIMAL_N)} decimal_s / "
                       f"dec-gmp-{fmt_count(GOAL_DECIMAL_N)} get_str_s <= {GOAL_DECIMAL}", None,
                       GOAL_DECIMAL))

    # ---- own clocks of the tools, medians ----
    print()
    print("The tools' own clocks, medians in s (rangefarm: timing.wall_s and phases; "
          "gmp: fac_s, get_str_s):")
    for c in configs:
        if c.kind == "gmp":
            keys = ["fac_s"] + (["get_str_s"] if c.output else [])
        else:
            keys = ["wall_s", "phase:pieces_s", "phase:combine_s", "phase:check_s"] + (
                ["phase:decimal_s"] if c.output else [])
        parts = []
        for k in keys:
            s = stats(series(c, k))
            parts.append(f"{k.removeprefix('phase:')} {s['median']:.3f}" if s else f"{k} n/a")
        print(f"  {c.name:<14} " + ", ".join(parts))

    # ---- summary table ----
    date = started.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print()
    print(f"{model}, {cores} cores; {args.runs} round{'s' if args.runs > 1 else ''}; {date}")
    print("Medians, min and max over the rounds; 'process' = whole process timed from here "
          "(mpirun start-up included). ratio = ratio of the medians against the row above.")
    hdr = (f"{'config':<14} {'what':<40} {'measure':<10} {'median':>8} {'min':>8} {'max':>8} "
           f"{'ratio':>7} {'goal':>7} {'met?':>5}")
    print(hdr)
    print("-" * len(hdr))
    table = []
    for cfg, measure, key, rb, goal in rows:
        s = stats(series(cfg, key))
        v = rb["ratio_of_medians"] if rb else None
        met = "" if goal is None else ("yes" if v is not None and v <= goal else "NO")
        figs = [f"{s[k]:8.3f}" for k in ("median", "min", "max")] if s else [f"{'n/a':>8}"] * 3
        print(f"{cfg.name:<14} {cfg.what:<40} {measure:<10} " + " ".join(figs)
              + f" {(f'{v:.3f}' if v is not None else ''):>7}"
              + f" {(f'<={goal}' if goal is not None else ''):>7} {met:>5}")
        table.append({"config": cfg.name, "measure": measure, "stats": s, "ratio": rb,
                      "goal": goal})
    spreads = [(cfg.name, measure, rb["per_round"]) for cfg, measure, key, rb, _ in rows
               if rb and rb["per_round"] and rb["per_round"]["n"] > 1]
    if spreads:
        print("same-round ratios, [min, max]: " + "; ".join(
            f"{name} {measure} [{p['min']:.3f}, {p['max']:.3f}]" for name, measure, p in spreads))

    print()
    print("goals (on the medians):")
    goal_list = []
    for label, rb, goal in goals:
        v = rb["ratio_of_medians"] if rb else None
        if rb is None:
            state = "SKIP"
        else:
            state = "PASS" if v is not None and v <= goal else "FAIL"
        print(f"  {state}  {label}" + (f": {v:.3f}" if v is not None else ""))
        goal_list.append({"goal": label, "measured": v, "target": goal, "state": state})

    print_failed_runs(failed, configs)
    checked = "bits equal GMP's, digits, trailing zeros and check 'ok' right, runs agree"
    if dec:
        checked += ", decimal files identical"
    print_problems(problems, checked)
    noisy = report_noise(configs, load_start, load_end)

    doc = {
        **doc_head("bench/factorial_compare.py", started, cores, load_start, load_end, busy_now,
                   model),
        "tools": {k: str(v) for k, v in tools.items()},
        "runs_per_config": args.runs,
        "goals": goal_list,
        "table": table,
        "configs": [dict(c.describe(), runs=c.runs) for c in configs],
        "reference_bits": {str(k): v for k, v in sorted(ref_bits.items())},
        "result_problems": problems,
        "failed_runs": failed,
        "noisy": noisy,
        "warm_up": warm,
    }
    write_results(out_path, doc)

    if failed or problems:
        return 2
    return 0 if all(g["state"] != "FAIL" for g in goal_list) else 1


def print_run(cfg, r, rnd, runs):
    head = f"  round {rnd + 1}/{runs}  {cfg.name:<14}"
    if r["rc"] != 0:
        print(f"{head} FAILED ({r['rc']}): {r.get('error', '').strip()[-300:]}", flush=True)
        return
    if cfg.kind == "gmp":
        own = f"fac {r['fac_s']:.3f} s" + (f"  get_str {r['get_str_s']:.3f} s" if cfg.output
                                           else "")
    else:
        own = f"wall {r['wall_s']:.3f} s" + (
            f"  decimal {r['phases'].get('decimal_s', 0):.3f} s" if cfg.output else "")
    waited = r["waited_idle_s"]
    print(f"{head} process {r['process_wall_s']:8.3f} s  {own}"
          f"  other {r.get('other_cores', float('nan')):.2f} cores"
          + (f"  (waited {waited:.0f} s for idle)" if waited >= 2 else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
