"""The live sweep: runs rangefarm under mpirun for every point (workload,
ranks, schedule, chunk) and repeat, saving each JSON report under OUT/json/
with a name that says what it is, then builds the study from those files.

Repeats run in rounds (every point once, then every point again), so a
slow spell of the machine spreads over the points instead of spoiling one.
With --ci-target, more rounds follow, of the points whose median's 95%
interval is still wider than the target, until each is within it or has
--max-runs runs."""
import dataclasses
import json
import os
import re
import subprocess
import sys

from . import weak
from launch_error import one_line  # scripts/, on the path (scaling.py)
from median_ci import within

from .errors import StudyError, UsageError
from .machine import cores_present, write_machine
from .numbers import fmt_count
from .predict import predict_settings
from .results import ResultCheck, Run
from .study import Context, build_study
from .traced import supports_trace, trace_name
from .workload import FLAGS

MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",           # Open MPI refuses root without both
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
}  # not quiet: that hides the launcher's own errors; launch_error condenses them


def say(text):
    print(f"scaling: {text}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Point:
    index: int       # of the workload in --workload order, from 1
    workload: object  # Workload, its size set for these ranks
    ranks: int
    schedule: str
    chunk: str       # 'default' or a whole number as text

    def describe(self):
        return (f"{self.workload.text()} at {self.ranks} rank(s), {self.schedule}, "
                f"chunk {self.chunk}")

    def file_name(self, repeat):
        return (f"w{self.index}-{_slug(self.workload)}-r{self.ranks}-{self.schedule}"
                f"-c{self.chunk}-rep{repeat}.json")


def _slug(workload):
    """'perfect --to 1e7 --method trial' -> 'perfect-to1e7-methodtrial'
    (an option joined to its value), for file names."""
    parts, after_option = [workload.subcommand], False
    for word in workload.args:
        if word.startswith("--"):
            parts.append(word[2:].replace("=", ""))
            after_option = "=" not in word and word not in FLAGS
        elif after_option:
            parts[-1] += word
            after_option = False
        else:
            parts.append(word)
    return re.sub(r"[^A-Za-z0-9.,_-]", "_", "-".join(parts))[:80]


class Launcher:
    """Runs rangefarm under mpirun and returns its report."""

    def __init__(self, binary, cores, timeout):
        self.binary, self.cores, self.timeout = binary, cores, timeout
        self.env = dict(os.environ, **MPI_ENV)
        self.env.pop("OMPI_MCA_orte_execute_quiet", None)
        self.traces = supports_trace(binary, self.env)  # NAME.trace.jsonl beside NAME.json

    def trace_path(self, json_path):
        return json_path.with_name(trace_name(json_path.name))

    def command(self, workload, ranks, schedule, chunk, json_path):
        cmd = ["mpirun", "-np", str(ranks)]
        if ranks > self.cores:
            cmd.append("--oversubscribe")
        cmd += [str(self.binary), workload.subcommand, *workload.args]
        if schedule:
            cmd += ["--schedule", schedule]
        if chunk and chunk != "default":
            cmd += ["--chunk", chunk]
        if self.traces:
            cmd += ["--trace", str(self.trace_path(json_path))]
        return cmd + ["--json", str(json_path), "--quiet"]

    def run(self, workload, ranks, schedule, chunk, json_path):
        cmd = self.command(workload, ranks, schedule, chunk, json_path)
        shown = " ".join(cmd)
        try:
            proc = subprocess.run(cmd, env=self.env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise StudyError(f"run timed out after {self.timeout:g} s (--timeout): {shown}") \
                from None
        except OSError as exc:
            raise StudyError(f"cannot start {shown}: {exc}") from None
        if proc.returncode != 0:
            err = (one_line(proc.stderr, proc.returncode) if proc.stderr.strip()
                   else proc.stdout.strip()[-2000:] or "(no output)")
            raise StudyError(f"run failed with status {proc.returncode}: {shown}\n{err}")
        try:
            return json.loads(json_path.read_text())
        except (OSError, ValueError) as exc:
            raise StudyError(f"no JSON report from {shown}: {exc}") from None


def _sizes(opts, launcher, ranks, out):
    """The workloads of each rank count: [(index, {ranks: Workload})], and
    the calibrations made (weak scaling of factorial and mersenne)."""
    plans, calibrations = [], []
    for index, workload in enumerate(opts.workloads, 1):
        if opts.mode == "strong":
            plans.append((index, {p: workload for p in ranks}))
            continue
        growth = weak.growth_of(workload)
        if weak.is_calibrated(growth):
            cal_dir = out / "calibration"
            cal_dir.mkdir(exist_ok=True)

            def time_one_rank(w, label):
                path = cal_dir / f"w{index}-{_slug(w)}-{label}.json"
                say(f"calibrating weak sizes: {w.text()} at 1 rank ({label})")
                report = launcher.run(w, 1, opts.schedules[0], opts.chunks[0], path)
                return report["timing"]["wall_s"], path.name
            cal = weak.calibrate(growth, ranks, opts.repeats, time_one_rank)
            calibrations.append(cal)
            sizes = {step["ranks"]: step["size"] for step in cal["sizes"]}
            say(f"calibration of {workload.text()}: t = {cal['a']:.3g} * N^{cal['b']:.3g} s; "
                + ", ".join(f"{p} rank(s): {n}" for p, n in sizes.items()))
        else:
            sizes = weak.proportional_sizes(growth, ranks)
        plans.append((index, {p: growth.at(fmt_count(n)) for p, n in sizes.items()}))
    return plans, calibrations


def live_sweep(opts, command_line):
    """Runs the whole sweep into opts.out and builds the study there."""
    out = opts.out
    json_dir = out / "json"
    if json_dir.is_dir() and any(json_dir.iterdir()):
        raise UsageError(f"--out {out}: {json_dir} already holds reports; choose a new --out "
                         "(or use --from-results to redo the tables)")
    cores = cores_present()
    ctx = Context(mode=opts.mode, command=command_line)
    ranks = [p for p in opts.ranks if p <= cores or opts.oversubscribe]
    skipped = [p for p in opts.ranks if p not in ranks]
    if skipped:
        note = (f"Skipped {', '.join(map(str, skipped))} rank(s): more than the {cores} cores "
                f"here (--oversubscribe runs them; their timings measure the OS scheduler).")
        ctx.notes.append(note)
        say(note)
    if not ranks:
        raise UsageError(f"--ranks: every rank count is above the {cores} cores here; "
                         "add --oversubscribe to run them anyway")
    json_dir.mkdir(parents=True, exist_ok=True)
    write_machine(out)
    launcher = Launcher(opts.binary, cores, opts.timeout)
    plans, calibrations = _sizes(opts, launcher, ranks, out)
    ctx.predict = predict_settings(opts, launcher, out, say)
    if calibrations:
        (out / "calibration.json").write_text(json.dumps(calibrations, indent=2) + "\n")
    points = [Point(index, sized[p], p, schedule, chunk)
              for index, sized in plans for p in ranks
              for schedule in opts.schedules for chunk in opts.chunks]
    rounds = Rounds(points, launcher, json_dir)
    rounds.fixed(opts.repeats)
    if getattr(opts, "ci_target", None):
        ctx.notes += rounds.until_within(opts.ci_target, opts.max_runs)
    return build_study(json_dir, out, ctx, calibration=calibrations or None, log=say)


class Rounds:
    """Runs the points in rounds, keeping each point's wall times."""

    def __init__(self, points, launcher, json_dir):
        self.points, self.launcher, self.json_dir = points, launcher, json_dir
        self.walls = [[] for _ in points]
        self.check = ResultCheck()
        self.done = 0

    def run(self, i, progress):
        point = self.points[i]
        repeat = len(self.walls[i]) + 1
        self.done += 1
        path = self.json_dir / point.file_name(repeat)
        say(f"run {progress(repeat)}: {point.describe()}")
        report = self.launcher.run(point.workload, point.ranks, point.schedule, point.chunk, path)
        self.check.add(Run(path.name, report))
        self.walls[i].append(float(report["timing"]["wall_s"]))
        say(f"  wall {report['timing']['wall_s']:.4g} s, imbalance "
            f"{report.get('imbalance', 0):.3f}")

    def fixed(self, repeats):
        """repeats rounds of every point."""
        total, n = len(self.points) * repeats, len(self.points)
        for _ in range(repeats):
            for i in range(n):
                self.run(i, lambda r, i=i: f"{self.done} of {total} (point {i + 1} of {n}, "
                                           f"repeat {r} of {repeats})")

    def _wide(self, target, max_runs):
        """Indices of the points still wider than target with runs left."""
        return [i for i, w in enumerate(self.walls)
                if not within(w, target) and len(w) < max_runs]

    def until_within(self, target, max_runs):
        """Rounds of the points not yet within target; returns the notes
        for report.md."""
        n = len(self.points)
        while True:
            wide = self._wide(target, max_runs)
            if not wide:
                break
            for i in wide:
                self.run(i, lambda r, i=i: f"{self.done} (point {i + 1} of {n}, repeat {r}, "
                                           f"until its interval is within +-{target:.1%})")
        missed = [self.points[i].describe() for i, w in enumerate(self.walls)
                  if not within(w, target)]
        notes = [f"--ci-target {target:g}: each point was repeated until the 95% interval of "
                 f"its median lay within +-{target:.1%} of it, at most {max_runs} runs; "
                 f"{n - len(missed)} of {n} points got there."]
        if missed:
            notes.append(f"Stopped at --max-runs {max_runs} short of the target (their "
                         f"intervals are wider; the machine was noisy): {'; '.join(missed)}.")
            say(notes[-1])
        return notes
