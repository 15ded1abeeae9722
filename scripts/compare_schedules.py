#!/usr/bin/env python3
"""Prints a side-by-side table of rangefarm JSON reports of the same search,
the repeats of each configuration (schedule, ranks, chunk, order) taken
together.

Each row gives the median wall time of its runs with the fastest and the
slowest, and the speedup of that median against the median of the 1-rank
configuration (the baseline; the faster one if there are several), whose
absolute time is stated. A row is flagged in words where its runs spread
by more than 5% of their median (the machine was busy: rerun) or its
speedup is above its rank count (the baseline was slow, not a result).
It also checks that every report found the same result, since a schedule
must never change the answer: exit status 1 where they differ, 0 otherwise
(flags included)."""
import argparse
import json
import statistics
import sys

TOOL = "compare_schedules.py"
MAX_SPREAD = 0.05  # (max - min) / median of one configuration's runs


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
            float(report["timing"]["wall_s"]), report["params"]["schedule"], int(report["ranks"])
        except OSError as exc:
            die(f"cannot read {p}: {exc.strerror}")
        except (ValueError, KeyError, TypeError):
            die(f"{p} is not a rangefarm JSON report (--json FILE)")
        reports.append(report)
    return reports


class Config:
    """One configuration and its runs."""

    def __init__(self, key):
        self.schedule, self.ranks, self.chunk, self.order = key
        self.reports = []

    @property
    def label(self):
        order = f", {self.order}" if self.order else ""
        return (f"{self.schedule} at {self.ranks} rank{'s' if self.ranks > 1 else ''}"
                f" (chunk {self.chunk}{order})")

    @property
    def walls(self):
        return [float(r["timing"]["wall_s"]) for r in self.reports]

    @property
    def median(self):
        return statistics.median(self.walls)

    @property
    def spread(self):
        """(max - min) / median; None for a single run, which has none to judge."""
        walls = self.walls
        return (max(walls) - min(walls)) / self.median if len(walls) > 1 else None

    @property
    def imbalance(self):
        return statistics.median(float(r.get("imbalance", 0)) for r in self.reports)


def group(reports):
    """Configurations in the order they first appear."""
    configs = {}
    for r in reports:
        p = r["params"]
        key = (p["schedule"], int(r["ranks"]), p.get("chunk", ""), p.get("order", ""))
        configs.setdefault(key, Config(key)).reports.append(r)
    return list(configs.values())


def flags(config, speedup):
    """Plain-words reasons not to trust the row; [] where there are none."""
    found = []
    spread = config.spread
    if spread is not None and spread > MAX_SPREAD:
        found.append(f"spread {spread:.1%} > {MAX_SPREAD:.0%}: its runs disagree, the machine "
                     "was busy while they ran; rerun when it is quieter")
    if speedup is not None and speedup > config.ranks:
        found.append(f"speedup {speedup:.2f} is above its {config.ranks} ranks: the 1-rank "
                     "baseline was slow, not a result; rerun")
    return found


def runs_text(configs):
    counts = sorted({len(c.reports) for c in configs})
    text = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    return text + (" run" if counts == [1] else " runs") + " per configuration"


def print_table(configs, base):
    first = configs[0].reports[0]
    p = first["params"]
    print(f"\n{first['workload']} [{p['from']}, {p['to']}] by {p.get('method', '')} on "
          f"{first['host']}: {runs_text(configs)}")
    if base is None:
        print("no 1-rank run among the reports: no baseline, so no speedup")
    else:
        print(f"baseline: {base.label}, median {base.median:.3f} s (min {min(base.walls):.3f}, "
              f"max {max(base.walls):.3f}, {len(base.walls)} runs); speedup = "
              f"{base.median:.3f} s / the row's median")
    print(f"{'schedule':<14} {'ranks':>5} {'chunk':>10} {'runs':>4} {'median s':>9}"
          f" {'min-max s':>15} {'spread':>6} {'speedup':>7} {'effic.':>6} {'imbal.':>6}"
          f" {'M items/s':>9}  check")
    notes = []
    for c in configs:
        med = c.median
        speedup = base.median / med if base and med > 0 else None
        found = flags(c, speedup)
        notes += [f"{c.label}: {why}" for why in found]
        rate = c.reports[0]["items_total"] / med / 1e6 if med > 0 else float("nan")
        span = f"{min(c.walls):.3f}-{max(c.walls):.3f}"
        spread = "-" if c.spread is None else f"{c.spread:.1%}"
        s_text, e_text = ("-", "-") if speedup is None else (f"{speedup:.2f}",
                                                             f"{speedup / c.ranks:.2f}")
        print(f"{c.schedule:<14} {c.ranks:>5} {c.chunk:>10} {len(c.walls):>4} {med:>9.3f}"
              f" {span:>15} {spread:>6} {s_text:>7} {e_text:>6} {c.imbalance:>6.3f}"
              f" {rate:>9.1f}  {'FLAG' if found else 'ok'}")
    return notes


def print_checks(configs, notes):
    if notes:
        print("flagged rows (do not quote these figures):")
        print("\n".join(f"  {n}" for n in notes))
    elif all(c.spread is not None for c in configs):
        print(f"every row: runs within {MAX_SPREAD:.0%} of their median, speedup at most the "
              "rank count")
    if any(c.spread is None for c in configs):
        print("a configuration with one run has no spread to judge: run it 3 times or more")


def print_result(reports):
    res = reports[0]["result"]
    if "perfect_numbers" in res:
        print("perfect numbers:", " ".join(str(n) for n in res["perfect_numbers"]))
        c = res["counts"]
        print(f"deficient {c['deficient']}, perfect {c['perfect']}, abundant {c['abundant']}")
    agree = all(r["result"] == res for r in reports)
    print("results agree across all runs" if agree else "RESULTS DIFFER between runs")
    return agree


def main(argv):
    ap = Parser(prog=TOOL, description=__doc__.split("\n\n")[0],
                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("reports", nargs="*", metavar="REPORT.json",
                    help="rangefarm --json reports of the same search (one at least); "
                         "repeats of a configuration are taken together")
    opts = ap.parse_args(argv[1:])  # an unknown option is named before a missing report
    if not opts.reports:
        ap.error("the following arguments are required: REPORT.json")
    reports = load(opts.reports)
    configs = group(reports)
    singles = [c for c in configs if c.ranks == 1]
    base = min(singles, key=lambda c: c.median) if singles else None
    notes = print_table(configs, base)
    print_checks(configs, notes)
    return 0 if print_result(reports) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
