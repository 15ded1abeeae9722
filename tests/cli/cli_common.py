"""Pieces shared by the command-line tests (test_cli.py, test_factorial_cli.py)."""

import os
import subprocess

RUN_TIMEOUT_S = 120

# Open MPI as root, more ranks than cores, and no banner when a rank exits
# non-zero; set here so the scripts also run outside ctest.
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
    "OMPI_MCA_orte_execute_quiet": "1",
}


def run(binary, mpirun, args, np=None, cwd=None, env=None, unset=()):
    """Runs binary with args (directly, or under mpirun -q -np NP) in the
    environment plus MPI_ENV, less the names in unset, plus env."""
    if np is None:
        cmd = [binary] + list(args)
    else:
        cmd = [mpirun, "-q", "-np", str(np), binary] + list(args)
    full_env = dict(os.environ, **MPI_ENV)
    for name in unset:
        full_env.pop(name, None)
    full_env.update(env or {})
    try:
        return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True,
                              text=True, timeout=RUN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"timed out after {RUN_TIMEOUT_S} s: {' '.join(cmd)}") from exc


def describe(args, np, proc, stdout_limit=None):
    """The command and its outcome, for a failure message (stdout cut to
    stdout_limit characters where given)."""
    launch = "singleton" if np is None else f"mpirun -q -np {np}"
    return (f"\n  command: {launch} rangefarm {' '.join(args)}"
            f"\n  exit status: {proc.returncode}"
            f"\n  stdout: {proc.stdout[:stdout_limit]!r}\n  stderr: {proc.stderr!r}")
