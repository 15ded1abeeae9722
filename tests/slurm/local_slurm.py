"""A private one-node Slurm for a test: scripts/slurm-local.sh on a state
folder and port of the test's own, always stopped again: by stop(), on
SIGTERM (a user's kill), and by a watchdog (cleanup_watchdog.py) when ctest
kills the test past its TIMEOUT with SIGKILL, which no handler sees.

    slurm = local_slurm.LocalSlurm(repo, state_dir, port, watchdog_log)
    slurm.start()          # raises AssertionError, the cluster stopped
    ...
    proc = slurm.stop()    # the CompletedProcess of slurm-local.sh stop
"""

import os
import signal
import subprocess
import sys

import cleanup_watchdog


class LocalSlurm:
    def __init__(self, repo, state_dir, port, watchdog_log):
        self.script = os.path.join(repo, "scripts", "slurm-local.sh")
        self.env = dict(os.environ, RANGEFARM_SLURM_DIR=state_dir,
                        RANGEFARM_SLURM_PORT=str(port))
        self.watchdog_log = watchdog_log
        self._watchdog = None

    def run(self, action):
        """slurm-local.sh action; its CompletedProcess."""
        return subprocess.run([self.script, action], env=self.env, capture_output=True,
                              text=True, timeout=120, check=False)

    def start(self):
        self._watchdog = cleanup_watchdog.Watchdog([self.script, "stop"], self.env,
                                                   self.watchdog_log)

        def stop_and_exit(signum, _frame):
            sys.stderr.write(self.stop().stderr)
            os._exit(128 + signum)

        signal.signal(signal.SIGTERM, stop_and_exit)
        proc = self.run("start")
        if proc.returncode != 0:
            self.stop()
            raise AssertionError(f"slurm-local.sh start failed:\n{proc.stderr}")

    def stop(self):
        """Stops the Slurm; if that fails, the watchdog tries once more."""
        proc = self.run("stop")
        if self._watchdog is not None:
            self._watchdog.finish(cleaned=proc.returncode == 0)
        return proc
