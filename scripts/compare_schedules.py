#!/usr/bin/env python3
"""Prints a side-by-side table of rangefarm JSON reports of the same search.

Speedup and efficiency are against the one-rank report among the inputs
(the fastest one if there are several). It also checks that every report
found the same result, since a schedule must never change the answer.
"""
import json
import sys


def load(paths):
    reports = []
    for p in paths:
        with open(p) as f:
            reports.append(json.load(f))
    return reports


def main(argv):
    if len(argv) < 2:
        print("usage: compare_schedules.py REPORT.json ...", file=sys.stderr)
        return 2
    reports = load(argv[1:])
    singles = [r["timing"]["wall_s"] for r in reports if r["ranks"] == 1]
    base = min(singles) if singles else None
    first = reports[0]
    p = first["params"]
    print(f"\n{first['workload']} [{p['from']}, {p['to']}] by {p.get('method', '')}"
          f" on {first['host']}")
    print(f"{'schedule':<14} {'ranks':>5} {'chunk':>10} {'wall s':>9} {'speedup':>8}"
          f" {'effic.':>7} {'imbalance':>9} {'M items/s':>10}")
    for r in reports:
        wall = r["timing"]["wall_s"]
        speed = base / wall if base else float("nan")
        eff = speed / r["ranks"]
        rate = r["items_total"] / wall / 1e6 if wall > 0 else float("nan")
        print(f"{r['params']['schedule']:<14} {r['ranks']:>5} {r['params']['chunk']:>10}"
              f" {wall:>9.3f} {speed:>8.2f} {eff:>7.2f} {r['imbalance']:>9.3f} {rate:>10.1f}")
    agree = all(r["result"] == first["result"] for r in reports)
    res = first["result"]
    if "perfect_numbers" in res:
        print("perfect numbers:", " ".join(str(n) for n in res["perfect_numbers"]))
        c = res["counts"]
        print(f"deficient {c['deficient']}, perfect {c['perfect']}, abundant {c['abundant']}")
    print("results agree across all runs" if agree else "RESULTS DIFFER between runs")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
