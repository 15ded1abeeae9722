"""The study's PNG plots (matplotlib, Agg backend: no display needed).

Every figure has one panel per problem (workload and its parameters) and
one line per way of farming it out (schedule, chunk, order), in the same
colour in every figure. Markers are medians; error bars are the 95%
confidence intervals of table.py where a point has runs enough (6), else
they span the fastest and slowest repeat, and the title says which. The
speedup and efficiency plots draw the ideal line and, dotted in each
series' colour, Amdahl's law with its fitted serial fraction: the upper
bound. Hollow markers (hatched bars) are oversubscribed points, more ranks
than cores, whose timings measure the OS scheduler."""
import math
import textwrap

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .amdahl import amdahl  # noqa: E402
from .predict_view import draw_predicted  # noqa: E402
from .table import by_problem  # noqa: E402

RANKS_LABEL = "MPI ranks (processes)"


def _wrap(text, width=60):
    return "\n".join(textwrap.wrap(text, width))


def _grid(n, sharey=False):
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 4.8 * rows + 0.8), squeeze=False,
                             sharey=sharey)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _colours(series_list):
    """One colour per (schedule, chunk, order), the same in every panel."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    labels = sorted({s.how_label for s in series_list})
    return {label: cycle[i % len(cycle)] for i, label in enumerate(labels)}


def _panel_title(group, ctx):
    s = group[0]
    if ctx.mode == "weak":
        first, last = s.points[0], s.points[-1]
        grows = f"size {first.size} at {first.ranks} rank(s)"
        if last is not first:
            grows += f" up to {last.size} at {last.ranks}"
        text = f"{s.problem_label}; {grows}"
    else:
        text = s.problem_label
    bases = sorted({x.base_ranks for x in group if x.base_ranks != 1})
    if bases:
        text += f" (no 1-rank run: baseline {', '.join(map(str, bases))} ranks, taken as ideal)"
    return _wrap(text)


def _suptitle(fig, what, ctx, tail=None, bottom=0.0):
    if tail is None:
        tail = f"medians of {ctx.repeats}, error bars from the fastest to the slowest"
    # About 11 characters of the title's font fit an inch; a one-panel figure is narrow.
    width = min(110, int(fig.get_figwidth() * 11))
    text = _wrap(f"{ctx.mode.capitalize()} scaling: {what}. {ctx.machine}; {tail}", width)
    fig.suptitle(text)
    top = 1 - 0.035 * (text.count("\n") + 1) * 4.8 / fig.get_figheight()
    fig.tight_layout(rect=(0, bottom, 1, min(0.93, top)))


def _over_handle():
    return Line2D([], [], color="grey", marker="o", markerfacecolor="none", linestyle="none",
                  label="hollow: oversubscribed (ranks > cores)")


def _bars_text(series_list, ctx):
    """What the error bars of the speedup and efficiency plots are."""
    points = [pt for s in series_list for pt in s.points if pt.ranks != s.base_ranks]
    with_ci = sum(pt.speedup_ci_low is not None for pt in points)
    head = f"medians of {ctx.repeats}, error bars"
    if points and with_ci == len(points):
        return (f"{head}: 95% confidence intervals (order statistics; a speedup's from both "
                "medians' intervals)")
    if with_ci:
        return (f"{head}: 95% confidence intervals where a point has 6 runs or more, else the "
                "fastest to the slowest run")
    return f"{head} from the fastest to the slowest"


def _interval(s, pt, y, ci_low, ci_high, low, high):
    """(y, low, high) of a point: its confidence interval where it has one,
    none at the baseline of a series that has them, else min to max."""
    if ci_low is not None:
        return y, ci_low, ci_high
    if pt.ranks == s.base_ranks and any(p.speedup_ci_low is not None for p in s.points):
        return y, y, y  # the speedup there is p0 by definition
    return y, low, high


def _amdahl_lines(ax, group, colours, ranks, per_rank):
    """Dotted Amdahl curves of the series with a fitted serial fraction;
    returns whether any was drawn."""
    xs = [1 + i * (max(ranks) - 1) / 100 for i in range(101)]
    drawn = False
    for s in group:
        if s.serial_fraction is None:
            continue
        ys = [amdahl(s.serial_fraction, p) / (p if per_rank else 1) for p in xs]
        ax.plot(xs, ys, color=colours[s.how_label], linestyle=":", linewidth=1.2)
        drawn = True
    return drawn


def _line_plot(series_list, ctx, path, what, ylabel, value, ideal=None, amdahl_per_rank=None,
               tail=None, predicted=None):
    """One figure: value(series, point) -> (y, y_low, y_high) or None, per
    series; amdahl_per_rank (True: efficiency, False: speedup) draws the
    Amdahl fits; predicted ("speedup" or "efficiency") the dashed predicted
    curves of --predict-ranks."""
    groups = by_problem(series_list)
    colours = _colours(series_list)
    fig, axes = _grid(len(groups))
    for ax, group in zip(axes, groups):
        ranks = sorted({pt.ranks for s in group for pt in s.points})
        handles = []
        if ideal is not None:
            handles += ax.plot(ranks, [ideal(p) for p in ranks], color="black", linestyle="--",
                               linewidth=1, label="ideal")
        if amdahl_per_rank is not None and _amdahl_lines(ax, group, colours, ranks,
                                                         amdahl_per_rank):
            handles.append(Line2D([], [], color="grey", linestyle=":",
                                  label="dotted: Amdahl fit, the upper bound"))
        over_any = False
        for s in group:
            pts = [(pt, value(s, pt)) for pt in s.points if value(s, pt) is not None]
            if not pts:
                continue
            xs = [pt.ranks for pt, _ in pts]
            ys = [v[0] for _, v in pts]
            err = [[v[0] - v[1] for _, v in pts], [v[2] - v[0] for _, v in pts]]
            colour = colours[s.how_label]
            ax.errorbar(xs, ys, yerr=err, color=colour, capsize=3)
            fair = [(pt.ranks, v[0]) for pt, v in pts if not pt.oversubscribed]
            over = [(pt.ranks, v[0]) for pt, v in pts if pt.oversubscribed]
            if fair:
                ax.plot(*zip(*fair), linestyle="none", marker="o", color=colour, zorder=3)
            if over:
                over_any = True
                ax.plot(*zip(*over), linestyle="none", marker="o", markersize=8, zorder=3,
                        markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.5)
            handles.append(Line2D([], [], color=colour, marker="o", label=s.how_label))
        if over_any:
            handles.append(_over_handle())
        if not any(value(s, pt) is not None for s in group for pt in s.points):
            ax.text(0.5, 0.5, "no point with more than one rank", ha="center",
                    transform=ax.transAxes)
        ax.set_xticks(ranks)
        ax.set_xlabel(RANKS_LABEL)
        ax.set_ylabel(ylabel)
        ax.set_title(_panel_title(group, ctx), fontsize=9)
        ax.grid(True, alpha=0.3)
        if predicted:  # dashed predicted curves (--predict-ranks)
            handles += draw_predicted(ax, group, colours, ctx, predicted)
        ax.legend(handles=handles, fontsize=8, title="schedule, chunk, order",
                  title_fontsize=8)
    _suptitle(fig, what, ctx, tail=tail)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def speedup_plot(series_list, ctx, path):
    if ctx.mode == "weak":
        what, ylabel = "scaled speedup p T(1)/T(p) against ranks", "scaled speedup p T(1) / T(p)"
    else:
        what, ylabel = "speedup against ranks", "speedup T(1) / T(p)"
    return _line_plot(series_list, ctx, path, what, ylabel,
                      lambda s, pt: _interval(s, pt, pt.speedup, pt.speedup_ci_low,
                                              pt.speedup_ci_high, pt.speedup_low,
                                              pt.speedup_high),
                      ideal=lambda p: p, amdahl_per_rank=False,
                      tail=_bars_text(series_list, ctx), predicted="speedup")


def efficiency_plot(series_list, ctx, path):
    formula = "T(1) / T(p)" if ctx.mode == "weak" else "speedup / ranks"

    def value(s, pt):
        def per(x):
            return None if x is None else x / pt.ranks
        return _interval(s, pt, pt.efficiency, per(pt.speedup_ci_low), per(pt.speedup_ci_high),
                         per(pt.speedup_low), per(pt.speedup_high))
    return _line_plot(series_list, ctx, path, f"parallel efficiency ({formula})",
                      f"parallel efficiency, {formula}", value, ideal=lambda p: 1.0,
                      amdahl_per_rank=True, tail=_bars_text(series_list, ctx),
                      predicted="efficiency")


def karp_flatt_plot(series_list, ctx, path):
    def kf(speedup, p):
        return (1 / speedup - 1 / p) / (1 - 1 / p)

    def value(_series, pt):
        if pt.karp_flatt is None:
            return None
        # The slowest repeat gives the largest serial fraction.
        return pt.karp_flatt, kf(pt.speedup_high, pt.ranks), kf(pt.speedup_low, pt.ranks)
    return _line_plot(series_list, ctx, path,
                      "Karp-Flatt serial fraction e = (1/S - 1/p) / (1 - 1/p); flat = a fixed "
                      "serial part, rising = overhead growing with ranks",
                      "experimentally determined serial fraction e", value)


def busy_wait_plot(group, ctx, path):
    """Per-rank busy and waiting time of each series in group (one problem)
    at the group's largest rank count, its median run."""
    top = max(pt.ranks for s in group for pt in s.points)
    shown = [(s, pt) for s in group for pt in s.points if pt.ranks == top]
    fig, axes = _grid(len(shown), sharey=True)
    over_any = False
    for ax, (s, pt) in zip(axes, shown):
        run = pt.median_run
        ranks = run.report["timing"]["ranks"]
        xs = [r["rank"] for r in ranks]
        busy = [r["busy_s"] for r in ranks]
        wait = [r["wait_s"] for r in ranks]
        hatch = "//" if pt.oversubscribed else None
        over_any = over_any or pt.oversubscribed
        ax.bar(xs, busy, color="tab:blue", hatch=hatch, edgecolor="black", linewidth=0.5)
        ax.bar(xs, wait, bottom=busy, color="tab:orange", hatch=hatch, edgecolor="black",
               linewidth=0.5)
        ax.set_xticks(xs)
        ax.set_xlabel("rank")
        ax.set_ylabel("seconds")
        ax.set_title(_wrap(f"{s.how_label}: {top} ranks, {pt.size}; median run {run.file} "
                           f"(wall {run.wall_s:.3g} s, imbalance {pt.imbalance:.3f})"),
                     fontsize=9)
    handles = [Patch(color="tab:blue", label="busy: computing its chunks"),
               Patch(color="tab:orange", label="waiting: for work, or for the others to end")]
    if over_any:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="//",
                             label="hatched: oversubscribed (ranks > cores)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9)
    head = group[0]
    _suptitle(fig, f"busy and waiting time per rank at {top} ranks, {head.problem_label}",
              ctx, tail=f"the median run of {ctx.repeats} of each schedule and chunk",
              bottom=0.06)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def all_plots(series_list, ctx, out):
    """Writes every plot into out; returns [(title, file name)]."""
    made = [
        ("Speedup", speedup_plot(series_list, ctx, out / "speedup.png")),
        ("Parallel efficiency", efficiency_plot(series_list, ctx, out / "efficiency.png")),
        ("Karp-Flatt serial fraction", karp_flatt_plot(series_list, ctx,
                                                       out / "karp_flatt.png")),
    ]
    for i, group in enumerate(by_problem(series_list), 1):
        name = f"busy_wait-{i}-{group[0].workload}.png"
        made.append((f"Busy and waiting time per rank: {group[0].problem_label}",
                     busy_wait_plot(group, ctx, out / name)))
    return [(title, path.name) for title, path in made]
