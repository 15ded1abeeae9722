"""A chunk-size sweep measures two costs that a reader must tell apart
(issue 18): the kernel's own cost per chunk (the set-up a workload pays for
every chunk it is given, even on one rank, where nothing is dispatched) and
the farm's cost of handing chunks out at P ranks.

For each problem and schedule with 1-rank runs at two chunk sizes or more,
the largest chunk size K_max gives the per-item rate r = T1(K_max) / items
(its own few chunks' set-up counted in). Then at each chunk size K, with
n(K) the chunks the 1-rank run processed:

  kernel per-chunk cost   c(K) = (T1(K) - items * r) / n(K)
                                = T1(K) / n(K) - r * items / n(K)
  at P ranks, against the ideal T1(K_max) / P, the loss T_P(K) - T1(K_max) / P
  splits into
    kernel loss  (T1(K) - T1(K_max)) / P   the per-chunk cost, shared by P ranks
    farm loss    T_P(K) - T1(K) / P        what remains: dispatch, waiting, imbalance

All times are medians. Small negative figures are noise."""
import dataclasses

from .table import largest_ranks


@dataclasses.dataclass
class ChunkCost:
    chunk: int
    chunks: int          # processed by the 1-rank run (its median run)
    t1: float            # 1-rank median wall s
    per_chunk_s: float   # c(K)
    ranks: int = None    # P, where the series has a point above 1 rank
    tp: float = None     # T_P(K)
    ideal_s: float = None
    kernel_loss_s: float = None
    farm_loss_s: float = None


@dataclasses.dataclass
class ChunkSweep:
    label: str           # the problem
    how: str             # schedule and order
    reference_chunk: int
    rate_s: float        # r, seconds per item at the reference chunk
    costs: list


def _chunks_run(point):
    return sum(int(r.get("chunks", 0)) for r in point.median_run.report["timing"]["ranks"])


def _one(series, base, rate, items, top):
    one = series.points[0]
    n = max(_chunks_run(one), 1)
    cost = ChunkCost(int(series.chunk), n, one.wall_median,
                     (one.wall_median - items * rate) / n)
    at = [pt for pt in series.points if pt.ranks == top and pt.ranks > 1]
    if at:
        pt = at[0]
        cost.ranks, cost.tp = pt.ranks, pt.wall_median
        cost.ideal_s = base / pt.ranks
        cost.kernel_loss_s = (one.wall_median - base) / pt.ranks
        cost.farm_loss_s = pt.wall_median - one.wall_median / pt.ranks
    return cost


def chunk_sweeps(series_list):
    """The ChunkSweeps of a strong study: one per (problem, schedule, order)
    with 1-rank points at two whole chunk sizes or more; [] for none."""
    groups = {}
    for s in series_list:
        if s.mode != "strong" or not isinstance(s.chunk, int) or s.points[0].ranks != 1:
            continue
        groups.setdefault((s.workload, s.params, s.size, s.schedule, s.order), []).append(s)
    sweeps = []
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: s.chunk)
        ref = group[-1]
        items = int(ref.points[0].runs[0].report.get("items_total", 0))
        if items <= 0:
            continue
        base = ref.points[0].wall_median
        top = largest_ranks(group)
        costs = [_one(s, base, base / items, items, top) for s in group]
        how = ref.schedule + (f", {ref.order}" if ref.order else "")
        sweeps.append(ChunkSweep(ref.problem_label, how, ref.chunk, base / items, costs))
    return sweeps
