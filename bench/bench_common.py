"""Helpers shared by the whole-process benchmarks (perfect_compare.py,
factorial_compare.py, mersenne_compare.py, checkpoint_overhead.py and
bench_suite.py, scripts/bench.sh's): counts, MPI environment, machine-load
accounting from /proc/stat, statistics, git state, timing one process (and
reading a rangefarm report), the common options, and the common parts of
the report."""
import argparse
import datetime
import json
import os
import platform
import socket
import sys
import resource
import statistics
import subprocess
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from launch_error import one_line  # noqa: E402
from scaling_study import numbers as scaling_numbers  # noqa: E402
from scaling_study.errors import UsageError  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NOISY_OTHER_CORES = 0.1  # a run is noisy when other jobs used more CPU than this meanwhile


def parse_count(text):
    """'1e9', '2.5e6', '1_000_000' -> int: the forms the app accepts (the
    rules are scaling_study.numbers', which follows src/rangefarm/common/
    numbers.cpp), with '_' and "'" allowed as digit separators."""
    t = text.replace("_", "").replace("'", "").strip()
    try:
        return scaling_numbers.parse_count(t)
    except UsageError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def fmt_count(n):
    """1000000000 -> '1e9' where exact, else the digits."""
    if n > 0:
        m, e = n, 0
        while m % 10 == 0:
            m //= 10
            e += 1
        if e >= 3:
            return f"{m}e{e}"
    return str(n)


def mpi_env():
    """Open MPI as root; not quiet, which would hide the launcher's own
    errors (a failed run's error is one line: launch_error.one_line)."""
    env = dict(os.environ)
    env.update({
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    })
    env.pop("OMPI_MCA_orte_execute_quiet", None)
    return env


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block), exit status 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def cpu_times():
    """(busy, steal) seconds of the whole machine so far, from /proc/stat; None elsewhere."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    v = [int(x) for x in fields[1:]]
    v += [0] * (8 - len(v))
    tick = os.sysconf("SC_CLK_TCK")
    # user nice system idle iowait irq softirq steal
    busy = v[0] + v[1] + v[2] + v[5] + v[6]
    return busy / tick, v[7] / tick


def wait_idle(max_wait, threshold=0.1):
    """Waits (up to max_wait s) for a second in which the machine is at most
    threshold busy, summed over cores. Returns the seconds waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < max_wait:
        a = cpu_times()
        if a is None:
            break
        time.sleep(1.0)
        b = cpu_times()
        if b[0] - a[0] <= threshold:
            break
    return time.perf_counter() - t0


def timed_process(argv, env, timeout, wait_idle_s):
    """Runs argv to its end (after waiting up to wait_idle_s for an idle
    machine, if > 0) and times it as a whole process. Returns (rc, stdout,
    stderr, run): rc is the exit status or "timeout"; run is the dict of a
    run's common fields, with "error" (the output's tail) where rc != 0."""
    waited = wait_idle(wait_idle_s) if wait_idle_s > 0 else 0.0
    load_before = os.getloadavg()[0]
    cpu0 = cpu_times()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
        rc, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", e.stdout or "", e.stderr or ""
        if isinstance(out, bytes):
            out, err = out.decode(errors="replace"), (err or b"").decode(errors="replace")
    process_wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu1 = cpu_times()
    own = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    run = {
        "argv": argv,
        "rc": rc,
        "process_wall_s": process_wall,
        "children_cpu_s": own,
        "loadavg_1m_before": load_before,
        "waited_idle_s": waited,
    }
    if cpu0 and cpu1:
        # CPU the rest of the machine used meanwhile, in cores (1.0 = one core
        # busy all along): other jobs competing with the run; and steal, CPU
        # the hypervisor gave to other guests.
        run["other_cores"] = max(0.0, (cpu1[0] - cpu0[0]) - own) / process_wall
        run["steal_cores"] = (cpu1[1] - cpu0[1]) / process_wall
    if rc != 0:
        run["error"] = one_line(err, rc) if err.strip() else out[-2000:] or "(no output)"
    return rc, out, err, run


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def ratio_of(num, den):
    """Ratio of the medians of two per-round series (None for a failed run),
    and the spread of the same-round ratios."""
    a, b = stats(num), stats(den)
    rounds = [x / y for x, y in zip(num, den) if x is not None and y]
    return {"ratio_of_medians": a["median"] / b["median"] if a and b and b["median"] else None,
            "per_round": stats(rounds)}


def git_state():
    def git(*a):
        try:
            return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True,
                                  timeout=10).stdout.rstrip("\n")
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD").strip(),
            "dirty_files": [l for l in git("status", "--porcelain").splitlines() if l]}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def first_json(text):
    """The first JSON object in text (ValueError where there is none)."""
    start = text.index("{")
    return json.JSONDecoder().raw_decode(text[start:])[0]


def add_common_args(ap, default_out):
    """--out (default default_out), --mpirun, --mpirun-arg, --timeout, --wait-idle."""
    ap.add_argument("--out", default=default_out,
                    help="JSON results file, relative to the repository root or absolute"
                         f" (default {default_out})")
    ap.add_argument("--mpirun", default="mpirun", help="mpirun command (default mpirun)")
    ap.add_argument("--mpirun-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for mpirun, before the program (repeatable)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run (default 600)")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="S",
                    help="before each run, wait up to S seconds for the machine to be idle"
                         " (under 10%% of a core busy for a second); default 0, no wait")


def repo_path(path):
    """path as given where absolute, else relative to the repository root."""
    path = Path(path)
    return path if path.is_absolute() else REPO / path


def missing_executable(tool, path, build):
    """Says on stderr that path is not built (tool: the script's name)."""
    print(f"{tool}: no executable {path}; build first:\n"
          f"  cmake -S {REPO} -B {build} -DCMAKE_BUILD_TYPE=Release && "
          f"cmake --build {build} -j", file=sys.stderr)


def built_rangefarm(tool, build_arg):
    """The rangefarm binary in the build folder build_arg (relative to the
    repository root or absolute), or None after saying on stderr that it is
    not built (missing_executable)."""
    build = repo_path(build_arg)
    binary = build / "apps" / "rangefarm"
    if os.access(binary, os.X_OK):
        return binary
    missing_executable(tool, binary, build)
    return None


def busy_cores_now(cores):
    """Cores busy over the next second (None where /proc/stat is not there),
    with a note where other jobs use more than NOISY_OTHER_CORES of them."""
    # The load average lags by a minute; one second of /proc/stat says what runs now.
    a = cpu_times()
    time.sleep(1.0)
    b = cpu_times()
    busy_now = (b[0] - a[0]) if a and b else None
    if busy_now is not None and busy_now > NOISY_OTHER_CORES:
        print(f"  note: other jobs are using {busy_now:.2f} of the {cores} cores right now: expect"
              f" noisy figures (see 'other' per run; --wait-idle S waits for a quiet machine)")
    return busy_now


def print_failed_runs(failed, configs):
    """failed: (config name, round) of the runs that failed, each told with its error."""
    if failed:
        print("\nFAILED RUNS: " + ", ".join(f"{n} round {r}" for n, r in failed))
        for c in configs:
            for r in c.runs:
                if r["rc"] != 0:
                    print(f"  {c.name} round {r['round']} ({r['rc']}): "
                          f"{r.get('error', '').strip()[-300:]}")


def print_problems(problems, all_right):
    """The result problems, or 'results: ' + all_right where there are none."""
    if problems:
        print("\nRESULT PROBLEMS:")
        for p in problems:
            print("  " + p)
    else:
        print(f"\nresults: {all_right}")


def report_noise(configs, load_start, load_end, load_note="", busy_note="",
                 steal_of_failed=True):
    """Prints the load average and whether other jobs (or the hypervisor)
    took CPU during the runs; returns whether the figures are noisy.
    steal_of_failed: failed runs count for steal too."""
    others = [(c.name, r["round"], r["other_cores"]) for c in configs for r in c.runs
              if r["rc"] == 0 and r.get("other_cores") is not None]
    busy_runs = [o for o in others if o[2] > NOISY_OTHER_CORES]
    steal = max((r.get("steal_cores") or 0.0 for c in configs for r in c.runs
                 if steal_of_failed or r["rc"] == 0), default=0.0)
    noisy = bool(busy_runs) or steal > NOISY_OTHER_CORES
    print(f"load average at start {load_start[0]:.2f}, at end {load_end[0]:.2f} "
          f"(1 min{load_note})")
    if busy_runs:
        worst = max(busy_runs, key=lambda o: o[2])
        print(f"NOISY: other processes used more than {NOISY_OTHER_CORES} of a core during "
              f"{len(busy_runs)} of {len(others)} runs (worst {worst[2]:.2f} cores, {worst[0]} "
              f"round {worst[1]}){busy_note}")
    elif others:
        print(f"quiet: other processes used at most {max(o[2] for o in others):.2f} of a core "
              f"during any run")
    if steal > NOISY_OTHER_CORES:
        print(f"NOISY: hypervisor steal up to {steal:.2f} cores during a run")
    return noisy


def doc_head(tool, started, cores, load_start, load_end, busy_now, model=None):
    """The first fields of a results file: tool, times, command, machine and git."""
    machine = {"host": socket.gethostname()}
    if model is not None:
        machine["cpu"] = model
    machine.update({"cores": cores, "platform": platform.platform(),
                    "loadavg_start": load_start, "loadavg_end": load_end,
                    "busy_cores_at_start": busy_now})
    return {
        "tool": tool,
        "started_utc": started.isoformat(),
        "finished_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "command": [sys.executable] + sys.argv,
        "machine": machine,
        "git": git_state(),
    }


def write_results(out_path, doc):
    """Writes doc to out_path as JSON, through a temporary file beside it."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(out_path)
    print(f"results written to {out_path}")


def rotated(configs, rnd):
    """The configurations in round rnd's order (0-based): rotated by rnd, so
    that drift on the machine hits every configuration alike."""
    k = rnd % len(configs)
    return configs[k:] + configs[:k]


def run_rangefarm(argv, args, env):
    """Runs one rangefarm command line that prints its report (--json -) and
    times it (timed_process, with args.timeout and args.wait_idle). Returns
    the run's dict with the report's timing (add_report_timing), result and
    params; rc "bad-json" where the report cannot be read."""
    rc, out, _, run = timed_process(argv, env, args.timeout, args.wait_idle)
    add_report(run, rc, out)
    return run


def add_report(run, rc, out):
    """Reads the report a successful run printed into run: timing
    (add_report_timing), result and params. Returns the report, or None
    when the run failed or (rc "bad-json") the report cannot be read."""
    if rc != 0:
        return None
    try:
        report = first_json(out)
        add_report_timing(run, report)
        run["result"] = report["result"]
        run["report_params"] = report.get("params")
    except (ValueError, KeyError, TypeError) as e:
        run["rc"] = "bad-json"
        run["error"] = f"{type(e).__name__} {e}: {out[-500:]!r}"
        return None
    return report


def add_report_timing(run, report):
    """Copies a rangefarm JSON report's timing figures into run: wall_s, and
    per rank busy_s, wait_s, chunks and items; imbalance and items_total."""
    timing = report["timing"]
    run["wall_s"] = timing["wall_s"]
    run["busy_s"] = [r["busy_s"] for r in timing["ranks"]]
    run["wait_s"] = [r.get("wait_s") for r in timing["ranks"]]
    run["chunks"] = [r.get("chunks") for r in timing["ranks"]]
    run["items"] = [r.get("items") for r in timing["ranks"]]
    run["imbalance"] = report.get("imbalance")
    run["items_total"] = report.get("items_total")


def machine_start(model=None):
    """Prints the machine line (with the CPU model where given) and what
    other jobs use right now; returns (cores, load_start, started, busy_now)."""
    cores = os.cpu_count()
    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    machine = f"{socket.gethostname()}: {model}," if model is not None else \
        f"{socket.gethostname()},"
    print(f"machine {machine} {cores} cores{';' if model is not None else ','} load average "
          f"{load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    return cores, load_start, started, busy_cores_now(cores)
