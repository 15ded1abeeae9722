#!/usr/bin/env python3
"""Checkpoint, resume and clean stops of rangefarm, end to end.

Real runs under mpirun (2 ranks, one case at 3), stopped the ways a run is
stopped in practice, then resumed:

* SIGKILL of a rank (a worker, or rank 0): mpirun must end within
  PROMPT_EXIT_S of the kill, non-zero, with a line naming the dead rank and
  its pid; no rank may be left running; the journal stays whole, and
  --resume gives the result of an uninterrupted run.
* SIGTERM, SIGINT or SIGUSR1 to a rank process (never to mpirun), or to all
  of them at once as Slurm does: exit status 75 and exactly one stderr line
  ``rangefarm: stopped by a signal with X of Y items done; resumable: ...``
  where X is what the journal holds; without --checkpoint the line says not
  resumable, still 75.
* mersenne stopped inside Lucas-Lehmer tests: the tests' state files are
  saved (periodically, and at once on the stop, by the rank signalled and
  by the other), and the resumed run continues each test from the iteration
  saved (checkpoint.lucas_lehmer_resumed), not from the start.
* synthetic stopped by SIGTERM to a rank resumes to the uninterrupted
  result with another --unit-ms, or --spin (neither changes a result),
  and, ordered largest-first, at 3 ranks under another schedule (the
  journal's positions map to the same tasks); another --seed, --cost or
  --tasks is refused.
* A torn last journal line (cut by hand) is dropped and its chunk computed
  again (checkpoint.torn_records_dropped = 1); a completed journal resumes
  to the same result computing nothing; other parameters, a missing or
  corrupt journal, or an existing journal without --resume are refused
  (exit 2, one error line) and leave the journal byte for byte as it was.

The result of every resumed run must equal the reference, an uninterrupted
run computed once per class and checked against known values (perfect
numbers and counts up to 1e9; 86243 a Mersenne prime exponent, 86239 not).

The runs to stop are found through their journal (records written) or their
Lucas-Lehmer state files, polled with time limits: no fixed sleeps. Rank
processes are found by an environment tag of their launch (cli_common.Launch)
and anything left of a launch is killed at the end of its test.


About 1.5 minutes on 2 cores (2.5 when they are busy with other work):
each perfect case costs one 1e9 search (4-5 s at 2 ranks), split between
the stopped run and its resume; the Lucas-Lehmer case and its reference
about 10 s each; the corrupt-record and idle-worker cases about 20 s;
the synthetic cases about 10 s.

Usage: test_checkpoint.py --binary PATH [--mpirun PATH] [unittest options]
"""

import json
import zlib
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None

STOPPED = 75  # exit status of a run stopped by a signal (EX_TEMPFAIL)
USAGE = 2     # bad input, a journal refused

# A run must end within this many seconds of a SIGKILL of one of its ranks
# or of a stop signal (it finishes the chunk in hand; mpirun then lingers
# about a second after a non-zero exit).
PROMPT_EXIT_S = 10
# Time for a run to get where the test acts (ranks up, records journaled, a
# state file saved), and for a whole run, on a busy machine.
STARTUP_S = 90
RUN_S = 300
# A refusal is immediate; this bounds a hang. The refusals of a test are
# started all at once (each in its own dir): mpirun lingers about a second
# after a non-zero exit.
REFUSAL_S = 15

STOP_LINE = re.compile(
    r"rangefarm: stopped by a signal with (\d+) of (\d+) items done; (.*)")
RESUMABLE = "resumable: run the same command with --resume to finish it"
NOT_RESUMABLE = "not resumable"
DIED_LINE = re.compile(r"rangefarm: error: lost rank (\d+) \(pid (\d+) on ([^)]+)\)[ ,:]")
BANNERS = ("MPI_ABORT", "-----", "mpirun noticed", "Primary job", "orterun")

# perfect up to 1e9 (the records' [lo, hi) cover [1, 1e9 + 1)).
PERFECT = ["perfect", "--to", "1e9"]
PERFECT_ITEMS = 10 ** 9
PERFECT_RANGE = (1, 10 ** 9 + 1)
PERFECT_KNOWN = {
    "perfect_numbers": [6, 28, 496, 8128, 33550336],
    "counts": {"deficient": 752389040, "perfect": 5, "abundant": 247610955},
}
# Records journaled before a perfect run is stopped (of 100 chunks of 1e7).
RECORDS_BEFORE_STOP = 5

# mersenne: the primes 86239 and 86243, both past trial factoring, so two
# Lucas-Lehmer tests of several seconds each, one per rank at 2 ranks.
MERSENNE_LL = ["mersenne", "--from", "86239", "--to", "86243"]
MERSENNE_LL_PRIMES = (86239, 86243)
MERSENNE_PRIME_P = 86243  # 2^86243 - 1 is a Mersenne prime (OEIS A000043)


def journal_lines(path):
    """(whole lines, torn tail): the lines of the journal that end in a
    newline (without it), and what follows the last newline (b"" if
    nothing)."""
    with open(path, "rb") as f:
        data = f.read()
    *lines, tail = data.split(b"\n")
    return lines, tail


count_records = cli_common.count_records


def state_dir(journal):
    return journal + ".state"


def state_file(journal, p):
    return os.path.join(state_dir(journal), f"ll-{p}.state")


def saved_iterations(journal, p):
    """The iterations a Lucas-Lehmer state file says are done, or None if
    there is no (readable) file."""
    try:
        with open(state_file(journal, p), "rb") as f:
            head = f.readline().split()
    except FileNotFoundError:
        return None
    if len(head) != 3 or head[0] != b"rangefarm-ll" or int(head[1]) != p:
        raise AssertionError(f"not a Lucas-Lehmer state of p = {p}: {head!r}")
    return int(head[2])


class CheckpointCase(unittest.TestCase):
    """What the cases share: a fresh work dir per test, launches that are
    always cleaned up, and the checks of journals, stops and resumes."""

    ranks_in_run = 2

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rangefarm-ckpt-")
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.work, name)

    @staticmethod
    def reference_run(args):
        """Runs args with --json to the end at 2 ranks in a scratch folder;
        returns (the report's result, info)."""
        folder = tempfile.mkdtemp(prefix="rangefarm-ckpt-ref-")
        args = list(args) + ["--json", "ref.json"]
        try:
            with cli_common.Launch(BINARY, MPIRUN, args, 2, cwd=folder) as launch:
                proc = launch.wait(RUN_S)
            info = cli_common.describe(args, 2, proc)
            if proc.returncode != 0:
                raise AssertionError("the reference run failed" + info)
            with open(os.path.join(folder, "ref.json"), encoding="utf-8") as f:
                return json.load(f)["result"], info
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def start(self, args, np=2, cwd=None):
        launch = cli_common.Launch(BINARY, MPIRUN, args, np, cwd=cwd or self.work)
        self.addCleanup(launch.cleanup)
        return launch

    def run_to_end(self, args, np=2, timeout=RUN_S):
        launch = self.start(args, np)
        proc = launch.wait(timeout)
        return proc, cli_common.describe(args, np, proc, stdout_limit=2000)

    def wait_ranks(self, launch, np):
        """{rank: pid} once all np rank processes are up."""
        def all_up():
            ranks = launch.ranks()
            return ranks if sorted(ranks) == list(range(np)) else None
        return cli_common.poll_until(f"{np} rank processes", all_up, STARTUP_S, launch)

    def wait_records(self, launch, journal, n):
        cli_common.poll_until(f"{n} records in {os.path.basename(journal)}",
                              lambda: count_records(journal) >= n,
                              STARTUP_S, launch)

    def send(self, launch, sig, ranks, np):
        """Sends sig to the rank processes of the given ranks; returns the
        pids signalled."""
        pids = self.wait_ranks(launch, np)
        for rank in ranks:
            os.kill(pids[rank], sig)
        return [pids[r] for r in ranks]

    def assert_no_banner(self, proc, info):
        for banner in BANNERS:
            self.assertNotIn(banner, proc.stderr, info)
            self.assertNotIn(banner, proc.stdout, info)

    def assert_gone(self, launch, info):
        """Nothing of the launch may outlive mpirun for long."""
        try:
            cli_common.poll_until("every rank process to end",
                                  lambda: not launch.leftovers(), PROMPT_EXIT_S)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {launch.leftovers()} still alive{info}") from None

    def check_journal(self, path, identity=None, lo_hi=None):
        """Checks that a journal is whole (every line but a torn last one
        a JSON object: the header, then records of disjoint ranges inside
        lo_hi: positions [lo, hi), or for mersenne and synthetic the runs
        [lo, hi) of item ids in "items"); returns (header, [(lo, hi,
        partial)] a range each, whole lines, torn)."""
        lines, tail = journal_lines(path)
        self.assertGreaterEqual(len(lines), 1, f"{path}: no header line")
        header = json.loads(lines[0])
        self.assertEqual(header.get("rangefarm_journal"), 1, lines[0])
        if identity is not None:
            self.assertEqual(header.get("run"), identity, lines[0])
        records = []
        for n, line in enumerate(lines[1:], start=2):
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise AssertionError(f"{path}:{n}: not JSON: {line!r}") from exc
            if "end" in record:  # a completed run's report: the last line
                self.assertEqual(n, len(lines), f"{path}:{n}: records after the end record")
                continue
            self.assertIsInstance(record["partial"], str, line)
            for lo, hi in record.get("items", [(record.get("lo"), record.get("hi"))]):
                self.assertLess(lo, hi, f"{path}:{n}: {line!r}")
                if lo_hi is not None:
                    self.assertGreaterEqual(lo, lo_hi[0], f"{path}:{n}")
                    self.assertLessEqual(hi, lo_hi[1], f"{path}:{n}")
                records.append((lo, hi, record["partial"]))
        spans = sorted((lo, hi) for lo, hi, _ in records)
        for (_, hi), (lo, _) in zip(spans, spans[1:]):
            self.assertLessEqual(hi, lo, f"{path}: records overlap")
        return header, records, lines, tail != b""

    @staticmethod
    def items(records):
        return sum(hi - lo for lo, hi, _ in records)

    def assert_stopped(self, proc, info, resumable, total, done=None):
        """Exit 75 and exactly the one stop line; returns X (items done)."""
        self.assertEqual(proc.returncode, STOPPED, info)
        self.assert_no_banner(proc, info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(proc.stderr.endswith("\n"), info)
        m = STOP_LINE.fullmatch(lines[0])
        self.assertIsNotNone(m, "not the stop line" + info)
        x, y, tail = int(m.group(1)), int(m.group(2)), m.group(3)
        self.assertEqual(y, total, info)
        self.assertLess(x, total, "stopped with everything done" + info)
        if done is not None:
            self.assertEqual(x, done, "items done: not what the journal holds" + info)
        if resumable:
            self.assertEqual(tail, RESUMABLE, info)
        else:
            self.assertTrue(tail.startswith(NOT_RESUMABLE), info)
            self.assertNotIn(RESUMABLE, tail, info)
        return x

    def resume(self, args, np=2):
        """Runs args (which hold --checkpoint) with --resume and --json to
        the end; returns (report, info)."""
        report_path = self.path("resumed.json")
        if os.path.exists(report_path):
            os.remove(report_path)
        full = list(args) + ["--resume", "--json", "resumed.json"]
        proc, info = self.run_to_end(full, np)
        self.assertEqual(proc.returncode, 0, info)
        self.assertEqual(proc.stderr, "", info)
        self.assert_no_banner(proc, info)
        with open(report_path, encoding="utf-8") as f:
            return json.load(f), info

    def assert_checkpoint(self, report, info, journal, restored, computed,
                          torn=0):
        ckpt = report.get("checkpoint")
        self.assertIsInstance(ckpt, dict, info)
        self.assertEqual(ckpt["file"], journal, info)
        self.assertIs(ckpt["resumed"], True, info)
        self.assertEqual(ckpt["restored_items"], restored, info)
        self.assertEqual(ckpt["computed_items"], computed, info)
        self.assertEqual(ckpt["torn_records_dropped"], torn, info)
        return ckpt

    def assert_refused(self, proc, info, *contains):
        """Exit 2, nothing on stdout, one `rangefarm: error:` line holding
        each of contains; returns the line."""
        self.assertEqual(proc.returncode, USAGE, info)
        self.assertEqual(proc.stdout, "", info)
        self.assert_no_banner(proc, info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(lines[0].startswith("rangefarm: error: "), info)
        for text in contains:
            self.assertIn(text, lines[0], info)
        return lines[0]

    def refusals(self, cases, np=2):
        """Runs each case, (name, args, files, contains), at once, each in a
        dir of its own holding files {name: bytes}, with --json
        refused.json added; then checks, each in a subTest, that it was
        refused (exit 2, one error line holding each of contains) and left
        its dir as it was: every file byte for byte, no report, no state
        dir. Returns {name: the error line}."""
        started = []
        for n, (name, args, files, contains) in enumerate(cases):
            cwd = self.path(f"refusal{n}")
            os.mkdir(cwd)
            for file_name, data in files.items():
                with open(os.path.join(cwd, file_name), "wb") as f:
                    f.write(data)
            before = cli_common.snapshot(cwd)
            launch = self.start(list(args) + ["--json", "refused.json"], np, cwd)
            started.append((name, contains, cwd, before, launch))
        lines = {}
        for name, contains, cwd, before, launch in started:
            with self.subTest(name):
                proc = launch.wait(REFUSAL_S)
                info = cli_common.describe(launch.args, np, proc)
                lines[name] = self.assert_refused(proc, info, *contains)
                self.assertEqual(cli_common.tree_changes(before, cli_common.snapshot(cwd)),
                                 [], "the work dir changed" + info)
        return lines


class PerfectCheckpointTest(CheckpointCase):
    """perfect --to 1e9 at 2 ranks, stopped and resumed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_dir = tempfile.mkdtemp(prefix="rangefarm-ckpt-ref-")
        cls.addClassCleanup(shutil.rmtree, cls.class_dir, ignore_errors=True)
        args = PERFECT + ["--checkpoint", "full.jsonl", "--json", "ref.json"]
        with cli_common.Launch(BINARY, MPIRUN, args, 2, cwd=cls.class_dir) as launch:
            proc = launch.wait(RUN_S)
        info = cli_common.describe(args, 2, proc)
        if proc.returncode != 0:
            raise AssertionError("the reference run failed" + info)
        with open(os.path.join(cls.class_dir, "ref.json"), encoding="utf-8") as f:
            report = json.load(f)
        result = report["result"]
        for key, want in PERFECT_KNOWN.items():
            if result.get(key) != want:
                raise AssertionError(f"reference {key}: {result.get(key)} != known {want}" + info)
        want_ckpt = {"file": "full.jsonl", "resumed": False, "restored_items": 0,
                     "computed_items": PERFECT_ITEMS, "torn_records_dropped": 0}
        if report.get("checkpoint") != want_ckpt:
            raise AssertionError(f"reference checkpoint: {report.get('checkpoint')}" + info)
        cls.reference = result
        cls.full_journal = os.path.join(cls.class_dir, "full.jsonl")
        with open(cls.full_journal, "rb") as f:
            cls.finished_bytes = f.read()
        # Every record, without the end record the completed run added: the
        # journal of a run killed right after its last chunk.
        *records, end, _ = cls.finished_bytes.split(b"\n")
        if "end" not in json.loads(end):
            raise AssertionError(f"the reference journal has no end record: {end[:200]!r}")
        cls.full_bytes = b"\n".join(records) + b"\n"
        with open(cls.full_journal, "wb") as f:
            f.write(cls.full_bytes)
        cls.identity = json.loads(cls.full_bytes.split(b"\n", 1)[0])["run"]

    def args(self, journal="run.jsonl", extra=()):
        return PERFECT + ["--checkpoint", journal] + list(extra)

    def copy_full_journal(self, name="run.jsonl"):
        shutil.copyfile(self.full_journal, self.path(name))
        return name

    def check_resumed(self, args, journal, np=2, torn=None):
        """Resumes args; the result must be the reference, what the journal
        held restored, the rest computed, the journal only appended to and
        then complete. Returns the report."""
        _, records, lines, was_torn = self.check_journal(
            self.path(journal), self.identity, PERFECT_RANGE)
        if torn is not None:
            self.assertEqual(was_torn, torn, "torn last line")
        restored = self.items(records)
        report, info = self.resume(args, np)
        self.assertEqual(report["result"], self.reference, info)
        self.assert_checkpoint(report, info, journal, restored,
                               PERFECT_ITEMS - restored, torn=int(was_torn))
        _, after, after_lines, after_torn = self.check_journal(
            self.path(journal), self.identity, PERFECT_RANGE)
        self.assertFalse(after_torn, info)
        self.assertEqual(after_lines[:len(lines)], lines,
                         "the journal's records were rewritten" + info)
        self.assertEqual(self.items(after), PERFECT_ITEMS,
                         "the journal does not cover the range" + info)
        self.assertFalse(os.path.exists(self.path(state_dir(journal))), info)
        return report

    def kill_then_resume(self, victim):
        """SIGKILL of rank victim mid-run: prompt non-zero exit naming it;
        then the resume."""
        args = self.args()
        launch = self.start(args)
        ranks = self.wait_ranks(launch, 2)
        self.wait_records(launch, self.path("run.jsonl"), RECORDS_BEFORE_STOP)
        os.kill(ranks[victim], signal.SIGKILL)
        killed_at = time.monotonic()
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc)
        info += f"\n  SIGKILL to rank {victim} (pid {ranks[victim]}); ended " \
                f"{time.monotonic() - killed_at:.1f} s later"
        self.assertNotEqual(proc.returncode, 0, info)
        self.assertNotEqual(proc.returncode, STOPPED, info)
        died = [m for m in map(DIED_LINE.match, proc.stderr.splitlines()) if m]
        self.assertEqual(len(died), 1, "want one line naming the dead rank" + info)
        self.assertEqual(int(died[0].group(1)), victim, info)
        self.assertEqual(int(died[0].group(2)), ranks[victim], info)
        self.assertIn(died[0].group(3), (socket.gethostname(),
                                         socket.gethostname().split(".")[0]), info)
        self.assertEqual(proc.stderr.count("rangefarm: "), 1, info)
        self.assert_gone(launch, info)
        report = self.check_resumed(args, "run.jsonl")
        self.assertGreater(report["checkpoint"]["restored_items"], 0)

    def signal_then_resume(self, sig, ranks, np=2, resume_np=2, resume_extra=()):
        """sig to the given ranks mid-run: exit 75 with the one line whose
        X is what the journal holds; then (resume_np set) the resume."""
        args = self.args()
        launch = self.start(args, np)
        self.wait_ranks(launch, np)
        self.wait_records(launch, self.path("run.jsonl"), RECORDS_BEFORE_STOP)
        pids = self.send(launch, sig, ranks, np)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, np, proc)
        info += f"\n  {signal.Signals(sig).name} to ranks {ranks} (pids {pids})"
        _, records, _, torn = self.check_journal(self.path("run.jsonl"),
                                                 self.identity, PERFECT_RANGE)
        self.assertFalse(torn, "a stop must not tear the journal" + info)
        self.assertGreaterEqual(len(records), RECORDS_BEFORE_STOP, info)
        self.assert_stopped(proc, info, True, PERFECT_ITEMS, done=self.items(records))
        self.assert_gone(launch, info)
        if resume_np is not None:
            report = self.check_resumed(self.args(extra=resume_extra), "run.jsonl",
                                        np=resume_np, torn=False)
            self.assertGreater(report["checkpoint"]["restored_items"], 0)

    def test_sigkill_worker_fails_fast_then_resumes(self):
        self.kill_then_resume(1)

    def test_sigkill_rank0_fails_fast_then_resumes(self):
        self.kill_then_resume(0)

    def test_sigterm_worker_stops_then_resumes(self):
        self.signal_then_resume(signal.SIGTERM, [1])

    def test_sigint_rank0_stops(self):
        self.signal_then_resume(signal.SIGINT, [0], resume_np=None)

    def test_sigusr1_rank0_stops(self):
        self.signal_then_resume(signal.SIGUSR1, [0], resume_np=None)

    def test_sigterm_all_ranks_stops_then_resumes_other_schedule(self):
        # As Slurm signals every task. The schedule and chunk are not part
        # of the run's identity: the resume may cut what is left otherwise.
        self.signal_then_resume(signal.SIGTERM, [0, 1], resume_extra=[
            "--schedule", "static-cyclic", "--chunk", "7000000"])

    def test_sigterm_at_3_ranks_then_resume_at_2(self):
        self.signal_then_resume(signal.SIGTERM, [2], np=3, resume_np=2)

    def test_sigterm_without_checkpoint_not_resumable(self):
        args = PERFECT + ["--json", "report.json"]
        launch = self.start(args)
        ranks = self.wait_ranks(launch, 2)
        # No journal to watch: wait until both ranks have computed a while.
        cli_common.poll_until(
            "0.5 s of CPU time on each rank",
            lambda: all((cli_common.cpu_seconds(p) or 0) >= 0.5 for p in ranks.values()),
            STARTUP_S, launch)
        os.kill(ranks[1], signal.SIGTERM)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc) + "\n  SIGTERM to rank 1"
        self.assert_stopped(proc, info, False, PERFECT_ITEMS)
        self.assert_gone(launch, info)
        self.assertEqual([n for n in os.listdir(self.work) if "state" in n or "jsonl" in n],
                         [], info)

    def test_torn_last_line_dropped_and_recomputed(self):
        last = self.full_bytes.rstrip(b"\n").rsplit(b"\n", 1)[1] + b"\n"
        for cut in (1, 2, len(last) // 2, len(last) - 1):
            with self.subTest(bytes_cut=cut):
                journal = self.copy_full_journal(f"torn{cut}.jsonl")
                os.truncate(self.path(journal), len(self.full_bytes) - cut)
                report = self.check_resumed(self.args(journal), journal, torn=True)
                last_record = json.loads(last)
                self.assertEqual(report["checkpoint"]["computed_items"],
                                 last_record["hi"] - last_record["lo"])
                lines, tail = journal_lines(self.path(journal))
                self.assertEqual(tail, b"")
                self.assertIn(b'"end":', lines[-1], "no end record")
                self.assertEqual(sorted(lines[:-1]), sorted(self.full_bytes.split(b"\n")[:-1]),
                                 "the journal is not the complete one again")
        with self.subTest(bytes_cut="the whole last line: not torn"):
            journal = self.copy_full_journal("short.jsonl")
            os.truncate(self.path(journal), len(self.full_bytes) - len(last))
            report = self.check_resumed(self.args(journal), journal, torn=False)

    # A completed run's journal ends with its report, which --resume prints
    # back (test_journal_lock.py); one whose end record is missing (killed
    # right after its last chunk) resumes computing nothing.
    def test_completed_journal_resumes_computing_nothing(self):
        for name, data in (("finished", self.finished_bytes), ("no end record", self.full_bytes)):
            with self.subTest(name):
                journal = "done.jsonl"
                with open(self.path(journal), "wb") as f:
                    f.write(data)
                report, info = self.resume(self.args(journal))
                self.assertEqual(report["result"], self.reference, info)
                self.assert_checkpoint(report, info, journal, PERFECT_ITEMS, 0)
                self.assertEqual(report["checkpoint"].get("replayed", False),
                                 data == self.finished_bytes, info)
                with open(self.path(journal), "rb") as f:
                    self.assertEqual(f.read()[:len(data)], data, "the journal changed" + info)
                self.assertFalse(os.path.exists(self.path(state_dir(journal))), info)

    def test_resume_with_other_parameters_refused(self):
        # the command, then the words the error line must hold: the
        # identity's key, its value in the journal, its value here
        cases = [(["perfect", "--to", "2e9"], "to", "1000000000", "2000000000"),
                 (PERFECT + ["--from", "7"], "from", "1", "7"),
                 (PERFECT + ["--method", "trial"], "method", "sieve", "trial")]
        files = {"run.jsonl": self.full_bytes}
        lines = self.refusals([(" ".join(command), command + ["--checkpoint", "run.jsonl",
                                                              "--resume"], files, ["run.jsonl"])
                               for command, *_ in cases])
        for command, *words in cases:
            name = " ".join(command)
            for word in words:
                if name in lines:
                    self.assertRegex(lines[name], rf"\b{re.escape(word)}\b")

    def test_existing_journal_refused_without_resume(self):
        self.refusals([("existing journal", self.args(), {"run.jsonl": self.full_bytes},
                        ["run.jsonl", "--resume"])])

    def test_resume_refusals(self):
        lines = self.full_bytes.split(b"\n")

        def corrupt(i, new_line):
            bad = list(lines)
            bad[i] = new_line
            return {"bad.jsonl": b"\n".join(bad)}

        resume_bad = self.args("bad.jsonl", ["--resume"])
        self.refusals([
            ("--resume without --checkpoint", PERFECT + ["--resume"], {}, ["--checkpoint"]),
            ("--resume of a journal that is not there",
             self.args("missing.jsonl", ["--resume"]), {}, ["missing.jsonl"]),
            ("middle line cut short", resume_bad, corrupt(50, lines[50][:30]), ["bad.jsonl"]),
            ("middle line not JSON", resume_bad, corrupt(50, b"hello"), ["bad.jsonl"]),
            ("middle line a JSON array", resume_bad, corrupt(50, b"[1, 2]"), ["bad.jsonl"]),
            ("header cut short", resume_bad, corrupt(0, lines[0][:-5]), ["bad.jsonl"]),
        ])

    # A record that is whole JSON but not what rangefarm wrote: a changed
    # byte fails its CRC-32; with the CRC made to match, an undecodable
    # partial, a repeated record, one outside the range and one with
    # lo > hi are each refused as corrupt, never merged.
    def test_corrupt_record_content_refused(self):
        lines = self.full_bytes.split(b"\n")

        def journal(edit):
            bad = list(lines)
            edit(bad)
            return {"bad.jsonl": b"\n".join(bad)}

        def record(i, crc=True, **fields):
            r = json.loads(lines[i])
            r.update(fields)
            if crc:  # the journal's CRC-32 of "lo hi partial"
                r["crc"] = zlib.crc32(f"{r['lo']} {r['hi']} {r['partial']}".encode())
            return json.dumps(r).encode()

        r50 = json.loads(lines[50])
        resume_bad = self.args("bad.jsonl", ["--resume"])
        self.refusals([
            ("partial changed, CRC not", resume_bad,
             journal(lambda ls: ls.__setitem__(50, record(50, crc=False, partial="0 0\n"))),
             ["bad.jsonl"]),
            ("partial not decodable", resume_bad,
             journal(lambda ls: ls.__setitem__(50, record(50, partial="0 0\n"))), ["bad.jsonl"]),
            ("record repeated", resume_bad,
             journal(lambda ls: ls.insert(30, ls[40])), ["bad.jsonl"]),
            ("record outside the range", resume_bad,
             journal(lambda ls: ls.__setitem__(50, record(50, hi=2 * 10 ** 9))), ["bad.jsonl"]),
            ("record with lo > hi", resume_bad,
             journal(lambda ls: ls.__setitem__(50, record(50, lo=r50["hi"], hi=r50["lo"]))),
             ["bad.jsonl"]),
        ])


class MersenneCheckpointTest(CheckpointCase):
    """mersenne stopped inside Lucas-Lehmer tests, and its refusals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        result, info = cls.reference_run(MERSENNE_LL)
        cls.check_known(result, info)
        cls.reference = result

    @staticmethod
    def check_known(result, info):
        """86243 is a Mersenne prime exponent, 86239 is not and has no
        factor below the trial-factoring depth (both get a Lucas-Lehmer
        test); the perfect number's digits are checked in Python."""
        p = MERSENNE_PRIME_P
        digits = str((1 << (p - 1)) * ((1 << p) - 1))
        ll = {row["p"]: row for row in result["lucas_lehmer"]}
        checks = [
            (result["exponents"], [p]),
            (result["tested"], 2),
            (result["factored"], []),
            (sorted(ll), list(MERSENNE_LL_PRIMES)),
            (ll[p]["prime"], True),
            (ll[p]["res64"], "0" * 16),
            (ll[86239]["prime"], False),
            (ll[86239]["res64"] != "0" * 16, True),
            (result["perfect_numbers"], [{"p": p, "digits": len(digits),
                                          "leading_digits": digits[:20],
                                          "trailing_digits": digits[-20:]}]),
        ]
        for got, want in checks:
            if got != want:
                raise AssertionError(f"reference result: {got!r} != {want!r}"
                                     f"\n  result: {result}" + info)

    def test_stop_inside_lucas_lehmer_then_resume(self):
        journal = "m.jsonl"
        args = MERSENNE_LL + ["--checkpoint", journal]
        j = self.path(journal)
        primes = MERSENNE_LL_PRIMES

        # 1. Periodic saves every second: once both tests have saved, stop
        # the run through rank 1; rank 0's test must stop too.
        launch = self.start(args + ["--ll-save-every", "1"])
        cli_common.poll_until(
            "both Lucas-Lehmer state files",
            lambda: all(os.path.exists(state_file(j, p)) for p in primes),
            STARTUP_S, launch)
        seen = {p: saved_iterations(j, p) for p in primes}
        pids = self.send(launch, signal.SIGTERM, [1], 2)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(launch.args, 2, proc) + f"\n  SIGTERM to rank 1 {pids}"
        self.assert_stopped(proc, info, True, len(primes), done=0)
        self.assert_gone(launch, info)
        _, records, _, torn = self.check_journal(j, lo_hi=(primes[0], primes[-1] + 1))
        self.assertEqual((records, torn), ([], False), info)
        first = {p: saved_iterations(j, p) for p in primes}
        for p in primes:
            self.assertGreater(first[p], 0, info)
            self.assertGreaterEqual(first[p], seen[p], info)
            self.assertLess(first[p], p - 2, info)

        # 2. Resumed with saves an hour apart: after a while of computing,
        # stop it through rank 0. Only the save on the stop can move the
        # state files on, on both ranks.
        launch = self.start(args + ["--resume", "--ll-save-every", "3600"])
        ranks = self.wait_ranks(launch, 2)
        cli_common.poll_until(
            "1.5 s of CPU time on each rank",
            lambda: all((cli_common.cpu_seconds(p) or 0) >= 1.5 for p in ranks.values()),
            STARTUP_S, launch)
        os.kill(ranks[0], signal.SIGTERM)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(launch.args, 2, proc) + "\n  SIGTERM to rank 0"
        self.assert_stopped(proc, info, True, len(primes), done=0)
        self.assert_gone(launch, info)
        second = {p: saved_iterations(j, p) for p in primes}
        for p in primes:
            self.assertGreater(second[p], first[p],
                               f"p = {p}: not saved on the stop" + info)
            self.assertLess(second[p], p - 2, info)

        # 3. Resumed to the end: each test continues from its state.
        report, info = self.resume(args)
        self.assertEqual(report["result"], self.reference, info)
        ckpt = self.assert_checkpoint(report, info, journal, 0, len(primes))
        resumed = sorted(ckpt.get("lucas_lehmer_resumed", []), key=lambda r: r["p"])
        self.assertEqual(resumed, [{"p": p, "from_iteration": second[p]} for p in primes],
                         "the tests were not continued from their saved state" + info)
        self.assertFalse(os.path.exists(state_dir(j)), "state dir left behind" + info)
        _, records, _, torn = self.check_journal(j, lo_hi=(primes[0], primes[-1] + 1))
        self.assertEqual((self.items(records), torn), (len(primes), False), info)

    def test_journal_refusals_and_completed_resume(self):
        journal = "small.jsonl"
        base = ["mersenne", "--to", "1000", "--checkpoint", journal]
        proc, info = self.run_to_end(base + ["--json", "first.json"])
        self.assertEqual(proc.returncode, 0, info)
        self.assertFalse(os.path.exists(self.path(state_dir(journal))), info)
        with open(self.path("first.json"), encoding="utf-8") as f:
            first = json.load(f)
        self.assertEqual(first["checkpoint"]["lucas_lehmer_resumed"], [], info)
        total = first["checkpoint"]["computed_items"]
        self.assertEqual(total, first["result"]["tested"], info)

        with open(self.path(journal), "rb") as f:
            files = {journal: f.read()}
        # the options changed, and a word the error line must hold
        cases = [(["--tf-bits", "20"], "tf_bits"),
                 (["--to", "2000"], "2000")]
        refusals = [(" ".join(extra),
                     [a for a in base if extra[0] != "--to" or a not in ("--to", "1000")]
                     + extra + ["--resume"], files, [journal]) for extra, _ in cases]
        refusals.append(("existing journal without --resume", base, files,
                         [journal, "--resume"]))
        lines = self.refusals(refusals)
        for extra, word in cases:
            if " ".join(extra) in lines:
                self.assertRegex(lines[" ".join(extra)], rf"\b{re.escape(word)}\b")

        with self.subTest("completed journal resumed"):
            with open(self.path(journal), "rb") as f:
                before = f.read()
            report, info = self.resume(base)
            self.assertEqual(report["result"], first["result"], info)
            ckpt = self.assert_checkpoint(report, info, journal, total, 0)
            self.assertEqual(ckpt["lucas_lehmer_resumed"], [], info)
            with open(self.path(journal), "rb") as f:
                self.assertEqual(f.read(), before, "the journal changed" + info)
            self.assertFalse(os.path.exists(self.path(state_dir(journal))), info)

    # A worker with no work left still passes a signal on: here rank 0
    # holds the only exponent (static-cyclic) and SIGTERM goes to rank 1.
    def test_signal_to_idle_worker_stops_run(self):
        journal = "idle.jsonl"
        args = ["mersenne", "--from", "86243", "--to", "86243", "--schedule",
                "static-cyclic", "--checkpoint", journal, "--ll-save-every", "1"]
        launch = self.start(args)
        cli_common.poll_until("a Lucas-Lehmer state file",
                              lambda: os.path.exists(state_file(self.path(journal), 86243)),
                              STARTUP_S, launch)
        pids = self.send(launch, signal.SIGTERM, [1], 2)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc) + f"\n  SIGTERM to rank 1 {pids}"
        self.assert_stopped(proc, info, True, 1, done=0)


class TornHeaderTest(CheckpointCase):
    """A journal whose run died while writing its first line holds nothing
    to restore: --resume starts it afresh with one line saying so, and the
    run completes (issue 17, item 6: it was refused as "empty or not a
    rangefarm journal"). A torn header of another run is refused
    (test_bad_input.py)."""

    def test_torn_or_empty_header_starts_afresh(self):
        args = ["perfect", "--to", "1e6", "--checkpoint", "j.jsonl"]
        proc, info = self.run_to_end(args + ["--json", "whole.json"])
        self.assertEqual(proc.returncode, 0, info)
        with open(self.path("whole.json"), encoding="utf-8") as f:
            want = json.load(f)["result"]
        lines, _ = journal_lines(self.path("j.jsonl"))
        for cut in (0, 1, 25, len(lines[0])):
            with self.subTest(header_bytes=cut):
                with open(self.path("j.jsonl"), "wb") as f:
                    f.write(lines[0][:cut])
                full = args + ["--resume", "--json", "resumed.json"]
                proc, info = self.run_to_end(full)
                self.assertEqual(proc.returncode, 0, info)
                self.assertEqual(proc.stderr, "rangefarm: checkpoint 'j.jsonl' holds no whole "
                                 "first line (its run died as it began): nothing to restore, "
                                 "started afresh\n", info)
                with open(self.path("resumed.json"), encoding="utf-8") as f:
                    report = json.load(f)
                self.assertEqual(report["result"], want, info)
                self.assertEqual(report["checkpoint"]["restored_items"], 0, info)
                header, records, _, torn = self.check_journal(self.path("j.jsonl"))
                self.assertEqual(header, json.loads(lines[0]), info)
                self.assertEqual((self.items(records), torn), (10 ** 6, False), info)


# factorial: ten values of about 3e6!, each cut into one piece per rank, so
# 20 pieces at 2 ranks, each over 2^24 bits: every piece is saved.
FACTORIAL_NS = [str(3000000 + i) for i in range(10)]
FACTORIAL_PIECES = 20


class FactorialCheckpointTest(CheckpointCase):
    """factorial stopped among its pieces: the saved pieces are reloaded,
    a missing one is made again, and the result is the uninterrupted one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference, info = cls.reference_run(["factorial", *FACTORIAL_NS])
        if [r["check"] for r in cls.reference] != ["ok"] * len(FACTORIAL_NS):
            raise AssertionError("the reference failed its checks" + info)

    def test_stop_then_resume_reloads_saved_pieces(self):
        journal = self.path("f.jsonl")
        args = ["factorial", *FACTORIAL_NS, "--checkpoint", "f.jsonl"]
        launch = self.start(args)
        self.wait_records(launch, journal, 3)
        pids = self.send(launch, signal.SIGTERM, [1], 2)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc) + f"\n  SIGTERM to rank 1 {pids}"
        header, records, _, torn = self.check_journal(journal, lo_hi=(0, FACTORIAL_PIECES))
        self.assertEqual(header["run"], {"workload": "factorial", "ranks": 2,
                                         "ns": [int(n) for n in FACTORIAL_NS]}, info)
        self.assertFalse(torn, info)
        self.assert_stopped(proc, info, True, FACTORIAL_PIECES, done=self.items(records))
        self.assert_gone(launch, info)
        # Every journaled piece has its GMP raw file; lose one of them.
        pieces = [lo for lo, _, _ in records]
        for piece in pieces:
            self.assertTrue(os.path.exists(os.path.join(state_dir(journal), f"piece-{piece}.raw")),
                            f"piece {piece} journaled but not saved" + info)
        os.remove(os.path.join(state_dir(journal), f"piece-{pieces[0]}.raw"))

        report, info = self.resume(args)
        self.assertEqual(report["result"], self.reference, "not the uninterrupted result" + info)
        restored = len(pieces) - 1
        self.assert_checkpoint(report, info, "f.jsonl", restored, FACTORIAL_PIECES - restored)
        self.assertFalse(os.path.exists(state_dir(journal)),
                         "the saved pieces outlive the completed run" + info)


# synthetic: 300 tasks of one unit, 10 ms each, slept: 1.5 s at 2 ranks,
# one record a task. Neither the unit nor --sleep/--spin is part of the
# run's identity (they change no result): the reference and most resumes
# run at --unit-ms 0.
SYNTHETIC = ["synthetic", "--tasks", "300", "--cost", "uniform"]
SYNTHETIC_TASKS = 300
SYNTHETIC_IDENTITY = {"workload": "synthetic", "tasks": 300, "cost": "uniform",
                      "seed": 1, "items": "tasks"}
# Records journaled before the run is stopped: about a third of it.
SYNTHETIC_RECORDS_BEFORE_STOP = 100


class SyntheticCheckpointTest(CheckpointCase):
    """synthetic stopped by SIGTERM to a rank, resumed with another unit
    and mode, and its refusals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        result, info = cls.reference_run(SYNTHETIC + ["--unit-ms", "0"])
        want = {"tasks": SYNTHETIC_TASKS, "units": SYNTHETIC_TASKS, "longest_task_units": 1}
        if {k: result.get(k) for k in want} != want:
            raise AssertionError(f"reference result: {result}" + info)
        cls.reference = result

    def args(self, journal="s.jsonl", extra=()):
        return SYNTHETIC + ["--checkpoint", journal] + list(extra)

    def stop_by_sigterm(self, journal):
        """Starts the slept run, SIGTERM to rank 1 once a third of it is
        journaled: exit 75 and the one line, X what the journal holds.
        Returns X."""
        args = self.args(journal, ["--unit-ms", "10"])
        launch = self.start(args)
        self.wait_records(launch, self.path(journal), SYNTHETIC_RECORDS_BEFORE_STOP)
        pids = self.send(launch, signal.SIGTERM, [1], 2)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc) + f"\n  SIGTERM to rank 1 {pids}"
        _, records, _, torn = self.check_journal(self.path(journal), SYNTHETIC_IDENTITY,
                                                 (1, SYNTHETIC_TASKS + 1))
        self.assertFalse(torn, "a stop must not tear the journal" + info)
        done = self.items(records)
        self.assertGreaterEqual(done, SYNTHETIC_RECORDS_BEFORE_STOP, info)
        self.assert_stopped(proc, info, True, SYNTHETIC_TASKS, done=done)
        self.assert_gone(launch, info)
        return done

    def check_resumed(self, journal, done, extra):
        """Resumes with extra options: the reference result, X restored and
        the rest computed, the journal complete."""
        report, info = self.resume(self.args(journal, extra))
        self.assertEqual(report["result"], self.reference, info)
        ckpt = self.assert_checkpoint(report, info, journal, done, SYNTHETIC_TASKS - done)
        self.assertEqual(ckpt["restored_items"] + ckpt["computed_items"], SYNTHETIC_TASKS,
                         info)
        self.assertEqual(report["items_total"], SYNTHETIC_TASKS - done, info)
        _, records, _, torn = self.check_journal(self.path(journal), SYNTHETIC_IDENTITY,
                                                 (1, SYNTHETIC_TASKS + 1))
        self.assertEqual((self.items(records), torn), (SYNTHETIC_TASKS, False), info)
        return report

    def test_sigterm_then_resume_with_other_unit_and_mode(self):
        done = self.stop_by_sigterm("s.jsonl")
        with open(self.path("s.jsonl"), "rb") as f:
            stopped = f.read()
        shutil.copyfile(self.path("s.jsonl"), self.path("copy.jsonl"))

        # The unit and the mode change no result: a resume may change them.
        with self.subTest("resumed with --unit-ms 0"):
            report = self.check_resumed("s.jsonl", done, ["--unit-ms", "0"])
            self.assertNotIn("makespan_units", report["timing"])
        with self.subTest("resumed with --spin --unit-ms 0.5"):
            report = self.check_resumed("copy.jsonl", done, ["--spin", "--unit-ms", "0.5"])
            self.assertEqual(report["params"]["mode"], "spin")
            self.assertEqual(report["params"]["unit_ms"], 0.5)
            # The restored tasks are not in this run's wall: no bound to compare.
            self.assertNotIn("lower_bound_units", report["timing"])

        # What numbers or costs the tasks is the run's identity.
        files = {"s.jsonl": stopped}
        cases = [(["--seed", "2"], "seed", "1", "2"),
                 (["--cost", "linear"], "cost", "uniform", "linear"),
                 (["--tasks", "301"], "tasks", "300", "301")]
        refusals = []
        for (option, value), *_ in cases:
            command = list(SYNTHETIC)
            if option in command:
                command[command.index(option) + 1] = value
            else:
                command += [option, value]
            refusals.append((f"{option} {value}", command + [
                "--unit-ms", "0", "--checkpoint", "s.jsonl", "--resume"], files, ["s.jsonl"]))
        refusals.append(("existing journal without --resume",
                         self.args("s.jsonl", ["--unit-ms", "0"]), files, ["s.jsonl", "--resume"]))
        lines = self.refusals(refusals)
        for extra, key, there, here in cases:
            name = " ".join(extra)
            if name in lines:
                self.assertIn(f"belongs to another run ({key} ", lines[name])
                for word in (there, here):
                    self.assertRegex(lines[name], rf"\b{re.escape(word)}\b")

    # Largest-first hands the tasks out by cost; the journal names them, so
    # the resume (at 3 ranks, the schedule and chunk changed) restores the
    # same tasks. Every schedule and order pair: test_resume_orders.py.
    def test_largest_first_stopped_then_resumed_at_3_ranks(self):
        args = ["synthetic", "--tasks", "60", "--cost", "linear", "--checkpoint", "lf.jsonl"]
        identity = {"workload": "synthetic", "tasks": 60, "cost": "linear", "seed": 1,
                    "items": "tasks"}
        launch = self.start(args + ["--unit-ms", "2", "--schedule", "dynamic"])
        self.wait_records(launch, self.path("lf.jsonl"), 6)
        pids = self.send(launch, signal.SIGTERM, [0], 2)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(launch.args, 2, proc) + f"\n  SIGTERM to rank 0 {pids}"
        _, records, _, torn = self.check_journal(self.path("lf.jsonl"), identity, (1, 61))
        self.assertFalse(torn, info)
        done = self.assert_stopped(proc, info, True, 60, done=self.items(records))
        report, info = self.resume(args + ["--unit-ms", "0", "--schedule", "guided",
                                           "--chunk", "4"], np=3)
        # 1 + ... + 60, the longest 60; the checksum is a run's of 60 tasks.
        self.assertEqual(report["result"]["tasks"], 60, info)
        self.assertEqual(report["result"]["units"], 1830, info)
        self.assertEqual(report["result"]["longest_task_units"], 60, info)
        self.assert_checkpoint(report, info, "lf.jsonl", done, 60 - done)
        proc, info = self.run_to_end(["synthetic", "--tasks", "60", "--cost", "linear",
                                      "--unit-ms", "0", "--order", "given", "--json", "-"])
        self.assertEqual(proc.returncode, 0, info)
        self.assertEqual(report["result"], json.loads(proc.stdout)["result"], info)

    # A task yields every fraction of a millisecond and a stop drops it, so
    # even an hour-long task ends within the prompt-exit bound.
    def test_stop_interrupts_a_long_task(self):
        args = ["synthetic", "--tasks", "2", "--cost", "linear", "--unit-ms", "3600000",
                "--schedule", "static-cyclic", "--checkpoint", "long.jsonl"]
        launch = self.start(args)
        # The journal is made after the signal handlers are in place.
        cli_common.poll_until("the journal", lambda: os.path.exists(self.path("long.jsonl")),
                              STARTUP_S, launch)
        time.sleep(0.3)
        pids = self.send(launch, signal.SIGTERM, [1], 2)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc) + f"\n  SIGTERM to rank 1 {pids}"
        self.assert_stopped(proc, info, True, 2, done=0)
        self.assert_gone(launch, info)

    # A stop that arrives while one rank sieves the last chunk (no work left
    # to hand out) cuts that chunk: the run stops within the bound, exit 75,
    # with the part it finished journaled, and the resume does only the rest
    # (before issue 23 the chunk ran to its end, and the run completed).
    def test_stop_during_the_last_chunk_cuts_it(self):
        args = ["perfect", "--to", "4e8", "--chunk", "4e8", "--checkpoint", "one.jsonl"]
        launch = self.start(args)
        # One chunk: one rank sieves it, the other is idle from the start.
        pids = self.wait_ranks(launch, 2)
        cli_common.poll_until("the journal", lambda: os.path.exists(self.path("one.jsonl")),
                              STARTUP_S, launch)
        time.sleep(0.3)
        for pid in pids.values():
            os.kill(pid, signal.SIGTERM)
        proc = launch.wait(PROMPT_EXIT_S)
        info = cli_common.describe(args, 2, proc) + f"\n  SIGTERM to both ranks {pids}"
        done = self.assert_stopped(proc, info, True, 400_000_000)
        self.assertGreater(done, 0, "the part of the chunk finished was kept" + info)
        self.assertEqual(count_records(self.path("one.jsonl")), 1, info)
        report, info = self.resume(args)
        self.assertEqual(report["result"]["perfect_numbers"], [6, 28, 496, 8128, 33550336], info)
        self.assert_checkpoint(report, info, "one.jsonl", done, 400_000_000 - done)


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_checkpoint.py")
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
