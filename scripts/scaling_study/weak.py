"""Weak scaling: the problem size for each rank count.

perfect and synthetic cost about the same per item, so their size grows in
proportion to the ranks (perfect: the length of [from, to]; synthetic: the
tasks). factorial's cost grows faster than N (multiplying ever longer
numbers) and mersenne's much faster (a Lucas-Lehmer test costs ~p^2.4), so
there N/p would give the larger rank counts far too much work. For those,
one-rank runs are timed at a few sizes, fitted with t = a N^b (least
squares on log t against log N), and p ranks get N_p = N_1 p^(1/b), the size
whose predicted one-rank time is p times that of N_1."""
import dataclasses
import math
import statistics

from .errors import StudyError, UsageError
from .numbers import parse_count
from .workload import Workload

PROPORTIONAL = {"perfect": "--to", "synthetic": "--tasks"}
CALIBRATED = {"mersenne": "--to", "factorial": "N"}
# One-rank calibration sizes, as multiples of the workload's own size.
CALIBRATION_FACTORS = (0.25, 0.5, 1.0, 2.0)
LOWEST = {"perfect": ("--from", 1), "mersenne": ("--from", 2)}


@dataclasses.dataclass
class Growth:
    """Where a workload's size lies in its arguments, and its value N_1."""
    workload: Workload
    arg: str     # an option ("--to") or "N", the one positional of factorial
    base: int

    def at(self, size):
        """The workload with its size set to size."""
        if self.arg == "N":
            return self.workload.with_positional(self.workload.positionals()[0], size)
        return self.workload.with_option(self.arg, size)

    def lowest(self):
        """The smallest size that leaves a non-empty problem."""
        name, default = LOWEST.get(self.workload.subcommand, (None, 1))
        return parse_count(self.workload.option(name, str(default))) if name else 1


def growth_of(workload):
    """The Growth of a workload; UsageError where weak scaling does not
    know how to grow it."""
    sub = workload.subcommand
    arg = PROPORTIONAL.get(sub) or CALIBRATED.get(sub)
    if arg is None:
        known = ", ".join(sorted({**PROPORTIONAL, **CALIBRATED}))
        raise UsageError(f"--mode weak: cannot grow a '{sub}' workload (weak scaling knows {known})")
    if arg == "N":
        positions = workload.positionals()
        if len(positions) != 1:
            raise UsageError(f"--mode weak: give '{workload.text()}' exactly one N to grow")
        value = workload.args[positions[0]]
    else:
        value = workload.option(arg)
        if value is None:
            raise UsageError(f"--mode weak: '{workload.text()}' needs {arg}, the size it grows")
    return Growth(workload, arg, parse_count(value))


def is_calibrated(growth):
    return growth.workload.subcommand in CALIBRATED


def proportional_sizes(growth, ranks):
    """{p: size}: perfect's [from, to] p times as long, synthetic's tasks times p."""
    if growth.workload.subcommand == "perfect":
        lo = growth.lowest()
        length = growth.base - lo + 1
        return {p: lo + p * length - 1 for p in ranks}
    return {p: growth.base * p for p in ranks}


def fit_power_law(samples):
    """(a, b) of t = a N^b by least squares on (log N, log t); samples are
    (N, t) pairs with N, t > 0 and at least two distinct N."""
    xs = [math.log(n) for n, _ in samples]
    ys = [math.log(t) for _, t in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return math.exp(my - b * mx), b


def calibration_sizes(growth):
    lowest = growth.lowest()
    sizes = sorted({max(round(growth.base * f), 1) for f in CALIBRATION_FACTORS})
    sizes = [n for n in sizes if n > lowest]
    if len(sizes) < 2:
        raise UsageError(f"--mode weak: '{growth.workload.text()}' is too small to calibrate: "
                         f"no two sizes from {CALIBRATION_FACTORS} times it lie above {lowest}")
    return sizes


def calibrate(growth, ranks, repeats, time_one_rank):
    """Times one-rank runs (time_one_rank(workload, label) -> (wall_s,
    file)) at calibration_sizes, fits t = a N^b, and returns the record of
    it all with the size for each rank count in ranks."""
    samples = []
    for n in calibration_sizes(growth):
        runs = [time_one_rank(growth.at(n), f"N{n}-rep{r}") for r in range(1, repeats + 1)]
        walls = [w for w, _ in runs]
        samples.append({"size": n, "median_s": statistics.median(walls), "wall_s": walls,
                        "files": [f for _, f in runs]})
    if any(s["median_s"] <= 0 for s in samples):
        raise StudyError(f"weak calibration of '{growth.workload.text()}': a run took no "
                         "measurable time; use a larger size")
    a, b = fit_power_law([(s["size"], s["median_s"]) for s in samples])
    if b <= 0.05:
        raise StudyError(f"weak calibration of '{growth.workload.text()}': the time does not "
                         f"grow with {growth.arg} (fitted exponent b = {b:.3g}); the sizes are "
                         "too small to time, use a larger one")
    sizes = [{"ranks": p, "size": growth.base if p == 1 else round(growth.base * p ** (1 / b))}
             for p in ranks]
    for step in sizes:
        step["predicted_s"] = a * step["size"] ** b
    return {"workload": growth.workload.text(), "size_arg": growth.arg, "base": growth.base,
            "repeats": repeats, "samples": samples, "a": a, "b": b, "sizes": sizes}
