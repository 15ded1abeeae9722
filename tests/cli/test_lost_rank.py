#!/usr/bin/env python3
"""A rank lost on this host, in every workload and phase, end to end.

Each case starts a run under mpirun, SIGKILLs one or more rank processes
while it works, and checks (lost_rank_common.check_lost) that the run ends
within 5 s, non-zero and not 75, with exactly one line naming exactly the
ranks killed (pid and host), the items safe in the journal (what the file
holds) and the resume command; then, where it says so, runs that command at
another rank count and compares the result with an uninterrupted run's.

Cases: rank 2 of 3 (it used to name rank 0 as dead too), rank 1 of 3 (the
deputy), rank 0 (named by the deputy), two ranks at once, a run without a
journal, mpirun without -q; the factorial killed in each of its phases
(pieces, combine, check, decimal: it used to exit 137 in silence), mersenne
in trial factoring and in a Lucas-Lehmer test, a synthetic task.

Frozen ranks (SIGSTOP, RANGEFARM_HEARTBEAT_TIMEOUT=3): rank 0 frozen longer
than the timeout must be named by the deputy alone, and woken (mpirun wakes
it to end it) neither print a line of its own nor add to the journal, so
that the deputy's count is what the journal holds at the end and what the
resume restores (it used to print a second, contradicting line, and the
deputy's count fell short); a frozen worker is named by rank 0 alone.

  test_lost_rank.py --binary build/apps/rangefarm [unittest options]
"""

import json
import os
import re
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402
from lost_rank_common import check_lost  # noqa: E402

BINARY = None
MPIRUN = None
STARTUP_S = 90
# Frozen ranks: the heartbeat timeout the run gets, and how long the test
# keeps the rank frozen (mpirun wakes it sooner to end the run).
HEARTBEAT_S = 3
FROZEN_S = 15
SAFE_COUNT = re.compile(r"(\d+) finished items are safe")

PERFECT = ["perfect", "--to", "1e9", "--chunk", "25000000", "--quiet"]
PERFECT_COUNTS = {"deficient": 752389040, "perfect": 5, "abundant": 247610955}
FACTORIAL = ["factorial", "4000000", "3000000", "2000000", "1000000", "--schedule", "guided",
             "--quiet"]
# Trial factoring to 2^60 at p near 2e6 takes minutes; the Lucas-Lehmer
# test of p = 86243 (no trial factoring) about 10 s.
MERSENNE_TF = ["mersenne", "--from", "2000000", "--to", "2000100", "--tf-bits", "60", "--quiet"]
MERSENNE_LL = ["mersenne", "--from", "86243", "--to", "86243", "--tf-bits", "0", "--quiet"]
SYNTHETIC = ["synthetic", "--tasks", "6", "--cost", "uniform", "--unit-ms", "20000",
             "--sleep", "--quiet"]


def wchan(pid):
    """Where in the kernel process pid waits ("" when it runs or is gone)."""
    try:
        with open(f"/proc/{pid}/wchan", encoding="ascii") as f:
            return f.read()
    except OSError:
        return ""


class LostRankTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rf-lost-")
        self.journal = os.path.join(self.work, "run.jsonl")

    def start(self, args, np, launcher=None, env=None):
        launch = cli_common.Launch(BINARY, MPIRUN, args, np, cwd=self.work, launcher=launcher,
                                   env=env)
        self.addCleanup(launch.cleanup)
        return launch

    def ranks_up(self, launch, np):
        def all_up():
            ranks = launch.ranks()
            return ranks if sorted(ranks) == list(range(np)) else None
        return cli_common.poll_until(f"{np} rank processes", all_up, STARTUP_S, launch)

    def kill(self, launch, np, victims, after_s=0.0, records=0):
        """SIGKILLs the victims once all ranks are up, after_s seconds have
        passed and the journal holds `records` records; returns (proc,
        {rank: (pid, host)} killed, seconds from the kill to the end)."""
        pids = self.ranks_up(launch, np)
        if records:
            cli_common.poll_until(f"{records} records", lambda: self.records() >= records,
                                  STARTUP_S, launch)
        time.sleep(after_s)
        for rank in victims:
            os.kill(pids[rank], signal.SIGKILL)
        killed_at = time.monotonic()
        proc = launch.wait(60)
        host = socket.gethostname()
        return proc, {r: (pids[r], host) for r in victims}, time.monotonic() - killed_at

    def records(self):
        return cli_common.count_records(self.journal)

    def lost_case(self, args, np, victims, after_s=0.0, records=0, journal=True,
                  launcher=None):
        full = args + (["--checkpoint", self.journal] if journal else [])
        launch = self.start(full, np, launcher)
        proc, lost, elapsed = self.kill(launch, np, victims, after_s, records)
        info = cli_common.describe(full, np, proc) + f"\n  killed {lost}; ended {elapsed:.2f} s later"
        seen_from = 1 if 0 in victims else None
        resume = check_lost(self, proc, lost, info, elapsed,
                            self.journal if journal else None, seen_from)
        if launcher is None:
            self.assertEqual(launch.leftovers(), [], info)
        return resume, info

    def resumed_result(self, resume, np=2):
        """The result of the resume command the line gave, at np ranks."""
        proc = cli_common.run(BINARY, MPIRUN, resume + ["--json", "-"], np, cwd=self.work)
        report, info = cli_common.json_report(self, proc, resume, np, resume[0])
        self.assertGreater(report["checkpoint"]["restored_items"] +
                           report["checkpoint"]["computed_items"], 0, info)
        return report["result"]

    def reference(self, args, np=1):
        proc = cli_common.run(BINARY, MPIRUN, args + ["--json", "-"], np, cwd=self.work)
        report, _ = cli_common.json_report(self, proc, args, np, args[0])
        return report

    # perfect: who is named, and that nothing finished is lost

    def test_third_rank_of_three_is_the_only_one_named(self):
        resume, _ = self.lost_case(PERFECT + ["--schedule", "guided"], 3, [2], records=1)
        result = self.resumed_result(resume)
        self.assertEqual(result["counts"], PERFECT_COUNTS)

    def test_deputy_rank_named_by_rank0(self):
        resume, _ = self.lost_case(PERFECT, 3, [1], records=2)
        self.assertEqual(self.resumed_result(resume, np=1)["counts"], PERFECT_COUNTS)

    def test_rank0_named_by_the_deputy(self):
        resume, _ = self.lost_case(PERFECT, 3, [0], records=2)
        self.assertEqual(self.resumed_result(resume, np=3)["counts"], PERFECT_COUNTS)

    def test_two_ranks_at_once_both_named(self):
        self.lost_case(PERFECT, 4, [1, 3], records=2)

    def test_without_journal_says_nothing_was_saved(self):
        self.lost_case(PERFECT, 2, [1], after_s=1.0, journal=False)

    def test_without_quiet_the_line_is_there_too(self):
        """mpirun without -q adds its own banner; the one rangefarm line
        must still be there (banners are checked only under -q)."""
        full = PERFECT + ["--checkpoint", self.journal]
        # cli_common's environment makes mpirun quiet as -q does: undo that.
        launch = self.start(full, 2, launcher=["-np", "2"],
                            env={"OMPI_MCA_orte_execute_quiet": "0"})
        proc, lost, elapsed = self.kill(launch, 2, [1], records=2)
        info = cli_common.describe(full, 2, proc)
        proc.stderr = "\n".join(line for line in proc.stderr.splitlines()
                                if line.startswith("rangefarm: "))
        proc.stdout = ""
        check_lost(self, proc, lost, info, elapsed, self.journal)

    # frozen ranks: silent, not dead

    def frozen_case(self, victim, np=3):
        """SIGSTOPs the victim once the journal holds 2 records, and wakes
        it FROZEN_S later (mpirun wakes it sooner, to end the run); returns
        (resume command, the line's count, info)."""
        full = PERFECT + ["--checkpoint", self.journal]
        launch = self.start(full, np, env={"RANGEFARM_HEARTBEAT_TIMEOUT": str(HEARTBEAT_S)})
        pids = self.ranks_up(launch, np)
        cli_common.poll_until("2 records", lambda: self.records() >= 2, STARTUP_S, launch)
        os.kill(pids[victim], signal.SIGSTOP)
        stopped_at = time.monotonic()
        while launch.running() and time.monotonic() - stopped_at < FROZEN_S:
            time.sleep(0.05)
        try:
            os.kill(pids[victim], signal.SIGCONT)
        except ProcessLookupError:
            pass
        proc = launch.wait(60)
        elapsed = time.monotonic() - stopped_at
        info = (cli_common.describe(full, np, proc) +
                f"\n  rank {victim} frozen; the run ended {elapsed:.2f} s later")
        host = socket.gethostname()
        # The silence takes HEARTBEAT_S to count; the bound is on what follows.
        resume = check_lost(self, proc, {victim: (pids[victim], host)}, info,
                            max(elapsed - HEARTBEAT_S, 0), self.journal,
                            seen_from=1 if victim == 0 else None)
        self.assertEqual(launch.leftovers(), [], info)
        count = int(SAFE_COUNT.search(proc.stderr).group(1))
        return resume, count, info

    def test_rank0_frozen_is_named_by_the_deputy_alone(self):
        resume, count, info = self.frozen_case(0)
        proc = cli_common.run(BINARY, MPIRUN, resume + ["--json", "-"], 2, cwd=self.work)
        report, _ = cli_common.json_report(self, proc, resume, 2, "perfect")
        self.assertEqual(report["checkpoint"]["restored_items"], count,
                         "the resume restores what the line said was safe" + info)
        self.assertEqual(report["result"]["counts"], PERFECT_COUNTS, info)

    def test_worker_frozen_is_named_by_rank0(self):
        self.frozen_case(2)

    # the very end: the workers done, rank 0 still writing the results

    def test_rank0_lost_while_writing_the_results_is_named(self):
        """rank 0 blocked opening its --json file (a FIFO nobody reads),
        after the workers have returned from the run: killed there, the
        deputy must name it (the workers used to wait in MPI_Finalize,
        unwatched: exit 137 and no line), and the resume gives the result."""
        fifo = os.path.join(self.work, "report.fifo")
        os.mkfifo(fifo)
        args = ["perfect", "--to", "1e8", "--chunk", "10000000", "--json", fifo, "--quiet"]
        full = args + ["--checkpoint", self.journal]
        launch = self.start(full, 3)
        pids = self.ranks_up(launch, 3)
        # A FIFO's open for writing waits for a reader in wait_for_partner.
        cli_common.poll_until("rank 0 at its report", lambda: wchan(pids[0]) == "wait_for_partner",
                              STARTUP_S, launch)
        time.sleep(0.5)  # the workers have left the run and wait for rank 0
        os.kill(pids[0], signal.SIGKILL)
        killed_at = time.monotonic()
        proc = launch.wait(60)
        elapsed = time.monotonic() - killed_at
        info = cli_common.describe(full, 3, proc) + f"\n  ended {elapsed:.2f} s after the kill"
        resume = check_lost(self, proc, {0: (pids[0], socket.gethostname())}, info, elapsed,
                            self.journal, seen_from=1)
        self.assertEqual(launch.leftovers(), [], info)
        resume[resume.index("--json") + 1] = "-"
        proc = cli_common.run(BINARY, MPIRUN, resume, 2, cwd=self.work)
        report, _ = cli_common.json_report(self, proc, resume, 2, "perfect")
        self.assertEqual(report["result"]["counts"],
                         {"deficient": 75239327, "perfect": 5, "abundant": 24760668}, info)

    # every phase of the other workloads

    def test_factorial_every_phase(self):
        """The kill lands in the middle of each phase of an uninterrupted
        run's timing (phases shift on a busy machine: each kill is checked
        the same way wherever it lands)."""
        args = FACTORIAL + ["--output", os.path.join(self.work, "digits.txt")]
        ref = self.reference(args, np=2)
        phases = ref["timing"]["phases"]
        start = 0.0
        for name in ("pieces_s", "combine_s", "check_s", "decimal_s"):
            middle = start + phases[name] / 2
            start += phases[name]
            with self.subTest(phase=name, at_s=round(middle, 2)):
                if os.path.exists(self.journal):
                    os.remove(self.journal)
                self.lost_case(args, 2, [1], after_s=middle)

    def test_mersenne_in_trial_factoring(self):
        self.lost_case(MERSENNE_TF, 2, [1], after_s=0.5)

    def test_mersenne_in_lucas_lehmer(self):
        self.lost_case(MERSENNE_LL, 2, [0], after_s=1.0)

    def test_synthetic_inside_a_task(self):
        resume, _ = self.lost_case(SYNTHETIC, 3, [2], after_s=1.0)
        self.assertEqual(resume[0], "synthetic")


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_lost_rank.py")
    BINARY, MPIRUN = opts.binary, opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
