#!/usr/bin/env python3
"""Whole-process benchmark of `rangefarm perfect`, side by side, in one run.

Configurations (each one `mpirun -np N build/apps/rangefarm perfect ... --json -`):

  sieve-1      sieve, 1 rank, [1, TO]                          (numbers/s, target >= 80 M/s)
  block-2      sieve, 2 ranks, --schedule static-block, [1, TO] (speedup vs sieve-1, >= 1.9x)
  dynamic-2    sieve, 2 ranks, --schedule dynamic, [1, TO]      (speedup vs sieve-1, >= 1.9x)
  trial-small  trial division, 1 rank, [1, TRIAL_TO]            (against sieve-small)
  sieve-small  sieve, 1 rank, [1, TRIAL_TO]

TO is 1e9 and TRIAL_TO 1e6 unless --to / --trial-to say otherwise.

Each run is timed twice: the report's timing.wall_s (the farm's own wall clock,
from start of the search to the merged result) and the whole process as seen
from here (mpirun start-up, sieving-prime set-up and MPI tear-down included).
Runs are interleaved, round r running every configuration once, with the order
rotated from round to round, so that drift on the machine (other jobs, thermal)
hits every configuration alike. Medians, min and max over --runs rounds are
printed and written, with every raw run, to --out as JSON.

Targets are judged on the medians of timing.wall_s; the whole-process figures
are printed beside them. Every run's result must be the same for a given range
(a schedule must never change the answer), and the perfect numbers found must
be the known ones.

Exit status: 0 all runs fine and all targets met, 1 a target missed,
2 a run failed or the results disagree.

  python3 bench/perfect_compare.py [--runs 5] [--build build] [--to 1e9]
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common  # noqa: E402
from bench_common import (  # noqa: E402
    NOISY_OTHER_CORES, add_common_args, doc_head, fmt_count, built_rangefarm, machine_start,
    mpi_env, parse_count, print_problems, repo_path, report_noise, rotated, run_rangefarm, stats,
    write_results)

KNOWN_PERFECT = [6, 28, 496, 8128, 33550336, 8589869056, 137438691328, 2305843008139952128]

TARGET_RATE = 80e6  # numbers/s, sieve at one rank
TARGET_SPEEDUP = 1.9  # two ranks against one


class Config:
    """perfect over [frm, to] (inclusive) on `ranks` ranks."""

    def __init__(self, name, ranks, method, schedule, to, what, frm=1):
        self.name, self.ranks, self.method = name, ranks, method
        self.schedule, self.frm, self.to = schedule, frm, to
        self.what = what
        self.runs = []  # dicts, one per run

    @property
    def size(self):
        return self.to - self.frm + 1

    def argv(self, mpirun, binary, extra_mpirun):
        return ([mpirun, "-np", str(self.ranks)] + extra_mpirun +
                [str(binary), "perfect", "--from", str(self.frm), "--to", str(self.to),
                 "--method", self.method, "--schedule", self.schedule, "--json", "-"])

    def describe(self):
        return {"name": self.name, "ranks": self.ranks, "method": self.method,
                "schedule": self.schedule, "from": self.frm, "to": self.to, "what": self.what}


def run_once(cfg, args, binary, env):
    return run_rangefarm(cfg.argv(args.mpirun, binary, args.mpirun_arg), args, env)


def ok_runs(cfg):
    return [r for r in cfg.runs if r["rc"] == 0]


def summarize(cfg):
    runs = ok_runs(cfg)
    n = cfg.size
    s = {
        "runs_ok": len(runs),
        "runs_failed": len(cfg.runs) - len(runs),
        "wall_s": stats([r["wall_s"] for r in runs]),
        "process_wall_s": stats([r["process_wall_s"] for r in runs]),
        "rate_per_s": stats([n / r["wall_s"] for r in runs if r["wall_s"] > 0]),
        "process_rate_per_s": stats([n / r["process_wall_s"] for r in runs]),
        "busy_s_per_rank": [stats([r["busy_s"][k] for r in runs if k < len(r["busy_s"])])
                            for k in range(cfg.ranks)],
        "imbalance": stats([r["imbalance"] for r in runs]),
        "children_cpu_s": stats([r["children_cpu_s"] for r in runs]),
        "other_cores": stats([r.get("other_cores") for r in runs]),
        "steal_cores": stats([r.get("steal_cores") for r in runs]),
    }
    return s


def quiet(run):
    return run.get("other_cores") is not None and run["other_cores"] <= NOISY_OTHER_CORES


def paired(num_cfg, den_cfg, key, quiet_only=False):
    """Per-round ratios num/den (same round, so under the same conditions);
    with quiet_only, only rounds in which neither run had other jobs beside it."""
    out = []
    for a, b in zip(num_cfg.runs, den_cfg.runs):
        if a["rc"] == 0 and b["rc"] == 0 and b[key] > 0:
            if not quiet_only or (quiet(a) and quiet(b)):
                out.append(a[key] / b[key])
    return out


def ratio_block(num_cfg, den_cfg, num_sum, den_sum):
    """Ratio of medians (num / den) for both clocks, plus per-round ratio spread."""
    block = {}
    for key, label in (("wall_s", "report"), ("process_wall_s", "process")):
        a, b = num_sum[key], den_sum[key]
        block[label] = {
            "ratio_of_medians": a["median"] / b["median"] if a and b and b["median"] > 0 else None,
            "per_round": stats(paired(num_cfg, den_cfg, key)),
            "quiet_rounds": stats(paired(num_cfg, den_cfg, key, quiet_only=True)),
        }
    return block


def check_results(configs):
    """Every run of one range agrees, and the perfect numbers are the known ones."""
    problems = []
    by_range = {}
    for c in configs:
        for i, r in enumerate(c.runs):
            if r["rc"] != 0:
                continue
            by_range.setdefault((c.frm, c.to), []).append((c.name, i + 1, r))
    for (frm, to), entries in by_range.items():
        where = f"[{fmt_count(frm)}, {fmt_count(to)}]"
        size = to - frm + 1
        first_name, first_i, first = entries[0]
        for name, i, r in entries[1:]:
            if r["result"] != first["result"]:
                problems.append(f"{where}: {name} run {i} result differs from "
                                f"{first_name} run {first_i}")
        res = first["result"]
        expected = [p for p in KNOWN_PERFECT if frm <= p <= to]
        if res.get("perfect_numbers") != expected:
            problems.append(f"{where}: perfect numbers {res.get('perfect_numbers')}"
                            f" != known {expected}")
        counts = res.get("counts", {})
        if sum(counts.values()) != size:
            problems.append(f"{where}: counts {counts} do not add up to {size}")
        for name, i, r in entries:
            if r.get("items_total") not in (None, size):
                problems.append(f"{name} run {i}: items_total {r['items_total']} != {size}")
    return problems


def fmt_s(st, scale=1.0, digits=3):
    if not st:
        return "n/a"
    return (f"{st['median'] * scale:.{digits}f} "
            f"[{st['min'] * scale:.{digits}f}, {st['max'] * scale:.{digits}f}]")


def fmt_x(block):
    if not block or block["ratio_of_medians"] is None:
        return "n/a"
    pr = block["per_round"]
    spread = f" [{pr['min']:.2f}, {pr['max']:.2f}]" if pr else ""
    return f"{block['ratio_of_medians']:.2f}x{spread}"


def main():
    ap = bench_common.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Targets: sieve at one rank >= 80 M numbers/s; two ranks >= 1.9x one rank.")
    ap.add_argument("--runs", type=int, default=5, help="rounds of every configuration (default 5)")
    ap.add_argument("--build", default="build",
                    help="build folder, relative to the repository root or absolute"
                         " (default build)")
    ap.add_argument("--to", type=parse_count, default=10**9, metavar="N",
                    help="sieve range [1, N] for the rate and speedup runs (default 1e9;"
                         " with the default 1e7 chunk, below about 1e8 two ranks have too"
                         " few chunks to share)")
    ap.add_argument("--trial-to", type=parse_count, default=10**6, metavar="N",
                    help="range [1, N] of the trial-against-sieve runs (default 1e6)")
    ap.add_argument("--base-schedule", default="static-block",
                    help="schedule of the one-rank baseline (default static-block, as in"
                         " scripts/run.sh)")
    add_common_args(ap, "bench/results/perfect_compare.json")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    binary = built_rangefarm("perfect_compare", args.build)
    if binary is None:
        return 2
    out_path = repo_path(args.out)

    to, tto = args.to, args.trial_to
    base = Config("sieve-1", 1, "sieve", args.base_schedule, to,
                  f"sieve, 1 rank ({args.base_schedule}), [1, {fmt_count(to)}]")
    block = Config("block-2", 2, "sieve", "static-block", to,
                   f"sieve, 2 ranks static-block, [1, {fmt_count(to)}]")
    dyn = Config("dynamic-2", 2, "sieve", "dynamic", to,
                 f"sieve, 2 ranks dynamic, [1, {fmt_count(to)}]")
    trial = Config("trial-small", 1, "trial", "dynamic", tto,
                   f"trial, 1 rank, [1, {fmt_count(tto)}]")
    small = Config("sieve-small", 1, "sieve", "dynamic", tto,
                   f"sieve, 1 rank, [1, {fmt_count(tto)}]")
    configs = [base, block, dyn, trial, small]

    env = mpi_env()
    print(f"perfect_compare: {args.runs} rounds of {len(configs)} configurations, binary {binary}")
    cores, load_start, started, busy_now = machine_start()

    # Warm-up, not counted: page cache for the binary, MPI libraries, mpirun itself.
    warm = run_once(Config("warm-up", 1, "sieve", "dynamic", min(tto, 10**6), "warm-up"),
                    args, binary, env)
    if warm["rc"] != 0:
        print(f"perfect_compare: warm-up run failed ({warm['rc']}):\n{warm.get('error', '')}",
              file=sys.stderr)
        return 2

    for rnd in range(args.runs):
        order = rotated(configs, rnd)
        for cfg in order:
            r = run_once(cfg, args, binary, env)
            r["round"] = rnd + 1
            cfg.runs.append(r)
            if r["rc"] == 0:
                busy = " ".join(f"{b:.2f}" for b in r["busy_s"])
                waited = r["waited_idle_s"]
                print(f"  round {rnd + 1}/{args.runs}  {cfg.name:<12} wall {r['wall_s']:8.3f} s"
                      f"  process {r['process_wall_s']:8.3f} s  busy {busy}"
                      f"  other {r.get('other_cores', float('nan')):.2f} cores"
                      + (f"  (waited {waited:.0f} s for idle)" if waited >= 2 else ""),
                      flush=True)
            else:
                print(f"  round {rnd + 1}/{args.runs}  {cfg.name:<12} FAILED ({r['rc']}): "
                      f"{r.get('error', '').strip()[-300:]}", flush=True)
    load_end = os.getloadavg()
    # Each configuration's runs are in round order: index i is round i + 1 for all.

    sums = {c.name: summarize(c) for c in configs}
    comparisons = {
        "speedup_block_2": ratio_block(base, block, sums[base.name], sums[block.name]),
        "speedup_dynamic_2": ratio_block(base, dyn, sums[base.name], sums[dyn.name]),
        "trial_over_sieve": ratio_block(trial, small, sums[trial.name], sums[small.name]),
    }
    problems = check_results(configs)
    failed_runs = sum(s["runs_failed"] for s in sums.values())

    # ---- table ----
    print()
    print(f"Medians over {args.runs} rounds, [min, max] in brackets. 'report' = timing.wall_s of "
          f"the JSON report; 'process' = mpirun start to exit.")
    hdr = (f"{'configuration':<40} {'report wall s':>24} {'process wall s':>24} "
           f"{'M numbers/s (report)':>26}")
    print(hdr)
    print("-" * len(hdr))
    for c in configs:
        s = sums[c.name]
        print(f"{c.what:<40} {fmt_s(s['wall_s']):>24} {fmt_s(s['process_wall_s']):>24} "
              f"{fmt_s(s['rate_per_s'], 1e-6, 1):>26}")
    print()
    print(f"{'comparison':<40} {'report':>24} {'process':>24}")
    print("-" * 90)
    labels = {
        "speedup_block_2": "speedup, 2 ranks static-block vs 1",
        "speedup_dynamic_2": "speedup, 2 ranks dynamic vs 1",
        "trial_over_sieve": f"trial / sieve time, [1, {fmt_count(tto)}]",
    }
    for key, label in labels.items():
        b = comparisons[key]
        print(f"{label:<40} {fmt_x(b['report']):>24} {fmt_x(b['process']):>24}")
    print("(ratio of the medians; [min, max] of the same-round ratios)")
    for key, label in labels.items():
        q = comparisons[key]["report"]["quiet_rounds"]
        if q and q["n"] < args.runs:
            print(f"  {label}, quiet rounds only (no other job beside either run): median "
                  f"{q['median']:.2f}x [{q['min']:.2f}, {q['max']:.2f}] over {q['n']} rounds")
    for c in (block, dyn):
        busy = sums[c.name]["busy_s_per_rank"]
        imb = sums[c.name]["imbalance"]
        print(f"{c.name}: busy s per rank (median) "
              + ", ".join(f"rank {k} {b['median']:.3f}" for k, b in enumerate(busy) if b)
              + (f"; imbalance {imb['median']:.3f}" if imb else ""))

    # ---- targets ----
    targets = []
    rate = sums[base.name]["rate_per_s"]
    targets.append({
        "name": f"sieve, 1 rank, [1, {fmt_count(to)}] >= {TARGET_RATE / 1e6:.0f} M numbers/s",
        "measured": rate["median"] if rate else None, "unit": "numbers/s",
        "target": TARGET_RATE, "pass": bool(rate and rate["median"] >= TARGET_RATE),
        "process_measured": (sums[base.name]["process_rate_per_s"] or {}).get("median"),
    })
    for key, c in (("speedup_block_2", block), ("speedup_dynamic_2", dyn)):
        v = comparisons[key]["report"]["ratio_of_medians"]
        targets.append({
            "name": f"{c.what}: speedup >= {TARGET_SPEEDUP}x",
            "measured": v, "unit": "x", "target": TARGET_SPEEDUP,
            "pass": bool(v is not None and v >= TARGET_SPEEDUP),
            "process_measured": comparisons[key]["process"]["ratio_of_medians"],
        })
    print()
    print("targets (on the report medians; the process figure beside it):")
    for t in targets:
        m = t["measured"]
        pm = t["process_measured"]
        if t["unit"] == "numbers/s":
            shown = f"{m / 1e6:.1f} M/s" if m else "n/a"
            pshown = f"{pm / 1e6:.1f} M/s" if pm else "n/a"
        else:
            shown = f"{m:.2f}x" if m else "n/a"
            pshown = f"{pm:.2f}x" if pm else "n/a"
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['name']}: {shown} (process: {pshown})")
    print_problems(problems, "every run agrees, perfect numbers as known, counts add up")
    noisy = report_noise(
        configs, load_start, load_end, load_note=f"; the runs themselves load {cores} cores",
        busy_note=f": the 2-rank figures compete with them for the {cores} cores",
        steal_of_failed=False)

    # ---- JSON ----
    doc = {
        **doc_head("bench/perfect_compare.py", started, cores, load_start, load_end, busy_now),
        "binary": str(binary),
        "runs_per_config": args.runs,
        "targets": targets,
        "comparisons": comparisons,
        "configs": [dict(c.describe(), summary=sums[c.name], runs=c.runs) for c in configs],
        "result_problems": problems,
        "noisy": noisy,
        "warm_up": warm,
    }
    write_results(out_path, doc)

    if failed_runs or problems:
        return 2
    return 0 if all(t["pass"] for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
