"""Pieces shared by the tests that submit the slurm/ scripts to a real Slurm
(tests/slurm/test_slurm.py on one node, tests/cluster/test_cluster.py on
the virtual cluster): submitting, polling scontrol until a job ends, the
checks of a stopped, requeued and resumed resumable.sbatch, and the command
line every such test takes."""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import unittest

DONE_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL",
               "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"}
JOB_TIMEOUT_S = 120
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_orte_execute_quiet": "1"}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def direct_result(binary, args, path, np=2):
    """The result of args run directly on np local ranks, its report at path."""
    proc = subprocess.run(["mpirun", "-q", "-np", str(np), binary, *args,
                           "--json", path, "--quiet"],
                          env=dict(os.environ, **MPI_ENV), capture_output=True,
                          stdin=subprocess.DEVNULL, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(read(path))["result"]


class Jobs:
    """Slurm's client commands in env() (SLURM_CONF and the rest), jobs
    submitted from the folder work; logs_tail() adds the daemons' logs to
    failure messages."""

    def __init__(self, env, work, repo, binary, logs_tail=lambda: ""):
        self.env, self.work, self.repo, self.binary = env, work, repo, binary
        self.logs_tail = logs_tail

    def cmd(self, args, env=None, check=True):
        full_env = self.env()
        full_env.update(env or {})
        proc = subprocess.run(args, env=full_env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=60, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc.stdout

    def sbatch(self, script, args, options=(), env=None):
        """Submits slurm/SCRIPT from the work folder; returns the job id."""
        env = dict(env or {}, RANGEFARM_HOME=self.repo, RANGEFARM_BIN=self.binary)
        out = self.cmd(["sbatch", "--parsable", f"--chdir={self.work}", *options,
                        os.path.join(self.repo, "slurm", script), *args], env=env)
        return out.strip().split(";")[0]

    def fields(self, job):
        """[{JobState, NodeList, Restarts, ...}] of a job, one per array task."""
        out = self.cmd(["scontrol", "show", "job", "-o", job])
        return [dict(m.groups() for m in re.finditer(r"(\w+)=(\S*)", line))
                for line in out.splitlines()]

    def wait_done(self, job, timeout=JOB_TIMEOUT_S):
        """Polls until every task of job has ended; returns their fields.
        A job not done in time is cancelled, so that it holds no node (and
        no core) in the tests that follow."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.fields(job)
            if jobs and all(j["JobState"] in DONE_STATES for j in jobs):
                return jobs
            time.sleep(0.5)
        fields = self.fields(job)
        self.cmd(["scancel", job], check=False)
        raise AssertionError(f"job {job} not done after {timeout} s (cancelled): {fields}"
                             + self.logs_tail())

    def stop_when_journaled(self, test, job, journal, log_path):
        """Once a chunk is journaled (line 1 holds the parameters), USR1 to
        the batch shell, as --signal=B:USR1@N would send it before the time
        limit. Polled: when that happens depends on the machine's load."""
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while not (os.path.exists(journal) and read(journal).count("\n") >= 2):
            test.assertLess(time.monotonic(), deadline, "no chunk journaled")
            (fields,) = self.fields(job)
            test.assertNotIn(fields["JobState"], DONE_STATES,
                             read(log_path) if os.path.exists(log_path) else fields)
            time.sleep(0.2)
        self.cmd(["scancel", "--batch", "--signal=USR1", job])

    def check_resumed(self, test, job, launcher, log_path):
        """Waits for a job stopped by stop_when_journaled: it must have
        requeued itself once and resumed its journal; returns its fields.

        Slurm holds a requeued job back until the first allocation's job
        credential has expired (the test Slurms set cred_expire=10 s, not the
        default 120 s); starting it earlier by hand (StartTime=now) can lose
        the relaunch to a revoked credential, so the test waits."""
        (fields,) = self.wait_done(job)
        log = read(log_path) + self.logs_tail()
        test.assertEqual(fields["JobState"], "COMPLETED", f"{fields}\n{log}")
        test.assertEqual(fields["Restarts"], "1", log)
        test.assertIn(f"with {launcher}", log)
        test.assertIn("got USR1", log)
        test.assertIn("rangefarm exited with status 75", log)
        test.assertIn(f"requeueing job {job}", log)
        test.assertIn("allocation 2", log)
        test.assertRegex(log, r"--checkpoint \S+ --resume")
        restored = re.search(r"checkpoint \S+: (\d+) items restored, (\d+) computed", log)
        test.assertIsNotNone(restored, log)
        test.assertGreater(int(restored.group(1)), 0, log)
        test.assertGreater(int(restored.group(2)), 0, log)
        return fields

    def resumable(self, test, args, launcher, options=()):
        """resumable.sbatch args with RANGEFARM_LAUNCHER=launcher, stopped once
        it journaled a chunk, requeued and resumed (check_resumed); returns its
        fields, its log and its JSON report."""
        name = f"resumable-{launcher}"
        job = self.sbatch("resumable.sbatch", args,
                          [f"--output={name}-%j.out", f"--job-name={name}", *options],
                          env={"RANGEFARM_LAUNCHER": launcher})
        log_path = os.path.join(self.work, f"{name}-{job}.out")
        self.stop_when_journaled(test, job, os.path.join(self.work, f"rangefarm-{job}.journal"),
                                 log_path)
        fields = self.check_resumed(test, job, launcher, log_path)
        return fields, read(log_path), json.loads(read(os.path.join(self.work,
                                                                    f"rangefarm-{job}.json")))


def parse_args(doc, test_file, port, port_help, add_arguments=lambda parser: None):
    """The options every such test takes (--binary, --repo, --port, --keep,
    and what add_arguments adds) and the rest, for unittest (run_tests)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(test_file)))))
    parser.add_argument("--port", type=int, default=port, help=port_help)
    parser.add_argument("--keep", action="store_true", help="keep the test folder")
    add_arguments(parser)
    args, rest = parser.parse_known_args()
    args.binary = os.path.abspath(args.binary)
    args.repo = os.path.abspath(args.repo)
    return args, rest


def run_tests(rest):
    """Runs the tests; returns whether all passed (does not exit)."""
    program = unittest.main(argv=[sys.argv[0], *rest], verbosity=2, exit=False)
    return program.result.wasSuccessful()
