"""The traces beside a study's reports: a live sweep runs rangefarm with
--trace, writing json/NAME.trace.jsonl beside json/NAME.json; a folder of
reports from elsewhere may have them or not. The study draws a Gantt chart
of each problem's median runs at its largest rank count from them
(gantt.study_gantts), and the predictions (predict.py) calibrate the
simulator on them."""
import subprocess
from pathlib import Path


SUFFIX = ".trace.jsonl"


def trace_name(report_name):
    """'w1-perfect-r2-dynamic-cdefault-rep1.json' -> '...-rep1.trace.jsonl'."""
    return Path(report_name).stem + SUFFIX


def trace_of(folder, run):
    """The path of run's trace in folder, or None where it has none."""
    path = Path(folder) / trace_name(run.file)
    return path if path.is_file() else None


def supports_trace(binary, env):
    """Whether binary's subcommands take --trace (rangefarm from before
    traces does not): its perfect --help names the option."""
    try:
        proc = subprocess.run([str(binary), "perfect", "--help"], capture_output=True,
                              text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--trace" in proc.stdout
