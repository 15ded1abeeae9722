"""The message model of the predictions, measured on the transport at hand:
zero-cost tasks in chunks of 1 under dynamic at 2 ranks (what
bench/dispatch_bench.cpp and bench/dispatch_nodes.py time: nothing but the
farm's own traffic), traced, in a few rounds; medians.

  service_s  rank 0's time per chunk it handles: the run's wall time over
             its chunks. With zero-cost tasks rank 0 does nothing else
             (its own chunks cost nothing), so 1/service_s is the chunk rate
             rank 0 can sustain: its capacity.
  latency_s  one way, per message: a worker's request-to-assignment time
             (the trace's request and assign records; one host, one clock)
             is two messages and rank 0's service, so (median - service) / 2.

Both are upper bounds (rank 0's own dispensing is counted as service), so
a saturation they predict may come a little later in reality."""
import json
import statistics

from .errors import StudyError
from .trace import read_trace
from .workload import Workload

TASKS = 20000
ROUNDS = 3
RANKS = 2
FILE = "dispatch_calibration.json"
WORKLOAD = f"synthetic --tasks {TASKS} --cost uniform --unit-ms 0"


def from_trace(trace):
    """(service_s, latency_s or None) of one zero-cost trace."""
    chunks = len(trace.chunks)
    if chunks == 0 or trace.wall_s <= 0:
        raise StudyError(f"{trace.path}: no chunks or no wall time to calibrate on")
    service = trace.wall_s / chunks
    asks = {}
    trips = []
    for rank, t in sorted(trace.requests, key=lambda x: x[1]):
        asks.setdefault(rank, []).append(t)
    for rank, t, _, _ in sorted(trace.assigns, key=lambda x: x[1]):
        pending = asks.get(rank)
        if pending and pending[0] <= t:
            trips.append(t - pending.pop(0))
    if not trips:
        return service, None
    return service, max(0.0, (statistics.median(trips) - service) / 2)


def measure(launcher, folder, rounds=ROUNDS, log=None):
    """Runs the calibration with launcher (sweep.Launcher, tracing), its
    reports and traces into folder; returns the record (a dict)."""
    workload = Workload.parse(WORKLOAD)
    samples = []
    for r in range(1, rounds + 1):
        path = folder / f"dispatch-r{RANKS}-rep{r}.json"
        if log:
            log(f"calibrating the message model: {workload.text()} at {RANKS} ranks, "
                f"dynamic, chunk 1 (round {r} of {rounds})")
        launcher.run(workload, RANKS, "dynamic", "1", path)
        samples.append(from_trace(read_trace(launcher.trace_path(path))))
    services = [s for s, _ in samples]
    latencies = [lat for _, lat in samples if lat is not None]
    record = {"workload": workload.text(), "ranks": RANKS, "schedule": "dynamic", "chunk": 1,
              "rounds": rounds, "service_s": statistics.median(services),
              "service_samples_s": services,
              "latency_s": statistics.median(latencies) if latencies else None,
              "latency_samples_s": latencies}
    return record


def write(folder, record):
    (folder / FILE).write_text(json.dumps(record, indent=2) + "\n")


def read(folders):
    """The first dispatch_calibration.json in folders, or None."""
    for folder in folders:
        path = folder / FILE
        if path.is_file():
            try:
                return json.loads(path.read_text())
            except ValueError:
                raise StudyError(f"{path}: not JSON") from None
    return None
