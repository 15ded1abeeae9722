#!/usr/bin/env python3
"""Whole-process benchmark of `--trace FILE`: what tracing costs, side by side.

Pairs (each run `mpirun -np 2 build/apps/rangefarm ... --json - --quiet`),
plain and traced:

  perfect    perfect --to TO (default 2e9; the default chunk, 1e7)
  mersenne   mersenne --to MTO (default 6000; the default chunk, 1 exponent)
  chunk1     synthetic --tasks 300000 --cost uniform --unit-ms 0 --chunk 1:
             zero-cost tasks, one chunk record each, the worst case; its
             difference per chunk is the price of one record

Rounds are interleaved and rotated (bench_common.rotated): round r runs every
configuration once, so drift on the machine hits plain and traced alike.
Tracing's cost on one pair is the median over the rounds of the same-round
ratio traced / plain of the report's timing.wall_s (pairing cancels the
machine's slow spells, which on a shared VM move whole runs by 5-15%), with
its 95% order-statistics interval (scripts/median_ci.py) where there are
rounds enough (6 or more), else the min-max.

Goal at the default chunks (perfect, mersenne): tracing costs under 1%.
It is judged directly where the ratio's interval is narrow enough (its upper
end <= 1.01: PASS; its lower end > 1.01: FAIL), else on the bound the chunk1
pair gives: what one chunk record costs (the whole difference between its
plain and traced runs, 6-7x, far above any noise) times the pair's chunk
records, over its plain wall time. On a shared VM whose CPU-bound runs move
by 5-20% between one run and the next, the direct figure is mostly
inconclusive and the bound is what decides. chunk1 itself has no goal.

Checked on every run: a traced run's result equals its plain run's; its
trace has a header, one chunk record per chunk the report counts and an end
record.

  python3 bench/trace_overhead.py [--runs 7] [--build build] [--to 2e9]
      [--mersenne-to 6000] [--pairs perfect mersenne chunk1] [--out FILE]

Exit status: 0 every goal met, 1 a goal missed, 2 a run or a check failed.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import bench_common  # noqa: E402
import median_ci  # noqa: E402
from scaling_study.errors import UsageError  # noqa: E402
from scaling_study.trace import read_trace  # noqa: E402
from bench_common import (  # noqa: E402
    add_common_args, add_report, built_rangefarm, cpu_model, doc_head, machine_start,
    mpi_env, parse_count, repo_path, rotated, stats, timed_process, write_results)

RANKS = 2
GOAL_RATIO = 1.01
PAIR_NAMES = ["perfect", "mersenne", "chunk1"]
CHUNK1_TASKS = 300000


def workloads(args):
    """pair -> (rangefarm arguments, goal or None)."""
    return {
        "perfect": (["perfect", "--to", str(args.to)], GOAL_RATIO),
        "mersenne": (["mersenne", "--to", str(args.mersenne_to)], GOAL_RATIO),
        "chunk1": (["synthetic", "--tasks", str(CHUNK1_TASKS), "--cost", "uniform",
                    "--unit-ms", "0", "--chunk", "1"], None),
    }


def run_once(args, binary, env, argv_tail, traced):
    tmp = tempfile.mkdtemp(prefix="rangefarm-trace-") if traced else None
    trace = Path(tmp) / "trace.jsonl" if tmp else None
    argv = ([args.mpirun, "-np", str(RANKS)] + args.mpirun_arg + [str(binary)] + argv_tail +
            ["--json", "-", "--quiet"] + (["--trace", str(trace)] if trace else []))
    try:
        rc, out, _, run = timed_process(argv, env, args.timeout, args.wait_idle)
        add_report(run, rc, out)
        if trace is not None and run["rc"] == 0:
            run["trace_problem"] = check_trace(trace, sum(c or 0 for c in run["chunks"]))
        return run
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def check_trace(path, chunks):
    """None, or what is wrong with a finished run's trace (read as the
    scaling study reads it, scaling_study.trace)."""
    try:
        trace = read_trace(path)
    except UsageError as e:
        return str(e)
    if len(trace.chunks) != chunks:
        return f"the trace has {len(trace.chunks)} chunk records, the report {chunks} chunks"
    if not trace.complete:
        return "the trace has no end record"
    return None


def judge(g, per_record):
    """Sets g's state (PASS, FAIL, INCONCLUSIVE) and how it was judged."""
    ci, goal = g["ratio"], g["goal"]
    direct = ci["coverage"] >= ci["level"]
    if direct and ci["hi"] <= goal:
        g["state"], g["how"] = "PASS", f"the interval's upper end {ci['hi']:.4f} <= {goal}"
    elif direct and ci["lo"] > goal:
        g["state"], g["how"] = "FAIL", f"the interval's lower end {ci['lo']:.4f} > {goal}"
    elif per_record is not None and g.get("chunks"):
        bound = per_record * g["chunks"] / g["plain_wall_s"]["median"]
        g["bound"] = bound
        g["state"] = "PASS" if bound <= goal - 1 else "FAIL"
        g["how"] = (f"directly inconclusive, [{ci['lo']:.4f}, {ci['hi']:.4f}]; bound: "
                    f"{g['chunks']:.0f} records x {per_record * 1e6:.2f} us = "
                    f"{100 * bound:.3f}% of {g['plain_wall_s']['median']:.3f} s")
    else:
        g["state"], g["how"] = "INCONCLUSIVE", "the interval spans the goal; run chunk1 too"
    return g["state"]


def main():
    ap = bench_common.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="rounds (default 7)")
    ap.add_argument("--build", default="build", help="build folder (default build)")
    ap.add_argument("--to", type=parse_count, default=2 * 10**9, metavar="N")
    ap.add_argument("--mersenne-to", type=parse_count, default=6000, metavar="P")
    ap.add_argument("--pairs", nargs="+", choices=PAIR_NAMES, default=PAIR_NAMES)
    add_common_args(ap, "bench/results/trace_overhead.json")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    binary = built_rangefarm("trace_overhead", args.build)
    if binary is None:
        return 2
    env, model = mpi_env(), cpu_model()
    print(f"trace_overhead: {args.runs} rounds of {2 * len(args.pairs)} configurations at "
          f"{RANKS} ranks, binary {binary}")
    cores, load_start, started, busy_now = machine_start(model)
    specs = workloads(args)
    configs = [(pair, traced) for pair in args.pairs for traced in (False, True)]
    runs = {c: [] for c in configs}
    for rnd in range(args.runs):
        for pair, traced in rotated(configs, rnd):
            r = run_once(args, binary, env, specs[pair][0], traced)
            r["round"] = rnd + 1
            runs[(pair, traced)].append(r)
            state = f"wall {r['wall_s']:.4f} s" if r["rc"] == 0 else f"FAILED ({r['rc']})"
            print(f"  round {rnd + 1}/{args.runs}  {pair:<9} {'traced' if traced else 'plain':<7}"
                  f"{state}", flush=True)
    load_end = os.getloadavg()

    problems, goals, all_met = [], [], True
    for pair in args.pairs:
        plain, traced = runs[(pair, False)], runs[(pair, True)]
        for p, t in zip(plain, traced):
            if p["rc"] != 0 or t["rc"] != 0:
                problems.append(f"{pair} round {p['round']}: a run failed: "
                                f"{(p.get('error') or t.get('error') or '')[-300:]}")
            elif p["result"] != t["result"]:
                problems.append(f"{pair} round {p['round']}: the traced result differs")
            elif t.get("trace_problem"):
                problems.append(f"{pair} round {p['round']}: {t['trace_problem']}")
        ratios = [t["wall_s"] / p["wall_s"] for p, t in zip(plain, traced)
                  if p["rc"] == 0 and t["rc"] == 0 and p["wall_s"] > 0]
        ci = median_ci.summary(ratios)
        goal = specs[pair][1]
        line = {"pair": pair, "plain_wall_s": stats([r.get("wall_s") for r in plain]),
                "traced_wall_s": stats([r.get("wall_s") for r in traced]),
                "ratio": ci, "goal": goal}
        chunks = stats([sum(c or 0 for c in r["chunks"]) for r in traced if r["rc"] == 0])
        if chunks:
            line["chunks"] = chunks["median"]
        if ci and chunks and pair == "chunk1":
            diffs = [t["wall_s"] - p["wall_s"] for p, t in zip(plain, traced)
                     if p["rc"] == 0 and t["rc"] == 0]
            line["per_chunk_s"] = stats(diffs)["median"] / chunks["median"]
        goals.append(line)
    per_record = next((g.get("per_chunk_s") for g in goals if g["pair"] == "chunk1"), None)
    for g in goals:
        if g["goal"] is None or not g["ratio"]:
            continue
        judged = judge(g, per_record)
        all_met &= judged == "PASS"

    print(f"\n{model}, {cores} cores; {RANKS} ranks; {args.runs} rounds; load average "
          f"{load_start[0]:.2f} before, {load_end[0]:.2f} after")
    print("traced / plain, the median of the same-round ratios of timing.wall_s:")
    for g in goals:
        if not g["ratio"]:
            continue
        m = g["ratio"]["median"]
        per = (f"; {g['per_chunk_s'] * 1e6:.2f} us per chunk record ({g['chunks']:.0f} chunks)"
               if "per_chunk_s" in g else "")
        goal = f"\n            goal under 1%: {g['state']} ({g['how']})" if g.get("state") else ""
        print(f"  {g['pair']:<9} plain {g['plain_wall_s']['median']:.4f} s, traced "
              f"{g['traced_wall_s']['median']:.4f} s: {m:.4f} ({(m - 1) * 100:+.2f}%), "
              f"{median_ci.fmt_summary(g['ratio'], '{:.4f}')}{per}{goal}")
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    doc = {**doc_head("bench/trace_overhead.py", started, cores, load_start, load_end, busy_now,
                      model),
           "binary": str(binary), "ranks": RANKS, "rounds": args.runs, "goals": goals,
           "problems": problems, "runs": {f"{p}-{'traced' if t else 'plain'}": v
                                          for (p, t), v in runs.items()}}
    write_results(repo_path(args.out), doc)
    if problems:
        return 2
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
