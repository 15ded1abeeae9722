"""Runs grouped into points and series, and the numbers of the summary.

A point is one (problem, schedule, chunk, order, ranks) with its repeats; a
series is the points that differ only in ranks (strong scaling: the same
problem; weak scaling: the same problem but for its size, which grows with
the ranks). Speedup is against the series' 1-rank median, or, where a
series has no 1-rank point, its smallest rank count p0, taken as ideal
(S(p0) = p0), so that efficiency = S/p and the Karp-Flatt fraction keep
their meaning:
  strong  S = p0 * T(p0) / T(p)      E = S / p
  weak    E = T(p0) / T(p)           S = p * E   (scaled speedup)
  Karp-Flatt e = (1/S - 1/p) / (1 - 1/p), none at p = 1.

Each median has its 95% confidence interval where the point has runs
enough (6 at least; scripts/median_ci.py: order statistics, the binomial
interval). A speedup's interval divides the ends of the two medians'
intervals, [T(p0)_low / T(p)_high, T(p0)_high / T(p)_low] (times p0 or p):
it holds the true ratio whenever both intervals hold their medians, so at
least 0.95^2 = 90% of the time. A strong series with base 1 also gets
Amdahl's law fitted to its speedups (amdahl.py), the upper bound drawn
beside the ideal line."""
import dataclasses
import json
import statistics

from median_ci import median_ci  # scripts/, on the path (scaling.py)

from .amdahl import amdahl, fit_serial_fraction
from .errors import UsageError
from .results import schedule_rank


@dataclasses.dataclass
class Point:
    ranks: int
    runs: list
    oversubscribed: bool
    wall_median: float = 0.0
    wall_min: float = 0.0
    wall_max: float = 0.0
    imbalance: float = 0.0
    speedup: float = None
    speedup_low: float = None
    speedup_high: float = None
    efficiency: float = None
    karp_flatt: float = None
    ci: object = None            # MedianCI of the wall times, None for too few runs
    speedup_ci_low: float = None
    speedup_ci_high: float = None
    amdahl_speedup: float = None

    def __post_init__(self):
        walls = [r.wall_s for r in self.runs]
        self.wall_median = statistics.median(walls)
        self.wall_min, self.wall_max = min(walls), max(walls)
        self.ci = median_ci(walls)
        self.imbalance = statistics.median(float(r.report.get("imbalance", 0)) for r in self.runs)

    @property
    def median_run(self):
        """The run whose wall time is the (lower) median."""
        walls = sorted(self.runs, key=lambda r: (r.wall_s, r.file))
        return walls[(len(walls) - 1) // 2]

    @property
    def size(self):
        return self.runs[0].size_text()

    @property
    def hosts(self):
        return " ".join(sorted({r.host for r in self.runs}))


@dataclasses.dataclass
class Series:
    mode: str
    workload: str
    params: str   # the problem but its size
    size: str     # the size; '' in weak mode, where each point has its own
    schedule: str
    chunk: object
    order: str
    points: list
    base_ranks: int = 1
    serial_fraction: float = None  # Amdahl's f fitted to the speedups (strong, base 1)

    @property
    def problem_label(self):
        """What was computed: 'perfect to=10000000 (from=1 method=sieve)'."""
        parts = [self.workload] + ([self.size] if self.size else [])
        return " ".join(parts) + (f" ({self.params})" if self.params else "")

    @property
    def how_label(self):
        """How it was farmed out: 'dynamic, chunk 1000, largest-first'."""
        return f"{self.schedule}, chunk {self.chunk}" + (f", {self.order}" if self.order else "")


def build_series(runs, mode, cores):
    """Series (sorted) of Points from runs; cores: {host: cores} known."""
    weak = mode == "weak"
    groups = {}
    for run in runs:
        key = (run.problem_key(without_size=weak), run.schedule, str(run.chunk), run.order)
        groups.setdefault(key, {}).setdefault(run.ranks, []).append(run)
    series = []
    for key, by_ranks in groups.items():
        first = next(iter(by_ranks.values()))[0]
        points = []
        for ranks in sorted(by_ranks):
            point_runs = sorted(by_ranks[ranks], key=lambda r: r.file)
            _one_size(point_runs, ranks)
            over = any(r.ranks > cores[r.host] for r in point_runs if r.host in cores)
            points.append(Point(ranks, point_runs, over))
        s = Series(mode, first.workload, first.params_text(), "" if weak else first.size_text(),
                   first.schedule, first.chunk, first.order, points)
        _add_speedups(s)
        series.append(s)
    series.sort(key=lambda s: (s.workload, s.params, _size_key(s), schedule_rank(s.schedule),
                               _chunk_key(s.chunk), s.order))
    return series


def _one_size(runs, ranks):
    sizes = {r.problem_key() for r in runs}
    if len(sizes) > 1:
        names = ", ".join(r.file for r in runs)
        raise UsageError(f"weak scaling: the {ranks}-rank runs {names} are of different sizes; "
                         "give the reports of one weak sweep")


def _size_key(series):
    """Strong series of one workload in order of size, smallest first."""
    if not series.size:
        return ()
    run = series.points[0].runs[0]
    value = run.params.get(run.size_param)
    values = value if isinstance(value, list) else [value]
    if all(isinstance(v, int) for v in values):
        return (0, tuple(values), "")
    return (1, (), json.dumps(run.problem(), sort_keys=True))


def _chunk_key(chunk):
    return (0, chunk, "") if isinstance(chunk, int) else (1, 0, str(chunk))


def _add_speedups(series):
    base = series.points[0]
    series.base_ranks = p0 = base.ranks
    for pt in series.points:
        p = pt.ranks
        work = base.wall_median * (p if series.mode == "weak" else p0)
        pt.speedup = work / pt.wall_median
        pt.speedup_low, pt.speedup_high = work / pt.wall_max, work / pt.wall_min
        pt.efficiency = pt.speedup / p
        pt.karp_flatt = None if p == 1 else (1 / pt.speedup - 1 / p) / (1 - 1 / p)
        if pt is not base and pt.ci and base.ci:
            scale = p if series.mode == "weak" else p0
            pt.speedup_ci_low = base.ci.low * scale / pt.ci.high
            pt.speedup_ci_high = base.ci.high * scale / pt.ci.low
    _add_amdahl(series)


def _add_amdahl(series):
    """Fits f where the series is strong, has its 1-rank baseline and a
    point above 1 rank that is not oversubscribed (those time the OS
    scheduler, not the program)."""
    if series.mode != "strong" or series.base_ranks != 1:
        return
    f = fit_serial_fraction([(pt.ranks, pt.speedup) for pt in series.points
                             if not pt.oversubscribed])
    series.serial_fraction = f
    if f is not None:
        for pt in series.points:
            pt.amdahl_speedup = amdahl(f, pt.ranks)


def largest_ranks(series_list):
    """The largest rank count among the points that are not oversubscribed
    (or among all, where every point is)."""
    points = [pt for s in series_list for pt in s.points]
    fair = [pt.ranks for pt in points if not pt.oversubscribed]
    return max(fair or [pt.ranks for pt in points])


def by_problem(series_list):
    """Series grouped by what they compute (workload, params, size): one
    list per group, in table order."""
    groups = {}
    for s in series_list:
        groups.setdefault((s.workload, s.params, s.size), []).append(s)
    return list(groups.values())
