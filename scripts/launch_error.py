#!/usr/bin/env python3
"""One clear line for a failed mpirun, from what it wrote on stderr.

rangefarm's own errors are one line starting "rangefarm:"; those are kept
as they are. Anything else is the launcher's (not enough slots, a host that
cannot be reached, a binary that cannot start): Open MPI explains it in a
banner between lines of dashes, whose first paragraph says what went wrong;
that paragraph is joined into one line. With nothing on stderr at all, the
line says so and gives the exit status.

The scripts run mpirun without its quiet option (which hides exactly these
messages) and pass its stderr through here when it fails:

  scripts/launch_error.py STATUS < STDERR      prints the line, exits 0
"""
import re
import sys

OWN = re.compile(r"^rangefarm: .*")
DASHES = re.compile(r"^-{20,}$")


def one_line(stderr, status):
    """The line to show for a launch that exited with status."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    own = [line for line in lines if OWN.match(line)]
    if own:
        return "\n".join(dict.fromkeys(own))  # one line each, duplicates dropped
    return f"mpirun failed (exit status {status}): {launcher_reason(lines)}"


def launcher_reason(lines):
    """What was said before mpirun's first banner (an ssh error, say), then
    the banner's first paragraph (and the next, where it ends in a colon);
    without a banner, the first line that says anything."""
    banner = [i for i, line in enumerate(lines) if DASHES.match(line)]
    if not banner:
        said = [line.strip() for line in lines if line.strip()]
        return said[0] if said else "it printed nothing"
    before = [line.strip() for line in lines[:banner[0]] if line.strip()]
    paragraphs, current = [], []
    for line in lines[banner[0] + 1:]:
        if DASHES.match(line):
            break
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    paragraphs += [" ".join(current)] if current else []
    told = paragraphs[:2] if paragraphs and paragraphs[0].endswith(":") else paragraphs[:1]
    return "; ".join(before + [" ".join(told)])[:400]


USAGE = "usage: scripts/launch_error.py STATUS < STDERR   (one line for a failed mpirun)"


def main(argv):
    if argv[1:] in (["--help"], ["-h"]):
        print(USAGE)
        return 0
    if len(argv) != 2 or not argv[1].lstrip("-").isdigit():
        print(f"launch_error.py: error: want one exit status, got {' '.join(argv[1:]) or 'none'}; "
              + USAGE, file=sys.stderr)
        return 2
    print(one_line(sys.stdin.read(), int(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
