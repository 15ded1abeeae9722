#!/usr/bin/env python3
"""The slurm/ scripts on a real Slurm: scripts/slurm-local.sh starts a private
one-node Slurm (its own state folder and ports), the tests submit the batch
scripts with sbatch, poll scontrol until the jobs end and check their JSON
reports; the Slurm is stopped at the end whatever happened.

  test_slurm.py --binary build/apps/rangefarm [--repo .] [unittest options]

The node declares 8 CPUs on whatever the machine has: never read timings
from these runs. Needs root (slurmd starts jobs) and Debian's slurm packages
(slurm-local.sh installs them when missing).
"""

import csv
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_slurm  # noqa: E402
import slurm_jobs  # noqa: E402
from slurm_jobs import JOB_TIMEOUT_S, read  # noqa: E402

ARGS = None
STATE = {}
JOBS = None

PERFECT_1E8 = {"deficient": 75239327, "perfect": 5, "abundant": 24760668}
PERFECT_NUMBERS = [6, 28, 496, 8128, 33550336]


def slurm_env():
    return dict(os.environ, SLURM_CONF=STATE["conf"])


def cmd(args, env=None, check=True):
    return JOBS.cmd(args, env=env, check=check)


def sbatch(script, args, options=(), env=None):
    return JOBS.sbatch(script, args, options, env)


def wait_done(job, timeout=JOB_TIMEOUT_S):
    return JOBS.wait_done(job, timeout)


def slurm_logs_tail(lines=25):
    """The end of slurmctld's and slurmd's logs, for a failure message."""
    out = []
    for name in ("slurmctld.log", "slurmd.log"):
        path = os.path.join(STATE["slurm_dir"], name)
        if os.path.exists(path):
            tail = read(path).splitlines()[-lines:]
            out.append(f"--- {name} (last {len(tail)} lines)\n" + "\n".join(tail))
    return "\n" + "\n".join(out)


def setUpModule():
    global JOBS
    STATE["work"] = tempfile.mkdtemp(prefix="rangefarm-slurm-test-")
    os.chmod(STATE["work"], 0o755)  # munged wants x for all on its socket's folders
    STATE["slurm_dir"] = os.path.join(STATE["work"], "slurm-state")
    STATE["conf"] = os.path.join(STATE["slurm_dir"], "slurm.conf")
    JOBS = slurm_jobs.Jobs(slurm_env, STATE["work"], ARGS.repo, ARGS.binary, slurm_logs_tail)
    STATE["slurm"] = local_slurm.LocalSlurm(ARGS.repo, STATE["slurm_dir"], ARGS.port,
                                            os.path.join(STATE["work"], "cleanup-watchdog.log"))
    STATE["slurm"].start()


def tearDownModule():
    proc = STATE["slurm"].stop()
    sys.stderr.write(proc.stderr)
    if proc.returncode == 0 and not ARGS.keep:
        shutil.rmtree(STATE["work"], ignore_errors=True)
    else:
        sys.stderr.write(f"test folder kept: {STATE['work']}\n")


class RangefarmSbatch(unittest.TestCase):
    def test_perfect_with_default_launcher(self):
        job = sbatch("rangefarm.sbatch", ["perfect", "--to", "1e8"],
                     ["--output=perfect-%j.out"])
        (fields,) = wait_done(job)
        log = read(os.path.join(STATE["work"], f"perfect-{job}.out"))
        self.assertEqual(fields["JobState"], "COMPLETED", log)
        self.assertIn("launching 2 rank(s) with srun --mpi=pmix", log)
        report = json.loads(read(os.path.join(STATE["work"], f"rangefarm-{job}.json")))
        self.assertEqual(report["workload"], "perfect")
        self.assertEqual(report["ranks"], 2)
        self.assertEqual(report["result"]["counts"], PERFECT_1E8)
        self.assertEqual(report["result"]["perfect_numbers"], PERFECT_NUMBERS)

    def test_factorial_with_mpirun_and_env_settings(self):
        outdir = os.path.join(STATE["work"], "reports")
        job = sbatch("rangefarm.sbatch", [], ["--ntasks=3", "--output=fact-%j.out"],
                     env={"RANGEFARM_LAUNCHER": "mpirun",
                          "RANGEFARM_ARGS": "factorial 1000 2024",
                          "RANGEFARM_SCHEDULE": "static-cyclic",
                          "RANGEFARM_OUTDIR": outdir})
        (fields,) = wait_done(job)
        log = read(os.path.join(STATE["work"], f"fact-{job}.out"))
        self.assertEqual(fields["JobState"], "COMPLETED", log)
        self.assertIn("launching 3 rank(s) with mpirun", log)
        report = json.loads(read(os.path.join(outdir, f"rangefarm-{job}.json")))
        self.assertEqual(report["ranks"], 3)
        self.assertEqual(report["params"]["schedule"], "static-cyclic")
        for entry in report["result"]:
            exact = str(math.factorial(entry["n"]))
            self.assertEqual(entry["digits"], len(exact))
            self.assertEqual(entry["leading_digits"], exact[:20])
            self.assertEqual(entry["trailing_zeros"], len(exact) - len(exact.rstrip("0")))
            self.assertEqual(entry["check"], "ok")
        self.assertEqual([e["n"] for e in report["result"]], [1000, 2024])

    def test_multinode_script_on_one_node(self):
        # The local Slurm has one node: this checks the script, not the spread.
        job = sbatch("multinode.sbatch", ["perfect", "--to", "1e8", "--schedule", "guided"],
                     ["--nodes=1", "--ntasks-per-node=3", "--output=multi-%j.out"])
        (fields,) = wait_done(job)
        log = read(os.path.join(STATE["work"], f"multi-{job}.out"))
        self.assertEqual(fields["JobState"], "COMPLETED", log)
        self.assertIn("launching 3 rank(s) with srun --mpi=pmix", log)
        report = json.loads(read(os.path.join(STATE["work"], f"rangefarm-{job}.json")))
        self.assertEqual(report["ranks"], 3)
        self.assertEqual(report["params"]["schedule"], "guided")
        self.assertEqual(report["result"]["counts"], PERFECT_1E8)


class ScalingArray(unittest.TestCase):
    def test_three_tasks_one_results_folder(self):
        job = sbatch("scaling-array.sbatch", ["perfect", "--to", "1e8"],
                     ["--array=0-2", "--output=scaling-%A_%a.out"])
        tasks = wait_done(job)
        self.assertEqual(len(tasks), 3, tasks)
        logs = "".join(read(os.path.join(STATE["work"], f"scaling-{job}_{i}.out"))
                       for i in range(3))
        self.assertTrue(all(t["JobState"] == "COMPLETED" for t in tasks), logs)
        results = os.path.join(STATE["work"], f"scaling-{job}")
        names = sorted(os.listdir(results))
        host = socket.gethostname()
        self.assertEqual(names, [f"machine-{host}.json", "r1-static-block-rep1.json",
                                 "r2-static-block-rep1.json", "r4-static-block-rep1.json"])
        machine = json.loads(read(os.path.join(results, names[0])))
        self.assertEqual(machine["host"], host)
        self.assertGreaterEqual(machine["cores"], 1)
        for name in names[1:]:
            report = json.loads(read(os.path.join(results, name)))
            self.assertEqual(report["ranks"], int(name[1]))
            self.assertEqual(report["params"]["schedule"], "static-block")
            self.assertEqual(report["result"]["counts"], PERFECT_1E8)
        self.check_scaling_study(results, machine["cores"])

    def check_scaling_study(self, results, cores):
        """scripts/scaling.py --from-results reads the folder as it is:
        one summary row per task, oversubscribed where ranks > the cores
        in machine-HOST.json."""
        out = os.path.join(STATE["work"], "study")
        proc = subprocess.run([sys.executable, os.path.join(ARGS.repo, "scripts", "scaling.py"),
                               "--from-results", results, "--out", out],
                              capture_output=True, text=True, timeout=120, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(out, "summary.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([int(r["ranks"]) for r in rows], [1, 2, 4])
        for row in rows:
            want = "yes" if int(row["ranks"]) > cores else "no"
            self.assertEqual(row["oversubscribed"], want, row)


class Resumable(unittest.TestCase):
    """A run stopped by USR1 to the batch shell (as --signal=B:USR1@N would
    send it before the time limit) checkpoints, requeues itself and finishes
    on its second allocation with the result of an uninterrupted run."""

    WORK = ["perfect", "--to", "1e9", "--chunk", "20000000"]

    @classmethod
    def setUpClass(cls):
        cls.direct = slurm_jobs.direct_result(ARGS.binary, cls.WORK,
                                              os.path.join(STATE["work"], "direct.json"))

    def stop_requeue_resume(self, launcher):
        _, _, report = JOBS.resumable(self, self.WORK, launcher)
        self.assertEqual(report["result"], self.direct)

    def test_srun(self):
        self.stop_requeue_resume("srun")

    def test_mpirun(self):
        self.stop_requeue_resume("mpirun")


class JournalHeld(unittest.TestCase):
    """resumable.sbatch on a journal that another run holds (a requeued job
    whose predecessor still ends, or a lost node whose lock the file server
    keeps until its lease runs out): rangefarm refuses it in one line, and
    the script tries again until that run is gone, then resumes its journal.
    Before, the job failed with status 2 on the first refusal."""

    WORK = ["synthetic", "--tasks", "40", "--cost", "uniform", "--unit-ms", "400"]

    def test_waits_for_the_holder_then_resumes(self):
        journal = os.path.join(STATE["work"], "held.journal")
        holder = subprocess.Popen([ARGS.binary, *self.WORK, "--checkpoint", journal],
                                  env=dict(os.environ, **slurm_jobs.MPI_ENV),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not (os.path.exists(journal) and read(journal).count("\n") >= 2):
                self.assertLess(time.monotonic(), deadline, "the holder journaled nothing")
                self.assertIsNone(holder.poll(), "the holder ended early")
                time.sleep(0.2)
            job = sbatch("resumable.sbatch", self.WORK, ["--output=held-%j.out"],
                         env={"RANGEFARM_CHECKPOINT": journal, "RANGEFARM_LOCK_POLL": "2",
                              "RANGEFARM_LOCK_WAIT": "120"})
            log_path = os.path.join(STATE["work"], f"held-{job}.out")
            deadline = time.monotonic() + 60
            while not (os.path.exists(log_path) and "waiting 2 s" in read(log_path)):
                self.assertLess(time.monotonic(), deadline, "the job did not wait")
                self.assertIsNone(holder.poll(), "the holder ended before the job waited")
                time.sleep(0.2)
            holder.send_signal(signal.SIGTERM)  # a clean stop: exit 75, its part journaled
            _, err = holder.communicate(timeout=30)
            self.assertEqual(holder.returncode, 75, err)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        (fields,) = wait_done(job)
        log = read(log_path) + slurm_logs_tail()
        self.assertEqual(fields["JobState"], "COMPLETED", log)
        self.assertEqual(fields["Restarts"], "0", log)
        self.assertIn("is in use by another run", log)
        self.assertIn("rangefarm exited with status 2", log)
        restored = re.search(r"checkpoint \S+: (\d+) items restored, (\d+) computed", log)
        self.assertIsNotNone(restored, log)
        self.assertGreater(int(restored.group(1)), 0, log)
        self.assertGreater(int(restored.group(2)), 0, log)
        report = json.loads(read(os.path.join(STATE["work"], f"rangefarm-{job}.json")))
        self.assertEqual(report["result"]["tasks"], 40)
        self.assertEqual(report["result"]["units"], 40.0)


def main():
    global ARGS
    ARGS, rest = slurm_jobs.parse_args(
        __doc__, __file__, 16837, "slurmctld port (slurmd: +1); not the default local one")
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # 2024! has 5815 digits
    sys.exit(0 if slurm_jobs.run_tests(rest) else 1)


if __name__ == "__main__":
    main()
