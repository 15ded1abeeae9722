#!/usr/bin/env python3
"""The full validation table of rangefarm's predictions (issue 16, §2):
`rangefarm simulate` against measured runs, medians of interleaved rounds.

  pool     the classic pool example: 10 tasks of 1..10 units on 5 ranks
           (pure model: 19 / 15 / 15 / 11 for static-block / static-cyclic /
           dynamic / dynamic largest-first)
  sleep    synthetic with sleeping tasks (no CPU while they sleep, so runs
           past the cores are real measurements of the protocol) at 4, 8,
           16 and 32 ranks, predicted from the 1- and 2-rank runs' traces,
           all four schedules: within 10%
  small    perfect, mersenne and synthetic at 1 and 2 ranks under all four
           schedules, predicted from dynamic's trace at the same rank count:
           within 5%. Predictions across rank counts (1 -> 2, 2 -> 1) are
           printed too, not judged: they carry what the model leaves out,
           the cores slowing each other and, on a shared VM, run-to-run
           spells (the measured min-max is printed beside them)

  tests/predict/validate.py --binary build/apps/rangefarm [--rounds 5]
      [--only pool,sleep,small] [--out table.md]

The message model (latency, rank 0's service time, the end) is measured first on
this machine (zero-cost chunks of 1 at 2 ranks). Prints Markdown tables and
the worst error of each section; exits 1 where a section misses its
tolerance. CPU-bound runs at 2 ranks on a loaded 2-core machine measure
the load as much as the farm: say the load with the figures."""
import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from predict_common import Config, Farm, Row, Runs, format_table, message_model  # noqa: E402
from predict_common import paired_errors, predict  # noqa: E402

SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
POOL = {("static-block", "given"): 19, ("static-cyclic", "given"): 15, ("dynamic", "given"): 15,
        ("dynamic", "largest-first"): 11}
SLEEP = ("synthetic", "--tasks", "640", "--cost", "random", "--unit-ms", "5", "--sleep")
SMALL = {
    "perfect": ("perfect", "--to", "3e8"),
    "mersenne": ("mersenne", "--to", "5000"),
    "synthetic": ("synthetic", "--tasks", "400", "--cost", "linear", "--unit-ms", "0.01", "--spin"),
}
TOLERANCE = {"sleep": 0.10, "small": 0.05}
SLEEP_RANKS = [1, 2, 4, 8, 16, 32]


def with_largest_first(configs):
    """configs (in given order), and dynamic largest-first of each workload
    with a cost model (mersenne, synthetic) after its dynamic one."""
    out = []
    for c in configs:
        out.append(c)
        if c.schedule == "dynamic" and c.args[0] in ("mersenne", "synthetic"):
            out.append(dataclasses.replace(c, order="largest-first"))
    return out


def how(config):
    """'dynamic', or 'dynamic, largest-first'."""
    return config.schedule + (", largest-first" if config.order == "largest-first" else "")


def _how_key(label):
    schedule, _, order = label.partition(", ")
    return SCHEDULES.index(schedule), order


def pool_rows(farm):
    preds = farm.simulate(list(range(1, 11)), [5], ["static-block", "static-cyclic", "dynamic"],
                          1, ["given", "largest-first"])
    got = {(p["schedule"], p["order"]): p["wall_s"] for p in preds}
    lines = ["| schedule | order | predicted units | expected |", "|---|---|---|---|"]
    ok = True
    for (schedule, order), want in POOL.items():
        value = got.get((schedule, order))
        ok = ok and value is not None and abs(value - want) < 1e-9
        lines.append(f"| {schedule} | {order} | {value} | {want} |")
    return "\n".join(lines), ok


def scaling_rows(farm, configs, ranks, calibrate_at, rounds, model, paired=False):
    """Measures every config at ranks and calibrate_at, interleaved, and
    predicts each at ranks from the median trace of its workload's dynamic
    run in given order (the finest chunks: a trace spreads a chunk's time
    evenly over its items; a largest-first trace forgets the given order)
    at each calibration rank count. paired: the error is the median of the
    per-round errors (paired_errors), not that of the medians."""
    runs = Runs(farm)
    every = sorted(set(ranks) | set(calibrate_at))
    runs.measure([(c, p) for p in every for c in configs], rounds)
    rows = []
    for c in configs:
        cal = dataclasses.replace(c, schedule="dynamic", order="given")
        for p in ranks:
            for p0 in calibrate_at:
                walls = runs.walls(c, p)
                errors, scaled = paired_errors(runs, c, p, cal, p0, model) if paired \
                    else (None, None)
                rows.append(Row(c.name, how(c), p, len(walls), runs.median(c, p),
                                f"dynamic, {p0} rank(s)", predict(runs, c, p, cal, p0, model),
                                (min(walls), max(walls)), errors, scaled))
    return rows


def section(title, rows, tolerance, checked=lambda row: True):
    worst = max((r for r in rows if checked(r)), key=lambda r: abs(r.error))
    ok = abs(worst.error) <= tolerance
    text = (f"## {title}\n\n{format_table(rows)}\n\nworst error {100 * worst.error:+.1f}% "
            f"({worst.name}, {worst.schedule}, {worst.ranks} ranks, {worst.calibrated_on}); "
            f"tolerance {100 * tolerance:.0f}%: {'met' if ok else 'MISSED'}\n")
    return text, ok


def plot_sleep(rows, path, workload, rounds):
    """Measured medians (markers) and predictions (dashed, one line per
    calibration) of the sleeping tasks' wall time against ranks."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5.5))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = {"dynamic, 1 rank(s)": ":", "dynamic, 2 rank(s)": "--"}
    for colour, schedule in zip(cycle, sorted({r.schedule for r in rows}, key=_how_key)):
        mine = [r for r in rows if r.schedule == schedule]
        ranks = sorted({r.ranks for r in mine})
        measured = [next(r.measured_s for r in mine if r.ranks == p) for p in ranks]
        ax.plot(ranks, measured, "o", color=colour, label=f"{schedule}: measured")
        for cal, style in styles.items():
            ax.plot(ranks, [next(r.predicted_s for r in mine if r.ranks == p and
                                 r.calibrated_on == cal) for p in ranks],
                    linestyle=style, color=colour, linewidth=1)
    ax.plot([], [], "k--", linewidth=1, label="predicted from dynamic's 2-rank trace")
    ax.plot([], [], "k:", linewidth=1, label="predicted from dynamic's 1-rank trace")
    ax.axvspan(2.5, 40, color="0.93", zorder=0)
    ax.text(0.45, 0.03, "past the 2 cores (sleeping tasks need none)", fontsize=8,
            transform=ax.transAxes)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(SLEEP_RANKS)
    ax.set_xticklabels(map(str, SLEEP_RANKS))
    ax.set_xlabel("MPI ranks (processes)")
    ax.set_ylabel("wall time, s")
    ax.set_title(f"rangefarm simulate against measured runs: {workload}\nmedians of {rounds} "
                 "interleaved rounds on a 2-core machine", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(Path(__file__).resolve().parents[2] / "build" /
                                            "apps" / "rangefarm"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="pool,sleep,small")
    ap.add_argument("--out", type=Path, help="also write the tables (Markdown) here")
    ap.add_argument("--plot", type=Path, help="draw the sleeping tasks' validation here (PNG)")
    args = ap.parse_args(argv)
    parts, all_ok = [f"load average before: {os.getloadavg()[0]:.1f} on "
                     f"{os.cpu_count()} cores\n"], True
    with tempfile.TemporaryDirectory(prefix="rf-validate-") as tmp:
        farm = Farm(args.binary, tmp)
        model, record = message_model(farm)
        parts.append(f"message model: latency {record['latency_s']:.3g} s, service "
                     f"{record['service_s']:.3g} s, end {record['end_s']:.3g} s (median of "
                     f"{record['rounds']})\n")
        wanted = args.only.split(",")
        if "pool" in wanted:
            text, ok = pool_rows(farm)
            parts.append(f"## Pool example (pure model)\n\n{text}\n")
            all_ok &= ok
        if "sleep" in wanted:
            configs = with_largest_first([Config("synthetic sleep", SLEEP, s, order="given")
                                          for s in SCHEDULES])
            rows = scaling_rows(farm, configs, SLEEP_RANKS, [1, 2], args.rounds, model)
            text, ok = section("Beyond the cores: sleeping tasks", rows, TOLERANCE["sleep"],
                               checked=lambda r: r.ranks > 2)
            parts.append(text + "(the tolerance applies past the 2 cores: 4 ranks and more)\n")
            if args.plot:
                plot_sleep(rows, args.plot, " ".join(SLEEP), args.rounds)
            all_ok &= ok
        if "small" in wanted:
            configs = with_largest_first([Config(n, a, s, order="given")
                                          for n, a in SMALL.items() for s in SCHEDULES])
            rows = scaling_rows(farm, configs, [1, 2], [1, 2], args.rounds, model, paired=True)
            text, ok = section("1 and 2 ranks: CPU-bound and synthetic", rows,
                               TOLERANCE["small"],
                               checked=lambda r: r.calibrated_on == f"dynamic, {r.ranks} rank(s)")
            text += ("(the tolerance applies to predictions from the same rank count's trace; "
                     "those across rank counts are printed, not judged. Errors here are "
                     "paired: each round's prediction from that round's dynamic trace against "
                     "that round's run, the median over the rounds, their range beside it; "
                     "'predicted s' is from the per-chunk median trace. The last column takes the "
                     "machine's speed out: each round's prediction scaled by the work that "
                     "round's run really did, its chunks' total time over the calibration "
                     "trace's)\n")
            parts.append(text)
            all_ok &= ok
    parts.append(f"load average after: {os.getloadavg()[0]:.1f}\n")
    out = "\n".join(parts)
    print(out)
    if args.out:
        args.out.write_text(out)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
