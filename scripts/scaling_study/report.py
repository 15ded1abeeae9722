"""report.md: what was measured, the best schedule and chunk per problem in
plain words, the baselines with their absolute times, the upper bound (the
ideal and an Amdahl fit), for a chunk sweep the kernel's per-chunk cost
apart from the farm's (chunk_costs.py), the plots (relative paths, so the
folder can be moved), the summary table, the predictions of
--predict-ranks (predict_view.py) and, for weak scaling, how the sizes were
chosen."""
import math

from .amdahl import limit
from .chunk_costs import chunk_sweeps
from .predict_view import report_lines as prediction_lines
from .table import by_problem, largest_ranks

CI_METHOD = ("95% confidence intervals of the medians are distribution-free order-statistics "
             "intervals (the binomial, or sign-test, interval: [x(k), x(n+1-k)] of the n sorted "
             "times, scripts/median_ci.py); they need 6 runs at least")


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


def _ci_text(pt):
    return "" if pt.ci is None else f"{pt.ci.low:.4g} to {pt.ci.high:.4g}"


def _baselines(series_list, ctx):
    lines = ["## Baselines", "",
             "Speedup is measured against the 1-rank run of the same program: rangefarm itself, "
             "the same workload, schedule and chunk, on one MPI rank (not a separate serial "
             "code). Their absolute times:", "",
             "| problem | schedule, chunk, order | ranks | runs | median s | 95% CI s | min s "
             "| max s |", "|---|---|---|---|---|---|---|---|"]
    for s in series_list:
        b = s.points[0]
        lines.append(f"| {s.problem_label} | {s.how_label} | {b.ranks} | {len(b.runs)} | "
                     f"{b.wall_median:.4g} | {_ci_text(b)} | {b.wall_min:.4g} | "
                     f"{b.wall_max:.4g} |")
    return lines + [""]


def _bounds(series_list, ctx):
    lines = ["## Upper bound: the ideal and Amdahl's law", ""]
    if ctx.mode == "weak":
        return lines + ["Amdahl's law bounds strong scaling (a fixed problem); this is a weak "
                        "scaling study, whose ideal is the constant wall time drawn as "
                        "efficiency 1.", ""]
    lines += ["The ideal is speedup p on p ranks. Amdahl's law S(p) = 1 / (f + (1 - f)/p), with "
              "the serial fraction f fitted by least squares on each series' measured speedups, "
              "bounds what more ranks can give: never more than 1/f. It is drawn dotted in the "
              "speedup and efficiency plots; oversubscribed points are left out of the fit. "
              "Points well below their curve lose more than a fixed serial part explains: "
              "overhead that grows with the ranks.", "",
              "| problem | schedule, chunk, order | serial fraction f | bound 1/f | ranks | "
              "measured speedup | Amdahl speedup | ideal |", "|---|---|---|---|---|---|---|---|"]
    for s in series_list:
        fair = [pt for pt in s.points if not pt.oversubscribed]
        top = (fair or s.points)[-1]
        if s.serial_fraction is None:
            why = ("no 1-rank baseline" if s.base_ranks != 1 else
                   "no point above 1 rank that is not oversubscribed")
            lines.append(f"| {s.problem_label} | {s.how_label} | not fitted ({why}) | | "
                         f"{top.ranks} | {top.speedup:.3g} | | {top.ranks} |")
            continue
        bound = limit(s.serial_fraction)
        bound_text = "none (f = 0)" if math.isinf(bound) else f"{bound:.3g}"
        if top.speedup < 1:
            bound_text += " (slower than on 1 rank: the ranks fought for the cores?)"
        lines.append(f"| {s.problem_label} | {s.how_label} | {s.serial_fraction:.4f} | "
                     f"{bound_text} | {top.ranks} | {top.speedup:.3g} | "
                     f"{top.amdahl_speedup:.3g} | {top.ranks} |")
    return lines + [""]


def _us(seconds):
    return "" if seconds is None else f"{seconds * 1e6:.4g}"


def _s(seconds):
    return "" if seconds is None else f"{seconds:.4g}"


def _chunk_costs(series_list):
    sweeps = chunk_sweeps(series_list)
    if not sweeps:
        return []
    lines = ["## Chunk size: the kernel's cost apart from the farm's", "",
             "A chunk-size sweep measures two costs. The kernel's own cost per chunk (the set-up "
             "it pays for every chunk, even on one rank, where nothing is dispatched) is taken "
             "from the 1-rank run at each chunk size K: c(K) = (T1(K) - items * r) / n(K), where "
             "r = T1(K_max) / items is the per-item rate at the largest chunk size and n(K) the "
             "chunks that run processed. At P ranks the loss against the ideal T1(K_max) / P "
             "then splits into the kernel's share, (T1(K) - T1(K_max)) / P, and the farm's "
             "(dispatch, waiting, imbalance): T_P(K) - T1(K) / P. Medians; small negative "
             "figures are noise.", ""]
    for sw in sweeps:
        lines += [f"### {sw.label}, {sw.how}", "",
                  f"Per-item rate at chunk {sw.reference_chunk}: {sw.rate_s * 1e9:.4g} ns per "
                  "item.", "",
                  "| chunk K | chunks n(K) | T1 s | kernel cost per chunk µs | kernel share of "
                  "T1 | P | T_P s | ideal s | kernel loss s | farm loss s |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for c in sw.costs:
            share = f"{c.per_chunk_s * c.chunks / c.t1:.1%}" if c.t1 > 0 else ""
            lines.append(f"| {c.chunk} | {c.chunks} | {c.t1:.4g} | {_us(c.per_chunk_s)} | "
                         f"{share} | {c.ranks or ''} | {_s(c.tp)} | {_s(c.ideal_s)} | "
                         f"{_s(c.kernel_loss_s)} | {_s(c.farm_loss_s)} |")
        lines.append("")
    return lines


def _table(series_list):
    head = ["workload", "size", "params", "schedule", "chunk", "order", "ranks", "runs",
            "wall median s", "95% CI s", "min s", "max s", "speedup", "speedup 95% CI",
            "efficiency", "Karp-Flatt e", "imbalance", "oversubscribed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in series_list:
        for pt in s.points:
            base = "" if s.base_ranks == 1 else f" (vs {s.base_ranks} ranks)"
            cells = [s.workload, pt.size, s.params, s.schedule, str(s.chunk), s.order,
                     str(pt.ranks), str(len(pt.runs)), f"{pt.wall_median:.4g}", _ci_text(pt),
                     f"{pt.wall_min:.4g}", f"{pt.wall_max:.4g}", f"{pt.speedup:.3g}{base}",
                     "" if pt.speedup_ci_low is None else
                     f"{pt.speedup_ci_low:.3g} to {pt.speedup_ci_high:.3g}",
                     f"{pt.efficiency:.3g}", _maybe(pt.karp_flatt), f"{pt.imbalance:.3f}",
                     "**yes**" if pt.oversubscribed else "no"]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _above_ideal(series_list, ctx):
    """A paragraph on every speedup above its rank count: on a machine
    whose ranks do not share more than one core's worth of work, that is
    noise in the baseline, not a result."""
    if ctx.mode != "strong":
        return []
    above = [(s, pt) for s in series_list for pt in s.points
             if pt.ranks > 1 and pt.speedup > pt.ranks * 1.0005]
    if not above:
        return []
    cases = "; ".join(f"{s.workload} {s.schedule} at {pt.ranks} ranks: {pt.speedup:.3g}"
                      for s, pt in above)
    return [f"Speedups above the rank count ({cases}) are not results: the work per rank "
            "cannot shrink faster than the ranks grow, so each says that its 1-rank baseline "
            "ran slow (a slow spell of the machine), by about as much as the speedup exceeds "
            "the rank count. Read them as ideal within the baselines' spread (their min and max "
            "are in Baselines).", ""]


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
             f"- Intervals: {CI_METHOD}. A speedup's interval divides the ends of the two "
             "medians' intervals, so it holds whenever both do (at least 90% of the time).",
             "- Baseline: the 1-rank run of the same program (see Baselines).",
             f"- Reports: {ctx.reports}."]
    if ctx.command:
        lines += [f"- Command: `{ctx.command}`"]
    lines.append("")
    if ctx.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in ctx.notes] + [""]
    lines += ["## Best schedule and chunk", ""]
    for group in by_problem(series_list):
        lines += [_best_sentence(group), ""]
    lines += _baselines(series_list, ctx) + _bounds(series_list, ctx)
    lines += _chunk_costs(series_list)
    lines += ["## Plots", ""]
    for title, name in plots:
        lines += [f"### {title}", "", f"![{title}]({name})", ""]
    lines += ["## Summary", "",
              "Speedup is against the 1-rank median of the same workload, schedule and chunk"
              + (" (scaled: p T(1)/T(p))" if ctx.mode == "weak" else "")
              + "; efficiency is speedup / ranks; Karp-Flatt e = (1/S - 1/p)/(1 - 1/p). "
              "The same numbers are in summary.csv, every run in runs.csv.", ""]
    lines += _table(series_list) + [""]
    lines += _above_ideal(series_list, ctx)
    lines += prediction_lines(series_list, ctx)
    if calibration:
        lines += _calibration(calibration)
    path.write_text("\n".join(lines))
    return path
