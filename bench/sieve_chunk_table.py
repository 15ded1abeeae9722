#!/usr/bin/env python3
"""The chunk-size table of issue 18, for one or more builds side by side:
`rangefarm perfect --from A --to B --chunk K --json FILE` at 1 rank over
[1e9, 1.5e9] (chunks 1e7, 1e5, 1e4), [1e10, 1.05e10] (1e7, 1e5, 2e4) and
[1e12, 1e12 + 2e8] (1e7, 1e5); `mpirun -np 2 rangefarm perfect --to 2e9`
at the default chunk and at --chunk 2000, and at 1 rank at the default chunk
(for the 2-rank speedup). Each round runs every (build, command) once, the
order rotated from round to round, so that drift on a loaded machine hits
every build alike; medians of the report's timing.wall_s over the rounds,
with each median's order-statistic interval (scripts/median_ci.py), and each
rate over the rate at chunk 1e7 of the same range and build.

  python3 bench/sieve_chunk_table.py --runs 3 before=/tmp/old/rangefarm after=build/apps/rangefarm
"""
import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import ArgumentParser, fmt_count, mpi_env, rotated, timed_process  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from median_ci import fmt_summary, summary  # noqa: E402  (scripts/median_ci.py)

E9, E10, E12 = 10**9, 10**10, 10**12
# (name, ranks, from, to, chunk or None for the default)
ROWS = [("1e9", 1, E9, E9 + E9 // 2, 10**7), ("1e9", 1, E9, E9 + E9 // 2, 10**5),
        ("1e9", 1, E9, E9 + E9 // 2, 10**4),
        ("1e10", 1, E10, E10 + E10 // 20, 10**7), ("1e10", 1, E10, E10 + E10 // 20, 10**5),
        ("1e10", 1, E10, E10 + E10 // 20, 2 * 10**4),
        ("1e12", 1, E12, E12 + 2 * 10**8, 10**7), ("1e12", 1, E12, E12 + 2 * 10**8, 10**5),
        ("2e9", 2, 1, 2 * E9, None), ("2e9", 2, 1, 2 * E9, 2000), ("2e9", 1, 1, 2 * E9, None)]
# (range, chunk, ranks): the target for rate / rate at chunk 1e7 (at 2 ranks:
# time at chunk 2000 / time at the default chunk, below 3).
TARGETS = {("1e9", 10**5): ">= 0.95", ("1e10", 10**5): ">= 0.95", ("1e12", 10**5): ">= 0.85",
           ("1e9", 10**4): ">= 0.7"}


def argv_of(binary, row, json_path):
    name, ranks, frm, to, chunk = row
    cmd = [str(binary), "perfect", "--from", str(frm), "--to", str(to), "--json", str(json_path),
           "--quiet"]
    if chunk:
        cmd += ["--chunk", str(chunk)]
    return (["mpirun", "-np", str(ranks)] if ranks > 1 else []) + cmd


def run_one(binary, row, tmp, timeout):
    out = Path(tmp) / "report.json"
    out.unlink(missing_ok=True)
    rc, _, err, run = timed_process(argv_of(binary, row, out), mpi_env(), timeout, 0)
    if rc != 0:
        raise SystemExit(f"{argv_of(binary, row, out)} failed ({rc}): {err[-500:]}")
    report = json.loads(out.read_text())
    run["wall_s"] = report["timing"]["wall_s"]
    run["result"] = report["result"]
    return run


def main(argv=None):
    ap = ArgumentParser(prog="sieve_chunk_table.py", description=__doc__.split("\n\n")[0],
                        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("builds", nargs="+", metavar="LABEL=BINARY")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--out", help="JSON file for every run")
    ap.add_argument("--once", action="append", default=[], metavar="LABEL:RANGE:RANKS:CHUNK",
                    help="run this one in the first round only (a slow old build on a loaded"
                         " machine), e.g. before:2e9:2:2000; repeatable")
    ap.add_argument("--skip", action="append", default=[], metavar="LABEL:RANGE:RANKS:CHUNK",
                    help="do not run this one at all; repeatable")
    args = ap.parse_args(argv)
    builds = [tuple(b.split("=", 1)) for b in args.builds]
    jobs = [(label, binary, row) for label, binary in builds for row in ROWS]
    runs = {(label, row): [] for label, _, row in jobs}
    with tempfile.TemporaryDirectory(prefix="sieve_chunk_table.") as tmp:
        for rnd in range(args.runs):
            for label, binary, row in rotated(jobs, rnd * 3):
                key = f"{label}:{row[0]}:{row[1]}:{row[4] or 'default'}"
                if (rnd > 0 and key in args.once) or key in args.skip:
                    continue
                r = run_one(binary, row, tmp, args.timeout)
                runs[(label, row)].append(r)
                print(f"round {rnd + 1} {label:<8} {row[0]:>5} ranks {row[1]} chunk "
                      f"{fmt_count(row[4]) if row[4] else 'default'}: wall {r['wall_s']:.3f} s, cpu {r['children_cpu_s']:.3f} s, "
                      f"other {r.get('other_cores', float('nan')):.2f} cores", flush=True)
    results = {}
    for (label, row), rs in runs.items():
        if not rs:
            continue
        walls = [r["wall_s"] for r in rs]
        size = row[3] - row[2] + 1
        cpus = [r["children_cpu_s"] for r in rs]
        results[(label, row)] = {"median_wall_s": statistics.median(walls), "walls": walls,
                                 "median_cpu_s": statistics.median(cpus), "cpu_s": cpus,
                                 "rate": size / statistics.median(walls),
                                 "ci": summary(walls), "results": [r["result"] for r in rs],
                                 "other_cores": [r.get("other_cores") for r in rs]}
    print(f"\nmedians of {args.runs} interleaved rounds, report wall_s:")
    for label, _ in builds:
        for row in ROWS:
            res = results.get((label, row))
            if res is None:
                continue
            name, ranks, frm, to, chunk = row
            ref = next(results[(label, r)] for r in ROWS if r[0] == name and r[1] == ranks and
                       (r[4] == 10**7 if ranks == 1 and name != "2e9" else r[4] is None))
            rel = res["rate"] / ref["rate"]
            # On a loaded machine the CPU the process used (mpirun's and every
            # rank's) says more than the wall clock; at 1 rank it is the rank's.
            cpu_rel = ref["median_cpu_s"] / res["median_cpu_s"]
            same = all(x == res["results"][0] for x in res["results"])
            wall = fmt_summary(res["ci"], "{:.3f}")
            print(f"  {label:<8} [{fmt_count(frm)}, {fmt_count(to)}] {ranks} "
                  f"rank{'s' * (ranks > 1)} chunk {fmt_count(chunk) if chunk else 'default':>8}: "
                  f"wall {wall} s, "
                  f"{res['rate'] / 1e6:7.1f} M/s, {rel:.3f} of chunk-1e7/default; "
                  f"cpu {res['median_cpu_s']:.3f} s, {cpu_rel:.3f} "
                  f"{TARGETS.get((name, chunk), '')}{'' if same else ' RESULTS DIFFER'}")
        one, two, small = (results.get((label, ROWS[i]), {}).get("median_wall_s")
                           for i in (-1, -3, -2))
        if one and two:
            print(f"  {label:<8} [1, 2e9]: 2-rank speedup {one / two:.3f} (>= 1.95)")
        if small and two:
            print(f"  {label:<8} [1, 2e9]: chunk 2000 / default at 2 ranks {small / two:.2f}x (< 3)")
    for row in ROWS:  # every build must find the same
        if len({json.dumps(results[(label, row)]['results'][0], sort_keys=True)
                for label, _ in builds if (label, row) in results}) > 1:
            print(f"RESULTS DIFFER between builds for {row}")
    if args.out:
        Path(args.out).write_text(json.dumps(
            {f"{label} {row}": res for (label, row), res in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
