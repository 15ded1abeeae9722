# Sourced by the scripts (source scripts/mpi_env.sh): lets Open MPI run as
# root (CI and containers run as root) and defines rf_mpirun, mpirun with
# its failures told in one line. It does not allow more ranks than cores
# (timings of oversubscribed ranks mean nothing; test.sh allows it for its
# tests), and it does not make mpirun quiet: that hides the launcher's own
# errors (not enough slots, a binary that cannot start) entirely.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  usage="usage: source scripts/mpi_env.sh   (sets Open MPI's environment for the scripts; run alone it does nothing)"
  [[ "${1:-}" == --help || "${1:-}" == -h ]] && { echo "$usage"; exit 0; }
  echo "mpi_env.sh: to be sourced, not run; $usage" >&2
  exit 2
fi
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rf_scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# rf_mpirun ARG...: mpirun ARG...; its stderr is held back and, when mpirun
# fails, told in one line (rangefarm's own, or the launcher's reason: see
# scripts/launch_error.py). Returns mpirun's exit status.
rf_mpirun() {
  local err status=0
  err="$(mktemp)"
  mpirun "$@" 2>"$err" || status=$?
  if ((status)); then
    python3 "$rf_scripts/launch_error.py" "$status" <"$err" >&2
  else
    cat "$err" >&2
  fi
  rm -f "$err"
  return "$status"
}
