#!/usr/bin/env python3
"""Gantt chart of rangefarm traces (--trace FILE): one row per rank, one bar
per chunk, idle time hatched, the makespan a red dashed line. Several
traces (the same run under static-block, static-cyclic, dynamic and
guided) are drawn one above the other on a shared time axis.

  rangefarm mersenne --to 3000 --schedule static-block --trace sb.jsonl
  rangefarm mersenne --to 3000 --schedule dynamic --trace dyn.jsonl
  scripts/gantt.py sb.jsonl dyn.jsonl -o gantt.png

A run with more ranks on a host than it has cores says "oversubscribed" in
its title: its ranks took turns on the cores. The cores are --cores N, else
a machine.json beside the trace (as scaling.py writes), else this
machine's, for a trace taken here; otherwise nothing is said.

Colour: by default where a chunk lies in the range (dark = low items,
bright = high ones), which shows who got the expensive end; --colour cost
colours by the chunk's cost per item (its cost estimate where the workload
has one, else its seconds). Installed (cmake --install), the same tool is
PREFIX/share/rangefarm/scripts/gantt.py.

Needs matplotlib: under a Python without it, it re-runs itself with
Debian's /usr/bin/python3 (package python3-matplotlib)."""
import argparse
import sys
from pathlib import Path

TOOL = "gantt.py"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaling_study.need_matplotlib import ensure_matplotlib  # noqa: E402

ensure_matplotlib(TOOL, __file__)
from scaling_study.errors import UsageError  # noqa: E402
from scaling_study.gantt import draw_gantt  # noqa: E402
from scaling_study.machine import read_cores, this_machine  # noqa: E402
from scaling_study.results import side_folders  # noqa: E402
from scaling_study.trace import read_trace  # noqa: E402


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block), exit status 2."""

    def error(self, message):
        print(f"{TOOL}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def make_parser():
    ap = Parser(prog=TOOL, description=__doc__.split("\n\n")[0],
                epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    # nargs "*" and a check after parsing: an unknown option is then the
    # error named, not a missing TRACE.
    ap.add_argument("traces", nargs="*", type=Path, metavar="TRACE",
                    help="trace files written by rangefarm --trace, one panel each")
    ap.add_argument("-o", "--out", type=Path, default=Path("gantt.png"),
                    help="the PNG to write (default gantt.png)")
    ap.add_argument("--title", help="the figure's title (default: the first trace's command)")
    ap.add_argument("--colour", "--color", choices=("range", "cost"), default="range",
                    help="colour bars by where they lie in the range, or by cost per item "
                         "(default range)")
    ap.add_argument("--cores", type=int, metavar="N",
                    help="the cores of each host the traces ran on, to mark oversubscribed "
                         "runs (default: machine.json beside the trace, else this machine's "
                         "for a trace taken here)")
    return ap


def cores_of(traces, given):
    """{host: cores} for the traces' hosts, where known."""
    hosts = {h for t in traces for h in t.header.get("hosts") or []}
    if given is not None:
        return {h: given for h in hosts}
    cores = {}
    for t in traces:
        for host, n in read_cores(side_folders(t.path.parent)).items():
            cores.setdefault(host, n)
    here = this_machine()
    if here["host"] in hosts:
        cores.setdefault(here["host"], here["cores"])
    return cores


def main(argv):
    parser = make_parser()
    opts = parser.parse_args(argv)
    if not opts.traces:
        parser.error("the following arguments are required: TRACE")
    try:
        traces = [read_trace(p) for p in opts.traces]
        if opts.out.suffix.lower() != ".png":
            raise UsageError(f"-o {opts.out}: give a .png file name")
        if opts.cores is not None and opts.cores < 1:
            raise UsageError(f"--cores {opts.cores}: give 1 or more")
        draw_gantt(traces, opts.out, title=opts.title, colour=opts.colour,
                   cores=cores_of(traces, opts.cores))
    except UsageError as exc:
        print(f"{TOOL}: error: {exc}", file=sys.stderr)
        return exc.status
    except OSError as exc:
        print(f"{TOOL}: error: cannot write {opts.out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"{TOOL}: wrote {opts.out} ({len(traces)} trace(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
