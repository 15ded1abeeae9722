# shellcheck shell=bash
# Shell code shared by the slurm/*.sbatch scripts; sourced, never run.
#
# sbatch copies a job script to the node's spool folder before running it,
# so a script cannot find the repository from its own path. Every script
# therefore starts with
#
#   RANGEFARM_HOME="${RANGEFARM_HOME:-${SLURM_SUBMIT_DIR:-$PWD}}"
#   source "$RANGEFARM_HOME/slurm/lib.sh"
#
# i.e. submit from the repository's root, or export RANGEFARM_HOME=/path/to/
# rangefarm (sbatch passes the environment on) and submit from anywhere.
# Between the two lines each script checks that lib.sh is there, and says
# in one line what to do where it is not (bash's own "No such file" names
# neither cause nor cure).
# An installed rangefarm (cmake --install, prefix P) keeps these scripts in
# P/share/rangefarm/slurm/; `module load rangefarm` sets RANGEFARM_HOME to
# P/share/rangefarm and RANGEFARM_BIN to P/bin/rangefarm, so
# sbatch "$RANGEFARM_HOME/slurm/rangefarm.sbatch" works from any folder.
#
# Settings (environment variables, all optional):
#   RANGEFARM_HOME      the repository, or P/share/rangefarm of an installed
#                       prefix P (default: the folder sbatch ran in)
#   RANGEFARM_BIN       the binary (default: in a repository (it has
#                       CMakeLists.txt) $RANGEFARM_HOME/build/apps/rangefarm,
#                       else the installed $RANGEFARM_HOME/../../bin/rangefarm)
#   RANGEFARM_LAUNCHER  srun | mpirun | auto (default): srun --mpi=pmix when
#                       this Slurm offers pmix (srun --mpi=list), else mpirun,
#                       which reads the allocation by itself
#   RANGEFARM_OUTDIR    where JSON reports and journals go (default: the
#                       folder of the job's --output file)

if [[ -z ${RANGEFARM_BIN:-} ]]; then
  if [[ -f $RANGEFARM_HOME/CMakeLists.txt ]]; then
    RANGEFARM_BIN="$RANGEFARM_HOME/build/apps/rangefarm"
  else
    RANGEFARM_BIN="$(cd "$RANGEFARM_HOME/../.." 2>/dev/null && pwd)/bin/rangefarm"
  fi
fi

rf_say() { echo "${RF_SCRIPT:-rangefarm}: $*" >&2; }

rf_check_binary() {
  if [[ ! -x $RANGEFARM_BIN ]]; then
    rf_say "no rangefarm binary at $RANGEFARM_BIN (build with scripts/setup.sh, module load rangefarm, or set RANGEFARM_HOME / RANGEFARM_BIN)"
    exit 2
  fi
}

# Open MPI refuses root unless told; only then is the pair set. mpirun stays
# quiet on a rank's non-zero exit (75 for a clean stop is not an error).
rf_mpi_env() {
  if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  export OMPI_MCA_orte_execute_quiet=1
}

# Sets RF_LAUNCH (an array) to the launcher for NP ranks ($1, default the
# allocation's task count) and says which one it chose. $2, where given, is
# the nodes to use (comma-separated, a part of the allocation: NP must be a
# multiple of their count), e.g. the nodes still alive after one failed.
# shellcheck disable=SC2120  # scaling-array.sbatch passes the rank count
rf_launcher() {
  local np="${1:-${SLURM_NTASKS:-1}}" nodes="${2:-}" choice="${RANGEFARM_LAUNCHER:-auto}"
  local count per_node
  if [[ $choice == auto ]]; then
    if srun --mpi=list 2>&1 | grep -qw pmix; then choice=srun; else choice=mpirun; fi
  fi
  case "$choice" in
    srun) RF_LAUNCH=(srun --mpi=pmix --ntasks="$np") ;;
    mpirun) RF_LAUNCH=(mpirun -q -np "$np") ;;
    *) rf_say "RANGEFARM_LAUNCHER must be srun, mpirun or auto, not '$choice'"; exit 2 ;;
  esac
  if [[ -n $nodes ]]; then
    count="$(tr ',' '\n' <<<"$nodes" | grep -c .)"
    per_node=$((np / count))
    # --overlap: the step of a run that lost a node keeps its CPUs until
    # Slurm declares the node failed (SlurmdTimeout); without it a new step
    # waits for them ("Requested nodes are busy"). mpirun's daemons are a
    # step that mpirun starts with srun: plm_slurm_args passes it on.
    if [[ $choice == srun ]]; then
      RF_LAUNCH+=(--overlap --nodes="$count" --ntasks-per-node="$per_node" --nodelist="$nodes")
    else
      RF_LAUNCH+=(--mca plm_slurm_args --overlap
                  --host "$(sed "s/,/:$per_node,/g; s/\$/:$per_node/" <<<"$nodes")")
    fi
  fi
  rf_say "launching ${np} rank(s) with ${RF_LAUNCH[*]}"
}

# The nodes of this job that are still alive, comma-separated: the job's
# nodes now (scontrol; a node that failed is dropped from a --no-kill job once
# Slurm has noticed, SlurmdTimeout after), less those Slurm reports down,
# failed, drained or not responding, less the hosts named in the file $1
# (rangefarm's "lost rank R (pid P on HOST)" line, which comes at once).
rf_live_nodes() {
  local named="${1:-/dev/null}" list node state lost
  list="$(scontrol show job -o "${SLURM_JOB_ID:-0}" 2>/dev/null | grep -o ' NodeList=[^ ]*' | head -1 | cut -d= -f2-)"
  list="${list:-${SLURM_JOB_NODELIST:-}}"
  [[ -n $list && $list != "(null)" ]] || return 0
  lost="$(grep -h 'rangefarm: error: lost ' "$named" 2>/dev/null | grep -o ' on [^)]*)' | sed 's/^ on //; s/)$//' | sort -u)"
  while read -r node state; do
    [[ -n $node ]] || continue
    [[ $state == *'*' || $state =~ ^(down|drain|drng|fail|failg|maint|boot|powered|unk) ]] && continue
    grep -qxF -- "$node" <<<"$lost" && continue
    echo "$node"
  done < <(sinfo -h -N -n "$list" -o '%N %T' 2>/dev/null | sort -u) | paste -sd,
}

# The folder of this job's --output file (so reports land next to the log),
# unless RANGEFARM_OUTDIR says otherwise; created if missing.
rf_outdir() {
  local out=""
  if [[ -n ${RANGEFARM_OUTDIR:-} ]]; then
    out="$RANGEFARM_OUTDIR"
  else
    out="$(scontrol show job -o "${SLURM_JOB_ID:-0}" 2>/dev/null | grep -o 'StdOut=[^ ]*' | head -1 | cut -d= -f2-)"
    out="$(dirname "${out:-${SLURM_SUBMIT_DIR:-$PWD}/x}")"
  fi
  mkdir -p "$out"
  echo "$out"
}

# This job's name for files: JOBID, or ARRAYJOBID_TASKID in an array.
rf_job_tag() {
  if [[ -n ${SLURM_ARRAY_JOB_ID:-} && -n ${SLURM_ARRAY_TASK_ID:-} ]]; then
    echo "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
  else
    echo "${SLURM_JOB_ID:-local}"
  fi
}

# True if the arguments already name option $1 (e.g. --json).
rf_has_option() {
  local want="$1" a
  shift
  for a in "$@"; do
    [[ $a == "$want" || $a == "$want="* ]] && return 0
  done
  return 1
}

# Sets RF_ARGS (an array): the rangefarm command line from the script's
# arguments, else from RANGEFARM_ARGS (split on spaces), else $1 (the
# default); RANGEFARM_SCHEDULE and RANGEFARM_CHUNK add --schedule/--chunk
# unless the arguments already have them.
rf_args() {
  local default="$1"
  shift
  if (($#)); then
    RF_ARGS=("$@")
  else
    read -r -a RF_ARGS <<<"${RANGEFARM_ARGS:-$default}"
  fi
  if [[ -n ${RANGEFARM_SCHEDULE:-} ]] && ! rf_has_option --schedule "${RF_ARGS[@]}"; then
    RF_ARGS+=(--schedule "$RANGEFARM_SCHEDULE")
  fi
  if [[ -n ${RANGEFARM_CHUNK:-} ]] && ! rf_has_option --chunk "${RF_ARGS[@]}"; then
    RF_ARGS+=(--chunk "$RANGEFARM_CHUNK")
  fi
}

# The whole of a one-run job (rangefarm.sbatch, multinode.sbatch): the
# command line from "$@" (default $1 ... see rf_args), a JSON report beside
# the job's output unless it names --json, the launcher for the allocation's
# tasks; exits with rangefarm's status.
rf_run_job() {
  rf_check_binary
  rf_mpi_env
  rf_args "$@"
  if ! rf_has_option --json "${RF_ARGS[@]}"; then
    RF_ARGS+=(--json "${RANGEFARM_JSON:-$(rf_outdir)/rangefarm-$(rf_job_tag).json}")
  fi
  rf_launcher
  rf_say "job ${SLURM_JOB_ID:-?} on ${SLURM_JOB_NUM_NODES:-1} node(s) ${SLURM_JOB_NODELIST:-$(hostname)}: $RANGEFARM_BIN ${RF_ARGS[*]}"
  local status=0
  "${RF_LAUNCH[@]}" "$RANGEFARM_BIN" "${RF_ARGS[@]}" || status=$?
  rf_say "rangefarm exited with status $status"
  exit "$status"
}
