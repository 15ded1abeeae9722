#!/usr/bin/env python3
"""Checkpoint state lives on rank 0's storage only, end to end.

A checkpointed run keeps Lucas-Lehmer states and factorial pieces in
<journal>.state. On a cluster that folder may be node-local (/tmp), so only
rank 0 may read or write it: workers hand their saves to rank 0 and get
saved state back from it. Here a folder only rank 0 can see is made on one
host: every other rank runs in a mount namespace of its own (unshare
--mount) with an empty read-only tmpfs over the folder, so a worker that
wrote there would fail and one that read there would find nothing.

Each case runs with the journal in a folder all ranks share and in one only
rank 0 sees:

* mersenne: two Lucas-Lehmer tests of several seconds (86239, 86243) at 2
  ranks, static-cyclic (one on rank 0, one on rank 1), saving every second.
  Both state files appear in rank 0's folder; SIGUSR1 to mpirun stops the
  run (exit 75, the one stop line). Resumed at 3 ranks, static-block, the
  tests run on ranks 1 and 2, each continuing a state another rank saved:
  the uninterrupted result, each test continued from the iteration saved,
  the state folder removed.
* factorial: six values of about 3e6! at 3 ranks, 18 pieces, each saved.
  Stopped by SIGUSR1 to mpirun once a worker's piece is journaled: every
  journaled piece is in rank 0's folder. Resumed at 3 ranks (a factorial
  journal belongs to its rank count), rank 0 deals the pieces back: the
  uninterrupted result, every journaled piece restored.

The rank-0-only cases need root (mount namespaces) and are skipped without.
About 1.5 to 2 minutes on two cores.

Usage: test_rank0_storage.py --binary PATH [--mpirun PATH] [unittest options]
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None

STOPPED = 75
STARTUP_S = 90
RUN_S = 300
PROMPT_EXIT_S = 15
STOP_LINE = re.compile(r"rangefarm: stopped by a signal with (\d+) of (\d+) items done; "
                       r"resumable: run the same command with --resume to finish it")

MERSENNE = ["mersenne", "--from", "86239", "--to", "86243"]
MERSENNE_PRIMES = (86239, 86243)
FACTORIAL = ["factorial"] + [str(3000000 + i) for i in range(6)]
FACTORIAL_RANKS = 3
FACTORIAL_PIECES = 18


def hide_from_workers(folder):
    """The wrapper that runs every rank but 0 with an empty read-only tmpfs
    over folder (in a mount namespace of its own, so nobody else sees it)."""
    script = ('if [ "$OMPI_COMM_WORLD_RANK" != 0 ]; then exec unshare --mount sh -c '
              '\'mount -t tmpfs -o ro none "$0" && exec "$@"\' '
              + shlex.quote(folder) + ' "$@"; fi; exec "$@"')
    return ["sh", "-c", script, "sh"]


def can_hide():
    """Whether hide_from_workers works here: the tmpfs hides the folder's
    file and refuses a new one, and nothing shows outside."""
    folder = tempfile.mkdtemp(prefix="rangefarm-hide-probe-")
    try:
        with open(os.path.join(folder, "seen"), "w", encoding="ascii") as f:
            f.write("x")
        probe = subprocess.run(
            ["unshare", "--mount", "sh", "-c",
             'mount -t tmpfs -o ro none "$0" && test ! -e "$0/seen" && ! touch "$0/new"',
             folder], capture_output=True, check=False)
        return probe.returncode == 0 and os.listdir(folder) == ["seen"]
    except OSError:
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def saved_iterations(state_dir, p):
    """The iterations the Lucas-Lehmer state of p says are done, or None."""
    try:
        with open(os.path.join(state_dir, f"ll-{p}.state"), "rb") as f:
            head = f.readline().split()
    except FileNotFoundError:
        return None
    return int(head[2]) if len(head) == 3 and int(head[1]) == p else None


def journaled_pieces(journal):
    """The pieces whose records are in the journal (one piece a record)."""
    try:
        with open(journal, "rb") as f:
            lines = f.read().split(b"\n")[1:-1]
    except FileNotFoundError:
        return []
    return [json.loads(line)["lo"] for line in lines]


REFERENCES = {}


def reference(args, np):
    """The result of an uninterrupted run of args at np ranks, no
    checkpoint; computed once per args."""
    key = (tuple(args), np)
    if key not in REFERENCES:
        folder = tempfile.mkdtemp(prefix="rangefarm-r0-ref-")
        try:
            full = list(args) + ["--json", "ref.json"]
            with cli_common.Launch(BINARY, MPIRUN, full, np, cwd=folder) as launch:
                proc = launch.wait(RUN_S)
            if proc.returncode != 0:
                raise AssertionError("the reference run failed"
                                     + cli_common.describe(full, np, proc))
            with open(os.path.join(folder, "ref.json"), encoding="utf-8") as f:
                REFERENCES[key] = json.load(f)["result"]
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return REFERENCES[key]


class StorageCase:
    """The cases; a subclass says whether the workers see the folder."""

    hidden = False

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rangefarm-r0-")
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)
        self.folder = os.path.join(self.work, "checkpoints")
        os.mkdir(self.folder)

    def start(self, args, np):
        wrapper = hide_from_workers(self.folder) if self.hidden else ()
        launch = cli_common.Launch(BINARY, MPIRUN, args, np, cwd=self.work, wrapper=wrapper)
        self.addCleanup(launch.cleanup)
        return launch

    def stop_by_sigusr1_to_mpirun(self, launch, total):
        """SIGUSR1 to mpirun (which hands it to every rank): exit 75 and the
        one stop line; returns the items it says are done."""
        os.kill(launch.proc.pid, signal.SIGUSR1)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(launch.args, launch.np, proc) + "\n  SIGUSR1 to mpirun"
        self.assertEqual(proc.returncode, STOPPED, info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly the stop line" + info)
        m = STOP_LINE.fullmatch(lines[0])
        self.assertIsNotNone(m, info)
        self.assertEqual(int(m.group(2)), total, info)
        return int(m.group(1)), info

    def resume(self, args, np):
        full = list(args) + ["--resume", "--json", "resumed.json"]
        launch = self.start(full, np)
        proc = launch.wait(RUN_S)
        info = cli_common.describe(full, np, proc, stdout_limit=2000)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""), info)
        with open(os.path.join(self.work, "resumed.json"), encoding="utf-8") as f:
            return json.load(f), info

    def test_mersenne_stopped_inside_lucas_lehmer_resumed_at_3_ranks(self):
        journal = os.path.join(self.folder, "m.jsonl")
        state = journal + ".state"
        args = MERSENNE + ["--checkpoint", journal]
        launch = self.start(args + ["--schedule", "static-cyclic", "--ll-save-every", "1"], 2)
        cli_common.poll_until(
            "both Lucas-Lehmer states in rank 0's folder",
            lambda: all(saved_iterations(state, p) for p in MERSENNE_PRIMES),
            STARTUP_S, launch)
        done, info = self.stop_by_sigusr1_to_mpirun(launch, len(MERSENNE_PRIMES))
        self.assertEqual(done, 0, info)
        saved = {p: saved_iterations(state, p) for p in MERSENNE_PRIMES}
        for p, iterations in saved.items():
            self.assertTrue(iterations and iterations < p - 2, f"p = {p}: {iterations}" + info)

        report, info = self.resume(args + ["--schedule", "static-block"], 3)
        self.assertEqual(report["result"], reference(MERSENNE, 2), info)
        self.assertEqual(report["result"]["exponents"], [86243], info)
        # static-block puts 2 items on ranks 1 and 2: both tests ran on a
        # worker, 86239 on rank 1 from the state rank 0 saved.
        self.assertEqual([t["items"] for t in report["timing"]["ranks"]], [0, 1, 1], info)
        resumed = sorted(report["checkpoint"]["lucas_lehmer_resumed"], key=lambda r: r["p"])
        self.assertEqual(resumed, [{"p": p, "from_iteration": saved[p]} for p in MERSENNE_PRIMES],
                         "not continued from the saved states" + info)
        self.assertFalse(os.path.exists(state), "state folder left behind" + info)

    def test_factorial_stopped_among_pieces_then_resumed(self):
        journal = os.path.join(self.folder, "f.jsonl")
        state = journal + ".state"
        args = FACTORIAL + ["--checkpoint", journal]
        launch = self.start(args, FACTORIAL_RANKS)
        # Piece i is dealt back to rank i mod 3 on the resume: wait for one
        # that goes to a worker.
        cli_common.poll_until(
            "a journaled piece of a worker's",
            lambda: any(i % FACTORIAL_RANKS for i in journaled_pieces(journal)),
            STARTUP_S, launch)
        done, info = self.stop_by_sigusr1_to_mpirun(launch, FACTORIAL_PIECES)
        pieces = journaled_pieces(journal)
        self.assertEqual(done, len(pieces), "items done: not what the journal holds" + info)
        for i in pieces:
            self.assertTrue(os.path.exists(os.path.join(state, f"piece-{i}.raw")),
                            f"piece {i} journaled but not in rank 0's folder" + info)

        report, info = self.resume(args, FACTORIAL_RANKS)
        self.assertEqual(report["result"], reference(FACTORIAL, FACTORIAL_RANKS), info)
        ckpt = report["checkpoint"]
        self.assertEqual((ckpt["restored_items"], ckpt["computed_items"]),
                         (len(pieces), FACTORIAL_PIECES - len(pieces)), info)
        self.assertFalse(os.path.exists(state), "state folder left behind" + info)


class SharedFolderTest(StorageCase, unittest.TestCase):
    """The checkpoint's folder is seen by every rank."""


class Rank0OnlyFolderTest(StorageCase, unittest.TestCase):
    """The checkpoint's folder is seen by rank 0 only."""

    hidden = True

    def setUp(self):
        if not can_hide():
            self.skipTest("cannot mount a tmpfs in a mount namespace here (needs root)")
        super().setUp()


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_rank0_storage.py")
    BINARY, MPIRUN = opts.binary, opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
