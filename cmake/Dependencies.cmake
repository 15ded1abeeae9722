# Finds every dependency; a missing one stops configuration with the Debian
# package that provides it (scripts/setup.sh installs them all).

function(rf_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "rangefarm needs ${what}: install the Debian package '${package}' "
                        "(or run scripts/setup.sh)")
  endif()
endfunction()

find_package(MPI COMPONENTS CXX QUIET)
rf_require(MPI_CXX_FOUND "MPI (C++)" "libopenmpi-dev")

find_package(Boost 1.74 QUIET COMPONENTS mpi serialization)
rf_require(Boost_FOUND "Boost.MPI and Boost.Serialization"
           "libboost-mpi-dev libboost-serialization-dev")

find_package(PkgConfig QUIET)
rf_require(PKG_CONFIG_FOUND "pkg-config" "pkg-config")
pkg_check_modules(GMPXX QUIET IMPORTED_TARGET gmpxx gmp)
rf_require(GMPXX_FOUND "GMP with its C++ interface (gmpxx)" "libgmp-dev")

find_package(primesieve QUIET)
rf_require(primesieve_FOUND "primesieve" "libprimesieve-dev")

find_package(CLI11 QUIET)
rf_require(CLI11_FOUND "CLI11" "libcli11-dev")

find_package(nlohmann_json 3 QUIET)
rf_require(nlohmann_json_FOUND "nlohmann-json" "nlohmann-json3-dev")

if(RANGEFARM_BUILD_TESTS)
  find_package(GTest QUIET)
  rf_require(GTest_FOUND "GoogleTest" "libgtest-dev")
  find_package(Python3 QUIET COMPONENTS Interpreter)
  rf_require(Python3_FOUND "Python 3" "python3")
endif()
if(RANGEFARM_BUILD_BENCH)
  find_package(benchmark QUIET)
  rf_require(benchmark_FOUND "Google Benchmark" "libbenchmark-dev")
endif()
