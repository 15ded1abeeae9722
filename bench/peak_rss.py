#!/usr/bin/env python3
"""Runs one program and writes its peak resident memory: the wrapper that
bench/rank_memory.py and tests/cli/test_memory.py put in front of each rank,

  mpirun -np 2 python3 bench/peak_rss.py OUT_DIR rangefarm perfect --to 1e9

Each rank's wrapper runs the program as its child, passes SIGINT, SIGTERM
and SIGUSR1 on to it (mpirun sends its signals to the processes it started,
the wrappers), waits for it with wait4(2), and writes
OUT_DIR/rank-R.json: {"rank": R, "host": ..., "peak_rss_kib": ..., "status": ...}.
R is the MPI rank ($OMPI_COMM_WORLD_RANK, $PMI_RANK or $SLURM_PROCID; 0
without MPI). peak_rss_kib is wait4's ru_maxrss, the kernel's high-water mark of the
child's resident set (VmHWM in /proc/PID/status while it runs): the whole
run's peak, read without sampling. status is the child's exit status, or
-N for signal N; the wrapper exits with the same status (128 + N for a
signal), so the launcher sees what the program did.

OUT_DIR must exist. The program inherits the environment, Open MPI's
variables included, so it joins the job as the rank the wrapper was.
"""
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)


def rank():
    for name in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"):
        if name in os.environ:
            return int(os.environ[name])
    return 0


def read_records(out_dir):
    """{rank: record} of the rank-R.json files the wrappers wrote to out_dir."""
    records = {}
    for name in os.listdir(out_dir):
        if name.startswith("rank-") and name.endswith(".json"):
            with open(os.path.join(out_dir, name), encoding="utf-8") as f:
                record = json.load(f)
            records[record["rank"]] = record
    return records


def end_session(proc):
    """Ends mpirun (SIGTERM, which it passes on) and then, with SIGKILL,
    whatever is left of the session it leads: Open MPI puts each rank in a
    process group of its own, but not in a session of its own."""
    proc.terminate()
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getsid(int(entry)) == proc.pid:
                os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
    proc.kill()
    proc.communicate()


def measure(launch, program, env, stop_after_s, timeout_s, cap_bytes):
    """Runs LAUNCH (mpirun ..., or [] for one process) with this wrapper in
    front of PROGRAM, in a session of its own, each process capped at
    cap_bytes of address space; SIGUSR1 after stop_after_s if it is still
    going (mpirun passes it on to every rank). Returns (argv, status,
    {rank: record}, stderr, wall_s). A run not ended timeout_s after that
    is ended whole, and TimeoutError raised with its argv."""
    out = tempfile.mkdtemp(prefix="rangefarm-peak-rss-")
    cmd = launch + [sys.executable, os.path.abspath(__file__), out] + program

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, preexec_fn=limit)
        try:
            proc.wait(timeout=stop_after_s)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            end_session(proc)
            raise TimeoutError(" ".join(cmd)) from None
        return cmd, proc.returncode, read_records(out), err, time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main(argv):
    if len(argv) < 3 or not os.path.isdir(argv[1]):
        print("usage: peak_rss.py OUT_DIR PROGRAM [ARG...] (OUT_DIR must exist)", file=sys.stderr)
        return 2
    out_dir, program = argv[1], argv[2:]
    child = os.fork()
    if child == 0:
        try:
            os.execvp(program[0], program)
        except OSError as e:
            print(f"peak_rss.py: cannot run {program[0]}: {e.strerror}", file=sys.stderr)
        os._exit(127)
    for s in FORWARDED:
        signal.signal(s, lambda signum, _frame: os.kill(child, signum))
    while True:
        try:
            _, wait_status, usage = os.wait4(child, 0)
            break
        except InterruptedError:  # a signal came; Python retries, but be sure
            continue
    status = (-os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status)
              else os.WEXITSTATUS(wait_status))
    r = rank()
    record = {"rank": r, "host": socket.gethostname(), "peak_rss_kib": usage.ru_maxrss,
              "status": status}
    path = os.path.join(out_dir, f"rank-{r}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(record, f)
    os.replace(path + ".tmp", path)
    return 128 - status if status < 0 else status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
