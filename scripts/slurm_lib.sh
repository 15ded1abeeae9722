# shellcheck shell=bash
# Shell code shared by scripts/slurm-local.sh (a one-node Slurm) and
# scripts/cluster-local.sh (a Slurm over virtual nodes); sourced, never run.
#
#   source scripts/slurm_lib.sh NAME   NAME prefixes the messages
#
# The caller sets dir (its state folder; pid files are $dir/NAME.pid) and
# conf (its slurm.conf, $dir/slurm.conf) before calling these functions.

# shellcheck disable=SC2154  # dir and conf are the caller's
rf_name="$1"
sbin=/usr/sbin

say() { echo "$rf_name: $*" >&2; }

# Exits 1 with one line unless root: slurmd starts jobs as their users, and
# cluster-local.sh's namespaces and mounts need root as well.
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    say "$1 needs root ($2): sudo $0 $1"
    exit 1
  fi
}

install_missing() {
  local packages=(slurmctld slurmd slurm-client munge) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Try the local package lists first; update them only when that fails.
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# pid of a daemon we started, if its pid file names a live process.
alive() {
  local pidfile="$dir/$1.pid" pid state
  [[ -s $pidfile ]] || return 1
  pid="$(cat "$pidfile")"
  # A daemon SIGKILLed (kill-node) stays a zombie until init reaps it, and
  # kill -0 succeeds on a zombie: it is not alive.
  state="$(ps -o stat= -p "$pid" 2>/dev/null)" || return 1
  [[ $state != Z* ]] && echo "$pid"
}

# The settings both Slurms share, for slurm.conf: $1 is slurmctld's port,
# $2 slurmd's (the default for nodes without Port=), $3 how slurmd's pid
# and log files are named (slurmd, or slurmd-%n for one per node), $4 its
# spool folder.
slurm_conf_common() {
  local port="$1" slurmd_port="$2" slurmd="$3" spool="$4" user
  user="$(id -un)"
  cat <<EOF
ClusterName=rangefarm
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
# cred_expire also sets how long a requeued job waits before it may start
# again (default 120 s): short here so the requeue tests take seconds, and
# Slurm itself, not the test, decides when the job is safe to relaunch.
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/$slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/$slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=pmix
SchedulerType=sched/backfill
# The main scheduling loop every 2 s, so a requeued job starts soon after
# its begin time.
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
EnforcePartLimits=ALL
JobRequeue=1
MinJobAge=600
KillWait=5
MailProg=/bin/true
EOF
}

start_munge() {
  alive munged >/dev/null && return 0
  mkdir -p "$dir/munge"
  chmod 755 "$dir" "$dir/munge"  # munged refuses a socket folder without x for all
  [[ -s $dir/munge/munge.key ]] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
    || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; }
  chmod 600 "$dir/munge/munge.key"
  $sbin/munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
}

# Waits up to 20 s for every node named in "$@" to be idle (or in use);
# says which are not and returns 1 otherwise.
wait_idle() {
  local i states bad
  for ((i = 0; i < 100; i++)); do
    states="$(SLURM_CONF="$conf" sinfo -h -N -n "$(IFS=,; echo "$*")" -o '%N %T' 2>/dev/null || true)"
    bad="$(awk '$2 !~ /^(idle|mixed|allocated)/' <<<"$states")"
    [[ -n $states && -z $bad && $(wc -l <<<"$states") -eq $# ]] && return 0
    sleep 0.2
  done
  say "node(s) not idle after 20 s: ${bad:-${states:-no answer from sinfo}}; see the logs in $dir"
  return 1
}

# Waits up to $2 s for pid $1 to exit.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Cancels every job and waits up to 30 s for the queue to empty.
cancel_jobs() {
  local ids i
  alive slurmctld >/dev/null || return 0
  read -r -a ids <<<"$(SLURM_CONF="$conf" squeue -h -o %i 2>/dev/null | paste -sd' ' || true)"
  ((${#ids[@]})) || return 0
  say "cancelling jobs: ${ids[*]}"
  SLURM_CONF="$conf" scancel "${ids[@]}" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    [[ -z "$(SLURM_CONF="$conf" squeue -h -o %i 2>/dev/null)" ]] && return 0
    sleep 0.1
  done
  say "queue not empty after 30 s"
}

# Stops each daemon named (by its pid file): TERM, then KILL after 15 s.
stop_daemons() {
  local name pid
  for name in "$@"; do
    pid="$(alive "$name")" || continue
    kill -TERM "$pid"
    wait_gone "$pid" 15 || { say "$name ($pid) did not stop; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
    say "stopped $name ($pid)"
  done
}
