#!/usr/bin/env python3
"""A rank's memory does not grow with its number of chunks, and a journal
that could not be resumed is refused before any work.

Each case runs `mpirun -np 2 rangefarm perfect --to 1e7 --chunk K
--schedule S` with every rank behind bench/peak_rss.py, which writes the
rank's peak resident memory (wait4's ru_maxrss, the kernel's VmHWM) when it
exits, for K = 1, 1e3 and 1e7 (10^7, 10^4 and 1 chunks) under all four
schedules. A run still going after STOP_AFTER_S is stopped with SIGUSR1 (a
clean stop, exit 75): what a rank plans for its chunks it holds from the
start, so a stopped run shows it as well as a finished one, and chunk 1
takes seconds instead of minutes. Per schedule, rank 0's peaks and the
worker's may differ by at most SLACK_MIB across the three chunk sizes.

Before static plans were lazy (schedule.hpp, StaticShare) each rank held a
vector of its chunks: 146 MB at chunk 1 against 15 MB at chunk 1e7 under
both static schedules, which fails here. Every run is capped at
ADDRESS_SPACE_GIB of address space (RLIMIT_AS) so that a regression cannot
take the machine's memory.

JournalGuard: a checkpointed plan whose journal --resume could not read
back on rank 0's node (RANGEFARM_TEST_MEMAVAILABLE) is refused in one line
before any work, and the --chunk it suggests runs; before the guard the
refused runs computed for hours.

About 40 s on 2 busy cores.

Usage: test_memory.py --binary PATH [--mpirun PATH] [unittest options]
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import cli_common  # noqa: E402
import peak_rss  # noqa: E402

BINARY = None
MPIRUN = None

SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
CHUNKS = ("1", "1e3", "1e7")
TO = "1e7"
STOP_AFTER_S = 2.0
SLACK_MIB = 16
ADDRESS_SPACE_GIB = 3
RANKS = 2


def limit_address_space():
    cap = ADDRESS_SPACE_GIB << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def peak_rss_run(args, stop_after_s=STOP_AFTER_S, tries=3):
    """Runs rangefarm ARGS at RANKS ranks, each behind peak_rss.py; stops it
    with SIGUSR1 after stop_after_s if it is still going. Returns (mpirun's
    status, {rank: record}). A rank killed by the signal itself came up
    after it (its handler was not there yet): the run is tried again with
    twice the time."""
    for _ in range(tries):
        launch = [MPIRUN, "-q", "-np", str(RANKS)]
        env = dict(os.environ, **cli_common.MPI_ENV)
        try:
            cmd, status, records, err, _ = peak_rss.measure(
                launch, [BINARY] + args, env, stop_after_s, cli_common.RUN_TIMEOUT_S,
                ADDRESS_SPACE_GIB << 30)
        except TimeoutError as e:
            raise AssertionError(f"timed out: {e}") from None
        if all(r["status"] != -signal.SIGUSR1 for r in records.values()):
            return status, records, err
        stop_after_s *= 2
    raise AssertionError(f"every rank must be up within {stop_after_s / 2} s: {' '.join(cmd)}")


class RankMemory(unittest.TestCase):
    def test_peak_rss_does_not_grow_with_the_number_of_chunks(self):
        table = {}
        for schedule in SCHEDULES:
            for chunk in CHUNKS:
                args = ["perfect", "--to", TO, "--chunk", chunk, "--schedule", schedule, "--quiet"]
                status, records, err = peak_rss_run(args)
                info = f"\n  rangefarm {' '.join(args)}: mpirun {status}, {records}, {err!r}"
                self.assertEqual(sorted(records), list(range(RANKS)), info)
                # 0: finished; 75: stopped; mpirun killed by the signal
                # (128 + 10) when it came just as the ranks had finished.
                self.assertIn(status, (0, 75, 128 + signal.SIGUSR1), info)
                for r in records.values():
                    self.assertIn(r["status"], (0, 75), info)
                table[schedule, chunk] = [records[r]["peak_rss_kib"] / 1024 for r in range(RANKS)]
        print(f"\npeak RSS (MiB) of rank 0 / rank 1, perfect --to {TO} at {RANKS} ranks, "
              f"stopped after {STOP_AFTER_S} s:")
        print(f"  {'schedule':<14}" + "".join(f"{'chunk ' + c:>18}" for c in CHUNKS))
        for schedule in SCHEDULES:
            cells = "".join(f"{'%.1f / %.1f' % tuple(table[schedule, c]):>18}" for c in CHUNKS)
            print(f"  {schedule:<14}{cells}")
        for schedule in SCHEDULES:
            for rank, role in ((0, "rank 0"), (1, "the worker")):
                peaks = [table[schedule, c][rank] for c in CHUNKS]
                self.assertLessEqual(
                    max(peaks) - min(peaks), SLACK_MIB,
                    f"{schedule}: {role}'s peak RSS grows with the number of chunks: "
                    + ", ".join(f"{p:.1f} MiB at chunk {c}" for p, c in zip(peaks, CHUNKS)))


def run_limited(args, env, cwd, timeout_s=60):
    """rangefarm ARGS at RANKS ranks in a session of its own, killed whole
    after timeout_s (a run that was not refused computes for hours);
    returns (status, stderr)."""
    cmd = [MPIRUN, "-q", "-np", str(RANKS), BINARY] + args
    proc = subprocess.Popen(cmd, env=dict(os.environ, **cli_common.MPI_ENV, **env), cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=limit_address_space)
    try:
        _, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        peak_rss.end_session(proc)
        raise AssertionError(f"not refused: still running after {timeout_s} s: "
                             f"{' '.join(cmd)}") from None
    return proc.returncode, err


class JournalGuard(unittest.TestCase):
    """A journal holds a record per chunk and --resume reads them all into
    rank 0's memory (about 1 KiB each): a checkpointed plan that could not
    be resumed on rank 0's node is refused before any work, in one line,
    with the --chunk that fits (apps/journal_guard.hpp). The node's memory
    is set by RANGEFARM_TEST_MEMAVAILABLE."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rangefarm-journal-guard-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def refused(self, args, available, chunk_hint):
        status, err = run_limited(args, {"RANGEFARM_TEST_MEMAVAILABLE": available}, self.work)
        info = f"\n  rangefarm {' '.join(args)}: status {status}, stderr {err!r}"
        self.assertEqual(status, 2, info)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, info)
        self.assertTrue(lines[0].startswith("rangefarm: error: --checkpoint: "), info)
        self.assertIn("--resume reads back", lines[0], info)
        self.assertTrue(lines[0].endswith(f"use --chunk {chunk_hint} or more"), info)
        self.assertEqual(os.listdir(self.work), [], info)  # no journal begun

    def test_a_journal_too_big_to_resume_is_refused(self):
        # 10^9 records, about 954 GiB to resume, on a node with 16 GB.
        self.refused(["perfect", "--to", "1e12", "--chunk", "1000", "--checkpoint", "j.jsonl"],
                     "16e9", "7e4")
        # synthetic's default chunk is 1 task: 10^6 records, about 1 GiB.
        args = ["synthetic", "--tasks", "1e6", "--cost", "uniform", "--unit-ms", "0",
                "--checkpoint", "j.jsonl", "--quiet"]
        self.refused(args, "1e8", "20")
        status, err = run_limited(args + ["--chunk", "20"], {"RANGEFARM_TEST_MEMAVAILABLE": "1e8"},
                                  self.work)
        self.assertEqual(status, 0, err)
        self.assertTrue(os.path.exists(os.path.join(self.work, "j.jsonl")))


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_memory.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
