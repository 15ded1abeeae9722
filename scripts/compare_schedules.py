#!/usr/bin/env python3
"""Prints a side-by-side table of rangefarm JSON reports of the same problem
(any workload: perfect, mersenne, factorial or synthetic), the repeats of
each configuration (schedule, ranks, chunk, order) taken together.

Each row gives the median wall time of its runs with the fastest and the
slowest, and the speedup of that median against the median of the 1-rank
configuration (the baseline; the faster one if there are several), whose
absolute time is stated. A row is flagged in words where its runs spread
by more than 5% of their median (the machine was busy: rerun) or its
speedup is above its rank count (the baseline was slow, not a result).
It also checks that every report found the same result, since a schedule
must never change the answer: exit status 1 where they differ, 0 otherwise
(flags included). Reports of different problems (another workload, range or
parameter) are refused in one line, exit status 2."""
import argparse
import json
import statistics
import sys

TOOL = "compare_schedules.py"
MAX_SPREAD = 0.05  # (max - min) / median of one configuration's runs
# Parameters that say how a problem was farmed out, not what it is.
HOW = ("schedule", "chunk", "order")


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
            str(report["workload"]), report["result"], int(report["items_total"])
        except OSError as exc:
            die(f"cannot read {p}: {exc.strerror}")
        except (ValueError, KeyError, TypeError):
            die(f"{p} is not a rangefarm JSON report (--json FILE)")
        report["_file"] = p
        reports.append(report)
    return reports


def plural(n, noun):
    """'1 run', '3 runs'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def problem(report):
    """What a report computed, whatever the schedule: its workload and the
    parameters that change the result, in words."""
    w, p = report["workload"], {k: v for k, v in report["params"].items() if k not in HOW}
    if w == "perfect":
        return f"perfect [{p.get('from')}, {p.get('to')}] by {p.get('method', 'sieve')}"
    if w == "mersenne":
        return f"mersenne [{p.get('from')}, {p.get('to')}], trial factoring {p.get('tf_bits')}"
    if w == "factorial":
        ns = p.get("ns", [])
        shown = " ".join(str(n) for n in ns[:5]) + (" ..." if len(ns) > 5 else "")
        return f"factorial {shown}" + (f", --output {p['output']}" if p.get("output") else "")
    if w == "synthetic":
        return (f"synthetic {plural(p.get('tasks', 0), 'task')}, {p.get('cost')} cost, "
                f"{p.get('unit_ms', 0):g} ms per unit, {p.get('mode')}, seed {p.get('seed')}")
    return w + " " + " ".join(f"{k} {v}" for k, v in sorted(p.items()))


def problem_key(report):
    """Equal for reports of the same problem. Neither the unit nor the mode
    of synthetic tasks changes the result, but both change the timings, so
    they are part of the problem here; factorial's output file is not."""
    params = {k: v for k, v in report["params"].items() if k not in HOW + ("output",)}
    return report["workload"], json.dumps(params, sort_keys=True)


def check_one_problem(reports):
    """A one-line error unless every report is of the first's problem."""
    first = reports[0]
    for r in reports[1:]:
        if problem_key(r) != problem_key(first):
            die(f"the reports are of different problems ({problem(first)} in {first['_file']}, "
                f"{problem(r)} in {r['_file']}): compare one problem at a time")


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
    # An order every row shares says nothing (perfect and factorial have
    # only `given`): the labels name it only where it differs.
    if len({c.order for c in configs.values()}) == 1:
        for c in configs.values():
            c.order = ""
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


def rate_unit(configs):
    """(column title, divisor) for the items per second of every row, scaled
    to the fastest: mersenne tests a few exponents a second, perfect sieves
    a hundred million numbers."""
    rates = [c.reports[0]["items_total"] / c.median for c in configs if c.median > 0]
    top = max(rates, default=0)
    for title, divisor in (("M items/s", 1e6), ("k items/s", 1e3)):
        if top >= 10 * divisor:
            return title, divisor
    return "items/s", 1


def print_table(configs, base):
    first = configs[0].reports[0]
    print(f"\n{problem(first)} on {first['host']}: {runs_text(configs)}")
    if base is None:
        print("no 1-rank run among the reports: no baseline, so no speedup")
    else:
        print(f"baseline: {base.label}, median {base.median:.3f} s (min {min(base.walls):.3f}, "
              f"max {max(base.walls):.3f}, {plural(len(base.walls), 'run')}); speedup = "
              f"{base.median:.3f} s / the row's median")
    unit, divisor = rate_unit(configs)
    print(f"{'schedule':<14} {'ranks':>5} {'chunk':>10} {'runs':>4} {'median s':>9}"
          f" {'min-max s':>15} {'spread':>6} {'speedup':>7} {'effic.':>6} {'imbal.':>6}"
          f" {unit:>9}  check")
    notes = []
    for c in configs:
        med = c.median
        speedup = base.median / med if base and med > 0 else None
        found = flags(c, speedup)
        notes += [f"{c.label}: {why}" for why in found]
        rate = c.reports[0]["items_total"] / med / divisor if med > 0 else float("nan")
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


def result_lines(workload, res):
    """The result of one report in a few lines, as rangefarm prints it."""
    if workload == "perfect":
        c = res["counts"]
        return ["perfect numbers: " + (" ".join(str(n) for n in res["perfect_numbers"]) or "none"),
                f"deficient {c['deficient']}, perfect {c['perfect']}, abundant {c['abundant']}"]
    if workload == "mersenne":
        return ["Mersenne prime exponents: "
                + (" ".join(str(p) for p in res["exponents"]) or "none"),
                f"tested {plural(res['tested'], 'exponent')}: {len(res['factored'])} eliminated "
                f"by trial factoring, {plural(len(res['lucas_lehmer']), 'Lucas-Lehmer test')}"]
    if workload == "factorial":
        return [f"{r['n']}!: {r['digits']} digits, leading {r['leading_digits']}, last nonzero "
                f"{r['last_nonzero_digits']}, check {r['check']}" for r in res]
    if workload == "synthetic":
        return [f"tasks {res['tasks']}, {res['units']:.3f} units in all, longest "
                f"{res['longest_task_units']:.3f} units, task checksum {res['task_checksum']}"]
    return [json.dumps(res)[:200]]


def print_result(reports):
    res = reports[0]["result"]
    print("\n".join(result_lines(reports[0]["workload"], res)))
    agree = all(r["result"] == res for r in reports)
    print("results agree across all runs" if agree else "RESULTS DIFFER between runs")
    return agree


def main(argv):
    ap = Parser(prog=TOOL, description=__doc__.split("\n\n")[0],
                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("reports", nargs="*", metavar="REPORT.json",
                    help="rangefarm --json reports of the same problem (one at least); "
                         "repeats of a configuration are taken together")
    opts = ap.parse_args(argv[1:])  # an unknown option is named before a missing report
    if not opts.reports:
        ap.error("the following arguments are required: REPORT.json")
    reports = load(opts.reports)
    check_one_problem(reports)
    configs = group(reports)
    singles = [c for c in configs if c.ranks == 1]
    base = min(singles, key=lambda c: c.median) if singles else None
    notes = print_table(configs, base)
    print_checks(configs, notes)
    return 0 if print_result(reports) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
