"""What the prediction tests (test_predict.py) and the validation table
(validate.py) share: running rangefarm traced under mpirun, running
`rangefarm simulate` on a trace or on costs, the message model measured on
this machine, and the comparison of medians.

A case is one workload under one schedule; it is measured at some rank
counts (median of interleaved rounds) and predicted from the traces of
calibration runs (the median run of each calibration rank count)."""
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from scaling_study import dispatch_calibration  # noqa: E402
from scaling_study.trace import read_trace  # noqa: E402

MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
    "OMPI_MCA_orte_execute_quiet": "1",
}
RUN_TIMEOUT_S = 300


class Farm:
    """Runs one rangefarm binary, traced, into a scratch folder."""

    def __init__(self, binary, folder):
        self.binary, self.folder, self.count = str(binary), Path(folder), 0
        self.env = dict(os.environ, **MPI_ENV)

    def _run(self, cmd):
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT_S, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}: "
                                 f"{proc.stderr.strip()[-1500:]}")
        return proc

    def run(self, args, ranks, schedule, chunk=None, order=None):
        """(wall_s, trace path) of one traced run of `rangefarm ARGS`."""
        self.count += 1
        stem = self.folder / f"run{self.count}"
        cmd = ["mpirun", "-np", str(ranks), "--oversubscribe", self.binary, *args,
               "--schedule", schedule, "--quiet", "--json", f"{stem}.json",
               "--trace", f"{stem}.trace.jsonl"]
        cmd += ["--chunk", str(chunk)] if chunk is not None else []
        cmd += ["--order", order] if order else []
        self._run(cmd)
        report = json.loads(Path(f"{stem}.json").read_text())
        return float(report["timing"]["wall_s"]), Path(f"{stem}.trace.jsonl")

    def simulate(self, source, ranks, schedule=None, chunk=None, order=None, model=()):
        """The predictions of `rangefarm simulate` (the contract's dicts):
        source is a trace path or a list of per-item costs."""
        with tempfile.TemporaryDirectory(prefix="rf-sim-") as tmp:
            out = os.path.join(tmp, "sim.json")
            cmd = [self.binary, "simulate", "--ranks", ",".join(map(str, ranks)),
                   "--json", out, *model]
            if isinstance(source, (list, tuple)):
                cmd += ["--costs", ",".join(f"{c:g}" for c in source)]
            else:
                cmd += ["--trace", str(source)]
            for option, value in (("--schedule", schedule), ("--chunk", chunk),
                                  ("--order", order)):
                if value is not None:
                    cmd += [option, ",".join(map(str, value)) if isinstance(value, list)
                            else str(value)]
            self._run(cmd)
            with open(out) as f:
                return json.load(f)["predictions"]


def message_model(farm, rounds=3):
    """simulate's --latency-s/--service-s/--end-s measured here (zero-cost chunks of
    1 at 2 ranks, dispatch_calibration.py), and the record."""
    samples = []
    for _ in range(rounds):
        _, trace = farm.run(dispatch_calibration.WORKLOAD.split(), 2, "dynamic", chunk=1)
        samples.append(dispatch_calibration.from_trace(read_trace(trace)))
    service = statistics.median(s for s, _, _ in samples)
    lats = [lat for _, lat, _ in samples if lat is not None]
    latency = statistics.median(lats) if lats else 0.0
    end = statistics.median(e for _, _, e in samples)
    return ["--latency-s", repr(latency), "--service-s", repr(service), "--end-s", repr(end)], {
        "latency_s": latency, "service_s": service, "end_s": end, "rounds": rounds}


@dataclasses.dataclass(frozen=True)
class Config:
    """One way of running one workload, measured at several rank counts."""
    name: str       # the workload's short name in the tables
    args: tuple     # rangefarm's subcommand and arguments
    schedule: str
    chunk: int = None
    order: str = None


class Runs:
    """Measured runs by (config, ranks): [(wall_s, trace)]."""

    def __init__(self, farm):
        self.farm, self.runs = farm, {}

    def measure(self, plan, rounds):
        """plan: [(config, ranks)]; every one once per round, round after
        round (interleaved), each round's order rotated by another 1/rounds
        of the plan, so that a slow spell, or a machine that slows under
        sustained load, spreads over them all instead of always hitting the
        same places."""
        for r in range(rounds):
            k = r * len(plan) // rounds
            for config, ranks in plan[k:] + plan[:k]:
                got = self.farm.run(list(config.args), ranks, config.schedule, config.chunk,
                                    config.order)
                self.runs.setdefault((config, ranks), []).append(got)

    def walls(self, config, ranks):
        return [w for w, _ in self.runs[(config, ranks)]]

    def median(self, config, ranks):
        return statistics.median(self.walls(config, ranks))

    def median_trace(self, config, ranks):
        runs = sorted(self.runs[(config, ranks)], key=lambda x: (x[0], str(x[1])))
        return runs[(len(runs) - 1) // 2][1]

    def item_median_trace(self, config, ranks):
        """A trace whose chunks take the median duration over every run of
        config at ranks (their chunks must match: chunks of 1 do), so that a
        sleep one run overslept on a loaded machine calibrates nothing."""
        traces = [read_trace(t) for _, t in self.runs[(config, ranks)]]
        durations = {}
        for trace in traces:
            for c in trace.chunks:
                durations.setdefault((c.first, c.last), []).append(c)
        path = self.farm.folder / f"median-{len(self.runs)}-{id(config)}-{ranks}.trace.jsonl"
        lines, clock = [traces[0].header], 0.0
        for (first, last), chunks in sorted(durations.items()):
            if len(chunks) != len(traces):
                return self.median_trace(config, ranks)  # chunks differ: no median per chunk
            d = statistics.median(c.duration_s for c in chunks)
            lines.append({"type": "chunk", "rank": 0, "host": "", "first": first,
                          "last": last, "items": chunks[0].items, "start_s": clock,
                          "end_s": clock + d, "cost": chunks[0].cost})
            clock += d
        lines.append({"type": "end", "wall_s": clock, "stopped": False})
        path.write_text("".join(json.dumps(x) + "\n" for x in lines))
        return path


def predict(runs, target, ranks, calibration, calibrate_at, model):
    """The predicted wall time of target (a Config) at ranks, from the
    per-chunk median trace of calibration (a Config) at calibrate_at ranks;
    target's chunk and order are those its own runs' traces name."""
    header = read_trace(runs.median_trace(target, ranks)).header
    preds = runs.farm.simulate(runs.item_median_trace(calibration, calibrate_at), [ranks],
                               target.schedule, header.get("chunk"), header.get("order"),
                               model)
    return float(preds[0]["wall_s"])


def paired_errors(runs, target, ranks, calibration, calibrate_at, model):
    """Round by round: the error of the prediction from calibration's trace
    of round r (at calibrate_at ranks) against target's run of round r.
    The two ran minutes apart at most, so a slow spell of a shared machine
    (whole runs 5-15% slower for a while) moves both alike and cancels.
    Also, per round, the error once the prediction is scaled by the work the
    target run really did (its chunks' total time over the calibration
    trace's): what is left is the model's own error (how the schedule spreads
    the work, the waits, the messages), with the machine's speed that minute
    taken out. Returns (errors, scaled errors)."""
    errors, scaled = [], []
    for (_, cal_trace), (wall, trace) in zip(runs.runs[(calibration, calibrate_at)],
                                             runs.runs[(target, ranks)]):
        measured = read_trace(trace)
        preds = runs.farm.simulate(cal_trace, [ranks], target.schedule,
                                   measured.header.get("chunk"), measured.header.get("order"),
                                   model)
        predicted = float(preds[0]["wall_s"])
        errors.append((predicted - wall) / wall)
        work = sum(measured.busy_s()) / sum(read_trace(cal_trace).busy_s())
        scaled.append((predicted * work - wall) / wall)
    return errors, scaled


@dataclasses.dataclass
class Row:
    name: str
    schedule: str
    ranks: int
    runs: int
    measured_s: float
    calibrated_on: str
    predicted_s: float
    measured_range: tuple = None  # (min, max) of the measured runs
    paired: list = None  # per-round errors (paired_errors): error is then their median
    scaled: list = None  # per-round errors with the run's own work (paired_errors)

    @property
    def error(self):
        if self.paired:
            return statistics.median(self.paired)
        return (self.predicted_s - self.measured_s) / self.measured_s


def _scaled(row):
    """' | +0.4%': the median of the work-scaled errors, for a paired row."""
    return f" | {100 * statistics.median(row.scaled):+.1f}%" if row.scaled else ""


def _paired_range(row):
    """' (rounds -1.2% to +3.4%)' for a paired row, else ''."""
    if not row.paired:
        return ""
    return f" (rounds {100 * min(row.paired):+.1f}% to {100 * max(row.paired):+.1f}%)"


def format_table(rows):
    scaled = any(r.scaled for r in rows)
    lines = ["| workload | schedule | ranks | runs | measured median s (min-max) | "
             "calibrated on | predicted s | error |" + (" error, the run's own work |" if scaled
                                                        else ""),
             "|---|---|---|---|---|---|---|---|" + ("---|" if scaled else "")]
    for r in rows:
        spread = f" ({r.measured_range[0]:.4g}-{r.measured_range[1]:.4g})" if r.measured_range \
            else ""
        lines.append(f"| {r.name} | {r.schedule} | {r.ranks} | {r.runs} | {r.measured_s:.4g}"
                     f"{spread} | {r.calibrated_on} | {r.predicted_s:.4g} | "
                     f"{100 * r.error:+.1f}%{_paired_range(r)}{_scaled(r)} |")
    return "\n".join(lines)
