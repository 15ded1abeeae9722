#!/usr/bin/env bash
# The main job: installs what is missing, builds, then searches [1, N] for
# perfect numbers (N = 1e9 unless --to says otherwise) on one rank as a
# baseline and on P ranks under each of the four schedules, in R interleaved
# rounds (every configuration once, then again: a slow spell of the machine
# spreads over all of them instead of spoiling one), and prints a
# comparison table (scripts/compare_schedules.py): median and min-max wall
# time, speedup against the 1-rank median, efficiency, imbalance, and a
# flag in words on any row not to be trusted.
#
#   scripts/run.sh [--to N] [--ranks P] [--chunk K] [--rounds R] [--binary PATH]
#
# P may not exceed the cores here: ranks sharing a core make the timings
# meaningless. A failed launch is told in one line (scripts/mpi_env.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: scripts/run.sh [--to N] [--ranks P] [--chunk K] [--rounds R] [--binary PATH]   (perfect numbers in [1, N], default 1e9: a 1-rank baseline and each schedule on P ranks, default all $(nproc) cores, in R interleaved rounds, default 3; --binary: an already built rangefarm, no setup or build)"
fail() {  # one line and exit 2
  echo "run.sh: $1 (see scripts/run.sh --help)" >&2
  exit 2
}
to=1e9
ranks=$(nproc)
chunk=()
rounds=3
binary=""
while (($#)); do
  case "$1" in
    -h | --help) echo "$usage"; exit 0 ;;
    --to | --ranks | --chunk | --rounds | --binary) (($# >= 2)) || fail "$1 needs a value" ;;&
    --to) to="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --chunk) chunk=(--chunk "$2"); shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    *) fail "unknown argument '$1'" ;;
  esac
done
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || fail "--ranks: not a positive whole number: '$ranks'"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "--rounds: not a positive whole number: '$rounds'"
[[ -z "$binary" || -x "$binary" ]] || fail "--binary: no executable at '$binary'"
if ((ranks > $(nproc))); then
  fail "--ranks $ranks is more than the $(nproc) cores here: this is a timing comparison, and oversubscribed ranks' timings mean nothing; use --ranks $(nproc) or fewer"
fi

if [[ -z "$binary" ]]; then
  "$root/scripts/setup.sh"
  binary="${RANGEFARM_BUILD_DIR:-$root/build}/apps/rangefarm"
fi
source "$root/scripts/mpi_env.sh"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown; }
load_before="$(load)"
echo "perfect-number search over [1, $to]: $rounds interleaved round(s) of a 1-rank baseline and each schedule at $ranks ranks" >&2
run() {  # run NAME RANKS SCHEDULE: one search, its report kept as NAME.json
  echo "  round $round of $rounds: $3 at $2 rank(s)..." >&2
  rf_mpirun -np "$2" "$binary" perfect --to "$to" --schedule "$3" "${chunk[@]}" --json "$out/$1.json" >/dev/null
}
for ((round = 1; round <= rounds; round++)); do
  run "0-baseline-$round" 1 static-block
  i=1
  for s in static-block static-cyclic dynamic guided; do
    run "$i-$s-$round" "$ranks" "$s"
    i=$((i + 1))
  done
done
status=0
python3 "$root/scripts/compare_schedules.py" "$out"/*.json || status=$?
load_after="$(load)"
# Busy: the other work already running and these ranks need more than the cores.
busy=$(awk -v a="$load_before" -v p="$ranks" -v n="$(nproc)" 'BEGIN { print (a + p > n + 0.5) ? 1 : 0 }')
echo "machine load (1-minute average): $load_before before, $load_after after (these runs included), on $(nproc) cores$( ((busy)) && echo "; other work was running beside the $ranks ranks, so expect noisy timings")"
exit "$status"
