#!/usr/bin/env python3
"""A rank's memory against range length and chunk: the peak resident memory
of rank 0 and of a worker, under every schedule.

Each run is `mpirun -np 2 rangefarm perfect --from A --to 1e12 --chunk K
--schedule S --quiet`, for range lengths L = 1e12 - A + 1 (default 1e6,
1e8, 1e10) and chunks K (default 1, 1e3, 1e7): from 1 to 10^10 chunks. Every
rank runs behind bench/peak_rss.py, which writes its peak RSS (wait4's
ru_maxrss, the kernel's VmHWM) when it exits. A run still going after
--stop-after seconds is stopped with SIGUSR1 (exit 75): whatever a rank
plans for its chunks it holds from the start, so a stopped run shows it
(and 10^10 chunks would take days). Every process is capped at --cap-gib
of address space (RLIMIT_AS): a build that plans every chunk up front
fails with std::bad_alloc there instead of taking the machine's memory.
The range ends at 1e12 in every run, so the sieve's primes (up to 10^6)
are the same in all and the table shows what the plan and the farm hold.

--sieve adds the sieve's own memory near 10^15, where its primes are the
most (1.9 million up to sqrt(10^15)), at 1 rank: [10^15 - 10^7 + 1, 10^15]
at the default chunk (10^7), and with --sieve-long one chunk of 10^9 ending
at 10^15 (about 80 s), where every large prime sits in the bucket ring.

--compare-build DIR runs the same grid with another build (an older
commit) too, interleaved, and prints both side by side. Memory does not
depend on the machine's load, so one round is enough; --runs R takes the
median of R.

  python3 bench/rank_memory.py [--build build] [--compare-build DIR]
      [--lengths 1e6 1e8 1e10] [--chunks 1 1e3 1e7] [--stop-after 3]
      [--cap-gib 2] [--runs 1] [--sieve] [--sieve-long] [--out FILE]

Exit status: 0 every run finished or stopped cleanly (an error at the cap
of a --compare-build counts as a result), 2 a run of --build failed.
"""
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common  # noqa: E402
import peak_rss  # noqa: E402
from bench_common import (  # noqa: E402
    add_common_args, built_rangefarm, cpu_model, doc_head, fmt_count, machine_start, mpi_env,
    parse_count, repo_path, write_results)

SCHEDULES = ["static-block", "static-cyclic", "dynamic", "guided"]
TOP = 10**12
SIEVE_TOP = 10**15
RANKS = 2


def peak_rss_run(binary, args, ranks, stop_after, cap_gib, opts, env):
    """rangefarm ARGS at `ranks` ranks (a singleton at 1), each behind
    peak_rss.py; SIGUSR1 after stop_after seconds if still going. Returns
    {"state": done|stopped|error, "peak_mib": [by rank], "wall_s", ...}."""
    launch = ([] if ranks == 1 else
              [opts.mpirun, "-q", "-np", str(ranks)] + opts.mpirun_arg)
    try:
        cmd, rc, records, err, wall = peak_rss.measure(
            launch, [str(binary)] + args, env, stop_after, opts.timeout, cap_gib << 30)
    except TimeoutError as e:
        return {"state": "error", "error": f"no end within {opts.timeout} s",
                "argv": str(e).split()}
    run = {"argv": cmd, "rc": rc, "wall_s": wall,
           "peak_mib": [records[r]["peak_rss_kib"] / 1024 if r in records else None
                        for r in range(ranks)],
           "status": [records.get(r, {}).get("status") for r in range(ranks)]}
    statuses = set(run["status"])
    if statuses <= {0}:
        run["state"] = "done"
    elif statuses <= {0, 75}:
        run["state"] = "stopped"
    else:
        run["state"] = "error"
        lines = [line for line in err.splitlines() if line.strip()]
        run["error"] = lines[0][:200] if lines else f"statuses {run['status']}"
    return run


def merged(runs):
    """The median peak per rank over repeated runs, and the worst state."""
    order = {"done": 0, "stopped": 1, "error": 2}
    state = max((r["state"] for r in runs), key=order.get)
    peaks = []
    for rank in range(len(runs[0]["peak_mib"])):
        values = [r["peak_mib"][rank] for r in runs if r["peak_mib"][rank] is not None]
        peaks.append(statistics.median(values) if values else None)
    out = {"state": state, "peak_mib": peaks, "runs": runs}
    errors = [r["error"] for r in runs if r.get("error")]
    if errors:
        out["error"] = errors[0]
    return out


def cell(m):
    if m is None:
        return "-"
    if m["state"] == "error":
        return "error: " + m.get("error", "?").replace("rangefarm: error: ", "")[:40]
    return " / ".join("-" if p is None else f"{p:.0f}" for p in m["peak_mib"])


def main():
    ap = bench_common.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="build folder (default build)")
    ap.add_argument("--compare-build", metavar="DIR",
                    help="another build folder, run on the same grid (e.g. an older commit)")
    ap.add_argument("--lengths", nargs="+", type=parse_count, default=[10**6, 10**8, 10**10],
                    metavar="L", help="range lengths, each ending at 1e12 (default 1e6 1e8 1e10)")
    ap.add_argument("--chunks", nargs="+", type=parse_count, default=[1, 10**3, 10**7],
                    metavar="K", help="chunk sizes (default 1 1e3 1e7)")
    ap.add_argument("--schedules", nargs="+", choices=SCHEDULES, default=SCHEDULES)
    ap.add_argument("--stop-after", type=float, default=3.0, metavar="S",
                    help="stop a run still going after S seconds (default 3)")
    ap.add_argument("--cap-gib", type=int, default=2, metavar="G",
                    help="address space cap per process, GiB (default 2)")
    ap.add_argument("--runs", type=int, default=1, help="runs per cell, median (default 1)")
    ap.add_argument("--sieve", action="store_true",
                    help="also the sieve near 1e15 at 1 rank, default chunk")
    ap.add_argument("--sieve-long", action="store_true",
                    help="with --sieve: one chunk of 1e9 ending at 1e15 too (about 80 s)")
    add_common_args(ap, "bench/results/rank_memory.json")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if any(length > TOP for length in args.lengths):
        ap.error(f"--lengths: at most {fmt_count(TOP)} (every range ends at 1e12)")
    builds = [("after", built_rangefarm("rank_memory", args.build))]
    if args.compare_build:
        builds.insert(0, ("before", built_rangefarm("rank_memory", args.compare_build)))
    if any(b is None for _, b in builds):
        return 2
    env, model = mpi_env(), cpu_model()
    env["OMPI_MCA_orte_execute_quiet"] = "1"  # a stopped run's banner is not wanted here
    cores, load_start, started, busy_now = machine_start(model)
    grid = [(s, length, k) for length in args.lengths for k in args.chunks
            for s in args.schedules]
    results = {name: {} for name, _ in builds}
    failed = False
    for rnd in range(args.runs):
        for s, length, k in grid:
            for name, binary in builds:
                a = TOP - length + 1
                argv = ["perfect", "--from", str(a), "--to", str(TOP), "--chunk", str(k),
                        "--schedule", s, "--quiet"]
                r = peak_rss_run(binary, argv, RANKS, args.stop_after, args.cap_gib, args, env)
                r["round"] = rnd + 1
                results[name].setdefault((s, length, k), []).append(r)
                failed |= name == "after" and r["state"] == "error"
                peaks = " / ".join("-" if p is None else f"{p:.1f}" for p in r["peak_mib"])
                print(f"  {name:<6} {s:<13} L={fmt_count(length):<5} K={fmt_count(k):<4} "
                      f"{r['state']:<7} peak MiB rank 0 / worker {peaks}"
                      + (f"  {r['error']}" if r.get("error") else ""), flush=True)
    sieve = []
    if args.sieve:
        cases = [("default chunk (1e7)", SIEVE_TOP - 10**7 + 1, None)]
        if args.sieve_long:
            cases.append(("one chunk of 1e9", SIEVE_TOP - 10**9 + 1, 10**9))
        for label, a, k in cases:
            argv = ["perfect", "--from", str(a), "--to", "1e15", "--quiet"]
            argv += ["--chunk", str(k)] if k else []
            for name, binary in builds[-1:]:
                r = peak_rss_run(binary, argv, 1, 3600, 4, args, env)
                sieve.append({"case": label, "argv": argv, **r})
                print(f"  sieve {label}: {r['state']}, peak {r['peak_mib'][0]:.1f} MiB "
                      f"({r['peak_mib'][0] * 1.048576:.1f} MB)", flush=True)
    load_end = os.getloadavg()

    print(f"\n{model}, {cores} cores; {RANKS} ranks; range [1e12 - L + 1, 1e12]; "
          f"{args.runs} run(s) per cell; stopped after {args.stop_after} s; "
          f"capped at {args.cap_gib} GiB of address space per process")
    print("peak RSS in MiB, rank 0 / worker" +
          (" (before -> after)" if len(builds) > 1 else ""))
    header = "| schedule | L | " + " | ".join(f"K = {fmt_count(k)}" for k in args.chunks) + " |"
    print(header)
    print("|---|---|" + "---|" * len(args.chunks))
    table = []
    for s in args.schedules:
        for length in args.lengths:
            cells = []
            for k in args.chunks:
                ms = [merged(results[name][(s, length, k)]) for name, _ in builds]
                cells.append(" -> ".join(cell(m) for m in ms))
                table.append({"schedule": s, "length": length, "chunk": k,
                              "chunks": -(-length // k),
                              **{name: m for (name, _), m in zip(builds, ms)}})
            print(f"| {s} | {fmt_count(length)} | " + " | ".join(cells) + " |")
    doc = {**doc_head("bench/rank_memory.py", started, cores, load_start, load_end, busy_now,
                      model),
           "ranks": RANKS, "top": TOP, "stop_after_s": args.stop_after,
           "cap_gib": args.cap_gib, "builds": {name: str(b) for name, b in builds},
           "table": table, "sieve": sieve}
    write_results(repo_path(args.out), doc)
    return 2 if failed or any(r["state"] == "error" for r in sieve) else 0


if __name__ == "__main__":
    sys.exit(main())
