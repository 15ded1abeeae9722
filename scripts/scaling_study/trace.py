"""A rangefarm trace (`--trace FILE`) read back: JSON lines, a header, one
record per finished chunk, the request and assignment records of dynamic
and guided runs, and a footer (the format is described at the top of the
C++ trace writer). Times are seconds from the run's start barrier.

A trace cut short (a killed run) has no footer: its makespan is then the
latest chunk end, and `complete` is False."""
import dataclasses
import json
from pathlib import Path

from .errors import UsageError

FORMAT = "rangefarm-trace"


@dataclasses.dataclass
class Chunk:
    rank: int
    first: int
    last: int
    items: int
    start_s: float
    end_s: float
    cost: float = None

    @property
    def duration_s(self):
        return self.end_s - self.start_s


@dataclasses.dataclass
class Trace:
    path: Path
    header: dict
    chunks: list
    requests: list   # (rank, t_s)
    assigns: list    # (rank, t_s, first, last)
    end: dict = None

    @property
    def ranks(self):
        return int(self.header["ranks"])

    @property
    def schedule(self):
        return self.header.get("schedule", "")

    @property
    def chunk_size(self):
        return self.header.get("chunk")

    @property
    def order(self):
        return self.header.get("order") or ""

    @property
    def complete(self):
        return self.end is not None

    @property
    def wall_s(self):
        """The run's wall time: the footer's, else the latest chunk end."""
        if self.end is not None and self.end.get("wall_s") is not None:
            return float(self.end["wall_s"])
        return max((c.end_s for c in self.chunks), default=0.0)

    def label(self):
        """'dynamic, chunk 4, largest-first'."""
        text = f"{self.schedule}, chunk {self.chunk_size}"
        return text + (f", {self.order}" if self.order else "")

    def busy_s(self):
        """Seconds each rank spent in its chunks, by rank."""
        busy = [0.0] * self.ranks
        for c in self.chunks:
            busy[c.rank] += c.duration_s
        return busy

    def imbalance(self):
        busy = self.busy_s()
        mean = sum(busy) / len(busy)
        return max(busy) / mean if mean > 0 else 1.0

    def item_range(self):
        """(lowest first, highest last) over the chunks, for colouring by position."""
        if not self.chunks:
            return 0, 1
        return min(c.first for c in self.chunks), max(c.last for c in self.chunks)


def _chunk(rec):
    cost = rec.get("cost")
    return Chunk(int(rec["rank"]), int(rec["first"]), int(rec["last"]), int(rec["items"]),
                 float(rec["start_s"]), float(rec["end_s"]),
                 None if cost is None else float(cost))


def _add(trace, rec):
    kind = rec.get("type")
    if kind == "chunk":
        trace.chunks.append(_chunk(rec))
    elif kind == "request":
        trace.requests.append((int(rec["rank"]), float(rec["t_s"])))
    elif kind == "assign":
        trace.assigns.append((int(rec["rank"]), float(rec["t_s"]), rec.get("first"),
                              rec.get("last")))
    elif kind == "end":
        trace.end = rec
    elif kind == "header":
        raise ValueError("a second header")
    # Other record types are newer than this reader: skipped.


def read_trace(path):
    """The Trace in path; UsageError (one line) where it is not one."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the trace ({exc.strerror})") from None
    lines = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    if not lines:
        raise UsageError(f"{path}: empty, not a rangefarm trace")
    n = lines[0][0]
    try:
        header = json.loads(lines[0][1])
        if header.get("type") != "header" or header.get("format") != FORMAT:
            raise ValueError(f"the first line is no {FORMAT} header")
        trace = Trace(path, header, [], [], [])
        for n, line in lines[1:]:
            _add(trace, json.loads(line))
        _check(trace)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise UsageError(f"{path}, line {n}: not a rangefarm trace ({what})") from None
    return trace


def _check(trace):
    if trace.ranks < 1:
        raise ValueError(f"ranks {trace.ranks} in the header")
    for c in trace.chunks:
        if not 0 <= c.rank < trace.ranks:
            raise ValueError(f"a chunk of rank {c.rank} in a {trace.ranks}-rank run")
        if c.end_s < c.start_s:
            raise ValueError(f"a chunk of rank {c.rank} ends at {c.end_s} before its start "
                             f"{c.start_s}")


def traced_items(trace):
    """Items in the chunk records; with the journal's restored items they
    make up the header's items_total (every run accounts for its items)."""
    return sum(c.items for c in trace.chunks)
