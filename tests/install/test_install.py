#!/usr/bin/env python3
"""The installed rangefarm as a site's user meets it: cmake --install into a
fresh temporary prefix P, then, in shells with a clean environment (system
PATH only, no MANPATH or module settings, so nothing else named rangefarm
is found first):

- the tree holds what a site expects (bin/, share/rangefarm/{slurm,scripts},
  share/doc/rangefarm, the man page, the modulefiles), nothing from the build;
- Debian's Lmod (installed when missing) loads the Lua modulefile, and the
  Tcl one: P/bin first on PATH, the man page found through MANPATH,
  RANGEFARM_HOME and RANGEFARM_BIN set;
- rangefarm --version names the version, commit, Open MPI, GMP and
  primesieve, as the build tree's does; the man page has every subcommand
  and every option;
- runs of the installed binary give the build tree's report, field by field;
- rangefarm-scaling and P/share/rangefarm/scripts/scaling.py run a sweep
  with the installed binary;
- on a private Slurm (scripts/slurm-local.sh, its own state folder and
  ports), sbatch "$RANGEFARM_HOME/slurm/rangefarm.sbatch" from an unrelated
  folder runs P/bin/rangefarm: after module load, with only RANGEFARM_HOME
  set, and with RANGEFARM_BIN overriding; the repository's slurm/ still runs
  the build tree's binary.

  test_install.py --binary build/apps/rangefarm --build-dir build [--repo .]

Needs root (slurmd starts jobs; apt-get for lmod and slurm when missing).
The temporary folder is removed unless a test failed or --keep is given.
"""

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "slurm"))
import local_slurm  # noqa: E402
import slurm_jobs  # noqa: E402
from slurm_jobs import MPI_ENV, read  # noqa: E402

ARGS = None
STATE = {}
JOBS = None

LMOD_INIT = "/usr/share/lmod/lmod/init/bash"
# What a login shell sources on Debian: Lmod's init, the system MODULEPATH,
# and MANPATH=: first, so that prepending to it keeps the system's pages.
LMOD_PROFILE = "/etc/profile.d/lmod.sh"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PERFECT_1E8 = {"deficient": 75239327, "perfect": 5, "abundant": 24760668}
PERFECT_NUMBERS = [6, 28, 496, 8128, 33550336]
# Runs compared between the installed binary and the build tree's.
RUNS = [["perfect", "--to", "1e7"],
        ["mersenne", "--to", "1300"],
        ["factorial", "1000", "2024"]]


def prefix(*parts):
    return os.path.join(STATE["prefix"], *parts)


def ensure_lmod():
    """Installs Debian's lmod when missing, as slurm-local.sh installs slurm:
    from the local package lists first, updating them only when that fails."""
    if os.path.exists(LMOD_INIT):
        return
    sys.stderr.write("test_install: installing lmod\n")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "lmod"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)


def lmod_profile():
    return LMOD_PROFILE if os.path.exists(LMOD_PROFILE) else LMOD_INIT


def clean_env(**extra):
    """This environment without PATH's extras and without anything of
    modules, rangefarm or Slurm; Open MPI's run-as-root settings kept."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LMOD", "MODULE", "_LMFILES", "LOADEDMODULES", "__LMOD",
                                "_ModuleTable", "RANGEFARM_", "SLURM_", "BASH_ENV"))
           and k not in ("MANPATH", "PYTHONPATH")}
    env.update(MPI_ENV, PATH=SYSTEM_PATH, HOME=STATE["home"],
               SLURM_CONF=STATE["conf"])
    env.update(extra)
    return env


def shell(script, module=True, env=None, cwd=None):
    """Runs script in bash in a clean environment from the unrelated folder,
    after Lmod's login profile and, with module, module use P/...; module load
    rangefarm. Returns stdout; fails with stderr on a non-zero exit."""
    # The profile is a login shell's: sourced before set -u, as there.
    lines = [f"source {lmod_profile()}", "set -euo pipefail"]
    if module:
        lines += [f"module use {shlex.quote(prefix('share', 'modulefiles'))}",
                  "module load rangefarm"]
    proc = subprocess.run(["bash", "-c", "\n".join(lines + [script])],
                          env=clean_env(**(env or {})), cwd=cwd or STATE["elsewhere"],
                          capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssertionError(f"shell exited {proc.returncode}:\n{script}\n{proc.stderr}")
    return proc.stdout


def settings(out):
    """KEY=value lines of a shell's output, as a dict."""
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def run_report(binary, args, name):
    """The JSON report of args run by binary on 2 ranks."""
    path = os.path.join(STATE["work"], name)
    proc = subprocess.run(["mpirun", "-q", "-np", "2", binary, *args, "--json", path, "--quiet"],
                          env=clean_env(), cwd=STATE["elsewhere"], capture_output=True,
                          text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssertionError(f"{binary} {' '.join(args)} exited {proc.returncode}: "
                             f"{proc.stderr}")
    return json.loads(read(path))


def output(args, **env):
    return subprocess.run(args, env=clean_env(**env), capture_output=True, text=True,
                          timeout=60, check=True, stdin=subprocess.DEVNULL).stdout


def setUpModule():
    global JOBS
    work = tempfile.mkdtemp(prefix="rangefarm-install-test-")
    os.chmod(work, 0o755)  # munged wants x for all on its socket's folders
    STATE.update(work=work, prefix=os.path.join(work, "prefix"),
                 elsewhere=os.path.join(work, "elsewhere"), home=os.path.join(work, "home"),
                 slurm_dir=os.path.join(work, "slurm-state"))
    STATE["conf"] = os.path.join(STATE["slurm_dir"], "slurm.conf")
    for folder in ("elsewhere", "home"):
        os.makedirs(STATE[folder])
    ensure_lmod()
    proc = subprocess.run(["cmake", "--install", ARGS.build_dir, "--prefix", STATE["prefix"]],
                          capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"cmake --install failed:\n{proc.stdout}\n{proc.stderr}")
    STATE["version_text"] = output([ARGS.binary, "--version"])
    STATE["version"] = STATE["version_text"].split("\n")[0].split()[-1]

    JOBS = slurm_jobs.Jobs(clean_env, STATE["elsewhere"], ARGS.repo, ARGS.binary)
    STATE["slurm"] = local_slurm.LocalSlurm(ARGS.repo, STATE["slurm_dir"], ARGS.port,
                                            os.path.join(work, "cleanup-watchdog.log"))
    STATE["slurm"].start()


def tearDownModule():
    proc = STATE["slurm"].stop()
    sys.stderr.write(proc.stderr)
    STATE["slurm_stopped"] = proc.returncode == 0


class InstalledTree(unittest.TestCase):
    def test_layout(self):
        version = STATE["version"]
        want = ["bin/rangefarm", "bin/rangefarm-scaling",
                "share/rangefarm/slurm/lib.sh",
                "share/rangefarm/scripts/scaling.py",
                "share/rangefarm/scripts/scaling_study/__init__.py",
                "share/rangefarm/scripts/scaling_study/sweep.py",
                "share/doc/rangefarm/README.md", "share/doc/rangefarm/docs/cluster.md",
                "share/man/man1/rangefarm.1",
                f"share/modulefiles/rangefarm/{version}.lua",
                f"share/modulefiles/rangefarm/{version}"]
        want += [f"share/rangefarm/slurm/{s}" for s in os.listdir(os.path.join(ARGS.repo, "slurm"))
                 if s.endswith(".sbatch")]
        for path in want:
            self.assertTrue(os.path.isfile(prefix(path)), path)
        for path in ["bin/rangefarm", "bin/rangefarm-scaling",
                     "share/rangefarm/slurm/rangefarm.sbatch",
                     "share/rangefarm/scripts/scaling.py"]:
            self.assertTrue(os.access(prefix(path), os.X_OK), path)
        self.assertEqual(read(prefix("share/rangefarm/slurm/lib.sh")),
                         read(os.path.join(ARGS.repo, "slurm", "lib.sh")))
        for root, dirs, files in os.walk(STATE["prefix"]):
            self.assertNotIn("__pycache__", dirs, root)
            self.assertNotIn("CMakeLists.txt", files, root)

    def test_lua_modulefile_with_lmod(self):
        self.check_module_loaded(shell(self.REPORT))

    def test_tcl_modulefile_through_lmod(self):
        """Environment Modules' format, read here by Lmod (Debian's lmod and
        environment-modules conflict): the same settings as the Lua one."""
        tcl = os.path.join(STATE["work"], "tcl-modules", "rangefarm")
        os.makedirs(tcl, exist_ok=True)
        version = STATE["version"]
        shutil.copy(prefix("share", "modulefiles", "rangefarm", version),
                    os.path.join(tcl, version))
        self.assertTrue(read(os.path.join(tcl, version)).startswith("#%Module"))
        out = shell(f"module use {shlex.quote(os.path.dirname(tcl))}\n"
                    "module load rangefarm\n" + self.REPORT, module=False)
        self.check_module_loaded(out)

    REPORT = "\n".join([
        'echo "PATH=$PATH"', 'echo "MANPATH=$MANPATH"',
        'echo "WHICH=$(command -v rangefarm)"',
        'echo "WHICH_SCALING=$(command -v rangefarm-scaling)"',
        'echo "MAN=$(man -w rangefarm)"', 'echo "MAN_LS=$(man -w ls || true)"',
        'echo "HOME_DIR=$RANGEFARM_HOME"', 'echo "BIN=$RANGEFARM_BIN"',
        'echo "LOADED=$(module -t list 2>&1 | grep rangefarm)"'])

    def check_module_loaded(self, out):
        got = settings(out)
        self.assertEqual(got["PATH"].split(":")[0], prefix("bin"), out)
        self.assertEqual(got["WHICH"], prefix("bin", "rangefarm"), out)
        self.assertEqual(got["WHICH_SCALING"], prefix("bin", "rangefarm-scaling"), out)
        self.assertEqual(got["MANPATH"].split(":")[0], prefix("share", "man"), out)
        self.assertEqual(got["MAN"], prefix("share", "man", "man1", "rangefarm.1"), out)
        self.assertNotEqual(got["MAN_LS"], "", "the system's man pages lost: " + out)
        self.assertEqual(got["HOME_DIR"], prefix("share", "rangefarm"), out)
        self.assertEqual(got["BIN"], prefix("bin", "rangefarm"), out)
        self.assertEqual(got["LOADED"].strip(), f"rangefarm/{STATE['version']}", out)

    def test_version_names_the_libraries(self):
        text = shell("rangefarm --version")
        self.assertEqual(text, STATE["version_text"])
        self.assertEqual(text.split("\n")[0], f"rangefarm {STATE['version']}")
        self.assertRegex(text, r"(?m)^commit: +([0-9a-f]{40}(-dirty)?|unknown)$")
        self.assertRegex(text, r"(?m)^build type: +\S+")
        self.assertRegex(text, r"(?m)^compiler: +\S+ \d+")
        self.assertRegex(text, r"(?m)^MPI: +Open MPI v\d")
        self.assertRegex(text, r"(?m)^GMP: +\d+\.\d+")
        self.assertRegex(text, r"(?m)^primesieve: +\d+\.\d+")

    def test_man_page_has_every_subcommand_and_option(self):
        page = output(["man", "-l", prefix("share", "man", "man1", "rangefarm.1")],
                      MANWIDTH="100")
        page = re.sub(".\b", "", page)
        for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS",
                        "EXIT STATUS", "ENVIRONMENT", "EXAMPLES"):
            self.assertRegex(page, rf"(?m)^{heading}$")
        self.assertIn(f"rangefarm {STATE['version']}", page)
        subs = page[page.index("\nSUBCOMMANDS\n"):]
        top = output([ARGS.binary, "--help"])
        names = re.findall(r"(?m)^  (\w+) {2,}", top.split("Subcommands:")[1])
        self.assertEqual(names, ["perfect", "factorial", "mersenne", "synthetic", "simulate"], top)
        for name in names:
            self.assertRegex(subs, rf"(?m)^   {name}$")
            section = subs[subs.index(f"\n   {name}\n"):]
            for option in re.findall(r"(?m)^  (--[\w-]+)", output([ARGS.binary, name, "--help"])):
                if option != "--help":
                    self.assertIn(option, section, f"{name} {option}")


class InstalledRuns(unittest.TestCase):
    def test_results_match_the_build_tree(self):
        for args in RUNS:
            with self.subTest(args=args):
                tag = args[0]
                built = run_report(ARGS.binary, args, f"built-{tag}.json")
                installed = run_report(prefix("bin", "rangefarm"), args, f"installed-{tag}.json")
                for field in ("workload", "params", "ranks", "items_total", "version", "build"):
                    self.assertEqual(installed[field], built[field], field)
                want, got = built["result"], installed["result"]
                if isinstance(want, dict):
                    self.assertEqual(sorted(got), sorted(want))
                    fields = sorted(want)
                else:
                    self.assertEqual(len(got), len(want))
                    fields = range(len(want))
                for key in fields:
                    self.assertEqual(got[key], want[key], f"result[{key!r}]")
                self.assertTrue(installed["build"]["mpi"].startswith("Open MPI"), installed)

    def test_scaling_tool(self):
        """rangefarm-scaling sweeps with the installed binary (the modulefile's
        RANGEFARM_BIN); python3 P/share/rangefarm/scripts/scaling.py, without
        the module, rebuilds the same summary from its reports."""
        study = os.path.join(STATE["work"], "study")
        shell(f"rangefarm-scaling --workload 'perfect --to 1e6' --ranks 1,2 "
              f"--schedules dynamic --repeats 1 --out {shlex.quote(study)} >/dev/null")
        again = os.path.join(STATE["work"], "study-again")
        shell(f"python3 {shlex.quote(prefix('share/rangefarm/scripts/scaling.py'))} "
              f"--from-results {shlex.quote(study)} --out {shlex.quote(again)} >/dev/null",
              module=False)
        self.assertEqual(read(os.path.join(again, "summary.csv")),
                         read(os.path.join(study, "summary.csv")))
        with open(os.path.join(study, "summary.csv"), newline="") as f:
            self.assertEqual([int(r["ranks"]) for r in csv.DictReader(f)], [1, 2])

    def test_scaling_default_binary(self):
        def default(scripts, **env):
            code = (f"import sys; sys.argv = ['scaling.py']; sys.path.insert(0, {scripts!r}); "
                    "import scaling; print(scaling.default_binary())")
            return shell(f"python3 -c {shlex.quote(code)}", module=False, env=env).strip()
        installed = prefix("share", "rangefarm", "scripts")
        self.assertEqual(default(installed), prefix("bin", "rangefarm"))
        self.assertEqual(default(installed, RANGEFARM_BIN="/x/rangefarm"), "/x/rangefarm")
        repo_scripts = os.path.join(ARGS.repo, "scripts")
        self.assertEqual(default(repo_scripts),
                         os.path.join(ARGS.repo, "build", "apps", "rangefarm"))
        self.assertEqual(default(repo_scripts, RANGEFARM_BUILD_DIR="/b"), "/b/apps/rangefarm")


class InstalledSlurm(unittest.TestCase):
    """rangefarm.sbatch from the prefix, submitted from an unrelated folder."""

    def submit(self, script, args, module=True, env=None, name="job", before=""):
        out = shell(f"{before}sbatch --parsable --output={name}-%j.out {script} "
                    f"{shlex.join(args)}", module=module, env=env)
        job = out.strip().split(";")[0]
        return job, os.path.join(STATE["elsewhere"], f"{name}-{job}.out")

    def finished(self, job, log_path):
        (fields,) = JOBS.wait_done(job)
        log = read(log_path) if os.path.exists(log_path) else ""
        self.assertEqual(fields["JobState"], "COMPLETED", f"{fields}\n{log}")
        return log, json.loads(read(os.path.join(STATE["elsewhere"], f"rangefarm-{job}.json")))

    def test_sbatch_from_the_prefix(self):
        installed_bin = prefix("bin", "rangefarm")
        repo_bin = os.path.join(ARGS.repo, "build", "apps", "rangefarm")
        repo_env = {"RANGEFARM_HOME": ARGS.repo}
        if not (os.path.exists(repo_bin) and os.path.samefile(repo_bin, ARGS.binary)):
            repo_env["RANGEFARM_BIN"] = repo_bin = ARGS.binary  # a build tree elsewhere
        jobs = {
            # after module load rangefarm, as the issue says
            "module": self.submit('"$RANGEFARM_HOME/slurm/rangefarm.sbatch"',
                                  ["perfect", "--to", "1e8"], name="module"),
            # no module: only RANGEFARM_HOME, lib.sh finds P/bin/rangefarm
            "home": self.submit(prefix("share", "rangefarm", "slurm", "rangefarm.sbatch"),
                                ["perfect", "--to", "1e6"], module=False,
                                env={"RANGEFARM_HOME": prefix("share", "rangefarm")},
                                name="home"),
            # RANGEFARM_BIN still overrides the module's
            "override": self.submit('"$RANGEFARM_HOME/slurm/rangefarm.sbatch"',
                                    ["perfect", "--to", "1e6"], name="override",
                                    before=f"RANGEFARM_BIN={shlex.quote(ARGS.binary)} "),
            # the repository's scripts run the build tree, as before
            "repo": self.submit(os.path.join(ARGS.repo, "slurm", "rangefarm.sbatch"),
                                ["perfect", "--to", "1e6"], module=False, env=repo_env,
                                name="repo"),
        }
        log, report = self.finished(*jobs["module"])
        self.assertIn(f": {installed_bin} perfect --to 1e8", log)
        self.assertEqual(report["ranks"], 2)
        self.assertEqual(report["result"]["counts"], PERFECT_1E8)
        self.assertEqual(report["result"]["perfect_numbers"], PERFECT_NUMBERS)
        self.assertEqual(report["version"], STATE["version"])
        self.assertTrue(report["build"]["mpi"].startswith("Open MPI"), report["build"])
        for name, binary in (("home", installed_bin), ("override", ARGS.binary),
                             ("repo", repo_bin)):
            with self.subTest(job=name):
                log, report = self.finished(*jobs[name])
                self.assertIn(f": {binary} perfect --to 1e6", log)
                self.assertEqual(report["result"]["perfect_numbers"], [6, 28, 496, 8128])


def main():
    global ARGS
    ARGS, rest = slurm_jobs.parse_args(
        __doc__, __file__, 17017, "slurmctld port (slurmd: +1); not the default local one",
        lambda p: p.add_argument("--build-dir", required=True))
    ARGS.build_dir = os.path.abspath(ARGS.build_dir)
    passed = slurm_jobs.run_tests(rest)
    if "work" in STATE:
        if passed and STATE.get("slurm_stopped") and not ARGS.keep:
            shutil.rmtree(STATE["work"], ignore_errors=True)
        else:
            sys.stderr.write(f"test folder kept: {STATE['work']}\n")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
