"""A virtual cluster for tests: scripts/cluster-local.sh started in a state
folder of the test's own, on ports of its own, and always stopped again.

    cluster = virtual_cluster.start(repo, work, port=16887)   # rfnode1..3
    subprocess.run(["mpirun", "--hostfile", cluster.hostfile, ...],
                   env=cluster.env())
    cluster.kill_node("rfnode2")        # SIGKILL everything on it
    cluster.node_of_pid(pid)            # "rfnode1", or None off the nodes
    cluster.run_on("rfnode1", ["ls", "/tmp"])
    cluster.logs_tail()                 # for failure messages
    virtual_cluster.stop()              # also in tearDownModule

The cluster is stopped (no daemon, process or mount left) by stop(), at
interpreter exit (atexit), on SIGTERM and SIGINT, and, since ctest kills a
test past its TIMEOUT with SIGKILL (no handler runs), by a watchdog
(tests/slurm/cleanup_watchdog.py, out of the test's process tree) that runs
`cluster-local.sh stop` when this process dies without saying it stopped
the cluster.

Every node has a private /tmp (and /dev/shm): the work folder (job
scripts' output, JSON reports, journals) and the binary must be elsewhere,
e.g. under /var/tmp.
"""

import atexit
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

import cleanup_watchdog  # tests/slurm, which every importer puts on sys.path

NODE_PREFIX = "rfnode"
START_TIMEOUT_S = 300  # a first start installs slurm and munge with apt-get

_CURRENT = None


class Cluster:
    def __init__(self, repo, state_dir, port, nodes, slots):
        self.script_path = os.path.join(repo, "scripts", "cluster-local.sh")
        self.state_dir = state_dir
        self.port = port
        self.nodes = [f"{NODE_PREFIX}{k}" for k in range(1, nodes + 1)]
        self.slots = slots
        self.hostfile = os.path.join(state_dir, "hostfile")
        self.conf = os.path.join(state_dir, "slurm.conf")
        self._env = {}
        self._watchdog = None
        self._stopped = False

    def _script_env(self):
        return dict(os.environ, RANGEFARM_CLUSTER_DIR=self.state_dir,
                    RANGEFARM_CLUSTER_PORT=str(self.port),
                    RANGEFARM_CLUSTER_SLOTS=str(self.slots))

    def script(self, *args, timeout=120):
        """Runs cluster-local.sh with args on this cluster's state folder."""
        return subprocess.run([self.script_path, *args], env=self._script_env(),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def start(self, watchdog_log):
        self._watchdog = cleanup_watchdog.Watchdog([self.script_path, "stop"],
                                                   self._script_env(), watchdog_log)
        proc = self.script("start", str(len(self.nodes)), timeout=START_TIMEOUT_S)
        if proc.returncode != 0:
            self.stop()
            raise RuntimeError(f"cluster-local.sh start failed ({proc.returncode}):\n"
                               f"{proc.stderr}{self.logs_tail()}")
        self._env = parse_exports(proc.stdout)

    def stop(self):
        """Stops the cluster (idempotent); returns cluster-local.sh's stderr."""
        if self._stopped:
            return ""
        self._stopped = True
        proc = self.script("stop", timeout=300)
        if self._watchdog is not None:
            self._watchdog.finish(cleaned=proc.returncode == 0)  # if not, it tries again
        if proc.returncode != 0:
            raise RuntimeError(f"cluster-local.sh stop failed:\n{proc.stderr}")
        return proc.stderr

    def env(self, extra=None):
        """The environment plus the cluster's (cluster-local.sh env): mpirun
        --hostfile, srun and sbatch reach the nodes; plus extra."""
        env = dict(os.environ, **self._env)
        env.update(extra or {})
        return env

    def kill_node(self, name):
        """SIGKILLs every process on node name, as a failing node would."""
        proc = self.script("kill-node", name)
        if proc.returncode != 0:
            raise RuntimeError(f"kill-node {name} failed:\n{proc.stderr}")
        return proc.stderr

    def ns_file(self, node, kind="uts"):
        return os.path.join(self.state_dir, "ns", f"{node}.{kind}")

    def node_of_pid(self, pid):
        """The node process pid runs on (by its UTS namespace), or None."""
        try:
            inode = os.stat(f"/proc/{pid}/ns/uts").st_ino
        except OSError:
            return None
        for node in self.nodes:
            try:
                if os.stat(self.ns_file(node)).st_ino == inode:
                    return node
            except OSError:
                continue
        return None

    def run_on(self, node, args, timeout=60):
        """Runs args on node (its hostname and its /tmp)."""
        return subprocess.run(["nsenter", f"--uts={self.ns_file(node)}",
                               f"--mount={self.ns_file(node, 'mnt')}", "--", *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def logs_tail(self, lines=20):
        """The ends of slurmctld's and the slurmds' logs, for a failure message."""
        out = []
        for name in ["slurmctld.log"] + [f"slurmd-{n}.log" for n in self.nodes]:
            path = os.path.join(self.state_dir, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
                out.append(f"--- {name} (last {len(tail)} lines)\n" + "\n".join(tail))
        return "\n" + "\n".join(out)


# mpirun's rsh launcher forks the agent and then, in the parent, puts the
# child in a process group of its own; when the child has already exec'd
# (it can run first on a busy machine), setpgid fails with EACCES and
# mpirun says so on stderr, even under -q. Harmless, and mpirun's own: it
# happens with ssh as well. Seen in a cluster test here (2026-12-01).
_RSH_SETPGID_RACE = re.compile(
    r"^\[[^\]]*\] plm:rsh: Warning: setpgid\(\d+,\d+\) failed in parent with "
    r"errno=Permission denied\(13\)$")


def without_rsh_race(stderr):
    """stderr less mpirun's harmless setpgid race warning (above)."""
    return "\n".join(l for l in stderr.splitlines() if not _RSH_SETPGID_RACE.match(l))


def parse_exports(text):
    """{NAME: value} from `export A=1 B=2` lines (cluster-local.sh env)."""
    env = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, _, value = word.partition("=")
                env[name] = value
    return env


def _stop_on_signal(signum, _frame):
    try:
        sys.stderr.write(stop())
    finally:
        os._exit(128 + signum)


def visible_to_nodes(args, work):
    """Every node has a private /tmp, so a repository or binary under /tmp
    (a CI clone there, say) is invisible inside the nodes: then the parts the
    tests run on the nodes (the binary; slurm/ and scripts/ with the
    repository's CMakeLists.txt, which marks it a repository for
    slurm/lib.sh) are copied into work, which must be elsewhere, and
    args.repo and args.binary name the copies."""
    if not (args.repo.startswith("/tmp/") or args.binary.startswith("/tmp/")):
        return
    repo = os.path.join(work, "repo")
    for part in ("slurm", "scripts"):
        shutil.copytree(os.path.join(args.repo, part), os.path.join(repo, part), symlinks=True)
    shutil.copy2(os.path.join(args.repo, "CMakeLists.txt"), repo)
    binary = os.path.join(work, "bin", "rangefarm")
    os.makedirs(os.path.dirname(binary))
    shutil.copy2(args.binary, binary)
    args.repo, args.binary = repo, binary


def start(repo, work, port, nodes=3, slots=2):
    """Starts a cluster of nodes x slots with its state in WORK/cluster-state
    (WORK must not be under /tmp) and slurmctld on port (slurmd K: port+K);
    returns it. It is stopped at exit and on SIGTERM/SIGINT whatever happens."""
    global _CURRENT
    if os.path.realpath(work).startswith("/tmp/"):
        raise RuntimeError(f"{work} is under /tmp, which every virtual node sees privately")
    _CURRENT = Cluster(repo, os.path.join(work, "cluster-state"), port, nodes, slots)
    atexit.register(stop)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop_on_signal)
    _CURRENT.start(os.path.join(work, "cluster-watchdog.log"))
    return _CURRENT


def stop():
    """Stops the cluster start() started, if any; returns the script's messages."""
    return _CURRENT.stop() if _CURRENT is not None else ""


def stop_at_module_end(state):
    """tearDownModule of a test file: stops the cluster, writing what the
    script said; a failed stop is written too and marked in state
    ("stop_failed"), so that the test keeps its folder for a look."""
    try:
        sys.stderr.write(stop())
    except RuntimeError as exc:
        sys.stderr.write(f"{exc}\n")
        state["stop_failed"] = True


def current():
    return _CURRENT
