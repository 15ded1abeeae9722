# Sourced by the scripts: lets Open MPI run as root (CI and containers run
# as root), allows more ranks than cores for tests on small machines, and
# keeps mpirun quiet so a rank's non-zero exit is not wrapped in a banner.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_orte_execute_quiet=1
