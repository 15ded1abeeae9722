"""Gantt charts of rangefarm traces: one panel per trace, one row per rank,
one bar per chunk, all panels on one time axis so that runs of the same
problem under different schedules compare at a glance.

What a reader sees:
  * a bar is a chunk, from its start to its end on the rank that ran it;
    its colour says where in the range the chunk lies (low items dark, high
    items bright; items as the trace numbers them, which for largest-first
    runs is the dispatch order, costliest first), or with colour="cost" its
    cost per item;
  * hatched grey is idle time: the rank ran no chunk (it waited for work,
    for rank 0, or for the others to end);
  * the red dashed line is the makespan (the run's wall time), the grey
    dotted line the ideal one (total busy time / ranks);
  * a row's label gives the rank's busy share of the makespan;
  * a run with more ranks on a host than its cores (where they are known:
    machine.json, --cores) says "oversubscribed" in its panel's title: its
    ranks took turns on the cores, so its bars measure the OS scheduler.
So static-block on mersenne shows rank 1 busy to the end on the expensive
high exponents (bright) while rank 0 idles after its cheap low half."""
import textwrap

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .table import by_problem  # noqa: E402
from .trace import read_trace  # noqa: E402
from .traced import trace_of  # noqa: E402

IDLE = dict(facecolor="white", edgecolor="0.75", hatch="////", linewidth=0)
# Markers for each request only while they stay readable.
MAX_MARKED_REQUESTS = 300
# Bar edges only while bars are wide enough to show them.
MAX_EDGED_CHUNKS = 400
# Left out of the default title: they differ between the panels.
HOW_OPTIONS = ("--schedule", "--chunk", "--order", "--trace", "--json", "--checkpoint")


def _cost_per_item(c):
    value = c.cost if c.cost is not None else c.duration_s
    return value / max(c.items, 1)


def _colour_scale(traces, colour):
    """(value(chunk), norm, colormap, label) shared by every panel."""
    chunks = [c for t in traces for c in t.chunks]
    if colour == "cost":
        values = [_cost_per_item(c) for c in chunks if _cost_per_item(c) > 0] or [1.0]
        lo, hi = min(values), max(values)
        norm = LogNorm(lo, hi) if hi > 100 * lo else Normalize(0, hi)
        units = "cost units" if any(c.cost is not None for c in chunks) else "s"
        return _cost_per_item, norm, plt.get_cmap("plasma"), f"cost per item ({units})"
    lo = min((c.first for c in chunks), default=0)
    hi = max((c.last for c in chunks), default=1)
    return ((lambda c: (c.first + c.last) / 2), Normalize(lo, max(hi, lo + 1)),
            plt.get_cmap("viridis"), "the chunk's middle item as the farm numbers them\n"
            "(largest-first runs: in dispatch order, 0 = the costliest)")


def oversubscription(trace, cores):
    """'oversubscribed: 4 ranks on vm's 2 cores' where a host of the trace
    ran more ranks than cores[host], else ''. cores: {host: cores}."""
    per_host = {}
    for host in trace.header.get("hosts") or []:
        per_host[host] = per_host.get(host, 0) + 1
    over = [f"{n} ranks on {h}'s {cores[h]} cores" for h, n in per_host.items()
            if h in cores and n > cores[h]]
    return "oversubscribed: " + ", ".join(over) if over else ""


def panel_title(trace, cores):
    """A panel's title: how the run was farmed out and what it lost."""
    wall, busy = trace.wall_s, trace.busy_s()
    idle = 1 - sum(busy) / (wall * trace.ranks) if wall > 0 else 0.0
    cut = "" if trace.complete else "; cut short (no footer)"
    over = oversubscription(trace, cores)
    return (f"{trace.label()}: makespan {wall:.3g} s, imbalance {trace.imbalance():.3f}, "
            f"{100 * idle:.0f}% of rank time idle, {len(trace.chunks)} chunks{cut}"
            + (f"; {over}" if over else ""))


def _panel(ax, trace, scale, cores):
    value, norm, cmap, _ = scale
    wall = trace.wall_s
    busy = trace.busy_s()
    edged = len(trace.chunks) <= MAX_EDGED_CHUNKS
    for r in range(trace.ranks):
        ax.broken_barh([(0, wall)], (r - 0.4, 0.8), **IDLE)
        mine = [c for c in trace.chunks if c.rank == r]
        if mine:
            ax.broken_barh([(c.start_s, c.duration_s) for c in mine], (r - 0.4, 0.8),
                           facecolors=[cmap(norm(value(c))) for c in mine],
                           edgecolor="black" if edged else "face", linewidth=0.4)
    if len(trace.requests) <= MAX_MARKED_REQUESTS and trace.requests:
        ax.plot([t for _, t in trace.requests], [r - 0.45 for r, _ in trace.requests],
                linestyle="none", marker="v", markersize=3, color="black")
    ax.axvline(wall, color="red", linestyle="--", linewidth=1.2)
    ideal = sum(busy) / trace.ranks
    ax.axvline(ideal, color="0.4", linestyle=":", linewidth=1)
    ax.set_yticks(range(trace.ranks))
    ax.set_yticklabels([f"rank {r}: {100 * b / wall:.0f}% busy" if wall > 0 else f"rank {r}"
                        for r, b in enumerate(busy)], fontsize=7 if trace.ranks > 8 else 8)
    ax.set_ylim(trace.ranks - 0.5, -0.5)
    ax.set_title(panel_title(trace, cores), fontsize=9, loc="left",
                 color="firebrick" if oversubscription(trace, cores) else "black")


def _legend_handles(traces):
    handles = [Patch(**IDLE, label="idle: no chunk running"),
               Line2D([], [], color="red", linestyle="--", label="makespan (wall time)"),
               Line2D([], [], color="0.4", linestyle=":", label="ideal: busy time / ranks")]
    if any(0 < len(t.requests) <= MAX_MARKED_REQUESTS for t in traces):
        handles.append(Line2D([], [], color="black", marker="v", markersize=4,
                              linestyle="none", label="request sent to rank 0"))
    return handles


def default_title(traces, cores):
    """The first trace's command less what differs between the panels, and
    whether the ranks had a core each."""
    words, kept, skip = (traces[0].header.get("command") or "").split(), [], False
    for word in words:
        if skip:
            skip = False
        elif word.split("=")[0] in HOW_OPTIONS:
            skip = "=" not in word
        else:
            kept.append(word)
    what = " ".join(kept) or f"rangefarm {traces[0].header.get('subcommand', '')}"
    over = any(oversubscription(t, cores) for t in traces)
    return (f"{what}: {traces[0].ranks} ranks, one bar per chunk"
            + ("; OVERSUBSCRIBED: more ranks than cores, the ranks took turns" if over else ""))


def draw_gantt(traces, path, title=None, colour="range", cores=None):
    """Writes the Gantt chart of traces (Trace objects) to path (PNG).
    cores: {host: cores} where known, to say which runs were oversubscribed."""
    cores = cores or {}
    heights = [max(1.0, min(0.28 * t.ranks, 6.0)) + 0.6 for t in traces]
    fig, axes = plt.subplots(len(traces), 1, sharex=True, squeeze=False,
                             figsize=(12, sum(heights) + 1.6),
                             gridspec_kw={"height_ratios": heights})
    axes = list(axes.flat)
    scale = _colour_scale(traces, colour)
    for ax, trace in zip(axes, traces):
        _panel(ax, trace, scale, cores)
    axes[-1].set_xlabel("seconds since the run's start barrier")
    axes[-1].set_xlim(left=0)
    # About 14 characters of a 10-point title fit an inch; wrapped, so that
    # none is cut off at the figure's edge.
    text = "\n".join(textwrap.wrap(title or default_title(traces, cores), 150))
    fig.suptitle(text, fontsize=10)
    fig.legend(handles=_legend_handles(traces), loc="lower center", ncol=4, fontsize=8)
    top = 1 - (0.25 + 0.18 * (text.count("\n") + 1)) / fig.get_figheight()
    fig.tight_layout(rect=(0, 0.05, 0.9, top))
    bar = fig.add_axes((0.915, 0.1, 0.015, 0.8))
    fig.colorbar(plt.cm.ScalarMappable(norm=scale[1], cmap=scale[2]), cax=bar,
                 label=scale[3])
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def study_gantts(series_list, folder, ctx, out):
    """One Gantt chart per problem: the median run of each schedule and chunk
    at the problem's largest rank count, one above the other. Returns
    [(title, file name)] of those drawn (none where no run was traced)."""
    made = []
    for i, group in enumerate(by_problem(series_list), 1):
        top = max(pt.ranks for s in group for pt in s.points)
        runs = [pt.median_run for s in group for pt in s.points if pt.ranks == top]
        paths = [p for p in (trace_of(folder, r) for r in runs) if p is not None]
        if not paths:
            continue
        head = group[0]
        name = f"gantt-{i}-{head.workload}.png"
        traces = [read_trace(p) for p in paths]
        over = " (oversubscribed: more ranks than cores)" if any(
            oversubscription(t, ctx.cores) for t in traces) else ""
        title = (f"{head.problem_label} at {top} ranks{over}: the median run of each schedule "
                 f"and chunk, one bar per chunk; {ctx.machine}")
        draw_gantt(traces, out / name, title=title, cores=ctx.cores)
        made.append((f"Gantt chart at {top} ranks{over}: {head.problem_label}", name))
    if not made:
        ctx.notes.append("No run was traced (no NAME.trace.jsonl beside the reports), so the "
                         "study draws no Gantt chart.")
    return made
