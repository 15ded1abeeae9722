#!/usr/bin/env python3
"""The Slurm scripts find slurm/lib.sh through RANGEFARM_HOME, else the
folder sbatch ran in (SLURM_SUBMIT_DIR), else the current folder. Submitted
from another folder without RANGEFARM_HOME they failed with bash's own
`slurm_script: line 45: .../slurm/lib.sh: No such file or directory`
(issue 23). Each must say in one line, naming itself, what to do: submit
from the repository's root, export RANGEFARM_HOME, or module load
rangefarm; exit 2; and run nothing.

No Slurm needed: each script is run by bash, as slurmd would run it, from
an empty folder (and with a RANGEFARM_HOME that holds no slurm/). A few
seconds.

  test_slurm_home.py [unittest options]
"""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((REPO / "slurm").glob("*.sbatch"))
REMEDIES = ("submit from the rangefarm repository's root", "export RANGEFARM_HOME=",
            "module load rangefarm")


def run_script(script, cwd, env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANGEFARM_HOME", "SLURM_SUBMIT_DIR", "RANGEFARM_BIN")}
    env.update(env_extra)
    return subprocess.run(["bash", str(script), "perfect", "--to", "100"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL)


class WithoutLibSh(unittest.TestCase):
    def check(self, script, proc, home):
        info = f"\n  {script.name}: exit {proc.returncode}\n  stdout: {proc.stdout!r}" \
               f"\n  stderr: {proc.stderr!r}"
        self.assertEqual(proc.returncode, 2, info)
        self.assertEqual(proc.stdout, "", info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, info)
        self.assertTrue(lines[0].startswith(f"{script.name}: no slurm/lib.sh in {home}:"), info)
        for remedy in REMEDIES:
            self.assertIn(remedy, lines[0], info)
        self.assertNotIn("No such file", proc.stderr, info)

    def test_scripts_found(self):
        self.assertEqual([s.name for s in SCRIPTS], ["multinode.sbatch", "rangefarm.sbatch",
                                                     "resumable.sbatch", "scaling-array.sbatch"])

    def test_from_another_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            for script in SCRIPTS:
                with self.subTest(script=script.name):
                    proc = run_script(script, tmp, {})
                    self.check(script, proc, os.path.realpath(tmp))
                    self.assertEqual(os.listdir(tmp), [])  # no report, no journal

    def test_submit_dir_elsewhere(self):
        # As slurmd runs it: the spool copy's folder, SLURM_SUBMIT_DIR the
        # folder sbatch ran in.
        with tempfile.TemporaryDirectory() as tmp:
            for script in SCRIPTS:
                with self.subTest(script=script.name):
                    proc = run_script(script, "/", {"SLURM_SUBMIT_DIR": tmp})
                    self.check(script, proc, tmp)

    def test_rangefarm_home_without_slurm(self):
        with tempfile.TemporaryDirectory() as tmp:
            for script in SCRIPTS:
                with self.subTest(script=script.name):
                    proc = run_script(script, tmp, {"RANGEFARM_HOME": tmp})
                    self.check(script, proc, tmp)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
