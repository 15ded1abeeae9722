"""report.md: what was measured, the best schedule and chunk per problem in
plain words, the plots (relative paths, so the folder can be moved), the
summary table and, for weak scaling, how the sizes were chosen."""
from .predict_view import report_lines as prediction_lines
from .table import by_problem, largest_ranks


def _best_sentence(group):
    """The fastest (schedule, chunk, order) of one problem by median wall
    time at the largest rank count that is not oversubscribed."""
    top = largest_ranks(group)
    at_top = [(pt, s) for s in group for pt in s.points if pt.ranks == top]
    at_top.sort(key=lambda x: x[0].wall_median)
    best_pt, best = at_top[0]
    what = best.problem_label if best.size else f"{best.problem_label}, size growing with ranks"
    over = " (oversubscribed: more ranks than cores)" if best_pt.oversubscribed else ""
    text = (f"The best schedule for {what} at {top} ranks{over} is **{best.how_label}**: "
            f"median wall time {best_pt.wall_median:.4g} s over {len(best_pt.runs)} run(s), "
            f"speedup {best_pt.speedup:.3g}, efficiency {best_pt.efficiency:.3g}.")
    if len(at_top) > 1:
        worst_pt, worst = at_top[-1]
        text += (f" The slowest there, {worst.how_label}, took {worst_pt.wall_median:.4g} s, "
                 f"{worst_pt.wall_median / best_pt.wall_median:.3g} times as long.")
    else:
        text += " It is the only schedule and chunk measured at that rank count."
    return text


def _maybe(x):
    return "" if x is None else f"{x:.3g}"


def _table(series_list):
    head = ["workload", "size", "params", "schedule", "chunk", "order", "ranks", "runs",
            "wall median s", "min s", "max s", "speedup", "efficiency", "Karp-Flatt e",
            "imbalance", "oversubscribed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in series_list:
        for pt in s.points:
            base = "" if s.base_ranks == 1 else f" (vs {s.base_ranks} ranks)"
            cells = [s.workload, pt.size, s.params, s.schedule, str(s.chunk), s.order,
                     str(pt.ranks), str(len(pt.runs)), f"{pt.wall_median:.4g}",
                     f"{pt.wall_min:.4g}", f"{pt.wall_max:.4g}", f"{pt.speedup:.3g}{base}",
                     f"{pt.efficiency:.3g}", _maybe(pt.karp_flatt), f"{pt.imbalance:.3f}",
                     "**yes**" if pt.oversubscribed else "no"]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _calibration(calibration):
    lines = ["## How the weak-scaling sizes were chosen", ""]
    for cal in calibration:
        lines += [
            f"`{cal['workload']}`: its cost does not grow in proportion to `{cal['size_arg']}`, "
            f"so one-rank runs were timed at {len(cal['samples'])} sizes "
            f"(median of {cal['repeats']} each) and fitted by least squares on log-log "
            f"axes: t = {cal['a']:.4g} * N^{cal['b']:.4g} s. Each rank count p then gets "
            f"the N_p with t(N_p) = p * t(N_1), i.e. N_p = N_1 * p^(1/b).", "",
            "| N (one rank) | median wall s | all runs s |", "|---|---|---|"]
        for sample in cal["samples"]:
            runs = ", ".join(f"{t:.4g}" for t in sample["wall_s"])
            lines.append(f"| {sample['size']} | {sample['median_s']:.4g} | {runs} |")
        lines += ["", "| ranks p | N_p | predicted one-rank time s |", "|---|---|---|"]
        for step in cal["sizes"]:
            lines.append(f"| {step['ranks']} | {step['size']} | {step['predicted_s']:.4g} |")
        lines.append("")
    return lines


def write_report(path, series_list, plots, ctx, calibration=None):
    mode = ("strong scaling: the same problem at every rank count" if ctx.mode == "strong" else
            "weak scaling: the problem grows with the rank count, so the ideal is a constant "
            "wall time; speedup is the scaled speedup p T(1)/T(p)")
    lines = [f"# {ctx.mode.capitalize()} scaling of rangefarm on {ctx.machine}", "",
             f"- Mode: {mode}.",
             f"- Machine: {ctx.machine} ({ctx.cores_source}).",
             f"- Repeats: {ctx.repeats} per point; times are rangefarm's own `wall_s` from its "
             "JSON reports (medians, with the fastest and slowest run).",
             f"- Reports: {ctx.reports}."]
    if ctx.command:
        lines += [f"- Command: `{ctx.command}`"]
    lines.append("")
    if ctx.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in ctx.notes] + [""]
    lines += ["## Best schedule and chunk", ""]
    for group in by_problem(series_list):
        lines += [_best_sentence(group), ""]
    lines += ["## Plots", ""]
    for title, name in plots:
        lines += [f"### {title}", "", f"![{title}]({name})", ""]
    lines += prediction_lines(series_list, ctx)
    lines += ["## Summary", "",
              "Speedup is against the 1-rank median of the same workload, schedule and chunk"
              + (" (scaled: p T(1)/T(p))" if ctx.mode == "weak" else "")
              + "; efficiency is speedup / ranks; Karp-Flatt e = (1/S - 1/p)/(1 - 1/p). "
              "The same numbers are in summary.csv, every run in runs.csv.", ""]
    lines += _table(series_list) + [""]
    if calibration:
        lines += _calibration(calibration)
    path.write_text("\n".join(lines))
    return path
