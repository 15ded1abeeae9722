#!/usr/bin/env python3
"""Dispatch across nodes: chunks per second through rank 0 with zero-cost
tasks (rangefarm synthetic --unit-ms 0 --chunk 1), on one node over shared
memory beside the same farm over loopback TCP between virtual nodes
(scripts/cluster-local.sh), in interleaved rounds; medians and min-max.

  bench/dispatch_nodes.py [--binary build/apps/rangefarm] [--tasks 200000]
                          [--rounds 5] [--out results.json]

Configurations:
  shm-2      2 ranks on one node (Open MPI's shared memory)
  tcp-2x1    2 nodes x 1 rank, --mca btl self,tcp (every message over TCP)
  tcp-3x1    3 nodes x 1 rank over TCP: 3 ranks on this 2-core machine is
             oversubscribed, so this figure is flagged and not a result

Loopback TCP is not InfiniBand: the TCP figure says what the protocol costs
per message through the kernel's TCP stack, not what a cluster's network
will do. Needs root (the virtual cluster).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "cluster"))
import virtual_cluster  # noqa: E402

PORT = 17107  # clear of cluster-local.sh's default 16857 and the tests' 16887


def run_once(binary, tasks, launch, env):
    cmd = launch + [binary, "synthetic", "--tasks", str(tasks), "--cost", "uniform",
                    "--unit-ms", "0", "--chunk", "1", "--json", "-", "--quiet"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600,
                          check=False, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit(f"dispatch_nodes: {' '.join(cmd)} exited {proc.returncode}: "
                         f"{proc.stderr.strip()}")
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    if report["items_total"] != tasks or report["result"]["tasks"] != tasks:
        raise SystemExit(f"dispatch_nodes: {' '.join(cmd)}: {tasks} tasks, yet the report "
                         f"says items_total {report['items_total']}")
    return tasks / report["timing"]["wall_s"], report["nodes"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "apps", "rangefarm"))
    ap.add_argument("--tasks", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        ap.error("needs root: the virtual cluster uses namespaces and mounts")
    binary = os.path.realpath(args.binary)
    if binary.startswith("/tmp/"):
        ap.error("the binary must not be under /tmp (every virtual node has its own /tmp)")
    work = tempfile.mkdtemp(prefix="rangefarm-dispatch-", dir="/var/tmp")
    os.chmod(work, 0o755)  # munged wants x for all on its socket's folders
    cluster = virtual_cluster.start(REPO, work, PORT, nodes=3, slots=1)
    try:
        env = cluster.env()
        local_env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
                         OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        configs = {
            "shm-2": (["mpirun", "-np", "2"], local_env),
            "tcp-2x1": (["mpirun", "--hostfile", cluster.hostfile, "-np", "2",
                         "--mca", "btl", "self,tcp"], env),
            "tcp-3x1": (["mpirun", "--hostfile", cluster.hostfile, "-np", "3",
                         "--mca", "btl", "self,tcp"], env),
        }
        rates = {name: [] for name in configs}
        nodes = {}
        for rnd in range(args.rounds):
            names = list(configs)
            names = names[rnd % len(names):] + names[:rnd % len(names)]  # interleaved
            for name in names:
                rate, nodes[name] = run_once(binary, args.tasks, *configs[name])
                rates[name].append(rate)
    finally:
        virtual_cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"dispatch: {args.tasks} zero-cost tasks, chunk 1, {args.rounds} interleaved rounds "
          f"on {os.cpu_count()} cores")
    print(f"  {'config':10} {'nodes':>5} {'median chunks/s':>16} {'min':>12} {'max':>12}")
    figures = {}
    for name, values in rates.items():
        med = statistics.median(values)
        figures[name] = {"median": med, "min": min(values), "max": max(values),
                         "nodes": nodes[name], "runs": values}
        flag = "  (oversubscribed: 3 ranks on 2 cores; not a result)" \
            if name == "tcp-3x1" and os.cpu_count() < 3 else ""
        print(f"  {name:10} {nodes[name]:>5} {med:>16,.0f} {min(values):>12,.0f} "
              f"{max(values):>12,.0f}{flag}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
