"""rangefarm JSON reports read back from a folder, one Run per report, and
the checks that they belong together.

A report's params hold the schedule, chunk and order (how the work was
farmed out) and everything else (what was computed: the problem). Runs of
the same problem must find the same result whatever their schedule or rank
count; check_results fails loudly where they do not."""
import dataclasses
import json
from pathlib import Path

from .errors import StudyError, UsageError
from .machine import is_machine_file

HOW = ("schedule", "chunk", "order")  # params that say how, not what
# The parameter that sets a workload's size: weak scaling grows it, and a
# weak series is the same problem but for it.
SIZE_PARAMS = {"perfect": "to", "mersenne": "to", "factorial": "ns", "synthetic": "tasks"}
SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
NOT_REPORTS = ("calibration.json",)


@dataclasses.dataclass
class Run:
    file: str  # name within the results folder
    report: dict

    @property
    def workload(self):
        return self.report["workload"]

    @property
    def params(self):
        return self.report["params"]

    @property
    def schedule(self):
        return self.params["schedule"]

    @property
    def chunk(self):
        return self.params.get("chunk", "")

    @property
    def order(self):
        return self.params.get("order", "")

    @property
    def ranks(self):
        return int(self.report["ranks"])

    @property
    def wall_s(self):
        return float(self.report["timing"]["wall_s"])

    @property
    def host(self):
        return str(self.report.get("host", ""))

    @property
    def size_param(self):
        return SIZE_PARAMS.get(self.workload)

    def problem(self, without_size=False):
        """The params that say what was computed (the size left out where asked)."""
        drop = set(HOW) | ({self.size_param} if without_size else set())
        return {k: v for k, v in self.params.items() if k not in drop}

    def problem_key(self, without_size=False):
        return (self.workload, json.dumps(self.problem(without_size), sort_keys=True))

    def size_text(self):
        """'to=10000000', 'ns=100000', 'tasks=200'; items=N for a workload
        this study does not know."""
        name = self.size_param
        if name is None or name not in self.params:
            return f"items={self.report.get('items_total', '')}"
        value = self.params[name]
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return f"{name}={value}"

    def params_text(self):
        """The problem's params but its size (and those unset), as 'from=1 method=sieve'."""
        rest = self.problem(without_size=self.size_param in self.params)
        return " ".join(f"{k}={_plain(v)}" for k, v in sorted(rest.items()) if v is not None)


def _plain(value):
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def report_folder(path):
    """The folder holding the reports: DIR/json where a live sweep wrote
    them, else DIR itself (a Slurm array's scaling-JOBID/)."""
    path = Path(path)
    if not path.is_dir():
        raise UsageError(f"--from-results {path}: no such folder")
    return path / "json" if (path / "json").is_dir() else path


def side_folders(folder):
    """Where machine.json and calibration.json may lie: the report folder,
    and the sweep's output folder above a json/ folder."""
    folder = Path(folder)
    return [folder, folder.parent] if folder.name == "json" else [folder]


def load_runs(folder):
    """Every rangefarm report (*.json) in folder, in name order."""
    runs = []
    for path in sorted(Path(folder).glob("*.json")):
        if is_machine_file(path) or path.name in NOT_REPORTS:
            continue
        try:
            report = json.loads(path.read_text())
            _check_report(report)
        except KeyError as exc:
            raise UsageError(f"{path}: not a rangefarm JSON report (no {exc})") from None
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(f"{path}: not a rangefarm JSON report ({exc})") from None
        runs.append(Run(path.name, report))
    if not runs:
        raise UsageError(f"{folder}: no rangefarm JSON reports (*.json) there")
    return runs


def _check_report(report):
    for key in ("workload", "params", "ranks", "timing", "result"):
        if key not in report:
            raise KeyError(key)
    float(report["timing"]["wall_s"])
    report["params"]["schedule"]
    for rank in report["timing"]["ranks"]:
        float(rank["busy_s"]), float(rank["wait_s"])


class ResultCheck:
    """Every run of the same problem (workload and size) must find the same
    result, whatever its schedule or rank count; add() raises StudyError at
    the first run that does not."""

    def __init__(self):
        self.first = {}

    def add(self, run):
        other = self.first.setdefault(run.problem_key(), run)
        if run.report["result"] != other.report["result"]:
            raise StudyError(
                f"results differ for {run.workload} {run.size_text()} {run.params_text()}: "
                f"{other.file} ({other.ranks} ranks, {other.schedule}) and {run.file} "
                f"({run.ranks} ranks, {run.schedule}); a schedule must never change the result")


def check_results(runs):
    check = ResultCheck()
    for run in runs:
        check.add(run)


def schedule_rank(schedule):
    """Sort key: the four schedules in the README's order, then any other."""
    return (SCHEDULES.index(schedule), "") if schedule in SCHEDULES else (len(SCHEDULES), schedule)
