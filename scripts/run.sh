#!/usr/bin/env bash
# The main job: installs what is missing, builds, then searches [1, N] for
# perfect numbers (N = 1e9 unless --to says otherwise) on every local core
# under each of the four schedules, after a one-rank baseline, and prints a
# comparison table (wall time, speedup, efficiency, imbalance).
#
#   scripts/run.sh [--to N] [--ranks P] [--chunk K]
#
# P may not exceed the cores here: ranks sharing a core make the timings
# meaningless. A failed launch is told in one line (scripts/mpi_env.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: scripts/run.sh [--to N] [--ranks P] [--chunk K]   (perfect numbers in [1, N], default 1e9, on P ranks, default all $(nproc) cores)"
fail() {  # one line and exit 2
  echo "run.sh: $1 (see scripts/run.sh --help)" >&2
  exit 2
}
to=1e9
ranks=$(nproc)
chunk=()
while (($#)); do
  case "$1" in
    -h | --help) echo "$usage"; exit 0 ;;
    --to | --ranks | --chunk) (($# >= 2)) || fail "$1 needs a value" ;;&
    --to) to="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --chunk) chunk=(--chunk "$2"); shift 2 ;;
    *) fail "unknown argument '$1'" ;;
  esac
done
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || fail "--ranks: not a positive whole number: '$ranks'"
if ((ranks > $(nproc))); then
  fail "--ranks $ranks is more than the $(nproc) cores here: this is a timing comparison, and oversubscribed ranks' timings mean nothing; use --ranks $(nproc) or fewer"
fi

"$root/scripts/setup.sh"
source "$root/scripts/mpi_env.sh"
bin="${RANGEFARM_BUILD_DIR:-$root/build}/apps/rangefarm"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "perfect-number search over [1, $to]: 1-rank baseline, then $ranks ranks per schedule" >&2
run() {  # run NAME RANKS SCHEDULE: one search, its report kept as NAME.json
  echo "  $3 at $2 rank(s)..." >&2
  rf_mpirun -np "$2" "$bin" perfect --to "$to" --schedule "$3" "${chunk[@]}" --json "$out/$1.json" >/dev/null
}
run 0-baseline 1 static-block
i=1
for s in static-block static-cyclic dynamic guided; do
  run "$i-$s" "$ranks" "$s"
  i=$((i + 1))
done
python3 "$root/scripts/compare_schedules.py" "$out"/*.json
