"""How the predictions (predict.py) show in the study: dashed curves in the
speedup and efficiency plots beside the measured points, and a section of
report.md naming, for each predicted rank count, the best schedule and
chunk and saying where rank 0 stops keeping up with the requests."""
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from .predict import series_key
from .table import by_problem

MODEL = (
    "`rangefarm simulate` replays the farm's own MPI-free dispatch policy (the dispenser, the "
    "prefetch of one chunk ahead, the tail held for idle ranks, largest-first ordering, rank 0 "
    "computing and answering only at its yields) in virtual time. Its inputs are per-item "
    "costs from a trace, a per-message latency, rank 0's service time per report, its "
    "answering interval and the run's end after its last chunk. It assumes every rank computes "
    "an item as fast as the calibration run did (a traced chunk's time is spread evenly over "
    "its items, so a chunk's fixed set-up cost is spread too: a predicted chunk much smaller "
    "than the trace's is predicted too cheap), and it leaves out what more ranks share: a "
    "node's memory bandwidth and caches, "
    "the network and its contention, the OS noise of a loaded machine, and the start-up and "
    "wind-down of mpirun (outside the measured wall time).")
MAX_TICKS = 14


def _predicted_rows(ctx, s):
    preds = getattr(ctx, "predictions", None)
    return preds.by_series.get(series_key(s)) if preds else None


def _log_ticks(ax, ranks):
    ax.set_xscale("log", base=2)
    step = max(1, -(-len(ranks) // MAX_TICKS))
    ax.set_xticks(ranks[::step])
    ax.set_xticklabels([str(p) for p in ranks[::step]], fontsize=7, rotation=45)


def draw_predicted(ax, group, colours, ctx, key):
    """Draws the predicted key ('speedup' or 'efficiency') of each series in
    group as a dashed line; returns the legend handles to add (none where
    nothing was predicted). Rank counts far past the measured ones put the
    axes on a log scale."""
    drawn = []
    for s in group:
        rows = _predicted_rows(ctx, s)
        if rows:
            ax.plot([r["ranks"] for r in rows], [r[f"predicted_{key}"] for r in rows],
                    linestyle="--", linewidth=1.2, color=colours[s.how_label])
            drawn += [r["ranks"] for r in rows]
    if not drawn:
        return []
    measured = {pt.ranks for s in group for pt in s.points}
    ranks = sorted(set(drawn) | measured)
    if ranks[-1] > 2 * max(measured):
        _log_ticks(ax, ranks)
        if key == "speedup":
            ax.set_yscale("log", base=2)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax.plot(ranks, [p if key == "speedup" else 1.0 for p in ranks], color="black",
                linestyle="--", linewidth=1)
    return [Line2D([], [], color="grey", linestyle="--",
                   label="dashed: predicted (rangefarm simulate)")]


def _fmt(x, digits=3):
    return "" if x is None else f"{x:.{digits}g}"


def _how(row):
    return f"{row['schedule']}, chunk {row['chunk']}" + (f", {row['order']}" if row["order"]
                                                          else "")


def _problem_rows(preds, group):
    return [r for s in group for r in preds.by_series.get(series_key(s), [])]


def _best_table(rows):
    lines = ["| ranks | best schedule, chunk, order | predicted wall s | speedup | efficiency "
             "| imbalance | runner-up (wall s) |", "|---|---|---|---|---|---|---|"]
    for p in sorted({r["ranks"] for r in rows}):
        at = sorted((r for r in rows if r["ranks"] == p), key=lambda r: r["predicted_wall_s"])
        best = at[0]
        second = f"{_how(at[1])} ({_fmt(at[1]['predicted_wall_s'], 4)})" if len(at) > 1 else ""
        lines.append(f"| {p} | **{_how(best)}** | {_fmt(best['predicted_wall_s'], 4)} | "
                     f"{_fmt(best['predicted_speedup'])} | "
                     f"{_fmt(best['predicted_efficiency'])} | "
                     f"{_fmt(best['predicted_imbalance'], 4)} | {second} |")
    return lines


def _saturation_sentence(rows):
    """Where one dynamic or guided series' master stops keeping up: the
    first rank count simulate marks saturated (rank 0 serving reports most
    of the run) or whose request rate reaches rank 0's capacity."""
    sat = [r for r in rows if r["rank0_saturated"] or (
        r["rank0_request_rate_hz"] and r["rank0_capacity_hz"]
        and r["rank0_request_rate_hz"] >= r["rank0_capacity_hz"])]
    last = rows[-1]
    rate, cap = last["rank0_request_rate_hz"], last["rank0_capacity_hz"]
    if rate is None or not cap:
        return f"- {_how(last)}: simulate gave no request rate or capacity."
    if not sat:
        return (f"- {_how(last)}: rank 0 keeps up to {last['ranks']} ranks: "
                f"{_fmt(rate)} reports/s there, {100 * rate / cap:.2g}% of its capacity "
                f"of {_fmt(cap)}/s.")
    first = sat[0]
    rate = first["rank0_request_rate_hz"]
    before = [r for r in rows if r["ranks"] < first["ranks"]]
    prior = ""
    if before:
        prior = (f"; at {before[-1]['ranks']} ranks it served "
                 f"{_fmt(before[-1]['rank0_request_rate_hz'])}/s")
    chunk = int(first["chunk"]) if str(first["chunk"]).isdigit() else 1
    if first.get("items") and first["ranks"] * chunk >= first["items"]:
        return (f"- {_how(first)}: rank 0 is marked saturated from {first['ranks']} ranks "
                f"({_fmt(rate)} reports/s against a capacity of "
                f"{_fmt(first['rank0_capacity_hz'])}/s), but there every rank gets at most one "
                f"chunk of the {first['items']} items: what saturates it is the burst of first "
                "requests and last reports of a run too small for that many ranks, not a "
                "steady stream. Predict a larger problem to see where a master of a long "
                "run stops keeping up.")
    return (f"- {_how(first)}: rank 0 **saturates at {first['ranks']} ranks**: the ranks send "
            f"{_fmt(rate)} reports/s against its capacity of {_fmt(first['rank0_capacity_hz'])}"
            f"/s (one report per service time){prior}. Each chunk costs rank 0 a few reports "
            "(Ahead, Done, Idle), and P ranks finishing chunks of the same length send P times "
            "as many per second, so the master saturates once P x reports per chunk x service "
            f"time approaches the chunk's duration; efficiency there "
            f"{_fmt(first['predicted_efficiency'])}. Larger chunks (or guided) move this point "
            "out in proportion.")


def _saturation(rows):
    lines = []
    for key in sorted({(r["schedule"], str(r["chunk"]), r["order"]) for r in rows}):
        if key[0] not in ("dynamic", "guided"):
            continue
        mine = sorted((r for r in rows if (r["schedule"], str(r["chunk"]), r["order"]) == key),
                      key=lambda r: r["ranks"])
        lines.append(_saturation_sentence(mine))
    return lines or ["- No dynamic or guided series: the static schedules send rank 0 only "
                     "the finished-chunk reports, one per chunk."]


def _against_measured(rows, group):
    """The predictions that have a measured point, and whether that point
    was oversubscribed (group: the problem's measured series)."""
    crowded = {(s.schedule, str(s.chunk), s.order or "", pt.ranks)
               for s in group for pt in s.points if pt.oversubscribed}
    lines = ["| schedule, chunk, order | ranks | measured median s | predicted s | error | "
             "oversubscribed |", "|---|---|---|---|---|---|"]
    any_crowded = False
    for r in rows:
        m = r["measured_wall_median_s"]
        if m:
            err = 100 * (r["predicted_wall_s"] - m) / m
            key = (r["schedule"], str(r["chunk"]), r["order"] or "", int(r["ranks"]))
            over = key in crowded
            any_crowded |= over
            lines.append(f"| {_how(r)} | {r['ranks']} | {_fmt(m, 4)} | "
                         f"{_fmt(r['predicted_wall_s'], 4)} | {err:+.1f}% | "
                         f"{'**yes**' if over else 'no'} |")
    if any_crowded:
        lines += ["", "The oversubscribed points share the cores. The model gives every rank a "
                  "core, so for CPU-bound work it must predict them faster than measured: there "
                  "the error measures the missing cores, not the model. Only tasks that sleep "
                  "(`synthetic --sleep`) are comparable past the cores."]
    return lines


def _calibration_lines(preds):
    st = preds.settings
    model = ", ".join(f"{name} {_fmt(getattr(st, field), 3)} s" if getattr(st, field) is not None
                      else f"{name} simulate's default"
                      for field, name in (("latency_s", "latency per message"),
                                          ("service_s", "rank-0 service per report"),
                                          ("answer_interval_s", "answering interval"),
                                          ("end_s", "the end after the last chunk")))
    if all(getattr(st, f) is None for f in ("latency_s", "service_s", "answer_interval_s",
                                            "end_s")):
        model = "simulate's defaults for every figure"
    return [f"- Message model: {model} ({st.source}).",
            f"- Predicted rank counts: {', '.join(map(str, st.ranks))} (and the measured ones)."]


def report_lines(series_list, ctx):
    """The report's prediction section (no lines where nothing was predicted)."""
    preds = getattr(ctx, "predictions", None)
    if not preds:
        return []
    lines = ["## Predictions", "", MODEL, ""] + _calibration_lines(preds)
    lines += [f"- Note: {n}" for n in preds.notes] + [""]
    for group in by_problem(series_list):
        head = group[0]
        source = preds.sources.get((head.workload, head.params, head.size))
        rows = _problem_rows(preds, group)
        if not source or not rows:
            continue
        lines += [f"### {head.problem_label}", "",
                  f"Per-item costs from `{source[0]}` ({source[1]}). Every row in "
                  "prediction.csv; dashed lines in the speedup and efficiency plots.", "",
                  "Best schedule and chunk at each rank count:", ""]
        lines += _best_table(rows) + ["", "Where rank 0 stops keeping up:", ""]
        lines += _saturation(rows) + ["", "Predicted against measured wall time:", ""]
        lines += _against_measured(rows, group) + [""]
    return lines
