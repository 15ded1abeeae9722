# cmake --install BUILD --prefix P lays rangefarm out as HPC sites expect
# (GNUInstallDirs):
#   P/bin/rangefarm                        the program
#   P/bin/rangefarm-scaling                runs P/share/rangefarm/scripts/scaling.py
#   P/share/rangefarm/slurm/               the sbatch scripts and their lib.sh
#   P/share/rangefarm/scripts/             scaling.py, its scaling_study package,
#                                          launch_error.py (a failed launch in one line),
#                                          median_ci.py (the interval of a median) and
#                                          gantt.py (a trace's Gantt chart)
#   P/share/doc/rangefarm/                 README.md and docs/
#   P/share/man/man1/rangefarm.1           the man page, every subcommand in it
#   P/share/modulefiles/rangefarm/VERSION.lua   Lmod modulefile
#   P/share/modulefiles/rangefarm/VERSION       Environment Modules (Tcl) modulefile
# The modulefiles set PATH, MANPATH, RANGEFARM_HOME (P/share/rangefarm, where
# the Slurm scripts find lib.sh) and RANGEFARM_BIN; they are written at
# install time (cmake/install/configure.cmake), when P is known.
include(GNUInstallDirs)

set(rf_templates ${PROJECT_SOURCE_DIR}/cmake/install)
set(rf_home ${CMAKE_INSTALL_DATADIR}/rangefarm)

install(TARGETS rangefarm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(PROGRAMS
  ${PROJECT_SOURCE_DIR}/slurm/rangefarm.sbatch
  ${PROJECT_SOURCE_DIR}/slurm/multinode.sbatch
  ${PROJECT_SOURCE_DIR}/slurm/resumable.sbatch
  ${PROJECT_SOURCE_DIR}/slurm/scaling-array.sbatch
  DESTINATION ${rf_home}/slurm)
install(FILES ${PROJECT_SOURCE_DIR}/slurm/lib.sh DESTINATION ${rf_home}/slurm)

install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/scaling.py DESTINATION ${rf_home}/scripts)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/gantt.py DESTINATION ${rf_home}/scripts)
install(FILES ${PROJECT_SOURCE_DIR}/scripts/launch_error.py ${PROJECT_SOURCE_DIR}/scripts/median_ci.py
        DESTINATION ${rf_home}/scripts)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/scaling_study DESTINATION ${rf_home}/scripts
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)

install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# The modulefiles and the rangefarm-scaling wrapper, written for the prefix
# given at install time and installed by cmake/install/configure.cmake.
install(CODE "
  set(RF_VERSION \"${PROJECT_VERSION}\")
  set(RF_OUT \"${PROJECT_BINARY_DIR}/install-configured\")
  set(RF_TEMPLATES \"${rf_templates}\")
  set(RF_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(RF_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
  set(RF_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
  set(RF_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  include(\"${rf_templates}/configure.cmake\")")

# The man page, generated at build time from --help: help2man (Debian's
# help2man) for NAME, DESCRIPTION and OPTIONS, man_sections.py for a section
# per subcommand, rangefarm.h2m for the hand-written rest. Off without
# help2man (a warning says so) and by default under the sanitizers.
find_program(HELP2MAN_EXECUTABLE help2man)
find_package(Python3 QUIET COMPONENTS Interpreter)
if(RANGEFARM_SANITIZE)
  set(rf_man_default OFF)
else()
  set(rf_man_default ON)
endif()
option(RANGEFARM_MAN_PAGE "Generate and install the man page (needs help2man)" ${rf_man_default})
if(RANGEFARM_MAN_PAGE AND (NOT HELP2MAN_EXECUTABLE OR NOT Python3_FOUND))
  message(WARNING "no help2man (Debian package 'help2man') or Python 3: the man page is not "
                  "built or installed (scripts/setup.sh installs help2man)")
  set(RANGEFARM_MAN_PAGE OFF)
endif()
if(RANGEFARM_MAN_PAGE)
  set(rf_man ${PROJECT_BINARY_DIR}/man/rangefarm.1)
  set(rf_sections ${PROJECT_BINARY_DIR}/man/rangefarm-sections.h2m)
  add_custom_command(
    OUTPUT ${rf_man}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -E env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
            ${Python3_EXECUTABLE} ${rf_templates}/man_sections.py
            --binary $<TARGET_FILE:rangefarm> --out ${rf_sections}
    COMMAND ${CMAKE_COMMAND} -E env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
            ${HELP2MAN_EXECUTABLE} --no-info --no-discard-stderr --section=1
            --name=farm\ integer\ ranges\ of\ number-theory\ work\ over\ MPI\ ranks
            --version-string=${PROJECT_VERSION}
            --include=${rf_sections} --include=${rf_templates}/rangefarm.h2m
            --output=${rf_man} $<TARGET_FILE:rangefarm>
    DEPENDS rangefarm ${rf_templates}/man_sections.py ${rf_templates}/rangefarm.h2m
    COMMENT "Generating the man page rangefarm.1"
    VERBATIM)
  add_custom_target(rangefarm_man ALL DEPENDS ${rf_man})
  install(FILES ${rf_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
