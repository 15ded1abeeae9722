"""matplotlib for a script run by whatever python3 is first on PATH (a
pyenv or venv one may lack it): re-run the script with Debian's
/usr/bin/python3 (package python3-matplotlib), or fail in one line."""
import importlib
import os
import sys

DEBIAN_PYTHON = "/usr/bin/python3"
GUARD = "RANGEFARM_SCALING_REEXEC"  # set once, so a re-run never loops


def ensure_matplotlib(tool, script):
    """Returns where matplotlib imports; else re-executes script (its
    arguments unchanged) with Debian's Python; exits 2 where neither has it."""
    try:
        importlib.import_module("matplotlib")
        return
    except ImportError:
        pass
    here = os.path.realpath(sys.executable or "")
    if (os.path.exists(DEBIAN_PYTHON) and os.path.realpath(DEBIAN_PYTHON) != here
            and not os.environ.get(GUARD)):
        os.environ[GUARD] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(script)] + sys.argv[1:])
    print(f"{tool}: error: needs matplotlib, which {sys.executable} lacks: install the Debian "
          "package python3-matplotlib (apt-get install python3-matplotlib)", file=sys.stderr)
    sys.exit(2)
