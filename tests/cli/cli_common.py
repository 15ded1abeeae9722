"""Pieces shared by the command-line tests (test_cli.py, test_factorial_cli.py,
test_mersenne_cli.py, test_bad_input.py, test_checkpoint.py)."""

import argparse
import concurrent.futures
import dataclasses
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

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


def json_report(test, proc, args, np, workload):
    """The one JSON object a successful run with --json - printed, of the
    given workload and rank count; returns (report, info)."""
    info = describe(args, np, proc, stdout_limit=2000)
    test.assertEqual(proc.returncode, 0, info)
    test.assertEqual(proc.stderr, "", info)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        test.fail(f"stdout is not one JSON object ({exc}){info}")
    test.assertIsInstance(report, dict, info)
    test.assertEqual(report["workload"], workload, info)
    test.assertEqual(report["ranks"], 1 if np is None else np, info)
    return report, info


LAUNCHES = (("singleton", None), ("mpirun_np2", 2))


# Bad input (test_bad_input.py). Every case runs as a singleton and under
# mpirun at 2 ranks with --tag-output, which shows which rank wrote each
# piece of output; a case marked np3 also runs at 3 ranks (oversubscribed),
# untagged, as a user sees it. mpirun idles about a second after a non-zero
# exit, so the launches run BAD_INPUT_PARALLEL at a time.
BAD_INPUT_LAUNCHES = (("singleton", None, False), ("mpirun_np2_tagged", 2, True))
BAD_INPUT_NP3_LAUNCH = ("mpirun_np3", 3, False)
BAD_INPUT_PARALLEL = 4

# Options that name a file a run writes; a refused run must create none of
# them, nor FILE.tmp, nor change one that was there.
OUTPUT_OPTIONS = ("--json", "--output", "--checkpoint")

# Open MPI's --tag-output prefix: [job,rank]<stream>:
MPI_TAG = re.compile(r"\[\d+,(\d+)\]<(stdout|stderr|stddiag)>:")


@dataclasses.dataclass(frozen=True)
class BadInput:
    """A case of bad input: ``rangefarm ARGS`` (split as the shell splits
    them) must exit with status, print nothing on stdout and exactly one
    line on stderr, from rank 0, starting ``rangefarm: error:`` and holding
    contains, with no MPI banner, and leave its work dir as it found it.

    files: written into the (fresh, empty) work dir first, {name: content};
    content str or bytes, a name ending in "/" is a directory. np3: run at 3
    ranks too."""

    name: str
    args: str
    status: int
    contains: str
    files: dict = None
    np3: bool = False

    @property
    def argv(self):
        return shlex.split(self.args)

    def launches(self):
        return BAD_INPUT_LAUNCHES + ((BAD_INPUT_NP3_LAUNCH,) if self.np3 else ())


def make_files(workdir, files):
    """Writes a BadInput's files into workdir."""
    for name, content in (files or {}).items():
        path = os.path.join(workdir, name)
        if name.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, bytes):
            with open(path, "wb") as f:
                f.write(content)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)


def snapshot(root):
    """Everything under root: relative path -> ("dir",), ("file", bytes)
    or ("other", file type)."""
    tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                entry = ("dir",)
            elif stat.S_ISREG(mode):
                with open(path, "rb") as f:
                    entry = ("file", f.read())
            else:
                entry = ("other", stat.S_IFMT(mode))
            tree[os.path.relpath(path, root)] = entry
    return tree


def outside_outputs(argv, workdir):
    """The paths argv's output options name outside workdir, with FILE.tmp
    and FILE's folder: what a refused run must not create there."""
    paths = []
    for i, arg in enumerate(argv):
        option, eq, value = arg.partition("=")
        if option not in OUTPUT_OPTIONS:
            continue
        path = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
        if not path or path == "-":
            continue
        full = os.path.normpath(os.path.join(workdir, path))
        if os.path.commonpath([full, workdir]) != workdir:
            paths += [full, full + ".tmp", os.path.dirname(full)]
    return paths


@dataclasses.dataclass
class Attempt:
    """One launch of a BadInput and what it left behind."""

    launch: str
    np: int
    tagged: bool
    proc: subprocess.CompletedProcess
    before: dict   # snapshot of the work dir before the run
    after: dict    # and after it
    outside: dict  # outside_outputs path -> (existed before, exists after)


def attempt_bad_input(binary, mpirun, case, launch):
    """Runs case under launch (name, np, tagged) in a fresh work dir."""
    name, np, tagged = launch
    workdir = tempfile.mkdtemp(prefix="rangefarm-bad-input-")
    try:
        make_files(workdir, case.files)
        argv = case.argv
        before = snapshot(workdir)
        outside = {p: os.path.lexists(p) for p in outside_outputs(argv, workdir)}
        proc = run(binary, mpirun, argv, np, cwd=workdir, tag_output=tagged)
        after = snapshot(workdir)
        outside = {p: (existed, os.path.lexists(p))
                   for p, existed in outside.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Attempt(name, np, tagged, proc, before, after, outside)


def untag(text):
    """Text from mpirun --tag-output without its tags, and the (rank,
    stream) of the tags seen. A rank's line may come in several tagged
    pieces, one per write() (Open MPI tags every piece it forwards)."""
    return (MPI_TAG.sub("", text),
            {(int(m.group(1)), m.group(2)) for m in MPI_TAG.finditer(text)})


def tree_changes(before, after):
    """What differs between two snapshots, in words."""
    changes = [f"created {p}" for p in sorted(set(after) - set(before))]
    changes += [f"removed {p}" for p in sorted(set(before) - set(after))]
    changes += [f"changed {p}" for p in sorted(set(before) & set(after))
                if before[p] != after[p]]
    return changes


class BadInputChecks:
    """Mixin for a unittest.TestCase of BadInput cases. The test script sets
    binary and mpirun on the class; prefetch() starts the launches of many
    cases at once (from setUpClass), check_case() waits for a case's
    launches, starting them if nobody has, and checks each in a subTest."""

    binary = None
    mpirun = None
    cases = ()           # set by add_bad_input_tests
    prefetch_names = ()  # the cases setUpClass starts at once

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pool = concurrent.futures.ThreadPoolExecutor(BAD_INPUT_PARALLEL)
        cls._pending = {}
        cls.prefetch([c for c in cls.cases if c.name in cls.prefetch_names])

    @classmethod
    def tearDownClass(cls):
        cls._pool.shutdown(wait=True, cancel_futures=True)
        super().tearDownClass()

    @classmethod
    def prefetch(cls, cases):
        for case in cases:
            cls._pending[case.name] = [
                (launch, cls._pool.submit(attempt_bad_input, cls.binary,
                                          cls.mpirun, case, launch))
                for launch in case.launches()]

    def check_case(self, case):
        """Checks every launch of case; returns the error lines of those
        that passed."""
        if case.name not in self._pending:
            self.prefetch([case])
        lines = []
        for launch, future in self._pending.pop(case.name):
            with self.subTest(launch=launch[0]):
                lines.append(self.assert_refused(case, future.result()))
        return lines

    def assert_refused(self, case, attempt):
        """The checks of one launch; returns the error line."""
        proc = attempt.proc
        info = describe(case.argv, attempt.np, proc, tag_output=attempt.tagged)
        self.assertEqual(proc.returncode, case.status, info)
        stdout, stderr = proc.stdout, proc.stderr
        if attempt.tagged:
            stdout, out_tags = untag(stdout)
            stderr, err_tags = untag(stderr)
            self.assertEqual(out_tags, set(), "want nothing on stdout" + info)
            self.assertEqual(err_tags, {(0, "stderr")},
                             "want stderr from rank 0 only" + info)
            self.assertTrue(MPI_TAG.match(proc.stderr),
                            "stderr not from a rank" + info)
        self.assertEqual(stdout, "", "want nothing on stdout" + info)
        lines = stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(stderr.endswith("\n"), "want a whole line" + info)
        self.assertTrue(lines[0].startswith("rangefarm: error: "), info)
        self.assertIn(case.contains, lines[0], info)
        for banner in ("MPI_ABORT", "----"):
            self.assertNotIn(banner, proc.stderr, info)
            self.assertNotIn(banner, proc.stdout, info)
        self.assertEqual(tree_changes(attempt.before, attempt.after), [],
                         "the work dir changed" + info)
        for path, (existed, exists) in attempt.outside.items():
            self.assertEqual(exists, existed,
                             f"{path} {'removed' if existed else 'created'}"
                             + info)
        return lines[0]


def add_bad_input_tests(cls, cases):
    """Sets cls.cases and adds one test_NAME method per BadInput."""
    names = [case.name for case in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"bad-input cases named twice: {duplicates}")
    cls.cases = tuple(cases)
    for case in cases:
        def test(self, case=case):
            self.check_case(case)
        test.__doc__ = "rejects: rangefarm " + (case.args or "(no args)")
        setattr(cls, "test_" + case.name, test)


# Runs in the background (test_checkpoint.py): a run to signal or kill while
# it works. Each Launch puts a unique LAUNCH_TAG=... in the environment of
# the command, which mpirun hands on to its ranks; the rank processes are
# found by it (with their OMPI_COMM_WORLD_RANK), and every process left
# behind is killed by it at the end, never by name: other runs of the same
# binary on the machine are not touched.
LAUNCH_TAG = "RANGEFARM_TEST_LAUNCH"


def environ_of(pid):
    """The environment a process started with, {bytes: bytes}, or None
    (gone, a zombie, or not ours to read)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return dict(item.split(b"=", 1) for item in data.split(b"\0") if b"=" in item)


def count_records(path):
    """Whole records in a journal being written (0 if it is not there)."""
    try:
        with open(path, "rb") as f:
            return max(f.read().count(b"\n") - 1, 0)
    except FileNotFoundError:
        return 0


def tagged_pids(tag):
    """The live processes whose environment holds LAUNCH_TAG=tag."""
    want = tag.encode()
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            env = environ_of(int(name))
            if env and env.get(LAUNCH_TAG.encode()) == want:
                pids.append(int(name))
    return pids


def cpu_seconds(pid):
    """User plus system CPU time of a process so far, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[0] is field 3 (state): utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Launch:
    """binary with args started in the background, like run() (under
    mpirun -q -np NP, or alone where np is None), its stdout and stderr
    going to temporary files. Use as a context manager, or call cleanup():
    whatever is still running of it then is killed (SIGKILL). wrapper: a
    command put before the binary (under mpirun, on every rank), which must
    end by exec'ing it, so that ranks() still finds the rank processes."""

    def __init__(self, binary, mpirun, args, np=None, cwd=None, env=None,
                 wrapper=(), launcher=None):
        """launcher: the mpirun options before the binary, instead of
        -q -np NP (e.g. without -q, or with a hostfile)."""
        self.binary = os.path.realpath(binary)
        self.args = list(args)
        self.np = np
        self.tag = f"{os.getpid()}-{uuid.uuid4().hex}"
        cmd = list(wrapper) + [binary] + self.args
        if launcher is not None:
            cmd = [mpirun] + list(launcher) + cmd
        elif np is not None:
            cmd = [mpirun, "-q", "-np", str(np)] + cmd
        full_env = dict(os.environ, **MPI_ENV)
        full_env.update(env or {})
        full_env[LAUNCH_TAG] = self.tag
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=full_env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err)
        self.result = None  # the CompletedProcess, once it has ended

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def running(self):
        return self.proc.poll() is None

    def ranks(self):
        """{rank: pid} of the rank processes alive now (the binary with an
        OMPI_COMM_WORLD_RANK, started by this launch)."""
        found = {}
        for pid in tagged_pids(self.tag):
            env = environ_of(pid)
            rank = (env or {}).get(b"OMPI_COMM_WORLD_RANK")
            try:
                exe = os.readlink(f"/proc/{pid}/exe")
            except OSError:
                continue
            if rank is not None and exe == self.binary:
                found[int(rank)] = pid
        return found

    def leftovers(self):
        """The processes of this launch still alive (but the launcher's own
        process, where it is a zombie not yet waited for)."""
        return [p for p in tagged_pids(self.tag) if p != self.proc.pid]

    def output(self):
        """(stdout, stderr) so far."""
        texts = []
        for f in (self._out, self._err):
            f.seek(0)
            texts.append(f.read().decode("utf-8", errors="replace"))
        return tuple(texts)

    def describe(self, stdout_limit=2000):
        """The command and what it has done so far, for a failure message."""
        stdout, stderr = self.output()
        proc = subprocess.CompletedProcess(self.args, self.proc.poll(),
                                           stdout, stderr)
        return describe(self.args, self.np, proc, stdout_limit=stdout_limit)

    def wait(self, timeout):
        """Waits up to timeout seconds for the run to end; returns a
        CompletedProcess (str stdout and stderr). Past timeout, kills what
        is left of it and raises AssertionError."""
        try:
            self.proc.wait(timeout=max(timeout, 0))
        except subprocess.TimeoutExpired:
            info = self.describe()
            self.cleanup()
            raise AssertionError(f"did not end within {timeout:.0f} s{info}") from None
        stdout, stderr = self.output()
        self.result = subprocess.CompletedProcess(self.args, self.proc.returncode,
                                                  stdout, stderr)
        return self.result

    def cleanup(self):
        """Kills (SIGKILL) every process of this launch still alive, the
        ranks before mpirun, and reaps mpirun."""
        for _ in range(50):
            pids = self.leftovers()
            if self.running():
                pids.append(self.proc.pid)
            if not pids:
                break
            for pid in sorted(pids, key=lambda p: p == self.proc.pid):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self._out, self._err):
            f.close()


def poll_until(what, predicate, timeout, launch=None, interval=0.02):
    """Calls predicate() every interval seconds until it returns something
    true, and returns that. Raises AssertionError past timeout seconds, or
    at once where launch has ended first (what then never happened)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if launch is not None and not launch.running():
            raise AssertionError(f"the run ended before {what}{launch.describe()}")
        if time.monotonic() > deadline:
            info = launch.describe() if launch is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{info}")
        time.sleep(interval)


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
