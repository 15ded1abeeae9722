#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, MPI at 1-4
# ranks, CLI end to end). Exits non-zero if any test fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
source "$root/scripts/mpi_env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1  # 3- and 4-rank tests on a 2-core machine
build="${RANGEFARM_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure "$@"
