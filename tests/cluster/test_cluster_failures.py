#!/usr/bin/env python3
"""A lost rank or node on the virtual cluster is named, and nothing is lost.

On 3 nodes x 2 ranks (scripts/cluster-local.sh, in the test's own folder and
ports), a perfect run journaling to shared storage (the work folder under
/var/tmp, never the node-private /tmp) is hit, once it has journaled a few
chunks, in one of three ways:

  rank        SIGKILL rank 3 (on rfnode2)
  node        kill-node rfnode3 (ranks 4 and 5, its orted or slurmstepd, its slurmd)
  rank0-node  kill-node rfnode1 (ranks 0 and 1: rank 2 on rfnode2 speaks)

under each launcher: mpirun -q --hostfile, mpirun --hostfile without -q
(its own banners are ignored), srun -N3 --ntasks-per-node=2 --mpi=pmix (its
`srun:` lines and Open MPI's help banners that a rank prints by itself
without an mpirun to hold them back are ignored; see below). Each case
checks (lost_rank_common.check_lost) that within 5 s of the kill the run
has ended, not 0 and not 75, with exactly one rangefarm line that names
exactly the lost ranks (pid, host), the items the journal holds and the
resume command; then runs that command on the nodes still alive with
another rank and node count and compares the result with the known counts.
A killed node's slurmd is started again after each case.

srun and a lost node: the ranks still alive print the line and exit within
a second, but srun itself waits for the dead node's tasks: until the rank
that spoke has cancelled its own step and Slurm's KillWait has passed
(KillWait=5 here: about 7 s; before, until slurmctld declared the node
failed, SlurmdTimeout=10 here: about 20 s). For those cases the 5 s bound is
checked on the line and the surviving ranks' exit, and srun's own end only
against SRUN_NODE_FAIL_S.

StartUpAndFreeze (below): a rank that never starts (stopped before
MPI_Init, or exiting right after it) under mpirun and srun, and a rank
frozen for good under srun, whose step must end.

  test_cluster_failures.py --binary build/apps/rangefarm [unittest options]
  measure_failures.py: every case 3 times, the median time to end, a table.

The nodes share this machine's cores: the times are upper bounds on a
loaded machine, not measurements of a cluster. Needs root.
"""

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "slurm"),
                os.path.join(os.path.dirname(HERE), "cli")]
import slurm_jobs  # noqa: E402
import virtual_cluster  # noqa: E402
from cli_common import count_records as records  # noqa: E402
from cli_common import environ_of as environ  # noqa: E402
from lost_rank_common import END_WITHIN_S, check_lost, check_start_failed  # noqa: E402

ARGS = None
STATE = {}
CLUSTER = None
NODES = ["rfnode1", "rfnode2", "rfnode3"]
SLOTS = 2
RANKS = len(NODES) * SLOTS
LAUNCH_TAG = "RANGEFARM_TEST_LAUNCH"
STARTUP_S = 90
RECORDS_BEFORE_KILL = 5
# srun on a lost node ends when slurmctld marks it failed (see above).
SRUN_NODE_FAIL_S = 60
# StartUpAndFreeze: the start-up deadline the runs get, the time from it to
# the launcher's end (rank 0's line, then the launcher ends the rest), and
# the heartbeat timeout of the frozen-rank case.
START_TIMEOUT_S = 5
END_MARGIN_S = 12
HEARTBEAT_S = 3

# About 4 s on 6 oversubscribed ranks here, 100 chunks: killed after 5.
PERFECT = ["perfect", "--to", "3e8", "--chunk", "3000000", "--quiet"]
# Known: a 1-rank run of perfect --to 3e8 (the counts of [1, 3e8]).
PERFECT_COUNTS = {"deficient": 225716453, "perfect": 5, "abundant": 74283542}

# case: (what is killed, the nodes the resume runs on, ranks per node there)
CASES = {
    "rank": ("rank 3", ["rfnode1"], 2),
    "node": ("node rfnode3", ["rfnode1", "rfnode2"], 2),
    "rank0-node": ("node rfnode1", ["rfnode2", "rfnode3"], 1),
}
LAUNCHERS = ("mpirun-q", "mpirun", "srun")

# Open MPI help banners a surviving rank prints by itself under srun (no
# mpirun to hold them back): its TCP BTL read a reset from a dead peer's
# socket ("peer hung up"), or could not reconnect to it ("client connect
# fail"). Open MPI 4.1.4 has no parameter to silence them.
OMPI_HELP = ("An MPI communication peer process has unexpectedly disconnected",
             "Open MPI failed to TCP connect to a peer MPI process")


def work_path(name):
    return os.path.join(STATE["work"], name)


def mpi_env(quiet=True):
    env = dict(slurm_jobs.MPI_ENV)
    if not quiet:
        del env["OMPI_MCA_orte_execute_quiet"]  # the same as -q
    return env


def alive(pid):
    """True while pid runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Run:
    """rangefarm under a launcher in the background, tagged so that its rank
    processes can be found on any node: {rank: pid} by the tag and
    OMPI_COMM_WORLD_RANK (mpirun) or PMIX_RANK (srun) in /proc/PID/environ."""

    def __init__(self, launcher_cmd, args, env, name, cmd=None):
        """cmd: the whole command, where it is not the launcher's, the
        binary and args (an MPMD launch)."""
        self.tag = f"{os.getpid()}-{name}-{time.monotonic_ns()}"
        self.binary = os.path.realpath(ARGS.binary)
        self.err_path = work_path(f"{name}.err")
        self.cmd = cmd or [*launcher_cmd, ARGS.binary, *args]
        full = CLUSTER.env(env)
        full[LAUNCH_TAG] = self.tag
        with open(self.err_path, "w") as err, open(work_path(f"{name}.out"), "w") as out:
            self.proc = subprocess.Popen(self.cmd, env=full, cwd=STATE["work"],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err)

    def ranks(self):
        found = {}
        want = self.tag.encode()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            env = environ(int(name))
            if not env or env.get(LAUNCH_TAG.encode()) != want:
                continue
            rank = env.get(b"OMPI_COMM_WORLD_RANK") or env.get(b"PMIX_RANK")
            try:
                exe = os.readlink(f"/proc/{name}/exe")
            except OSError:
                continue
            if rank is not None and exe == self.binary:
                found[int(rank)] = int(name)
        return found

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def info(self):
        return (f"\n  command: {' '.join(self.cmd)}\n  exit status: {self.proc.poll()}"
                f"\n  stderr: {self.stderr()[-6000:]}")




def poll(what, predicate, timeout, run):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if run.proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}" + run.info())
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout} s" + run.info())
        time.sleep(0.02)


def launcher_cmd(launcher, nodes=NODES, per_node=SLOTS):
    np = len(nodes) * per_node
    if launcher == "srun":
        return ["srun", f"--nodes={len(nodes)}", f"--ntasks-per-node={per_node}",
                f"--ntasks={np}", f"--nodelist={','.join(nodes)}", "--mpi=pmix"]
    quiet = ["-q"] if launcher == "mpirun-q" else []
    if nodes == NODES and per_node == SLOTS:
        return ["mpirun", *quiet, "--hostfile", CLUSTER.hostfile, "-np", str(np)]
    return ["mpirun", *quiet, "--host", ",".join(f"{n}:{per_node}" for n in nodes),
            "-np", str(np)]


def strip_launcher_lines(launcher, stderr):
    """stderr less what the launcher (and, under srun, Open MPI's help
    system) adds: under mpirun -q only mpirun's harmless setpgid race
    warning (virtual_cluster.without_rsh_race) is taken away; without -q all
    but the rangefarm lines; under srun its `srun:` lines and whole help
    banners of the OMPI_HELP kinds. Returns (kept text, the banners' first
    lines)."""
    if launcher == "mpirun-q":
        return virtual_cluster.without_rsh_race(stderr), []
    lines = stderr.splitlines()
    if launcher == "mpirun":
        return "\n".join(l for l in lines if l.startswith("rangefarm: ")), []
    kept, banners, block = [], [], None
    for line in lines:
        if line.startswith("-----"):
            if block is None:
                block = []
                continue
            text = " ".join(block)
            known = [h for h in OMPI_HELP if h in text]
            if known:
                banners.append(known[0])
            else:
                kept.extend(["-" * 74, *block, "-" * 74])
            block = None
            continue
        if block is not None:
            block.append(line)
        elif not line.startswith("srun: "):
            kept.append(line)
    kept.extend(block or [])
    return "\n".join(kept), banners


def restart_node(node):
    """Starts a killed node's slurmd again (its namespaces survive kill-node)
    and waits until every node is back in service."""
    proc = CLUSTER.script("start")
    if proc.returncode != 0:
        raise AssertionError(f"restarting {node} failed ({proc.returncode}):\n{proc.stdout}"
                             f"{proc.stderr}{CLUSTER.logs_tail()}")


def failure_case(test, case, launcher):
    """Runs one case; returns {seconds from the kill to the launcher's end,
    to the line, to the last surviving rank's exit, the exit status, the
    line, the Open MPI banners seen}."""
    name = f"{case}-{launcher}-{time.monotonic_ns()}"
    journal = work_path(f"{name}.jsonl")
    args = [*PERFECT, "--checkpoint", journal]
    run = Run(launcher_cmd(launcher), args, mpi_env(quiet=launcher != "mpirun"), name)
    test.addCleanup(run.kill)
    pids = poll(f"{RANKS} rank processes",
                lambda: (lambda r: r if sorted(r) == list(range(RANKS)) else None)(run.ranks()),
                STARTUP_S, run)
    hosts = {rank: CLUSTER.node_of_pid(pid) for rank, pid in pids.items()}
    test.assertEqual(sorted(hosts.values()), sorted(NODES * SLOTS), hosts)
    def journaled():
        gone = [r for r, p in pids.items() if not alive(p)]
        if gone:  # before the kill: a crash, not the case under test
            time.sleep(1)  # for the launcher's word on how it ended
            raise AssertionError(f"rank(s) {gone} ({[pids[r] for r in gone]}) ended before "
                                 "the kill" + run.info())
        return records(journal) >= RECORDS_BEFORE_KILL
    poll(f"{RECORDS_BEFORE_KILL} journal records", journaled, STARTUP_S, run)
    what, _, _ = CASES[case]
    dead_node = what.split()[1] if what.startswith("node") else None
    victims = ([r for r, h in hosts.items() if h == dead_node] if dead_node else [3])
    lost = {r: (pids[r], hosts[r]) for r in victims}
    survivors = [pids[r] for r in pids if r not in victims]
    killed_at = time.monotonic()  # the kill-node command's start: an upper bound
    try:
        if dead_node:
            CLUSTER.kill_node(dead_node)
        else:
            os.kill(pids[3], signal.SIGKILL)
        t = {"line": None, "ranks": None, "end": None}
        deadline = killed_at + (SRUN_NODE_FAIL_S if launcher == "srun" else 60)
        while None in t.values() and time.monotonic() < deadline:
            now = time.monotonic() - killed_at
            if t["line"] is None and "rangefarm: error: lost" in run.stderr():
                t["line"] = now
            if t["ranks"] is None and not any(alive(p) for p in survivors):
                t["ranks"] = now
            if t["end"] is None and run.proc.poll() is not None:
                t["end"] = now
            time.sleep(0.02)
        info = (run.info() + f"\n  killed {what}: {lost}; seconds after the kill: {t}")
        test.assertIsNotNone(t["end"], "the launcher did not end" + info)
        proc = subprocess.CompletedProcess(run.cmd, run.proc.returncode, "", "")
        proc.stderr, banners = strip_launcher_lines(launcher, run.stderr())
        node_under_srun = launcher == "srun" and dead_node is not None
        # check_lost holds the launcher's end to 5 s; srun waits for Slurm
        # on a dead node, so there the ranks' end and the line count.
        elapsed = max(t["ranks"] or 99, t["line"] or 99) if node_under_srun else t["end"]
        resume = check_lost(test, proc, lost, info, elapsed, journal,
                            seen_from=2 if 0 in victims else None)
        test.assertLess(t["line"], END_WITHIN_S, info)
        test.assertLess(t["ranks"], END_WITHIN_S, info)
        line = next(l for l in proc.stderr.splitlines() if l.startswith("rangefarm: "))
        result = {"end": t["end"], "line_s": t["line"], "ranks_s": t["ranks"],
                  "status": run.proc.returncode, "line": line, "banners": banners,
                  "resume": resume, "dead_node": dead_node}
    finally:
        if dead_node:
            run.kill()
            restart_node(dead_node)
    return result


def resume_on_survivors(test, case, launcher, resume):
    """The resume command on the nodes CASES names (alive), another rank
    and node count; its counts must be the known ones."""
    _, nodes, per_node = CASES[case]
    path = work_path(f"resumed-{case}-{launcher}-{time.monotonic_ns()}.json")
    cmd = [*launcher_cmd(launcher, nodes, per_node), ARGS.binary, *resume, "--json", path]
    proc = subprocess.run(cmd, env=CLUSTER.env(mpi_env()), cwd=STATE["work"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=180, check=False)
    report = slurm_jobs.json.loads(slurm_jobs.read(path)) if proc.returncode == 0 else None
    info = f"\n  command: {' '.join(cmd)}\n  exit status: {proc.returncode}\n  stderr: {proc.stderr}"
    test.assertIsNotNone(report, info)
    test.assertEqual(report["ranks"], len(nodes) * per_node, info)
    test.assertEqual(report["result"]["counts"], PERFECT_COUNTS, info)
    test.assertGreater(report["checkpoint"]["restored_items"], 0, info)
    hosts = {r.get("host") for r in report["timing"]["ranks"]}
    test.assertEqual(hosts - {None}, set(nodes), info)


class LostRankOrNode(unittest.TestCase):
    def case(self, case, launcher):
        result = failure_case(self, case, launcher)
        sys.stderr.write(f"\n  {case} / {launcher}: ended {result['end']:.2f} s after the kill "
                         f"(line {result['line_s']:.2f} s, ranks {result['ranks_s']:.2f} s), "
                         f"status {result['status']}"
                         + (f", Open MPI banners: {sorted(set(result['banners']))}"
                            if result["banners"] else "") + f"\n  {result['line']}\n")
        # The resume is the same whatever the launcher: once per case, under
        # mpirun -q, keeps the label within its time (the line's resume
        # command is checked under every launcher).
        if launcher == "mpirun-q":
            resume_on_survivors(self, case, launcher, result["resume"])


class NodeFailsUnderSlurm(unittest.TestCase):
    """slurm/resumable.sbatch with sbatch -N 3 (2 ranks a node): once it has
    journaled a few chunks, kill-node rfnode3 (not the batch host rfnode1).
    The job must end COMPLETED in its first allocation (no requeue), having
    relaunched with --resume on rfnode1 and rfnode2 (4 ranks) by itself, with
    the known counts; the dead node is started again afterwards."""

    def node_fails(self, launcher):
        jobs = slurm_jobs.Jobs(lambda: CLUSTER.env(mpi_env()), STATE["work"], ARGS.repo,
                               ARGS.binary, CLUSTER.logs_tail)
        name = f"nodefail-{launcher}"
        job = jobs.sbatch("resumable.sbatch", PERFECT,
                          [f"--output={name}-%j.out", f"--job-name={name}",
                           f"--nodes={len(NODES)}", f"--ntasks-per-node={SLOTS}",
                           f"--ntasks={RANKS}"],
                          env={"RANGEFARM_LAUNCHER": launcher})
        log_path = work_path(f"{name}-{job}.out")
        journal = work_path(f"rangefarm-{job}.journal")
        deadline = time.monotonic() + STARTUP_S
        while records(journal) < RECORDS_BEFORE_KILL:
            (fields,) = jobs.fields(job)
            self.assertNotIn(fields["JobState"], slurm_jobs.DONE_STATES,
                             slurm_jobs.read(log_path) if os.path.exists(log_path) else fields)
            self.assertLess(time.monotonic(), deadline, "no chunks journaled")
            time.sleep(0.05)
        self.assertEqual(jobs.fields(job)[0]["BatchHost"], NODES[0])
        try:
            CLUSTER.kill_node(NODES[2])
            (fields,) = jobs.wait_done(job, timeout=150)
        finally:
            restart_node(NODES[2])
        log = slurm_jobs.read(log_path)
        info = f"\n{fields}\n{log}{CLUSTER.logs_tail()}"
        self.assertEqual(fields["JobState"], "COMPLETED", info)
        self.assertEqual(fields["Restarts"], "0", info)
        self.assertEqual(log.count("rangefarm: error: lost rank 4 ("), 1, info)
        self.assertIn("relaunch 1 on the nodes still alive: rfnode1,rfnode2", log, info)
        self.assertNotIn("relaunch 2", log, info)
        self.assertIn("launching 4 rank(s)", log, info)
        report = slurm_jobs.json.loads(slurm_jobs.read(work_path(f"rangefarm-{job}.json")))
        self.assertEqual(report["ranks"], 4, info)
        self.assertEqual(report["result"]["counts"], PERFECT_COUNTS, info)
        self.assertGreater(report["checkpoint"]["restored_items"], 0, info)
        self.assertEqual({r.get("host") for r in report["timing"]["ranks"]} - {None},
                         set(NODES[:2]), info)

    def test_mpirun(self):
        self.node_fails("mpirun")

    # srun relaunches the same way (node_fails("srun") passed when it was
    # written); in ctest it would add about 35 s to a label that must stay
    # within 4 minutes, so only mpirun runs here.


class StartUpAndFreeze(unittest.TestCase):
    """A rank that never starts, and a rank frozen for good, across nodes.

    With RANGEFARM_START_TIMEOUT=START_TIMEOUT_S:
    - rank 5 (on rfnode3) stops itself (SIGSTOP) before it calls MPI_Init,
      under mpirun --hostfile (an MPMD launch) and srun (--multi-prog): one
      line names where the start stopped (under mpirun rank 0 is still in
      MPI_Init; under srun the ranks on the other nodes leave MPI_Init and
      rank 0 names ranks 4-5 as never reported), and the launcher ends within
      the timeout and END_MARGIN_S (under srun because rank 0 ends its own
      step: srun would wait for the stopped task for ever);
    - rank 5 exits right after MPI_Init (RANGEFARM_TEST_START_FAULT): under
      mpirun, rank 0 names it in the stop line (mpirun ends the others with
      SIGTERM); under srun, Slurm's PMIx plugin kills the step itself at once
      (SIGKILL: no rank can speak) and srun names the task;
    - rank 2 of 3 (one a node) frozen for good in the middle of a run under
      srun (RANGEFARM_HEARTBEAT_TIMEOUT=3): rank 0 names it, and srun ends
      within a few seconds because rank 0 ends its step (it used to wait
      for the frozen task until it was woken).
    Every process the test stopped is killed at the end."""

    def launch(self, name, cmd, env):
        run = Run(None, None, dict(mpi_env(), **env), name, cmd=cmd)
        self.addCleanup(run.kill)
        return run

    def end_stopped(self, run):
        """Kills whatever of the run is still alive (a stopped task too)."""
        def cleanup():
            for pid in tagged(run.tag):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.addCleanup(cleanup)

    def ended(self, run, limit_s, started):
        while run.proc.poll() is None and time.monotonic() - started < limit_s + 30:
            time.sleep(0.05)
        took = time.monotonic() - started
        info = run.info() + f"\n  ended after {took:.2f} s"
        self.assertIsNotNone(run.proc.poll(), "the launcher did not end" + info)
        self.assertLess(took, limit_s, "the launcher did not end in time" + info)
        return took, info

    def stopped_before_init(self, launcher):
        name = f"start-stop-{launcher}-{time.monotonic_ns()}"
        args = [*PERFECT]
        stopper = ["sh", "-c", 'kill -STOP $$; exec "$0" "$@"', ARGS.binary, *args]
        if launcher == "srun":
            conf = work_path(f"{name}.conf")
            with open(conf, "w") as f:
                f.write(f"0-4 {ARGS.binary} {' '.join(args)}\n5 {' '.join(map(shlex.quote, stopper))}\n")
            cmd = [*launcher_cmd("srun"), "--multi-prog", conf]
        else:
            cmd = ["mpirun", "-q", "--hostfile", CLUSTER.hostfile, "-np", str(RANKS - 1),
                   ARGS.binary, *args, ":", "-np", "1", *stopper]
        started = time.monotonic()
        run = self.launch(name, cmd, {"RANGEFARM_START_TIMEOUT": str(START_TIMEOUT_S)})
        self.end_stopped(run)
        rank0 = poll("rank 0", lambda: run.ranks().get(0), STARTUP_S, run)
        took, info = self.ended(run, START_TIMEOUT_S + END_MARGIN_S, started)
        proc = subprocess.CompletedProcess(run.cmd, run.proc.returncode, "", "")
        proc.stderr, _ = strip_launcher_lines("srun" if launcher == "srun" else "mpirun-q",
                                              run.stderr())
        self.assertNotEqual(run.proc.returncode, 0, info)
        # Under srun the ranks on the other nodes leave MPI_Init: rank 0
        # names rank 5 and rank 4, its node's other rank, held there too.
        check_start_failed(self, proc, info, ["in-init", "unreported"], RANKS,
                           speaker=(0, rank0, "rfnode1"), missing=[4, 5])
        sys.stderr.write(f"\n  {launcher}, rank 5 stopped before MPI_Init: ended after "
                         f"{took:.2f} s, status {run.proc.returncode}\n  {proc.stderr.strip()}\n")

    def test_mpirun_rank_stopped_before_mpi_init(self):
        self.stopped_before_init("mpirun")

    def test_srun_rank_stopped_before_mpi_init(self):
        self.stopped_before_init("srun")

    def exits_after_init(self, launcher):
        name = f"start-exit-{launcher}-{time.monotonic_ns()}"
        cmd = [*launcher_cmd(launcher), ARGS.binary, *PERFECT]
        started = time.monotonic()
        run = self.launch(name, cmd, {"RANGEFARM_START_TIMEOUT": str(START_TIMEOUT_S),
                                      "RANGEFARM_TEST_START_FAULT": "5:exit"})
        took, info = self.ended(run, START_TIMEOUT_S + END_MARGIN_S, started)
        self.assertNotEqual(run.proc.returncode, 0, info)
        if launcher == "srun":
            self.assertIn("rfnode3: task 5: Exited with exit code 1", run.stderr(), info)
        else:
            proc = subprocess.CompletedProcess(run.cmd, run.proc.returncode,
                                               "", virtual_cluster.without_rsh_race(run.stderr()))
            check_start_failed(self, proc, info, ["stopped-unreported"], RANKS, missing=[5])
        sys.stderr.write(f"\n  {launcher}, rank 5 exits after MPI_Init: ended after {took:.2f} s,"
                         f" status {run.proc.returncode}\n  {run.stderr().strip()[-600:]}\n")

    def test_mpirun_rank_exits_after_mpi_init(self):
        self.exits_after_init("mpirun-q")

    def test_srun_rank_exits_after_mpi_init(self):
        self.exits_after_init("srun")

    def test_srun_frozen_worker_ends_the_step(self):
        """One rank a node: with a second task on the frozen one's node,
        Slurm's PMIx plugin cancels the step itself when that task exits
        (its connection drops), and the test would pass without the fix."""
        name = f"frozen-srun-{time.monotonic_ns()}"
        journal = work_path(f"{name}.jsonl")
        args = [*PERFECT, "--checkpoint", journal]
        run = self.launch(name, [*launcher_cmd("srun", per_node=1), ARGS.binary, *args],
                          {"RANGEFARM_HEARTBEAT_TIMEOUT": str(HEARTBEAT_S)})
        self.end_stopped(run)
        ranks = len(NODES)
        pids = poll(f"{ranks} rank processes",
                    lambda: (lambda r: r if sorted(r) == list(range(ranks)) else None)(run.ranks()),
                    STARTUP_S, run)
        poll(f"{RECORDS_BEFORE_KILL} journal records",
             lambda: records(journal) >= RECORDS_BEFORE_KILL, STARTUP_S, run)
        host = CLUSTER.node_of_pid(pids[2])
        os.kill(pids[2], signal.SIGSTOP)
        stopped_at = time.monotonic()
        took, info = self.ended(run, HEARTBEAT_S + END_WITHIN_S, stopped_at)
        proc = subprocess.CompletedProcess(run.cmd, run.proc.returncode, "", "")
        proc.stderr, _ = strip_launcher_lines("srun", run.stderr())
        check_lost(self, proc, {2: (pids[2], host)}, info, max(took - HEARTBEAT_S, 0), journal)
        self.assertFalse(alive(pids[2]), "the frozen task outlived the step" + info)
        sys.stderr.write(f"\n  srun, rank 2 frozen (alone on {host}): srun ended {took:.2f} s "
                         f"after the SIGSTOP, status {run.proc.returncode}\n")


def tagged(tag):
    """Every live process whose environment carries LAUNCH_TAG=tag."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            env = environ(int(name))
            if env and env.get(LAUNCH_TAG.encode()) == tag.encode():
                found.append(int(name))
    return found


def _add_cases():
    # Named so that unittest's order is every launcher's rank case, then
    # node, then rank 0's node.
    for k, case in enumerate(CASES):
        for launcher in LAUNCHERS:
            def test(self, case=case, launcher=launcher):
                self.case(case, launcher)
            test.__doc__ = f"{CASES[case][0]} killed under {launcher}"
            name = f"test_{k}_{case.replace('-', '_')}_{launcher.replace('-', '_')}"
            setattr(LostRankOrNode, name, test)


_add_cases()


def setUpModule():
    global CLUSTER
    STATE["work"] = tempfile.mkdtemp(prefix="rangefarm-cluster-failures-", dir=ARGS.work_root)
    os.chmod(STATE["work"], 0o755)  # munged wants x for all on its socket's folders
    virtual_cluster.visible_to_nodes(ARGS, STATE["work"])
    CLUSTER = virtual_cluster.start(ARGS.repo, STATE["work"], ARGS.port,
                                    nodes=len(NODES), slots=SLOTS)


def tearDownModule():
    virtual_cluster.stop_at_module_end(STATE)


def parse_args(doc, test_file):
    def work_root(parser):
        parser.add_argument("--work-root", default="/var/tmp",
                            help="where the test folder goes (shared by the nodes: not /tmp)")
    return slurm_jobs.parse_args(
        doc, test_file, 16967,
        "slurmctld port (node K's slurmd: +K); clear of test_cluster.py's 16887", work_root)


def finish(passed):
    if "work" in STATE:
        if passed and not ARGS.keep and not STATE.get("stop_failed"):
            shutil.rmtree(STATE["work"], ignore_errors=True)
        else:
            sys.stderr.write(f"test folder kept: {STATE['work']}\n")
    sys.exit(0 if passed else 1)


def main():
    global ARGS
    ARGS, rest = parse_args(__doc__, __file__)
    finish(slurm_jobs.run_tests(rest))


if __name__ == "__main__":
    main()
