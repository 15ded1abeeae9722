# Run at every build (cmake -P, from the rangefarm_git_commit target):
# writes OUTPUT, a header with the commit the sources are at, "-dirty" when
# tracked files differ from it, "unknown" outside git or without git.
# configure_file leaves OUTPUT untouched when the text is the same, so an
# unchanged commit recompiles nothing.
cmake_minimum_required(VERSION 3.20)
set(commit "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse HEAD
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE status ERROR_QUIET)
  if(status EQUAL 0 AND head)
    set(commit "${head}")
    # Refreshed first, so that a file touched but not changed is not "dirty".
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} update-index -q --refresh
                    OUTPUT_QUIET ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} diff-index --quiet HEAD --
                    RESULT_VARIABLE dirty ERROR_QUIET)
    if(NOT dirty EQUAL 0)
      string(APPEND commit "-dirty")
    endif()
  endif()
endif()
file(WRITE ${OUTPUT}.in
  "#pragma once\n// Written by cmake/git_commit.cmake at build time.\n"
  "#define RANGEFARM_GIT_COMMIT \"@commit@\"\n")
configure_file(${OUTPUT}.in ${OUTPUT} @ONLY)
