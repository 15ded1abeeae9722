#!/usr/bin/env python3
"""Whole-process benchmark of journaling (`--checkpoint FILE`): what it costs, side by side.

Configurations (each one `mpirun -np 2 build/apps/rangefarm ... --json - --quiet`;
TO is 3e9, MTO 8000 and FINE 1e6 unless --to, --mersenne-to, --fine-chunk say
otherwise), in pairs, plain and journaled:

  perfect-plain         perfect --to TO (default chunk, 1e7: 300 chunks at 3e9)
  perfect-journal       the same with --checkpoint J
  perfect-fine-plain    perfect --to TO --chunk FINE (many more chunk records:
                        3000 at 3e9)
  perfect-fine-journal  the same with --checkpoint J
  mersenne-plain        mersenne --to MTO (default chunk, 1 exponent: 1007
                        records at 8000, one per prime exponent)
  mersenne-journal      the same with --checkpoint J

--pairs runs a subset. J is journal.jsonl in a fresh temporary folder per
journaled run (under --tmp-dir, default the system's), removed afterwards.

The measure is the report's timing.wall_s (from the start barrier to the
merged result, so journal writes and their fsyncs are inside it); the whole
process as seen from here (mpirun start-up and tear-down included) is printed
beside it. Runs are interleaved, round r running every configuration once,
with the order rotated from round to round, so that drift on the machine
(other jobs, thermal) hits every configuration alike; one untimed warm-up run
(journaled, small) comes first. Medians, min and max over --runs rounds are
printed and written, with every raw run, to --out as JSON.

Goal, for each pair, on the medians of timing.wall_s:
  journal / plain <= 1.01   (journaling costs under 1%)
It is printed PASS or FAIL with the spread of the same-round ratios beside it.
On a busy 2-core VM (two ranks on two cores, other jobs beside them) run-to-run
noise of a percent or two is normal, so a FAIL there by that much is no proof
of a cost: look at the spread and the 'other' figures, or run again with more
--runs and --wait-idle.

Checked on every run, not assumed:
  - every run of a workload (plain, journaled, any chunk) has the same
    `result`, so each journaled run's result equals its plain run's;
  - items_total equals the range size (TO for perfect from 1; for mersenne
    the number of primes in [2, MTO], counted here);
  - a journaled run's report has checkpoint.computed_items equal to the range
    size, restored_items 0, resumed false; a plain run's has no checkpoint;
  - the journal has 1 + chunks lines (chunks = the sum of timing.ranks[*].chunks):
    a header line with rangefarm_journal, then one record per chunk, every line
    JSON, the records' [lo, hi) covering range-size items in all.

Exit status: 0 all runs fine and every goal met, 1 a goal missed,
2 a run failed or a check failed.

  python3 bench/checkpoint_overhead.py [--runs 3] [--build build] [--to 3e9]
      [--mersenne-to 8000] [--fine-chunk 1e6] [--pairs perfect perfect-fine mersenne]
      [--tmp-dir DIR] [--wait-idle S] [--out FILE]

The process timing and machine-load helpers (idle wait, /proc/stat accounting,
MPI environment) are bench_common.py's, imported from beside this file; the
prime count for the mersenne range is mersenne_compare.py's.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common  # noqa: E402
from bench_common import (  # noqa: E402
    add_common_args, add_report, cpu_model, doc_head, fmt_count,
    machine_start, missing_executable, mpi_env, parse_count, print_failed_runs, print_problems,
    ratio_of, repo_path, report_noise, rotated, stats, timed_process, write_results)
from mersenne_compare import primes_between  # noqa: E402

RANKS = 2
DEFAULT_TO = 3 * 10**9
DEFAULT_MERSENNE_TO = 8000
DEFAULT_FINE_CHUNK = 10**6
GOAL_RATIO = 1.01  # journal / plain, timing.wall_s medians
WARM_UP_TO = 10**8
JOURNAL_NAME = "journal.jsonl"
PAIR_NAMES = ["perfect", "perfect-fine", "mersenne"]


class Config:
    def __init__(self, name, pair, workload, opts, journal, size, what):
        self.name, self.pair, self.workload, self.opts = name, pair, workload, opts
        self.journal, self.size, self.what = journal, size, what
        self.runs = []  # dicts, one per round

    def argv(self, args, binary, journal_path=None):
        ckpt = ["--checkpoint", str(journal_path)] if journal_path else []
        return ([args.mpirun, "-np", str(RANKS)] + args.mpirun_arg +
                [str(binary), self.workload] + self.opts + ckpt + ["--json", "-", "--quiet"])

    def describe(self):
        return {"name": self.name, "pair": self.pair, "workload": self.workload,
                "ranks": RANKS, "options": self.opts, "journal": self.journal,
                "range_size": self.size, "what": self.what}


def make_configs(args, pairs):
    to, mto, fine = args.to, args.mersenne_to, args.fine_chunk
    perfect_opts = ["--to", str(to)]
    mersenne_opts = ["--to", str(mto)]
    mersenne_size = len(primes_between(2, mto))
    spec = {
        "perfect": ("perfect", perfect_opts, to, f"perfect [1, {fmt_count(to)}]"),
        "perfect-fine": ("perfect", perfect_opts + ["--chunk", str(fine)], to,
                         f"perfect [1, {fmt_count(to)}], chunk {fmt_count(fine)}"),
        "mersenne": ("mersenne", mersenne_opts, mersenne_size,
                     f"mersenne [2, {mto}] ({mersenne_size} exponents)"),
    }
    configs = []
    for pair in PAIR_NAMES:
        if pair not in pairs:
            continue
        workload, opts, size, what = spec[pair]
        configs.append(Config(f"{pair}-plain", pair, workload, opts, False, size, what))
        configs.append(Config(f"{pair}-journal", pair, workload, opts, True, size,
                              what + ", --checkpoint"))
    return configs


def read_journal(path):
    """(lines, bytes, items covered by the records, problem or None) of a journal file."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        return None, None, None, f"journal unreadable: {e}"
    lines = text.splitlines()
    covered = 0
    for i, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except ValueError:
            return len(lines), len(text), None, f"journal line {i + 1} is not JSON: {line[:80]!r}"
        if i == 0:
            if "rangefarm_journal" not in rec:
                return len(lines), len(text), None, f"journal header has no rangefarm_journal: " \
                                                    f"{line[:80]!r}"
        else:
            try:
                if "items" in rec:  # ids as runs [lo, hi) (mersenne, synthetic)
                    covered += sum(int(hi) - int(lo) for lo, hi in rec["items"])
                else:
                    covered += int(rec["hi"]) - int(rec["lo"])
            except (KeyError, TypeError, ValueError):
                return len(lines), len(text), None, f"journal line {i + 1} has no lo/hi: " \
                                                    f"{line[:80]!r}"
    return len(lines), len(text), covered, None


def run_once(cfg, args, binary, env):
    """One run; a journaled one in a fresh temporary folder, removed afterwards."""
    tmp = tempfile.mkdtemp(prefix="rangefarm-ckpt-", dir=args.tmp_dir) if cfg.journal else None
    journal = Path(tmp) / JOURNAL_NAME if tmp else None
    try:
        argv = cfg.argv(args, binary, journal)
        rc, out, _, run = timed_process(argv, env, args.timeout, args.wait_idle)
        if journal is not None and journal.exists():
            (run["journal_lines"], run["journal_bytes"], run["journal_items"],
             run["journal_problem"]) = read_journal(journal)
        report = add_report(run, rc, out)
        if report is not None:
            run["checkpoint"] = report.get("checkpoint")
        return run
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


# ---- checks ----

def check_run(where, cfg, r):
    """One run's items, checkpoint object and journal against the range size."""
    problems = []
    size = cfg.size
    if r.get("items_total") != size:
        problems.append(f"{where}: items_total {r.get('items_total')} != range size {size}")
    ck = r.get("checkpoint")
    if not cfg.journal:
        if ck is not None:
            problems.append(f"{where}: a plain run's report has a checkpoint object {ck}")
        return problems
    if not ck:
        problems.append(f"{where}: the report has no checkpoint object")
    else:
        if ck.get("computed_items") != size:
            problems.append(f"{where}: checkpoint.computed_items {ck.get('computed_items')} != "
                            f"range size {size}")
        if ck.get("restored_items") != 0 or ck.get("resumed") is not False:
            problems.append(f"{where}: a fresh journal, yet restored_items "
                            f"{ck.get('restored_items')}, resumed {ck.get('resumed')}")
    chunks = sum(c or 0 for c in r.get("chunks") or [])
    if "journal_lines" not in r:
        problems.append(f"{where}: no journal file written")
        return problems
    if r.get("journal_problem"):
        problems.append(f"{where}: {r['journal_problem']}")
    if r["journal_lines"] != 1 + chunks:
        problems.append(f"{where}: journal has {r['journal_lines']} lines, expected 1 + {chunks} "
                        f"chunks = {1 + chunks}")
    if r.get("journal_items") is not None and r["journal_items"] != size:
        problems.append(f"{where}: journal records cover {r['journal_items']} items != range "
                        f"size {size}")
    return problems


def check_runs(configs):
    """Every run right on its own; all runs of a workload agree on the whole result."""
    problems = []
    refs = {}  # workload -> (result, where) of its first good run, a plain one where there is one
    for c in sorted(configs, key=lambda c: c.journal):
        for r in c.runs:
            if r["rc"] != 0:
                continue
            where = f"{c.name} round {r['round']}"
            problems += check_run(where, c, r)
            ref = refs.setdefault(c.workload, (r["result"], where))
            if r["result"] != ref[0]:
                keys = sorted(k for k in set(r["result"]) | set(ref[0])
                              if r["result"].get(k) != ref[0].get(k))
                problems.append(f"{where}: result differs from {ref[1]} (in "
                                f"{', '.join('result.' + k for k in keys)})")
    return problems


# ---- figures ----

def series(cfg, key):
    """Per-round values of key (None where the run failed)."""
    return [r.get(key) if r["rc"] == 0 else None for r in cfg.runs]


def ratio(num_cfg, den_cfg, key):
    return ratio_of(series(num_cfg, key), series(den_cfg, key))


def summarize(cfg):
    return {
        "wall_s": stats(series(cfg, "wall_s")),
        "process_wall_s": stats(series(cfg, "process_wall_s")),
        "imbalance": stats(series(cfg, "imbalance")),
        "journal_lines": stats(series(cfg, "journal_lines")),
        "journal_bytes": stats(series(cfg, "journal_bytes")),
        "children_cpu_s": stats(series(cfg, "children_cpu_s")),
        "other_cores": stats(series(cfg, "other_cores")),
        "steal_cores": stats(series(cfg, "steal_cores")),
    }


def fmt_stats(s):
    return " ".join(f"{s[k]:8.3f}" for k in ("median", "min", "max")) if s else \
        " ".join([f"{'n/a':>8}"] * 3)


def print_run(cfg, r, rnd, runs):
    head = f"  round {rnd + 1}/{runs}  {cfg.name:<20}"
    if r["rc"] != 0:
        print(f"{head} FAILED ({r['rc']}): {r.get('error', '').strip()[-300:]}", flush=True)
        return
    chunks = sum(c or 0 for c in r["chunks"])
    journal = (f"  journal {r['journal_lines']} lines {r['journal_bytes'] / 1024:.0f} KiB"
               if "journal_lines" in r else "")
    waited = r["waited_idle_s"]
    print(f"{head} wall {r['wall_s']:8.3f} s  process {r['process_wall_s']:8.3f} s  chunks "
          f"{chunks}{journal}  other {r.get('other_cores', float('nan')):.2f} cores"
          + (f"  (waited {waited:.0f} s for idle)" if waited >= 2 else ""), flush=True)


def main():
    ap = bench_common.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Goal: journal / plain <= {GOAL_RATIO} on the medians of timing.wall_s, "
               f"per pair.")
    ap.add_argument("--runs", type=int, default=3, help="rounds of every configuration (default 3)")
    ap.add_argument("--build", default="build",
                    help="build folder, relative to the repository root or absolute"
                         " (default build)")
    ap.add_argument("--to", type=parse_count, default=DEFAULT_TO, metavar="N",
                    help=f"perfect range [1, N] (default {fmt_count(DEFAULT_TO)})")
    ap.add_argument("--fine-chunk", type=parse_count, default=DEFAULT_FINE_CHUNK, metavar="K",
                    help=f"--chunk of the perfect-fine pair (default {fmt_count(DEFAULT_FINE_CHUNK)})")
    ap.add_argument("--mersenne-to", type=parse_count, default=DEFAULT_MERSENNE_TO, metavar="P",
                    help=f"mersenne exponents [2, P] (default {DEFAULT_MERSENNE_TO})")
    ap.add_argument("--pairs", nargs="+", choices=PAIR_NAMES, default=PAIR_NAMES, metavar="PAIR",
                    help="pairs to run (default all: " + " ".join(PAIR_NAMES) + ")")
    ap.add_argument("--tmp-dir", default=None, metavar="DIR",
                    help="where the journals' temporary folders go (default the system's"
                         " temporary folder); journaling cost depends on its file system")
    add_common_args(ap, "bench/results/checkpoint_overhead.json")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.to < 1 or args.mersenne_to < 2 or args.fine_chunk < 1:
        ap.error("--to and --fine-chunk must be at least 1, --mersenne-to at least 2")

    build = repo_path(args.build)
    binary = build / "apps" / "rangefarm"
    if not os.access(binary, os.X_OK):
        missing_executable("checkpoint_overhead", binary, build)
        return 2
    out_path = repo_path(args.out)

    configs = make_configs(args, set(args.pairs))
    pairs = [(configs[i], configs[i + 1]) for i in range(0, len(configs), 2)]

    env = mpi_env()
    model = cpu_model()
    print(f"checkpoint_overhead: {args.runs} round{'s' if args.runs > 1 else ''} of "
          f"{len(configs)} configurations at {RANKS} ranks, binary {binary}, journals under "
          f"{args.tmp_dir or tempfile.gettempdir()}")
    cores, load_start, started, busy_now = machine_start(model)

    # Warm-up, not counted: page cache for the binary, MPI libraries, mpirun, the journal's folder.
    warm_to = min(args.to, WARM_UP_TO)
    warm = run_once(Config("warm-up", "warm-up", "perfect", ["--to", str(warm_to)], True,
                           warm_to, "warm-up"), args, binary, env)
    if warm["rc"] != 0:
        print(f"checkpoint_overhead: warm-up run {warm['argv']} failed ({warm['rc']}):\n"
              f"{warm.get('error', '')}", file=sys.stderr)
        return 2

    for rnd in range(args.runs):
        order = rotated(configs, rnd)
        for cfg in order:
            r = run_once(cfg, args, binary, env)
            r["round"] = rnd + 1
            cfg.runs.append(r)
            print_run(cfg, r, rnd, args.runs)
    load_end = os.getloadavg()
    # Each configuration's runs are in round order: index i is round i + 1 for all.

    problems = check_runs(configs)
    failed = [(c.name, r["round"]) for c in configs for r in c.runs if r["rc"] != 0]
    sums = {c.name: summarize(c) for c in configs}

    date = started.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print()
    print(f"{model}, {cores} cores; {RANKS} ranks; {args.runs} round"
          f"{'s' if args.runs > 1 else ''}; {date}")
    print("Medians, min and max over the rounds, in s; 'wall_s' = timing.wall_s of the report, "
          "'process' = whole process timed from here (mpirun start-up included).")
    hdr = (f"{'config':<22} {'what':<50} {'measure':<8} {'median':>8} {'min':>8} {'max':>8} "
           f"{'journal lines':>13}")
    print(hdr)
    print("-" * len(hdr))
    for c in configs:
        s = sums[c.name]
        lines = s["journal_lines"]
        for measure, key in (("wall_s", "wall_s"), ("process", "process_wall_s")):
            jl = f"{round(lines['median'])}" if lines and key == "wall_s" else ""
            print(f"{c.name:<22} {c.what:<50} {measure:<8} {fmt_stats(s[key])} {jl:>13}")

    # ---- goals ----
    print()
    print(f"goal: journal / plain <= {GOAL_RATIO} (overhead under "
          f"{(GOAL_RATIO - 1) * 100:.0f}%) on the medians of timing.wall_s; [min, max] of the "
          f"same-round ratios and the whole-process ratio beside it")
    goals = []
    for plain, jour in pairs:
        rb = ratio(jour, plain, "wall_s")
        pb = ratio(jour, plain, "process_wall_s")
        v = rb["ratio_of_medians"]
        state = "n/a" if v is None else ("PASS" if v <= GOAL_RATIO else "FAIL")
        pr = rb["per_round"]
        spread = f" [{pr['min']:.4f}, {pr['max']:.4f}]" if pr else ""
        pv = pb["ratio_of_medians"]
        shown = f"{v:.4f} ({(v - 1) * 100:+.2f}%)" if v is not None else "n/a"
        print(f"  {state:<4}  {jour.name} / {plain.name}: {shown}{spread}"
              f"  (process: {f'{pv:.4f}' if pv is not None else 'n/a'})")
        goals.append({"goal": f"{jour.name} / {plain.name} <= {GOAL_RATIO}",
                      "pair": plain.pair, "measured": v,
                      "overhead_percent": (v - 1) * 100 if v is not None else None,
                      "per_round": pr, "process": pb, "target": GOAL_RATIO, "state": state})
    print(f"  (on a busy {cores}-core machine run-to-run noise of a percent or two is normal: "
          f"judge a FAIL by its spread and the 'other' figures)")

    print_failed_runs(failed, configs)
    print_problems(problems, "each journaled run's result equals the plain runs', items and "
                             "checkpoint.computed_items equal the range size, journals have "
                             "1 + chunks lines covering the range")
    noisy = report_noise(
        configs, load_start, load_end,
        busy_note=f": the {RANKS}-rank figures compete with them for the {cores} cores")

    doc = {
        **doc_head("bench/checkpoint_overhead.py", started, cores, load_start, load_end,
                   busy_now, model),
        "binary": str(binary),
        "ranks": RANKS,
        "to": args.to,
        "fine_chunk": args.fine_chunk,
        "mersenne_to": args.mersenne_to,
        "tmp_dir": args.tmp_dir or tempfile.gettempdir(),
        "runs_per_config": args.runs,
        "goals": goals,
        "configs": [dict(c.describe(), summary=sums[c.name], runs=c.runs) for c in configs],
        "result_problems": problems,
        "failed_runs": failed,
        "noisy": noisy,
        "warm_up": warm,
    }
    write_results(out_path, doc)

    if failed or problems:
        return 2
    return 1 if any(g["state"] == "FAIL" for g in goals) else 0


if __name__ == "__main__":
    sys.exit(main())
