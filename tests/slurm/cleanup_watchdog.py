"""A watchdog that runs a test's clean-up command (a `stop` that ends the
daemons the test started) if the test process dies without saying it
cleaned up: killed by ctest past its TIMEOUT, say.

    dog = cleanup_watchdog.Watchdog([script, "stop"], env, log_path)
    ...                        # start the daemons, run the tests
    ok = script_stop() == 0
    dog.finish(cleaned=ok)     # ok: the watchdog just leaves; else it
                               # runs the command once more; waits for it

Why a double fork: ctest ends a test past its TIMEOUT by SIGKILL, with no
handler run, and it kills the test's whole process tree, found by parent
pid in /proc (kwsys's ProcessUNIX.c), whatever session or process group a
child is in. A watchdog that is the test's child dies with it. This one's
parent exits at once, so it is re-parented (to init, or to the nearest
subreaper) and is no longer in the test's tree. It learns of the test's
death from its stdin: a pipe whose only writer is the test, which reads
end of file when the test is gone, however it went.
"""

import select
import subprocess
import sys

# argv[1:]: the clean-up command. stdin: "cleaned" if it is not needed.
# stdout: a pipe to the test, held until the end (its end of file says the
# watchdog is done). stderr: the log, which the command writes to as well.
_WATCHDOG = r"""
import os, subprocess, sys
if os.fork() > 0:
    os._exit(0)
os.setsid()
said = sys.stdin.read()
if "cleaned" not in said:
    sys.stderr.write("cleanup_watchdog: the test ended without cleaning up: "
                     + " ".join(sys.argv[1:]) + "\n")
    sys.stderr.flush()
    subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=sys.stderr,
                   timeout=300, check=False)
"""


class Watchdog:
    """Runs command (with env, its output appended to log_path) unless
    finish(cleaned=True) is called first."""

    def __init__(self, command, env, log_path):
        with open(log_path, "a", encoding="utf-8") as log:
            middle = subprocess.Popen([sys.executable, "-c", _WATCHDOG, *command],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=log, env=env, text=True)
        middle.wait(timeout=30)  # it exits once the watchdog is forked off
        self._say, self._done = middle.stdin, middle.stdout
        self._finished = False

    def finish(self, cleaned, timeout=300):
        """Tells the watchdog whether the test cleaned up (if not, it runs
        the command now) and waits up to timeout s for it to exit."""
        if self._finished:
            return
        self._finished = True
        try:
            if cleaned:
                self._say.write("cleaned\n")
            self._say.close()
        except BrokenPipeError:
            pass
        ready, _, _ = select.select([self._done], [], [], timeout)
        if ready:
            self._done.read()
        self._done.close()

