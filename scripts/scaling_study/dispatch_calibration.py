"""The message model of the predictions, measured on the transport at hand:
zero-cost tasks in chunks of 1 under dynamic at 2 ranks (what
bench/dispatch_bench.cpp and bench/dispatch_nodes.py time: nothing but the
farm's own traffic), traced, in a few rounds; medians.

  service_s  rank 0's time to serve one report. With zero-cost tasks rank 0
             does nothing but serve and take its own chunks, and a worker
             outruns it, so each of the worker's chunks costs rank 0 three
             reports (Ahead as it starts, Done, Idle while it waits for the
             answer); counting each of rank 0's own chunks as one more:
             service_s = wall / (rank 0's chunks + 3 x the worker's chunks).
             1/service_s is rank 0's capacity in reports per second.
  latency_s  one way, per message: a worker's request-to-assignment time
             (the trace's request and assign records; one host, one clock)
             is two messages and rank 0's service, so (median - service) / 2.
  end_s      the run's end after its last chunk: rank 0 noticing the last
             Finished, the workers noticing End between their sleeps
             (wait_backoff.hpp), the Bye; the trace's wall minus its last
             chunk's end. service_s is worked out without it.

Both lump rank 0's own bookkeeping in, so they err on the slow side: a
saturation they predict may come a little later in reality."""
import json
import statistics

from .errors import StudyError
from .trace import read_trace
from .workload import Workload

TASKS = 20000
ROUNDS = 3
RANKS = 2
FILE = "dispatch_calibration.json"
REPORTS_PER_WORKER_CHUNK = 3  # Ahead, Done, Idle
WORKLOAD = f"synthetic --tasks {TASKS} --cost uniform --unit-ms 0"


def end_of(trace):
    """The trace's wall after its last chunk ended (0 when none is left)."""
    last = max((c.end_s for c in trace.chunks), default=trace.wall_s)
    return max(0.0, trace.wall_s - last)


def from_trace(trace):
    """(service_s, latency_s or None, end_s) of one zero-cost trace."""
    own = sum(1 for c in trace.chunks if c.rank == 0)
    served = own + REPORTS_PER_WORKER_CHUNK * (len(trace.chunks) - own)
    end = end_of(trace)
    if served == 0 or trace.wall_s - end <= 0:
        raise StudyError(f"{trace.path}: no chunks or no wall time to calibrate on")
    service = (trace.wall_s - end) / served
    asks = {}
    trips = []
    for rank, t in sorted(trace.requests, key=lambda x: x[1]):
        asks.setdefault(rank, []).append(t)
    for rank, t, _, _ in sorted(trace.assigns, key=lambda x: x[1]):
        pending = asks.get(rank)
        if pending and pending[0] <= t:
            trips.append(t - pending.pop(0))
    if not trips:
        return service, None, end
    return service, max(0.0, (statistics.median(trips) - service) / 2), end


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
    services = [s for s, _, _ in samples]
    latencies = [lat for _, lat, _ in samples if lat is not None]
    ends = [e for _, _, e in samples]
    record = {"workload": workload.text(), "ranks": RANKS, "schedule": "dynamic", "chunk": 1,
              "rounds": rounds, "service_s": statistics.median(services),
              "service_samples_s": services,
              "latency_s": statistics.median(latencies) if latencies else None,
              "latency_samples_s": latencies,
              "end_s": statistics.median(ends), "end_samples_s": ends}
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
