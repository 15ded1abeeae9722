#!/usr/bin/env python3
"""Scaling study of rangefarm: sweeps rank counts, schedules, chunk sizes
and workloads (strong or weak scaling), each point repeated, and writes
runs.csv, summary.csv, PNG plots and report.md; or builds the same from
JSON reports written elsewhere (--from-results, e.g. a Slurm array's
scaling-JOBID/ folder) without running anything.

  scripts/scaling.py --workload "perfect --to 2e9" --ranks 1,2 \\
      --schedules static-block,dynamic --chunks 1e6,1e7 --repeats 3 --out study
  scripts/scaling.py --workload "perfect --to 1e9" --ranks 1,2 --ci-target 0.03 \\
      --max-runs 20 --out study-ci
  scripts/scaling.py --from-results scaling-1234/ --cores 32 --out study-1234

--ci-target T repeats each point (in rounds, after --repeats) until the 95%
confidence interval of its median wall time lies within +-T of the median
(T = 0.03 or 3%), or it has --max-runs runs. The interval is the
distribution-free order-statistics one (scripts/median_ci.py), which needs
6 runs at least.

Installed (cmake --install), the same tool is rangefarm-scaling, or
python3 PREFIX/share/rangefarm/scripts/scaling.py, and runs PREFIX/bin/rangefarm.
Run as rangefarm-scaling, its usage, examples and errors say so.

Needs matplotlib: under a Python without it, it re-runs itself with
Debian's /usr/bin/python3 (package python3-matplotlib)."""
import argparse
import os
import shlex
import sys
from pathlib import Path

# The name it was run by: the installed wrapper rangefarm-scaling sets
# RANGEFARM_SCALING_NAME, so that --help and errors name what the user typed.
TOOL = os.environ.get("RANGEFARM_SCALING_NAME") or "scaling.py"
EXAMPLE = "  rangefarm-scaling" if TOOL != "scaling.py" else "  scripts/scaling.py"


sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaling_study.need_matplotlib import ensure_matplotlib  # noqa: E402

ensure_matplotlib(TOOL, __file__)
from median_ci import runs_needed  # noqa: E402
from scaling_study.errors import StudyError, UsageError  # noqa: E402
from scaling_study.machine import cores_present  # noqa: E402
from scaling_study.numbers import parse_count  # noqa: E402
from scaling_study.predict import parse_ranks, results_settings  # noqa: E402
from scaling_study.results import SCHEDULES, report_folder  # noqa: E402
from scaling_study.study import Context, build_study  # noqa: E402
from scaling_study.workload import Workload  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOAD = "perfect --to 1e9"
# Options of a live sweep, refused with --from-results (which runs nothing).
LIVE_ONLY = ("workload", "ranks", "schedules", "chunks", "repeats", "binary", "oversubscribe",
             "timeout", "ci_target", "max_runs")
DEFAULT_MAX_RUNS = 20


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block), exit status 2."""

    def error(self, message):
        print(f"{TOOL}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def default_ranks():
    """1, 2, 4, ... doubling up to the cores present, and the cores themselves."""
    cores, ranks = cores_present(), [1]
    while ranks[-1] * 2 <= cores:
        ranks.append(ranks[-1] * 2)
    return ranks + ([cores] if ranks[-1] != cores else [])


def _list(text, what, convert):
    items = [t.strip() for t in text.split(",")]
    if not all(items):
        raise UsageError(f"{what} {text!r}: an empty item in the list")
    values = []
    for item in items:
        value = convert(item)
        if value not in values:
            values.append(value)
    return values


def _ranks(text):
    def one(item):
        if not item.isdigit() or int(item) < 1:
            raise UsageError(f"--ranks {text!r}: {item!r} is not a rank count (1 or more)")
        return int(item)
    return sorted(_list(text, "--ranks", one))


def _schedules(text):
    def one(item):
        if item not in SCHEDULES:
            raise UsageError(f"--schedules: unknown schedule {item!r} (one of "
                             f"{', '.join(SCHEDULES)})")
        return item
    return _list(text, "--schedules", one)


def _chunks(text):
    def one(item):
        if item == "default":
            return item
        try:
            value = parse_count(item)
        except UsageError as exc:
            raise UsageError(f"--chunks {text!r}: {exc} (give whole numbers of 1 or more, or "
                             "'default')") from None
        if value < 1:
            raise UsageError(f"--chunks {text!r}: {item!r} is neither a whole number of 1 or "
                             "more nor 'default'")
        return str(value)
    return _list(text, "--chunks", one)


def make_parser():
    ap = Parser(prog=TOOL, description=__doc__.split("\n\n")[0],
                epilog="\n\n".join(__doc__.split("\n\n")[1:]).replace("  scripts/scaling.py",
                                                                     EXAMPLE),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", action="append", metavar="'SUBCOMMAND ARGS'",
                    help="a rangefarm subcommand and its arguments, without --schedule, "
                         f"--chunk or --json (repeatable; default '{DEFAULT_WORKLOAD}')")
    ap.add_argument("--ranks", help="rank counts, e.g. 1,2,3,4 (default 1, 2, 4, ... up to the "
                                    f"{cores_present()} cores here)")
    ap.add_argument("--schedules", help="schedules to compare (default all four: "
                                        f"{','.join(SCHEDULES)})")
    ap.add_argument("--chunks", help="chunk sizes for every workload, e.g. 1e6,1e7; 'default' "
                                     "omits --chunk (default: default)")
    ap.add_argument("--repeats", type=int, help="runs per point (default 3); with "
                                                "--ci-target, the runs before it is judged")
    ap.add_argument("--ci-target", metavar="T",
                    help="repeat each point until the 95%% confidence interval of its median "
                         "lies within +-T of it, e.g. 0.03 or 3%% (order statistics: 6 runs "
                         "at least)")
    ap.add_argument("--max-runs", type=int, metavar="N",
                    help=f"with --ci-target: at most N runs per point (default "
                         f"{DEFAULT_MAX_RUNS})")
    ap.add_argument("--mode", choices=("strong", "weak"), default="strong",
                    help="strong: the same problem at every rank count; weak: the problem "
                         "grows with the ranks (default strong); with --from-results, how "
                         "to read the reports")
    ap.add_argument("--out", type=Path, help="output folder (required)")
    ap.add_argument("--binary", type=Path, help="rangefarm binary (default "
                    "$RANGEFARM_BUILD_DIR/apps/rangefarm, else build/apps/rangefarm; "
                    "installed: $RANGEFARM_BIN, else PREFIX/bin/rangefarm)")
    ap.add_argument("--oversubscribe", action="store_true",
                    help="also run rank counts above the cores present (marked as such)")
    ap.add_argument("--timeout", type=float, help="seconds one run may take (default 3600)")
    ap.add_argument("--from-results", type=Path, metavar="DIR",
                    help="run nothing: build the study from the JSON reports in DIR (or "
                         "DIR/json)")
    ap.add_argument("--predict-ranks", metavar="LIST",
                    help="also predict every schedule and chunk at these rank counts, e.g. "
                         "1,2,4,...,4096, with rangefarm simulate calibrated on the runs' "
                         "traces: prediction.csv, dashed curves, a report section")
    ap.add_argument("--cores", type=int, help="with --from-results: the cores of every host, "
                                              "where DIR has no machine.json")
    return ap


def default_binary():
    """In a repository (it has CMakeLists.txt) the build tree's binary; in an
    installed prefix P (this file in P/share/rangefarm/scripts) RANGEFARM_BIN,
    which the modulefile sets, else P/bin/rangefarm."""
    if (REPO / "CMakeLists.txt").exists():
        build = Path(os.environ.get("RANGEFARM_BUILD_DIR") or REPO / "build")
        return build / "apps" / "rangefarm"
    if os.environ.get("RANGEFARM_BIN"):
        return Path(os.environ["RANGEFARM_BIN"])
    return REPO.parent.parent / "bin" / "rangefarm"


def check_options(opts):
    """Validates and converts the options in place; UsageError on the first bad one."""
    if opts.out is None:
        raise UsageError("--out DIR is required")
    if opts.cores is not None and opts.from_results is None:
        raise UsageError("--cores goes with --from-results only (a live sweep counts them)")
    if opts.cores is not None and opts.cores < 1:
        raise UsageError(f"--cores {opts.cores}: at least 1")
    if opts.predict_ranks:
        opts.predict_ranks = parse_ranks(opts.predict_ranks)
    if opts.from_results is not None:
        live = [name for name in LIVE_ONLY if getattr(opts, name) not in (None, False)]
        if live:
            raise UsageError("--from-results runs nothing: leave out "
                             + ", ".join("--" + n.replace("_", "-") for n in live))
        return
    opts.workloads = [Workload.parse(w) for w in (opts.workload or [DEFAULT_WORKLOAD])]
    opts.ranks = _ranks(opts.ranks) if opts.ranks else default_ranks()
    opts.schedules = _schedules(opts.schedules or ",".join(SCHEDULES))
    opts.chunks = _chunks(opts.chunks or "default")
    opts.repeats = 3 if opts.repeats is None else opts.repeats
    opts.timeout = 3600.0 if opts.timeout is None else opts.timeout
    if opts.repeats < 1:
        raise UsageError(f"--repeats {opts.repeats}: at least 1")
    if opts.timeout <= 0:
        raise UsageError(f"--timeout {opts.timeout:g}: must be positive")
    _check_ci(opts)
    if opts.binary is None:
        opts.binary = default_binary()
    if not os.access(opts.binary, os.X_OK):
        raise UsageError(f"no rangefarm binary at {opts.binary}: build it (scripts/setup.sh) "
                         "or give --binary PATH")
    if opts.mode == "weak":
        from scaling_study.weak import growth_of
        for w in opts.workloads:
            growth_of(w)


def _ci_target(text):
    """'0.03' or '3%' -> 0.03; UsageError unless positive."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = None
    if value is None or not value > 0 or value == float("inf"):
        raise UsageError(f"--ci-target {text!r}: give a positive fraction such as 0.03, or 3%")
    return value


def _check_ci(opts):
    if opts.ci_target is None:
        if opts.max_runs is not None:
            raise UsageError("--max-runs goes with --ci-target (without it every point gets "
                             "--repeats runs)")
        return
    opts.ci_target = _ci_target(opts.ci_target)
    opts.max_runs = DEFAULT_MAX_RUNS if opts.max_runs is None else opts.max_runs
    need = runs_needed()
    if opts.max_runs < max(need, opts.repeats):
        raise UsageError(f"--max-runs {opts.max_runs}: at least {max(need, opts.repeats)} (a 95% "
                         f"interval of a median needs {need} runs; --repeats is {opts.repeats})")


def main(argv):
    opts = make_parser().parse_args(argv)
    try:
        check_options(opts)
        if opts.from_results is not None:
            folder = report_folder(opts.from_results)
            ctx = Context(mode=opts.mode)
            if opts.predict_ranks:
                ctx.predict = results_settings(opts.predict_ranks, default_binary(), folder)
            report = build_study(folder, opts.out, ctx, cores_given=opts.cores)
        else:
            from scaling_study.sweep import live_sweep
            command = shlex.join([TOOL] + argv)
            report = live_sweep(opts, command)
    except (UsageError, StudyError) as exc:
        print(f"{TOOL}: error: {exc}", file=sys.stderr)
        return exc.status
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
