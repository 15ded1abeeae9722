"""Predictions of a strong-scaling study (scaling.py --predict-ranks LIST):
the measured runs' traces calibrate `rangefarm simulate`, which replays
the farm's own dispatch policy in virtual time, and it predicts every
measured (workload, schedule, chunk, order) at every listed rank count.

Calibration:
  * per-item costs: one trace per problem, the median run of its
    finest-grained series (most chunks) at the largest rank count that is
    not oversubscribed, so that the costs are those of a fully loaded node;
  * per-message latency, rank 0's service time per report and its answering
    interval: measured on this machine's transport by the sweep
    (dispatch_calibration.json, see dispatch_calibration.py), given on the
    command line, or else simulate's documented shared-memory defaults.

Writes prediction.csv; the plots draw the curves dashed (draw_predicted)
and report.md gains a section (report_lines)."""
import dataclasses
import json
import os
import subprocess
import tempfile

from . import dispatch_calibration
from .csv_out import write_csv
from .errors import StudyError, UsageError
from .numbers import fmt_float
from .results import side_folders
from .table import by_problem, largest_ranks
from .trace import read_trace, traced_items
from .traced import trace_of

COLUMNS = ["workload", "size", "params", "schedule", "chunk", "order", "ranks",
           "predicted_wall_s", "predicted_speedup", "predicted_efficiency",
           "predicted_imbalance", "rank0_request_rate_hz", "rank0_capacity_hz",
           "rank0_saturated", "measured_wall_median_s", "calibrated_from"]
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
SIM_TIMEOUT_S = 600
# simulate's options for the message model, by Settings field.
MODEL_OPTIONS = {"latency_s": "--latency-s", "service_s": "--service-s",
                 "answer_interval_s": "--answer-interval-s", "end_s": "--end-s"}


@dataclasses.dataclass
class Settings:
    """What the predictions need: the binary, the rank counts, the message
    model (None: simulate's default) and where those figures came from."""
    binary: str
    ranks: list
    latency_s: float = None
    service_s: float = None
    answer_interval_s: float = None
    end_s: float = None
    source: str = "rangefarm simulate's shared-memory defaults"

    def model_args(self):
        args = []
        for field, option in MODEL_OPTIONS.items():
            value = getattr(self, field)
            if value is not None:
                args += [option, repr(float(value))]
        return args


@dataclasses.dataclass
class Predictions:
    settings: Settings
    rows: list          # one dict per (series, ranks), COLUMNS and more
    by_series: dict     # series_key -> [row], by ranks
    sources: dict       # (workload, params, size) -> (trace file, its label)
    notes: list


def series_key(s):
    return (s.workload, s.params, s.size, s.schedule, str(s.chunk), s.order)


def simulate(settings, trace_path, schedule, chunk, order, ranks):
    """Runs rangefarm simulate on one trace for one way of farming out;
    returns its list of predictions (dicts of the contract's JSON)."""
    with tempfile.TemporaryDirectory(prefix="rf-predict-") as tmp:
        out = os.path.join(tmp, "prediction.json")
        cmd = [str(settings.binary), "simulate", "--trace", str(trace_path),
               "--ranks", ",".join(map(str, ranks)), "--schedule", schedule,
               "--chunk", str(chunk), "--json", out] + settings.model_args()
        if order:
            cmd += ["--order", order]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=SIM_TIMEOUT_S,
                                  env=dict(os.environ, **MPI_ENV), stdin=subprocess.DEVNULL,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StudyError(f"cannot run {' '.join(cmd)}: {exc}") from None
        if proc.returncode != 0:
            err = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
            raise StudyError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[0]}")
        with open(out) as f:
            return json.load(f)["predictions"]


def replays_all(trace):
    """Whether simulate can replay every schedule from trace: a trace in
    largest-first order keeps no record of the items' given order, so it
    predicts only largest-first dynamic and guided."""
    return trace.order != "largest-first" or trace.schedule.startswith("static")


def can_predict(trace, s):
    return replays_all(trace) or (s.schedule in ("dynamic", "guided")
                                  and s.order == "largest-first")


def calibration_run(group, folder):
    """(run, trace path, Trace) that calibrates one problem: at the largest
    rank count not oversubscribed, the median run of the series with the
    most chunks (a trace spreads a chunk's time evenly over its items),
    preferring a trace that replays every schedule; None where no run there
    was traced."""
    top = largest_ranks(group)
    best = None
    for s in group:
        for pt in s.points:
            path = trace_of(folder, pt.median_run) if pt.ranks == top else None
            if path is None:
                continue
            trace = read_trace(path)
            key = (replays_all(trace), len(trace.chunks))
            if best is None or key > best[0]:
                best = (key, pt.median_run, path, trace)
    return None if best is None else best[1:]


def _measured(s):
    return {pt.ranks: pt.wall_median for pt in s.points}


def _row(s, pred, measured, source):
    return {
        "workload": s.workload, "size": s.size, "params": s.params, "schedule": s.schedule,
        "chunk": s.chunk, "order": s.order, "ranks": int(pred["ranks"]),
        "predicted_wall_s": float(pred["wall_s"]), "predicted_speedup": float(pred["speedup"]),
        "predicted_efficiency": float(pred["efficiency"]),
        "predicted_imbalance": float(pred["imbalance"]),
        "rank0_request_rate_hz": pred.get("rank0_request_rate_hz"),
        "rank0_capacity_hz": pred.get("rank0_capacity_hz"),
        "rank0_saturated": bool(pred.get("saturated")),
        "measured_wall_median_s": measured.get(int(pred["ranks"])), "calibrated_from": source,
    }


def predict_study(series_list, folder, settings, log=None):
    """Predictions for every series of the study (strong mode), calibrated
    on the traces in folder; a problem without a traced run gets a note."""
    preds = Predictions(settings, [], {}, {}, [])
    for group in by_problem(series_list):
        head = group[0]
        found = calibration_run(group, folder)
        if found is None:
            preds.notes.append(f"{head.problem_label}: no traced run at "
                               f"{largest_ranks(group)} ranks, so nothing is predicted for it.")
            continue
        _, path, trace = found
        preds.sources[(head.workload, head.params, head.size)] = (path.name, trace.label())
        for s in group:
            if not can_predict(trace, s):
                preds.notes.append(f"{s.problem_label}, {s.how_label}: not predicted; its only "
                                   f"calibration trace, {path.name}, is in largest-first order, "
                                   "which keeps no record of the given order (trace a run "
                                   "with --order given)")
                continue
            ranks = sorted(set(settings.ranks) | {pt.ranks for pt in s.points})
            if log:
                log(f"predicting {s.problem_label}, {s.how_label} at {len(ranks)} rank counts "
                    f"from {path.name}")
            got = simulate(settings, path, s.schedule, s.chunk, s.order, ranks)
            rows = sorted((_row(s, p, _measured(s), path.name) for p in got),
                          key=lambda r: r["ranks"])
            for r in rows:
                r["items"] = traced_items(trace)  # for the report, not prediction.csv
            preds.rows += rows
            preds.by_series[series_key(s)] = rows
    return preds


def write_prediction_csv(out, preds):
    def cell(v):
        if isinstance(v, bool):
            return "yes" if v else "no"
        return fmt_float(v) if isinstance(v, float) else ("" if v is None else v)
    path = out / "prediction.csv"
    write_csv(path, COLUMNS, ({k: cell(r[k]) for k in COLUMNS} for r in preds.rows))
    return path


def add_predictions(series_list, folder, out, ctx, log=None):
    """The study's hook: where ctx.predict (Settings) asks for predictions,
    makes them (ctx.predictions) and writes out/prediction.csv."""
    if ctx.predict is None:
        return
    if ctx.mode != "strong":
        ctx.notes.append("--predict-ranks predicts strong scaling only (the same problem at "
                         "every rank count): nothing is predicted for a weak study.")
        return
    ctx.predictions = predict_study(series_list, folder, ctx.predict, log)
    path = write_prediction_csv(out, ctx.predictions)
    if log:
        log(f"wrote {path} ({len(ctx.predictions.rows)} predictions)")


def parse_ranks(text):
    """'1,2,4,4096' -> [1, 2, 4, 4096] (sorted, no repeats); UsageError if bad."""
    items = [t.strip() for t in text.split(",")]
    if not all(t.isdigit() and int(t) >= 1 for t in items):
        raise UsageError(f"--predict-ranks {text!r}: give rank counts of 1 or more, e.g. "
                         "1,2,4,8,...,4096")
    return sorted({int(t) for t in items})


def _settings(binary, ranks, record, where):
    if record is None:
        return Settings(binary, ranks)
    return Settings(binary, ranks, latency_s=record.get("latency_s"),
                    service_s=record.get("service_s"), end_s=record.get("end_s"),
                    source=f"measured: {record['workload']} at {record['ranks']} ranks, "
                           f"{record['schedule']}, chunk {record['chunk']}, median of "
                           f"{record['rounds']} ({where})")


def predict_settings(opts, launcher, out, log=None):
    """A live sweep's Settings (None without --predict-ranks): the message
    model measured here first (dispatch_calibration.py) where 2 ranks fit."""
    if not getattr(opts, "predict_ranks", None):
        return None
    if not launcher.traces:
        raise UsageError(f"--predict-ranks: {opts.binary} has no --trace (an older rangefarm), "
                         "and the predictions calibrate on traces")
    if launcher.cores < dispatch_calibration.RANKS and not opts.oversubscribe:
        return _settings(opts.binary, opts.predict_ranks, None, "")
    folder = out / "dispatch"
    folder.mkdir(parents=True, exist_ok=True)
    record = dispatch_calibration.measure(launcher, folder, log=log)
    dispatch_calibration.write(out, record)
    return _settings(opts.binary, opts.predict_ranks, record, f"{dispatch_calibration.FILE}")


def results_settings(ranks, binary, folder):
    """--from-results: the message model from a dispatch_calibration.json
    beside the reports, else simulate's defaults."""
    record = dispatch_calibration.read(side_folders(folder))
    return _settings(binary, ranks, record, f"{dispatch_calibration.FILE} beside the reports")
