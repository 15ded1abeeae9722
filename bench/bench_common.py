"""Helpers shared by the whole-process benchmarks (perfect_compare.py,
factorial_compare.py): counts, MPI environment, machine-load accounting from
/proc/stat, statistics, git state, and timing one process."""
import argparse
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOISY_OTHER_CORES = 0.1  # a run is noisy when other jobs used more CPU than this meanwhile


def parse_count(text):
    """'1e9', '1000000000', '1_000_000' -> int (the forms the app accepts)."""
    t = text.replace("_", "").replace("'", "").strip().lower()
    try:
        if "e" in t:
            mant, exp = t.split("e", 1)
            value = int(mant) * 10 ** int(exp) if mant.isdigit() else None
            if value is None:
                raise ValueError
            return value
        return int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")


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
    env = dict(os.environ)
    env.update({
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_orte_execute_quiet": "1",
    })
    return env


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
        run["error"] = (err or out)[-2000:]
    return rc, out, err, run


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def git_state():
    def git(*a):
        try:
            return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True,
                                  timeout=10).stdout.rstrip("\n")
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD").strip(),
            "dirty_files": [l for l in git("status", "--porcelain").splitlines() if l]}
