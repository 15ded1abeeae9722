#!/usr/bin/env bash
# Installs rangefarm's build and test dependencies from Debian's packages (only
# those missing; apt-get update only when something must be installed), then
# configures and builds a Release tree in build/ (RANGEFARM_BUILD_DIR, if set).
# Safe to run again: a no-op install when everything is present, an
# incremental build otherwise.
#
#   scripts/setup.sh [CMAKE_OPTION...]   e.g. -DRANGEFARM_SANITIZE=ON
#
# The options go to cmake after the defaults, so they can override them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      echo "usage: scripts/setup.sh [-DNAME=VALUE...]   (installs missing packages, builds Release in \${RANGEFARM_BUILD_DIR:-build}; -D options go to cmake)"
      exit 0 ;;
    -D?*) ;;
    *) echo "setup.sh: unknown argument '$arg' (it takes CMake -D options only; see scripts/setup.sh --help)" >&2; exit 2 ;;
  esac
done

packages=(
  cmake make g++ pkg-config
  openmpi-bin libopenmpi-dev
  libboost-mpi-dev libboost-serialization-dev
  libgmp-dev libprimesieve-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-matplotlib
  help2man
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build="${RANGEFARM_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
