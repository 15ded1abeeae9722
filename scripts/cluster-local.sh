#!/usr/bin/env bash
# A virtual cluster on this one machine, for trying multi-node runs and for
# the tests in tests/cluster/ (ctest label `cluster`).
#
#   scripts/cluster-local.sh start [N]       N nodes rfnode1..rfnodeN (default 3),
#                                            munged, slurmctld, a slurmd per node;
#                                            prints the `env` lines
#   scripts/cluster-local.sh env             export lines for mpirun, srun, sbatch
#   scripts/cluster-local.sh status          the nodes, their namespaces, sinfo
#   scripts/cluster-local.sh kill-node NAME  SIGKILL every process on node NAME
#   scripts/cluster-local.sh stop            cancel jobs, stop every daemon and
#                                            process, unmount, remove the state
#
#   eval "$(scripts/cluster-local.sh start)"
#   mpirun --hostfile "$RANGEFARM_HOSTFILE" -np 6 hostname   # 2 x rfnode1..3
#   srun -N3 hostname; sbatch -N 3 --ntasks-per-node=2 slurm/multinode.sbatch ...
#
# A node is a persistent UTS namespace (its hostname) and a persistent mount
# namespace in which a node-private folder is bound over /tmp and a tmpfs of
# its own is /dev/shm; everything else, the file system included, is shared,
# as a cluster's shared storage is. So the repository, the binary and the job's files must not be under
# /tmp either. No network namespace: all traffic is loopback (127.0.0.1).
# A process is on a node when its /proc/PID/ns/uts is the node's namespace
# (same inode): that is how kill-node and stop find them, never by name.
#
# State (one folder, RANGEFARM_CLUSTER_DIR, default /run/rangefarm-cluster;
# never under /tmp, which each node sees privately):
#   node-names             rfnode1..rfnodeN, one a line
#   ns/rfnodeK.uts, .mnt   the namespaces, bound on files (ns/ is a private
#                          bind mount of itself, as unshare needs)
#   nodes/rfnodeK/tmp      what rfnodeK sees as /tmp (its /dev/shm is a tmpfs
#                          inside its mount namespace, gone with it)
#   hostfile               "rfnodeK slots=S" lines for mpirun --hostfile
#   agent                  ssh for mpirun (plm_rsh_agent): agent [ssh options]
#                          HOST COMMAND... runs COMMAND on HOST
#   slurm.conf, mpi.conf, munge/, ctld/, spool/, *.pid, *.log (slurmd-rfnodeK.log)
#
# Settings: RANGEFARM_CLUSTER_PORT (slurmctld, default 16857; rfnodeK's slurmd
# listens on PORT+K, clear of slurm-local.sh's 16817/16818 and its test's
# 16837/16838), RANGEFARM_CLUSTER_SLOTS (slots and Slurm CPUs per node,
# default 2), RANGEFARM_CLUSTER_SLURMD_TIMEOUT (default 10 s).
#
# Node failure: a killed node's slurmd stops answering and slurmctld marks the
# node DOWN after SlurmdTimeout (it pings every timeout/3; MessageTimeout=5
# gives a ping up sooner than the default 10 s), its jobs NODE_FAIL: about
# 12 s after kill-node here (26 s with the default MessageTimeout).
# JobRequeue=1, so a batch job is requeued unless submitted with --no-requeue. `start` again brings a killed node's slurmd back (the
# namespaces survive; ReturnToService=2 returns it to service).
#
# Runs here share the machine's cores (every node has them all): they are
# oversubscribed, never take timings from them. Needs root (namespaces,
# mounts, slurmd); installs Debian's slurm packages when missing.
set -euo pipefail

dir="${RANGEFARM_CLUSTER_DIR:-/run/rangefarm-cluster}"
port="${RANGEFARM_CLUSTER_PORT:-16857}"
slots="${RANGEFARM_CLUSTER_SLOTS:-2}"
slurmd_timeout="${RANGEFARM_CLUSTER_SLURMD_TIMEOUT:-10}"
conf="$dir/slurm.conf" marker="$dir/.rangefarm-cluster"
# shellcheck source=scripts/slurm_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm_lib.sh" cluster-local
trap 'say "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR

usage() {
  echo "usage: $0 start [N] | stop | status | env | kill-node NAME" >&2
  exit 2
}

nodes() { [[ -s $dir/node-names ]] && cat "$dir/node-names"; }
uts() { echo "$dir/ns/$1.uts"; }
mnt() { echo "$dir/ns/$1.mnt"; }
mounted() { findmnt -rn -M "$1" >/dev/null 2>&1; }
ns_alive() { mounted "$(uts "$1")" && mounted "$(mnt "$1")"; }

# Runs "$@" on node $1 (its hostname and its /tmp).
on_node() {
  local node="$1"
  shift
  nsenter --uts="$(uts "$node")" --mount="$(mnt "$node")" -- "$@"
}

# The pids of every process whose UTS namespace is node $1's. One find for
# all of /proc, not a readlink per process: on a loaded machine that loop
# took seconds, and kill-node must strike a node's processes at once.
node_pids() {
  local ino
  ino="$(stat -L -c %i "$(uts "$1")")"
  find /proc/[0-9]*/ns/uts -maxdepth 0 -lname "uts:\\[$ino\\]" 2>/dev/null | cut -d/ -f3
  return 0
}

# SIGKILLs every process on node $1 until none is left; prints how many.
kill_all_on() {
  local i pids killed=0
  for ((i = 0; i < 50; i++)); do
    pids="$(node_pids "$1")"
    [[ -n $pids ]] || break
    # shellcheck disable=SC2086  # one pid a word
    kill -KILL $pids 2>/dev/null || true
    killed=$((killed + $(wc -w <<<"$pids")))
    sleep 0.1
  done
  [[ -z "$(node_pids "$1")" ]] || say "processes left on $1 after 5 s: $(node_pids "$1" | paste -sd' ')"
  echo "$killed"
}

# A node's /dev/shm is its own, as on a real node. Open MPI's shared-memory
# transport (vader) backs each rank's segment with the file
# /dev/shm/vader_segment.HOST.UID.JOBID.LOCALRANK, and under srun JOBID is a
# hash of Slurm's job and step ids, which a fresh Slurm hands out again from
# 1. With one /dev/shm for all, the files a node killed by a test left
# behind were opened again, stale, by the next cluster's job of the same id
# (checked here: the same names), and every run left its killed ranks'
# files in the machine's /dev/shm. A tmpfs in the node's mount namespace
# goes with the node.
make_node() {
  local node="$1" tmp="$dir/nodes/$1/tmp"
  ns_alive "$node" && return 0
  mkdir -p "$tmp"
  chmod 1777 "$tmp"
  mounted "$(uts "$node")" && umount "$(uts "$node")"
  mounted "$(mnt "$node")" && umount "$(mnt "$node")"
  touch "$(uts "$node")" "$(mnt "$node")"
  # shellcheck disable=SC2016  # $1 and $2 are the inner shell's
  unshare --uts="$(uts "$node")" --mount="$(mnt "$node")" --propagation private \
    /bin/sh -c 'hostname "$1" && mount --bind "$2" /tmp &&
      mount -t tmpfs -o mode=1777,nosuid,nodev "rfshm-$1" /dev/shm' sh "$node" "$tmp"
}

write_agent() {
  cat >"$dir/agent" <<EOF
#!/bin/sh
# Generated by scripts/cluster-local.sh: ssh for mpirun (plm_rsh_agent) into
# the virtual nodes of $dir. Called as: agent [ssh options] HOST COMMAND...
ns='$dir/ns'
while [ \$# -gt 0 ]; do
  case "\$1" in
    -[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;  # ssh options that take a value
    -*) shift ;;
    *) break ;;
  esac
done
host="\${1#*@}"
[ \$# -gt 0 ] && shift
if [ -z "\$host" ] || [ ! -e "\$ns/\$host.uts" ]; then
  echo "cluster-local agent: no virtual node '\$host' in $dir" >&2
  exit 255
fi
exec nsenter --uts="\$ns/\$host.uts" --mount="\$ns/\$host.mnt" -- /bin/sh -c "\$*"
EOF
  chmod 755 "$dir/agent"
}

write_conf() {
  local node k=0
  {
    echo "# Generated by scripts/cluster-local.sh: a Slurm over virtual nodes for tests."
    slurm_conf_common "$port" "$((port + 1))" "slurmd-%n" "$dir/spool/%n"
    echo "# A killed node stops answering pings (every SlurmdTimeout/3, each given"
    echo "# up after MessageTimeout) and is DOWN after SlurmdTimeout; its jobs end"
    echo "# NODE_FAIL (batch jobs are requeued unless --no-requeue)."
    echo "SlurmdTimeout=$slurmd_timeout"
    echo "MessageTimeout=5"
    while read -r node; do
      k=$((k + 1))
      echo "NodeName=$node NodeAddr=127.0.0.1 Port=$((port + k)) CPUs=$slots State=UNKNOWN"
    done < <(nodes)
    echo "PartitionName=debug Nodes=$(nodes | paste -sd,) Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO"
  } >"$conf"
  # Slurm's PMIx plugin lets the nodes' slurmstepds talk directly for its
  # fences by default. With every node at 127.0.0.1 that went wrong here:
  # now and then a rank left MPI_Init's fence early and sent its first MPI
  # message to a rank still in MPI_Init, which crashed on it in Open MPI's
  # TCP transport (its handler for the message not yet registered; the
  # other ranks then waited in their first collective for good): 11 of 152
  # srun launches of 6 ranks on 3 nodes failed so with the 2 cores loaded,
  # 0 of 100 with the fences routed through slurmd, 0 of 40 under mpirun.
  # Real nodes have addresses of their own.
  {
    echo "# Generated by scripts/cluster-local.sh: see there why."
    echo "PMIxDirectConn=false"
  } >"$dir/mpi.conf"
}

env_lines() {
  printf 'export RANGEFARM_CLUSTER_DIR=%q\n' "$dir"
  printf 'export RANGEFARM_HOSTFILE=%q\n' "$dir/hostfile"
  printf 'export SLURM_CONF=%q\n' "$conf"
  printf 'export OMPI_MCA_plm_rsh_agent=%q\n' "$dir/agent"
  echo "export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo"
  if [[ $(id -u) -eq 0 ]]; then
    echo "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
  fi
}

all_up() {
  local node
  [[ -e $marker ]] && alive munged >/dev/null && alive slurmctld >/dev/null || return 1
  for node in $(nodes); do
    ns_alive "$node" && alive "slurmd-$node" >/dev/null || return 1
  done
}

start() {
  local count="${1:-}" have node
  [[ -z $count || $count =~ ^[1-9][0-9]?$ ]] || usage
  need_root start "namespaces, mounts and slurmd need root"
  case "$dir" in
    /tmp | /tmp/*)
      say "RANGEFARM_CLUSTER_DIR=$dir is under /tmp, which every node sees privately: pick another folder"
      exit 1 ;;
    *[\'\"\ ]*)
      say "RANGEFARM_CLUSTER_DIR=$dir: no quotes or spaces, please"
      exit 1 ;;
  esac
  if [[ -e $marker ]]; then
    have="$(nodes | wc -l)"
    if [[ -n $count && $count -ne $have ]]; then
      say "already set up with $have nodes in $dir: stop it first to start $count"
      exit 1
    fi
    count="$have"
    if all_up; then
      say "already running in $dir ($count nodes)"
      env_lines
      return 0
    fi
  fi
  count="${count:-3}"
  install_missing
  mkdir -p "$dir/ns" "$dir/ctld" "$dir/spool"
  touch "$marker"
  # unshare binds a namespace on a file only on a private mount.
  mounted "$dir/ns" || { mount --bind "$dir/ns" "$dir/ns" && mount --make-private "$dir/ns"; }
  for ((k = 1; k <= count; k++)); do echo "rfnode$k"; done >"$dir/node-names"
  for node in $(nodes); do echo "$node slots=$slots"; done >"$dir/hostfile"
  write_agent
  write_conf
  for node in $(nodes); do make_node "$node"; done
  start_munge
  alive slurmctld >/dev/null || $sbin/slurmctld -f "$conf"
  for node in $(nodes); do
    alive "slurmd-$node" >/dev/null || on_node "$node" $sbin/slurmd -f "$conf"
  done
  # shellcheck disable=SC2046  # one node a word
  wait_idle $(nodes)
  SLURM_CONF="$conf" scontrol update nodename="$(nodes | paste -sd,)" state=resume >/dev/null 2>&1 || true
  say "up: $count nodes in $dir: $(SLURM_CONF="$conf" sinfo -h -o '%P %D node(s) %c CPUs each %T')"
  env_lines
}

kill_node() {
  local node="${1:-}" killed
  [[ -n $node && $# -eq 1 ]] || usage
  need_root kill-node "it kills processes of every user"
  if ! nodes 2>/dev/null | grep -qx -- "$node"; then
    say "no node '$node' in $dir (nodes: $(nodes 2>/dev/null | paste -sd' ' || true))"
    exit 1
  fi
  if ! ns_alive "$node"; then
    say "$node has no namespaces (the cluster is not running)"
    exit 1
  fi
  killed="$(kill_all_on "$node")"
  say "killed $killed process(es) on $node"
}

stop() {
  local node f left
  if [[ ! -d $dir ]]; then
    say "not running (no $dir)"
    return 0
  fi
  if [[ ! -e $marker ]]; then
    say "$dir is not a cluster-local state folder (no $(basename "$marker")); not touching it"
    exit 1
  fi
  cancel_jobs
  for node in $(nodes); do stop_daemons "slurmd-$node"; done
  stop_daemons slurmctld munged
  for node in $(nodes); do
    ns_alive "$node" || continue
    left="$(kill_all_on "$node")"
    ((left == 0)) || say "killed $left process(es) left on $node"
  done
  for f in "$dir"/ns/*.uts "$dir"/ns/*.mnt; do
    if mounted "$f"; then umount "$f"; fi
  done
  if mounted "$dir/ns"; then umount "$dir/ns"; fi
  left="$(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | paste -sd' ')"
  if [[ -n $left ]]; then
    say "still mounted, state kept in $dir: $left"
    exit 1
  fi
  rm -rf "$dir"
  say "stopped; removed $dir"
}

status() {
  local up=0 node pid
  if [[ ! -e $marker ]]; then
    say "not running (no cluster in $dir)"
    return 1
  fi
  for node in $(nodes); do
    if ns_alive "$node"; then
      pid="$(alive "slurmd-$node")" || { pid="not running"; up=1; }
      say "$node: namespaces up, $(node_pids "$node" | wc -l) process(es), slurmd $pid"
    else
      say "$node: namespaces gone"
      up=1
    fi
  done
  for node in munged slurmctld; do
    if pid="$(alive "$node")"; then say "$node running (pid $pid)"; else say "$node not running"; up=1; fi
  done
  alive slurmctld >/dev/null && { SLURM_CONF="$conf" sinfo -N -o '%N %T %c %O' >&2 || true; }
  echo "# point a shell at it:"
  env_lines
  return $up
}

case "${1:-}" in
  start) (($# <= 2)) || usage; start "${2:-}" ;;
  stop) (($# == 1)) || usage; stop ;;
  status) (($# == 1)) || usage; status ;;
  env) (($# == 1)) || usage; env_lines ;;
  kill-node) shift; kill_node "$@" ;;
  *) usage ;;
esac
