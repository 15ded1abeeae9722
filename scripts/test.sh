#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, MPI at 1-4
# ranks, CLI end to end). Then builds a second tree with AddressSanitizer and
# UndefinedBehaviorSanitizer (RANGEFARM_SANITIZE=ON, RelWithDebInfo for line
# numbers in reports, in build-sanitize/ or RANGEFARM_SANITIZE_BUILD_DIR) and
# runs the unit and MPI tests there: a memory error, a leak outside Open MPI
# (tests/sanitizers/lsan.supp) or undefined behaviour fails them.
# RANGEFARM_SKIP_SANITIZE=1 skips that second pass, which costs a full build.
# Arguments go to both ctest runs. Exits non-zero if any test fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# ctest takes unknown options silently: check them against its own list
# before a build is spent on them.
ctest_options=" $(ctest --help | grep -oE '^\s+-{1,2}[A-Za-z][A-Za-z-]*|, --[a-z][a-z-]*' |
  sed 's/^[ ,]*//' | tr '\n' ' ') "
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      echo "usage: scripts/test.sh [CTEST_OPTION...]   (builds, runs every test, then the sanitizer pass; e.g. -L cli, -R checkpoint, -LE slurm)"
      exit 0 ;;
    -*)
      name="${arg%%=*}"
      [[ "$ctest_options" == *" $name "* || "$ctest_options" == *" ${name:0:2} "* ]] ||
        { echo "test.sh: unknown ctest option '$arg' (see scripts/test.sh --help, ctest --help)" >&2; exit 2; } ;;
  esac
done
"$root/scripts/setup.sh"
source "$root/scripts/mpi_env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1  # 3- and 4-rank tests on a 2-core machine
build="${RANGEFARM_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure "$@"

if [[ "${RANGEFARM_SKIP_SANITIZE:-0}" == 1 ]]; then
  echo "test: sanitizer pass skipped (RANGEFARM_SKIP_SANITIZE=1)" >&2
  exit 0
fi
sanitize_build="${RANGEFARM_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
echo "test: unit and MPI tests under ASan and UBSan in $sanitize_build" >&2
RANGEFARM_BUILD_DIR="$sanitize_build" "$root/scripts/setup.sh" \
  -DRANGEFARM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRANGEFARM_BUILD_BENCH=OFF
ctest --test-dir "$sanitize_build" --output-on-failure -L 'unit|mpi' "$@"
