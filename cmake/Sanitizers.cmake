# RANGEFARM_SANITIZE=ON builds rangefarm's own targets (the library, the app,
# the tests, the tools and benchmarks) with AddressSanitizer (LeakSanitizer
# included) and UndefinedBehaviorSanitizer. Undefined behaviour stops the
# program instead of being reported and skipped, so a test cannot pass with it.
# The dependencies (Open MPI, Boost, GMP, ...) are not rebuilt, so only our
# code is checked; tests/CMakeLists.txt gives the tests the runtime options
# and tests/sanitizers/lsan.supp (Open MPI's own leaks).
#
# Included from the top-level CMakeLists.txt before any target is defined, so
# the directory-scope options below reach every target of this project and
# nothing outside it.

if(RANGEFARM_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "RANGEFARM_SANITIZE needs GCC or Clang, not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(rf_sanitize_flags
    -fsanitize=address,undefined
    -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  add_compile_options(${rf_sanitize_flags})
  add_link_options(${rf_sanitize_flags})
endif()
