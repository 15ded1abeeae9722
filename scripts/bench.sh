#!/usr/bin/env bash
# The benchmark suite: every side-by-side comparison of rangefarm (sieve at 1
# and 2 ranks, the sieve's chunk-size curve and its rate over a simple
# reference sieve, factorial and decimal output against GMP, dispatch
# throughput, mersenne at 1 and 2 ranks, the textbook Python Pool) in one
# run, medians as ratios beside their targets, each with its median's 95%
# confidence interval by order statistics (scripts/median_ci.py), results as
# JSON, and a regression check against bench/baseline.json (more than 10%
# worse fails; a small-chunk slow-down of the sieve fails it too). See
# bench/bench_suite.py, or scripts/bench.sh --help.
#
#   scripts/bench.sh [--quick] [--runs N] [--only NAME,...] [--wait-idle S]
#                    [--baseline FILE] [--no-compare] [--save-baseline]
#                    [--check RESULTS] [--out FILE] [--build DIR]
#
# The build folder is build/ (RANGEFARM_BUILD_DIR, if set, or --build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/mpi_env.sh"
exec "${PYTHON:-python3}" "$root/bench/bench_suite.py" "$@"
