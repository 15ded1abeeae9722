#!/usr/bin/env python3
"""rangefarm across nodes: scripts/cluster-local.sh starts a virtual cluster
(rfnode1..3, 2 slots each, private /tmp each, loopback only, a slurmd per
node) in the test's own folder and ports; the tests run every workload with
mpirun --hostfile over the 6 slots and submit the slurm/ scripts with
sbatch -N 3, and compare each result with a 1-rank run of the same command
(the resumable job's with an uninterrupted run on 2 local ranks).
The cluster is stopped at the end whatever happened (virtual_cluster.py).

  test_cluster.py --binary build/apps/rangefarm [--repo .] [unittest options]

The nodes share this machine's cores: never read timings from these runs.
Needs root and installs Debian's slurm packages when missing.
"""

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "slurm")]
import slurm_jobs  # noqa: E402
import virtual_cluster  # noqa: E402
from slurm_jobs import MPI_ENV, read  # noqa: E402

ARGS = None
STATE = {}
CLUSTER = None
JOBS = None
NODES = ["rfnode1", "rfnode2", "rfnode3"]
SLOTS = 2
RANKS = len(NODES) * SLOTS
RUN_TIMEOUT_S = 120

# Each takes 1-3 s here on 6 oversubscribed ranks; none is a round range.
WORKLOADS = {
    "perfect": ["perfect", "--from", "12345", "--to", "123456789"],
    # 200000! is cut into one part per rank (6 here), 3000! is one piece.
    "factorial": ["factorial", "200000", "3000"],
    "mersenne": ["mersenne", "--from", "3", "--to", "3500"],
    "synthetic": ["synthetic", "--tasks", "40", "--cost", "random", "--unit-ms", "5"],
}
STATIC = {"perfect": "static-block", "factorial": "static-cyclic",
          "mersenne": "static-cyclic", "synthetic": "static-block"}


def work_path(name):
    return os.path.join(STATE["work"], name)


def run(cmd, env=None, timeout=RUN_TIMEOUT_S):
    """Runs cmd in the cluster's environment (plus MPI_ENV, plus env)."""
    try:
        return subprocess.run(cmd, env=CLUSTER.env(dict(MPI_ENV, **(env or {}))),
                              cwd=STATE["work"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"timed out after {timeout} s: {' '.join(cmd)}") from exc


def report_of(test, proc, json_path, cmd):
    info = (f"\n  command: {' '.join(cmd)}\n  exit status: {proc.returncode}"
            f"\n  stdout: {proc.stdout[-2000:]!r}\n  stderr: {proc.stderr[-4000:]!r}")
    test.assertEqual(proc.returncode, 0, info)
    return json.loads(read(json_path))


_REFERENCES = {}


def reference(test, args):
    """The result of args on one rank (no mpirun), computed once per args."""
    key = tuple(args)
    if key not in _REFERENCES:
        path = work_path(f"reference-{len(_REFERENCES)}.json")
        cmd = [ARGS.binary, *args, "--json", path, "--quiet"]
        report = report_of(test, run(cmd), path, cmd)
        test.assertEqual(report["ranks"], 1)
        _REFERENCES[key] = report["result"]
    return _REFERENCES[key]


def check_spread(test, report, per_node=SLOTS, nodes=NODES):
    """Rank 0 is on the first node; where the report has every rank's host
    (timing.ranks[i].host) and the node count (nodes), per_node ranks on
    each node."""
    test.assertEqual(report["host"], nodes[0], report.get("timing"))
    hosts = [r.get("host") for r in report["timing"]["ranks"]]
    if all(h is not None for h in hosts):
        test.assertEqual(collections.Counter(hosts), {n: per_node for n in nodes}, hosts)
    if "nodes" in report:
        test.assertEqual(report["nodes"], len(nodes))


def mpirun_hostfile(np=RANKS, mca=()):
    return ["mpirun", "-q", "--hostfile", CLUSTER.hostfile, "-np", str(np), *mca]


def setUpModule():
    global CLUSTER, JOBS
    STATE["work"] = tempfile.mkdtemp(prefix="rangefarm-cluster-test-", dir=ARGS.work_root)
    os.chmod(STATE["work"], 0o755)  # munged wants x for all on its socket's folders
    virtual_cluster.visible_to_nodes(ARGS, STATE["work"])
    CLUSTER = virtual_cluster.start(ARGS.repo, STATE["work"], ARGS.port,
                                    nodes=len(NODES), slots=SLOTS)
    JOBS = slurm_jobs.Jobs(lambda: CLUSTER.env(MPI_ENV), STATE["work"], ARGS.repo,
                           ARGS.binary, CLUSTER.logs_tail)


def tearDownModule():
    virtual_cluster.stop_at_module_end(STATE)


class Nodes(unittest.TestCase):
    def test_mpirun_places_two_ranks_on_each_node(self):
        proc = run(mpirun_hostfile() + ["hostname"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(collections.Counter(proc.stdout.split()),
                         {n: SLOTS for n in NODES}, proc.stdout)

    def test_srun_reaches_every_node(self):
        proc = run(["srun", "-N", str(len(NODES)), "hostname"])
        self.assertEqual(proc.returncode, 0, proc.stderr + CLUSTER.logs_tail())
        self.assertEqual(sorted(proc.stdout.split()), NODES)

    def test_tmp_and_dev_shm_are_private_to_each_node(self):
        # /dev/shm too: Open MPI's shared-memory files live there, named by
        # host and job id, and srun's job ids repeat from one cluster to the
        # next (cluster-local.sh, make_node).
        name = f"rangefarm-cluster-probe-{os.getpid()}"
        for folder in ("/tmp", "/dev/shm"):
            path = f"{folder}/{name}"
            with self.subTest(folder=folder):
                proc = CLUSTER.run_on(NODES[0], ["sh", "-c", f"echo here > {path}"])
                self.assertEqual(proc.returncode, 0, proc.stderr)
                try:
                    self.assertEqual(CLUSTER.run_on(NODES[0], ["test", "-e", path]).returncode, 0)
                    for node in NODES[1:]:
                        self.assertEqual(CLUSTER.run_on(node, ["test", "-e", path]).returncode, 1)
                    self.assertFalse(os.path.exists(path))
                finally:
                    CLUSTER.run_on(NODES[0], ["rm", "-f", path])
        self.assertEqual(CLUSTER.run_on(NODES[1], ["hostname"]).stdout.strip(), NODES[1])

    def test_node_of_pid(self):
        self.assertIsNone(CLUSTER.node_of_pid(os.getpid()))
        proc = subprocess.Popen(["nsenter", f"--uts={CLUSTER.ns_file(NODES[2])}",
                                 f"--mount={CLUSTER.ns_file(NODES[2], 'mnt')}", "--",
                                 "sleep", "30"])
        try:
            deadline = time.monotonic() + 10
            # nsenter joins the namespaces just after the fork: poll briefly.
            while CLUSTER.node_of_pid(proc.pid) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(CLUSTER.node_of_pid(proc.pid), NODES[2])
        finally:
            proc.kill()
            proc.wait()


class Workloads(unittest.TestCase):
    """Every workload on 3 nodes x 2 ranks under mpirun --hostfile, dynamic
    and one static schedule, gives the 1-rank result field by field."""

    def across_nodes(self, workload, schedule, mca=()):
        args = [*WORKLOADS[workload], "--schedule", schedule]
        want = reference(self, args)
        path = work_path(f"{workload}-{schedule}-{len(mca)}.json")
        cmd = mpirun_hostfile(mca=mca) + [ARGS.binary, *args, "--json", path, "--quiet"]
        report = report_of(self, run(cmd), path, cmd)
        self.assertEqual(report["ranks"], RANKS)
        self.assertEqual(report["params"]["schedule"], schedule)
        self.assertEqual(report["result"], want)
        check_spread(self, report)
        return report

    def test_perfect(self):
        for schedule in ("dynamic", STATIC["perfect"]):
            with self.subTest(schedule=schedule):
                report = self.across_nodes("perfect", schedule)
                self.assertEqual(report["result"]["perfect_numbers"], [33550336])

    def test_perfect_over_tcp_only(self):
        # No shared memory at all: ranks on one node talk over TCP too.
        self.across_nodes("perfect", "dynamic", mca=("--mca", "btl", "self,tcp"))

    def test_factorial(self):
        for schedule in ("dynamic", STATIC["factorial"]):
            with self.subTest(schedule=schedule):
                report = self.across_nodes("factorial", schedule)
                self.assertEqual([e["check"] for e in report["result"]], ["ok", "ok"])
                self.assertGreater(report["items_total"], len(NODES))  # 200000! in parts

    def test_mersenne(self):
        for schedule in ("dynamic", STATIC["mersenne"]):
            with self.subTest(schedule=schedule):
                report = self.across_nodes("mersenne", schedule)
                self.assertEqual(report["result"]["exponents"][-1], 3217)

    def test_synthetic(self):
        for schedule in ("dynamic", STATIC["synthetic"]):
            with self.subTest(schedule=schedule):
                self.across_nodes("synthetic", schedule)


def multinode_options(name=None):
    """sbatch options for 3 nodes x 2 ranks (and the job's name and log)."""
    named = [f"--output={name}-%j.out", f"--job-name={name}"] if name else []
    return [f"--nodes={len(NODES)}", f"--ntasks-per-node={SLOTS}", f"--ntasks={RANKS}", *named]


class Multinode(unittest.TestCase):
    """slurm/multinode.sbatch with sbatch -N 3: 6 ranks, 2 on each node."""

    def multinode(self, launcher, workload):
        args = [*WORKLOADS[workload], "--schedule", "dynamic"]
        want = reference(self, args)
        name = f"multinode-{launcher}"
        job = JOBS.sbatch("multinode.sbatch", args, multinode_options(name),
                     env={"RANGEFARM_LAUNCHER": launcher})
        (fields,) = JOBS.wait_done(job)
        log = read(work_path(f"{name}-{job}.out")) + CLUSTER.logs_tail()
        self.assertEqual(fields["JobState"], "COMPLETED", log)
        self.assertEqual(fields["NodeList"], "rfnode[1-3]", log)
        self.assertIn(f"launching {RANKS} rank(s) with {launcher}", log)
        report = json.loads(read(work_path(f"rangefarm-{job}.json")))
        self.assertEqual(report["ranks"], RANKS)
        self.assertEqual(report["result"], want)
        check_spread(self, report)

    def test_srun_pmix(self):
        self.multinode("srun", "perfect")

    def test_mpirun(self):
        self.multinode("mpirun", "mersenne")


class ScalingArray(unittest.TestCase):
    def test_tasks_on_different_nodes(self):
        """Three array tasks that each fill a node (2 ranks, 2 CPUs) start
        together, so each runs on a node of its own; each task's report and
        machine-HOST.json name that node."""
        table = work_path("scaling.table")
        schedules = ["static-block", "dynamic", "guided"]
        with open(table, "w", encoding="utf-8") as f:
            f.write("# ranks schedule repeat\n")
            f.writelines(f"{SLOTS} {s} 1\n" for s in schedules)
        args = WORKLOADS["perfect"]
        want = reference(self, [*args, "--schedule", "dynamic"])
        # Held until all three are queued, then released at once: they start
        # in one scheduling pass, so none can wait for another's node.
        job = JOBS.sbatch("scaling-array.sbatch", args,
                     ["--array=0-2", "--nodes=1", f"--ntasks={SLOTS}", "--hold",
                      "--output=scaling-%A_%a.out"],
                     env={"RANGEFARM_SCALING_TABLE": table})
        JOBS.cmd(["scontrol", "release", job])
        tasks = JOBS.wait_done(job)
        logs = "".join(read(work_path(f"scaling-{job}_{i}.out")) for i in range(3))
        logs += CLUSTER.logs_tail()
        self.assertEqual(len(tasks), 3, tasks)
        self.assertTrue(all(t["JobState"] == "COMPLETED" for t in tasks), logs)
        by_task = {int(t["ArrayTaskId"]): t["NodeList"] for t in tasks}
        self.assertEqual(sorted(by_task.values()), NODES, logs)
        results = work_path(f"scaling-{job}")
        self.assertEqual(sorted(os.listdir(results)),
                         sorted([f"machine-{n}.json" for n in NODES]
                                + [f"r{SLOTS}-{s}-rep1.json" for s in schedules]))
        for node in NODES:
            machine = json.loads(read(os.path.join(results, f"machine-{node}.json")))
            self.assertEqual(machine["host"], node)
        for index, schedule in enumerate(schedules):
            report = json.loads(read(os.path.join(results, f"r{SLOTS}-{schedule}-rep1.json")))
            self.assertEqual(report["result"], want)
            check_spread(self, report, per_node=SLOTS, nodes=[by_task[index]])


class Resumable(unittest.TestCase):
    """slurm/resumable.sbatch on 3 nodes: stopped by USR1 to the batch shell
    (as --signal=B:USR1@N would send it), journaled, requeued by itself and
    resumed on its second allocation with the result of one uninterrupted
    run. The journal lives in the shared work folder, as it must."""

    WORK = ["perfect", "--to", "1e9", "--chunk", "20000000"]

    @classmethod
    def setUpClass(cls):
        # On 2 local ranks: 1e9 on one rank would take ~10 s.
        cls.direct = slurm_jobs.direct_result(ARGS.binary, cls.WORK,
                                              work_path("resumable-direct.json"))

    def stop_requeue_resume(self, launcher):
        fields, log, report = JOBS.resumable(self, self.WORK, launcher,
                                             multinode_options())
        self.assertEqual(fields["NodeList"], "rfnode[1-3]", log)
        self.assertIn(f"launching {RANKS} rank(s) with {launcher}", log)
        self.assertEqual(report["ranks"], RANKS)
        self.assertEqual(report["result"], self.direct)

    # Under mpirun only (srun passed too when this was written): the label
    # must stay within 4 minutes, and tests/slurm runs both launchers.
    def test_mpirun_on_3_nodes(self):
        self.stop_requeue_resume("mpirun")


def node_tmp(node):
    """What node sees as /tmp, seen from outside the nodes."""
    return os.path.join(CLUSTER.state_dir, "nodes", node, "tmp")


def wait_for(what, predicate, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class NodePrivateStorage(unittest.TestCase):
    """A checkpointed run across nodes whose Lucas-Lehmer states or factorial
    pieces would land where the workers cannot see them: mersenne on 3 nodes
    x 2 ranks with the journal in rank 0's node-private /tmp (rfnode1's), the
    factorial on 2 nodes with it in the shared work folder. Workers hand
    their state to rank 0, which alone writes it beside the journal: every
    state file is in rank 0's folder, nothing on the workers' /tmp; the run
    stopped by SIGUSR1 to mpirun (75) resumes (mersenne at another rank count
    on fewer nodes) to the 1-rank result, continuing the Lucas-Lehmer tests
    where they were."""

    # Two Lucas-Lehmer tests (44491, 44497) of a few seconds each here (6
    # ranks, 2 cores): each saves its state at least once before the stop.
    MERSENNE = ["mersenne", "--from", "44490", "--to", "44497", "--tf-bits", "0",
                "--ll-save-every", "1", "--schedule", "static-cyclic"]
    # On 2 nodes x 1 rank each n! is cut in 2 pieces of 2^24 bits or more
    # (saved); four per rank, so that a stop after the first comes among them.
    FACTORIAL = ["factorial", "2000000", "1950000", "1900000", "1850000", "--schedule",
                 "static-cyclic"]
    TWO_NODES = ["mpirun", "-q", "--host", "rfnode1,rfnode2", "-np", "2"]

    def stop_and_resume(self, args, where, files_before_stop, resume_np, launch=None):
        folder = "/tmp" if where == "private" else STATE["work"]
        seen = node_tmp(NODES[0]) if where == "private" else STATE["work"]
        name = f"{args[0]}-{where}.jsonl"
        journal, state = os.path.join(folder, name), os.path.join(seen, name + ".state")
        cmd = (launch or mpirun_hostfile()) + [ARGS.binary, *args, "--checkpoint", journal,
                                               "--quiet"]
        proc = subprocess.Popen(cmd, env=CLUSTER.env(MPI_ENV), cwd=STATE["work"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            wait_for(f"{files_before_stop} files in {state}",
                     lambda: os.path.isdir(state) and
                     len([f for f in os.listdir(state) if not f.endswith(".tmp")])
                     >= files_before_stop, proc)
            proc.send_signal(signal.SIGUSR1)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        info = f"\n  command: {' '.join(cmd)}\n  status {proc.returncode}\n  stderr: {err!r}"
        self.assertIn(proc.returncode, (75, 1), info)  # mpirun may say 1 for a forwarded signal
        self.assertIn("rangefarm: stopped by a signal", err, info)
        for node in NODES[1:]:  # nothing on the workers' own /tmp
            self.assertEqual(os.listdir(node_tmp(node)), [], info)
        path = work_path(f"{args[0]}-{where}-resumed.json")
        np = resume_np or RANKS
        cmd = (launch or mpirun_hostfile(np=np)) + [ARGS.binary, *args, "--checkpoint",
                                                    journal, "--resume", "--json", path,
                                                    "--quiet"]
        report = report_of(self, run(cmd), path, cmd)
        self.assertEqual(report["result"], reference(self, args))
        self.assertEqual(report["ranks"], np)
        self.assertFalse(os.path.exists(state), "the state folder is removed at the end")
        return report

    def test_mersenne_private_tmp(self):
        report = self.stop_and_resume(self.MERSENNE, "private", 1, resume_np=3)
        self.assertTrue(report["checkpoint"]["lucas_lehmer_resumed"], report["checkpoint"])

    def test_factorial_shared(self):
        # A factorial journal belongs to its rank count: resumed the same way.
        report = self.stop_and_resume(self.FACTORIAL, "shared", 1, resume_np=2,
                                      launch=self.TWO_NODES)
        self.assertGreater(report["checkpoint"]["restored_items"], 0, report["checkpoint"])


class MemoryPerNode(unittest.TestCase):
    """The factorial's memory guard judges each node against its own
    MemAvailable (the test hook RANGEFARM_TEST_MEMAVAILABLE=HOST=BYTES stands
    in for a small node): a worker node short of memory is named."""

    ARGS = ["factorial", "3000000", "--output", "digits.txt", "--quiet"]

    def test_small_worker_node_is_named(self):
        cmd = mpirun_hostfile() + [ARGS.binary, *self.ARGS]
        proc = run(cmd, env={"RANGEFARM_TEST_MEMAVAILABLE": "rfnode3=1000000"})
        info = f"\n  status {proc.returncode}\n  stderr: {proc.stderr!r}"
        self.assertEqual(proc.returncode, 2, info)
        lines = virtual_cluster.without_rsh_race(proc.stderr).splitlines()
        self.assertEqual(len(lines), 1, info)
        self.assertIn("on node rfnode3 (ranks 4-5)", lines[0], info)
        self.assertFalse(os.path.exists(work_path("digits.txt")), info)

    def test_enough_everywhere_runs(self):
        cmd = mpirun_hostfile() + [ARGS.binary, "factorial", "30000", "--quiet"]
        proc = run(cmd, env={"RANGEFARM_TEST_MEMAVAILABLE": "rfnode2=100000000000"})
        self.assertEqual(proc.returncode, 0, proc.stderr)


def main():
    global ARGS

    def work_root(parser):
        parser.add_argument("--work-root", default="/var/tmp",
                            help="where the test folder goes (shared by the nodes: not /tmp)")

    ARGS, rest = slurm_jobs.parse_args(
        __doc__, __file__, 16887,
        "slurmctld port (node K's slurmd: +K); not cluster-local.sh's default 16857 "
        "nor the Slurm tests' 16817/16837", work_root)
    passed = slurm_jobs.run_tests(rest)
    # The logs of a failed run stay for a look (the cluster is stopped).
    if "work" in STATE:
        if passed and not ARGS.keep and not STATE.get("stop_failed"):
            shutil.rmtree(STATE["work"], ignore_errors=True)
        else:
            sys.stderr.write(f"test folder kept: {STATE['work']}\n")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
