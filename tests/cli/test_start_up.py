#!/usr/bin/env python3
"""A rank that never starts is named, not waited for (start_watch.hpp), on
this host under mpirun -q.

With RANGEFARM_START_TIMEOUT=START_TIMEOUT_S, each case checks
(lost_rank_common.check_start_failed) that the run ends, within the
timeout plus END_MARGIN_S, with exactly one rangefarm line of the expected
kind that names the speaking rank (pid, host), the job size, and the ranks
that never reported where the speaker can know them; no MPI banner:

  a rank stopped with SIGSTOP before it calls MPI_Init (an MPMD launch:
    `mpirun -np 2 rangefarm ... : -np 1 sh -c 'kill -STOP $$; exec
    rangefarm ...'`; the test ends that process itself at the end): rank 0,
    still in MPI_Init at the deadline, says so; status 77;
  a rank that stops itself right after MPI_Init (the test hook
    RANGEFARM_TEST_START_FAULT=R:stop): rank 0 names it as never reported,
    status 77; for rank 0 stopped so, rank 1 says rank 0 never answered;
  a rank that exits right after MPI_Init (R:exit): mpirun ends the others
    with SIGTERM, and rank 0 (rank 1 for rank 0) names it in the stop line
    at once; mpirun's status is 1;
  a rank that exits once the health links exist (R:exit-linked), as the
    others enter the run's first collectives: the health link names it;
  a rank killed (SIGKILL) at once when it appears, and 0.15 s later, in
    `perfect --to 3e9 --checkpoint` at 2 ranks (it used to give exit 137 and
    no line at all): the one line is the start-up stop line, or the lost-rank
    line where the kill came after the health links were made.

  test_start_up.py --binary build/apps/rangefarm [unittest options]
"""

import os
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402
import lost_rank_common as lrc  # noqa: E402

BINARY = None
MPIRUN = None
START_TIMEOUT_S = 4
# From the deadline to the launcher's end: rank 0's line, then mpirun ends
# the others (SIGCONT, then SIGTERM a second later); a rank that stopped
# itself is ended by mpirun too. Generous for a loaded machine.
END_MARGIN_S = 12
ARGS = ["perfect", "--to", "1e9", "--quiet"]
STARTUP_S = 60


class StartUp(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rf-start-")
        self.host = os.uname().nodename

    def launch(self, args, np, env=None, launcher=None, wrapper=()):
        env = dict({"RANGEFARM_START_TIMEOUT": str(START_TIMEOUT_S)}, **(env or {}))
        launch = cli_common.Launch(BINARY, MPIRUN, args, np, cwd=self.work, env=env,
                                   launcher=launcher, wrapper=wrapper)
        self.addCleanup(launch.cleanup)  # ends a stopped rank too
        return launch

    def finish(self, launch, limit_s):
        proc = launch.wait(limit_s + 30)
        elapsed = time.monotonic() - launch.started
        info = cli_common.describe(launch.args, launch.np, proc) + f"\n  ended after {elapsed:.2f} s"
        self.assertLess(elapsed, limit_s, "the run did not end in time" + info)
        return proc, info, elapsed

    def pid_of(self, launch, rank):
        return cli_common.poll_until(f"rank {rank}", lambda: launch.ranks().get(rank),
                                     STARTUP_S, launch)

    def test_rank_stopped_before_mpi_init_is_waited_for_only_until_the_deadline(self):
        # rank 2 is a shell that stops itself before it execs rangefarm
        launcher = ["-q", "-np", "2", BINARY, *ARGS, ":", "-np", "1"]
        wrapper = ["sh", "-c", 'kill -STOP $$; exec "$0" "$@"']
        launch = self.launch(ARGS, 3, launcher=launcher, wrapper=wrapper)
        rank0 = self.pid_of(launch, 0)
        proc, info, elapsed = self.finish(launch, START_TIMEOUT_S + END_MARGIN_S)
        self.assertEqual(proc.returncode, lrc.START_FAILED, info)
        lrc.check_start_failed(self, proc, info, ["in-init"], 3, speaker=(0, rank0, self.host))
        sys.stderr.write(f"\n  stopped before MPI_Init: ended after {elapsed:.2f} s, "
                         f"status {proc.returncode}\n  {proc.stderr.strip()}\n")

    def fault_case(self, fault, np, kinds, status, speaker_rank, missing=None):
        launch = self.launch(ARGS, np, env={"RANGEFARM_TEST_START_FAULT": fault})
        speaker = self.pid_of(launch, speaker_rank)
        proc, info, elapsed = self.finish(launch, START_TIMEOUT_S + END_MARGIN_S)
        self.assertEqual(proc.returncode, status, info)
        lrc.check_start_failed(self, proc, info, kinds, np,
                               speaker=(speaker_rank, speaker, self.host), missing=missing)
        sys.stderr.write(f"\n  {fault}: ended after {elapsed:.2f} s, status {proc.returncode}"
                         f"\n  {proc.stderr.strip()}\n")
        return elapsed

    def test_worker_stopped_after_mpi_init_is_named_by_rank0(self):
        self.fault_case("2:stop", 3, ["unreported"], lrc.START_FAILED, 0, missing=[2])

    def test_rank0_stopped_after_mpi_init_is_named_by_rank1(self):
        self.fault_case("0:stop", 3, ["rank0-silent"], lrc.START_FAILED, 1)

    def test_worker_exiting_after_mpi_init_is_named_at_once(self):
        elapsed = self.fault_case("2:exit", 3, ["stopped-unreported"], 1, 0, missing=[2])
        self.assertLess(elapsed, START_TIMEOUT_S, "named by mpirun's stop, not the deadline")

    def test_rank0_exiting_after_mpi_init_is_named_by_rank1(self):
        self.fault_case("0:exit", 3, ["stopped-rank0-silent"], 1, 1)

    def test_rank_lost_in_the_first_collectives_is_named_by_the_links(self):
        """RANK:exit-linked: rank 2 exits once the health links exist, while
        the others enter the run's first collectives (the checks of the
        output files and the journal: RunControl's agree_on_rank0, then
        RankZeroStore's and farm()'s broadcasts); the health link must end
        them, with the lost-rank line, as it does later in the run."""
        journal = os.path.join(self.work, "linked.jsonl")
        args = ["mersenne", "--to", "5000", "--checkpoint", journal, "--quiet"]
        launch = self.launch(args, 3, env={"RANGEFARM_TEST_START_FAULT": "2:exit-linked"})
        pids = {r: self.pid_of(launch, r) for r in range(3)}
        proc, info, elapsed = self.finish(launch, lrc.END_WITHIN_S + START_TIMEOUT_S)
        lrc.check_lost(self, proc, {2: (pids[2], self.host)}, info, elapsed, journal)
        sys.stderr.write(f"\n  2:exit-linked: ended after {elapsed:.2f} s, status "
                         f"{proc.returncode}\n  {proc.stderr.strip()}\n")

    def test_rank_killed_at_the_start_is_named(self):
        """Issue 23's `mpirun -q -np 2 ... perfect --to 3e9 --checkpoint`,
        a rank SIGKILLed the moment it appears and 0.15 s later."""
        for victim in (1, 0):
            for delay in (0.0, 0.15):
                with self.subTest(victim=victim, delay=delay):
                    journal = os.path.join(self.work, f"k{victim}-{delay}.jsonl")
                    args = ["perfect", "--to", "3e9", "--checkpoint", journal, "--quiet"]
                    launch = self.launch(args, 2)
                    pid = self.pid_of(launch, victim)
                    time.sleep(delay)
                    os.kill(pid, signal.SIGKILL)
                    killed = time.monotonic()
                    proc = launch.wait(60)
                    took = time.monotonic() - killed
                    info = (cli_common.describe(args, 2, proc) +
                            f"\n  rank {victim} killed {delay} s after it appeared; "
                            f"ended {took:.2f} s later")
                    self.assertLess(took, lrc.END_WITHIN_S, info)
                    self.assertNotEqual(proc.returncode, 0, info)
                    lines = [l for l in proc.stderr.splitlines() if "rangefarm: " in l]
                    if lines and lrc.LOST_LINE.fullmatch(lines[0]):  # after the links
                        lrc.check_lost(self, proc, {victim: (pid, self.host)}, info, took,
                                       journal, seen_from=1 if victim == 0 else None)
                    else:
                        lrc.check_start_failed(
                            self, proc, info,
                            ["stopped-in-init", "stopped-unreported", "stopped-rank0-silent"],
                            2, missing=[victim] if victim else None)
                    sys.stderr.write(f"\n  rank {victim} killed after {delay} s: ended "
                                     f"{took:.2f} s later, status {proc.returncode}\n"
                                     f"  {lines[0] if lines else ''}\n")


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_start_up.py")
    BINARY, MPIRUN = os.path.realpath(opts.binary), opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
