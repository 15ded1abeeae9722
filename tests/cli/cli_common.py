"""Pieces shared by the command-line tests (test_cli.py, test_factorial_cli.py,
test_mersenne_cli.py)."""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

RUN_TIMEOUT_S = 120

# Open MPI as root, more ranks than cores, and no banner when a rank exits
# non-zero; set here so the scripts also run outside ctest.
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
    "OMPI_MCA_orte_execute_quiet": "1",
}


def run(binary, mpirun, args, np=None, cwd=None, env=None, unset=(),
        tag_output=False):
    """Runs binary with args (directly, or under mpirun -q -np NP, with
    --tag-output where asked) in the environment plus MPI_ENV, less the
    names in unset, plus env. stdin is empty: mpirun would otherwise pass
    the caller's on to rank 0."""
    if np is None:
        cmd = [binary] + list(args)
    else:
        cmd = [mpirun, "-q", "-np", str(np)]
        cmd += ["--tag-output"] if tag_output else []
        cmd += [binary] + list(args)
    full_env = dict(os.environ, **MPI_ENV)
    for name in unset:
        full_env.pop(name, None)
    full_env.update(env or {})
    try:
        return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True,
                              stdin=subprocess.DEVNULL, text=True,
                              timeout=RUN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"timed out after {RUN_TIMEOUT_S} s: {' '.join(cmd)}") from exc


def describe(args, np, proc, stdout_limit=None, tag_output=False):
    """The command and its outcome, for a failure message (stdout cut to
    stdout_limit characters where given)."""
    launch = "singleton" if np is None else f"mpirun -q -np {np}"
    if tag_output:
        launch += " --tag-output"
    return (f"\n  command: {launch} rangefarm {shlex.join(args)}"
            f"\n  exit status: {proc.returncode}"
            f"\n  stdout: {proc.stdout[:stdout_limit]!r}\n  stderr: {proc.stderr!r}")


LAUNCHES = (("singleton", None), ("mpirun_np2", 2))


class BadInputChecks:
    """Mixin for a unittest.TestCase of bad input: exit status 2, nothing on
    stdout, one ``rangefarm: error:`` line on stderr, no MPI banner. The
    class sets run_rangefarm and describe (as staticmethods) and
    workdir_prefix; each test gets a fresh self.workdir to run in."""

    workdir_prefix = "rangefarm-cli-"

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix=self.workdir_prefix)

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def assert_rejected(self, args, np, contains=None):
        """Runs args in self.workdir and returns the one error line."""
        proc = self.run_rangefarm(args, np, cwd=self.workdir)
        info = self.describe(args, np, proc)
        self.assertEqual(proc.returncode, 2, info)
        self.assertEqual(proc.stdout, "", info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(lines[0].strip(), info)
        self.assertTrue(lines[0].startswith("rangefarm: error:"), info)
        for banner in ("MPI_ABORT", "----"):
            self.assertNotIn(banner, proc.stderr, info)
            self.assertNotIn(banner, proc.stdout, info)
        if contains is not None:
            self.assertIn(contains, lines[0], info)
        return lines[0]

    def check_all_launches(self, args, contains=None):
        for launch, np in LAUNCHES:
            with self.subTest(launch=launch):
                self.assert_rejected(args, np, contains)


def add_bad_input_tests(cls, bad_inputs):
    """One test_NAME method of cls per (name, args[, contains]) entry,
    checking that every launch rejects args."""
    for name, args, *rest in bad_inputs:
        contains = rest[0] if rest else None

        def test(self, args=args, contains=contains):
            self.check_all_launches(args, contains)
        test.__doc__ = "rejects: rangefarm " + (" ".join(args) or "(no args)")
        setattr(cls, "test_" + name, test)


def parse_args(script, executables=()):
    """The options every script takes: --binary (default $RANGEFARM_BIN),
    then one per (option, environment variable, help) of executables, then
    --mpirun (default: from PATH). Exits with a message where an executable
    is missing; returns (options, the arguments left for unittest)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--binary", default=os.environ.get("RANGEFARM_BIN"),
                        help="the rangefarm executable to test")
    for option, env_name, text in executables:
        parser.add_argument(option, default=os.environ.get(env_name),
                            help=text)
    parser.add_argument("--mpirun", default=shutil.which("mpirun"),
                        help="Open MPI's mpirun (default: from PATH)")
    opts, rest = parser.parse_known_args()
    for option in ["--binary"] + [e[0] for e in executables]:
        path = getattr(opts, option[2:].replace("-", "_"))
        if not path or not os.access(path, os.X_OK):
            sys.exit(f"{script}: {option}: not an executable: {path}")
    if not opts.mpirun:
        sys.exit(f"{script}: mpirun not found (give --mpirun)")
    return opts, rest


def run_tests(rest):
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
