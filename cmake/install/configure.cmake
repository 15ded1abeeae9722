# Run by cmake --install (install(CODE) in cmake/Install.cmake), when the
# prefix is known: writes the modulefiles and the rangefarm-scaling wrapper
# for it and installs them (file(INSTALL) honours DESTDIR and the install
# manifest). Takes RF_VERSION, RF_OUT (a scratch folder in the build tree),
# RF_TEMPLATES and RF_{BIN,DATA,MAN,DOC}DIR (GNUInstallDirs, relative to the
# prefix or absolute). The modulefiles name absolute paths, as sites expect;
# the wrapper finds scaling.py relative to itself.
get_filename_component(RF_PREFIX "${CMAKE_INSTALL_PREFIX}" ABSOLUTE)
foreach(dir BINDIR DATADIR MANDIR DOCDIR)
  if(IS_ABSOLUTE "${RF_${dir}}")
    set(full "${RF_${dir}}")
  else()
    set(full "${RF_PREFIX}/${RF_${dir}}")
  endif()
  get_filename_component(RF_${dir} "${full}" ABSOLUTE)
endforeach()
set(RF_HOME "${RF_DATADIR}/rangefarm")
set(RF_MODULEDIR "${RF_DATADIR}/modulefiles")
file(RELATIVE_PATH RF_SCALING_FROM_BIN "${RF_BINDIR}" "${RF_HOME}/scripts")

# One scratch folder per prefix, so that installs into two prefixes at once
# do not write over each other's files.
string(MD5 tag "${RF_PREFIX}")
set(out "${RF_OUT}/${tag}")
configure_file("${RF_TEMPLATES}/rangefarm.lua.in" "${out}/${RF_VERSION}.lua" @ONLY)
configure_file("${RF_TEMPLATES}/rangefarm.tcl.in" "${out}/${RF_VERSION}" @ONLY)
configure_file("${RF_TEMPLATES}/rangefarm-scaling.in" "${out}/rangefarm-scaling" @ONLY)

file(INSTALL DESTINATION "${RF_BINDIR}" TYPE PROGRAM FILES "${out}/rangefarm-scaling")
file(INSTALL DESTINATION "${RF_MODULEDIR}/rangefarm" TYPE FILE
     FILES "${out}/${RF_VERSION}.lua" "${out}/${RF_VERSION}")
