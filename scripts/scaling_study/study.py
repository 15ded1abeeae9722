"""From a folder of rangefarm JSON reports to the study: runs.csv,
summary.csv, the plots and report.md. A live sweep ends here too, on the
reports it saved, which is what makes its CSVs and those of
--from-results on the same folder the same."""
import dataclasses
import json

from .csv_out import write_tables
from .errors import UsageError
from .machine import read_cores
from .gantt import study_gantts
from .plots import all_plots
from .predict import add_predictions
from .report import write_report
from .results import check_results, load_runs, side_folders
from .table import build_series


@dataclasses.dataclass
class Context:
    """What the titles and the report say about the study as a whole."""
    mode: str
    machine: str = ""
    cores: dict = dataclasses.field(default_factory=dict)  # {host: cores}, where known
    cores_source: str = ""
    repeats: str = ""
    reports: str = ""
    command: str = ""
    notes: list = dataclasses.field(default_factory=list)
    predict: object = None      # predict.Settings where --predict-ranks asks for predictions
    predictions: object = None  # predict.Predictions, once made


def _machine_text(hosts, cores):
    parts = [f"{h}, {cores[h]} cores" if h in cores else f"{h}, cores unknown" for h in hosts]
    return ("host " if len(hosts) == 1 else "hosts ") + "; ".join(parts)


def _repeats_text(series_list):
    counts = sorted({len(pt.runs) for s in series_list for pt in s.points})
    low, high = counts[0], counts[-1]
    if low == high:
        return f"{low} run" + ("s" if low > 1 else "")
    return f"{low} to {high} runs"


def read_calibration(folder):
    for side in side_folders(folder):
        path = side / "calibration.json"
        if path.is_file():
            try:
                return json.loads(path.read_text())
            except ValueError as exc:
                raise UsageError(f"{path}: not JSON ({exc})") from None
    return None


def build_study(folder, out, ctx, cores_given=None, calibration=None, log=None):
    """Reads the reports in folder, checks their results agree, and writes
    the tables, plots and report into out. Returns the report's path."""
    runs = load_runs(folder)
    check_results(runs)
    hosts = sorted({r.host for r in runs})
    if cores_given:
        cores = {h: cores_given for h in hosts}
        ctx.cores_source = "cores as given by --cores"
    else:
        cores = read_cores(side_folders(folder))
        ctx.cores_source = "cores from machine.json"
    unknown = [h for h in hosts if h not in cores]
    if unknown:
        ctx.cores_source = "cores unknown"
        ctx.notes.append(f"The cores of {', '.join(unknown)} are not known (no machine.json "
                         "beside the reports and no --cores), so no point there is marked "
                         "oversubscribed.")
    series = build_series(runs, ctx.mode, cores)
    for s in series:
        if s.base_ranks != 1:
            ctx.notes.append(f"{s.problem_label}, {s.how_label}: no 1-rank run, so speedup and "
                             f"efficiency are against its {s.base_ranks}-rank median, taken as "
                             f"ideal (speedup {s.base_ranks}).")
    ctx.machine = _machine_text(hosts, cores)
    ctx.cores = cores
    ctx.repeats = _repeats_text(series)
    versions = sorted({str(r.report.get("version", "?")) for r in runs})
    ctx.reports = f"{len(runs)} JSON reports in `{folder}`, rangefarm {', '.join(versions)}"
    out.mkdir(parents=True, exist_ok=True)
    write_tables(out, series)
    add_predictions(series, folder, out, ctx, log)
    plots = all_plots(series, ctx, out) + study_gantts(series, folder, ctx, out)
    if calibration is None:
        calibration = read_calibration(folder)
    report = write_report(out / "report.md", series, plots, ctx, calibration)
    if log:
        log(f"wrote {out / 'runs.csv'}, {out / 'summary.csv'}, {len(plots)} plots and {report}")
    return report
