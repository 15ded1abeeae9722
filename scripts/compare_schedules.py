#!/usr/bin/env python3
"""Prints a side-by-side table of rangefarm JSON reports of the same search.

Speedup and efficiency are against the one-rank report among the inputs
(the fastest one if there are several). It also checks that every report
found the same result, since a schedule must never change the answer.
"""
import argparse
import json
import sys

TOOL = "compare_schedules.py"


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block), exit status 2."""

    def error(self, message):
        die(f"{message} (see --help)")


def die(message):
    print(f"{TOOL}: error: {message}", file=sys.stderr)
    sys.exit(2)


def load(paths):
    """The reports, or a one-line error for a file that is not one."""
    reports = []
    for p in paths:
        try:
            with open(p, encoding="utf-8") as f:
                report = json.load(f)
            report["timing"]["wall_s"], report["params"]["schedule"], report["ranks"]
        except OSError as exc:
            die(f"cannot read {p}: {exc.strerror}")
        except (ValueError, KeyError, TypeError):
            die(f"{p} is not a rangefarm JSON report (--json FILE)")
        reports.append(report)
    return reports


def main(argv):
    ap = Parser(prog=TOOL, description=__doc__.split("\n\n")[0])
    ap.add_argument("reports", nargs="*", metavar="REPORT.json",
                    help="rangefarm --json reports of the same search (one at least)")
    opts = ap.parse_args(argv[1:])  # an unknown option is named before a missing report
    if not opts.reports:
        ap.error("the following arguments are required: REPORT.json")
    reports = load(opts.reports)
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
