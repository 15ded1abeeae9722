#!/usr/bin/env python3
"""Checks the seams of src/rangefarm/ that its README describes.

    check_seams.py [SRC_DIR]      (default: the repository's src/)

Each folder of src/rangefarm/ may include only what its rule allows, counted
transitively through our own headers ("rangefarm/..." includes, resolved
under SRC_DIR; system headers are not followed, which the build covers: the
work/ object library has no MPI on its include path):

  common/  plain helpers: nothing from another folder.
  work/    the kernels: no MPI, no Boost.MPI, nothing outside work/ and common/.
  farm/    the engine: no workload, nothing from bigint/ or apps/. From
           work/ only the Workload concept (workload.hpp) and the saved
           integer a workload may hand rank 0 (saved_integer.hpp).
  health/  failure detection beside MPI: the same as farm/.
  sim/     the farm simulator: no MPI (so nothing of farm/ it uses may reach
           MPI either: it replays the MPI-free dispatch policy in virtual
           time), nothing from work/, bigint/ or health/.
  bigint/  GMP integers across ranks and the factorial's farm: anything.

And no source file lies directly in src/rangefarm/: each belongs to a folder.
Prints one line per broken rule and exits 1; exits 0 when all hold.
"""
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
FOLDERS = ("common", "work", "farm", "health", "bigint", "sim")
ENGINE_MAY_USE = {"rangefarm/work/workload.hpp", "rangefarm/work/saved_integer.hpp"}


def is_mpi(header):
    return header == "mpi.h" or header.startswith("boost/mpi")


def folder_of(header):
    parts = header.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "rangefarm" else None


def forbidden(folder, header):
    """Why FOLDER may not include HEADER, or None when it may."""
    other = folder_of(header)
    if folder == "common" and other not in (None, "common"):
        return "common/ includes nothing from another folder"
    if folder == "work":
        if is_mpi(header):
            return "work/ knows no MPI"
        if other not in (None, "work", "common"):
            return "work/ includes only work/ and common/"
    if folder == "sim":
        if is_mpi(header):
            return "sim/ knows no MPI"
        if other in ("work", "bigint", "health"):
            return "sim/ uses only common/, farm/'s policy and sim/"
    if folder in ("farm", "health"):
        if other in ("work", "bigint") and header not in ENGINE_MAY_USE:
            return f"{folder}/ knows no workload"
    return None


def direct_includes(path):
    text = path.read_text(errors="replace")
    return [name for _, name in INCLUDE.findall(text)]


def closure(src, path, seen=None):
    """Every header PATH includes, through our own headers: {header: via}."""
    found = {} if seen is None else seen
    for name in direct_includes(path):
        if name in found:
            continue
        found[name] = path
        own = src / name
        if name.startswith("rangefarm/") and own.is_file():
            closure(src, own, found)
    return found


def check(src):
    problems = []
    root = src / "rangefarm"
    for stray in sorted(root.glob("*.[ch]pp")):
        problems.append(f"{stray.relative_to(src)}: lies directly in src/rangefarm/; "
                        f"move it into one of {', '.join(f + '/' for f in FOLDERS)}")
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.[ch]pp")):
            for header, via in closure(src, path).items():
                why = forbidden(folder, header)
                if why:
                    chain = "" if via == path else f" (through {via.relative_to(src)})"
                    problems.append(f"{path.relative_to(src)}: includes {header}{chain}: {why}")
    return problems


def main():
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "src"
    if not (src / "rangefarm").is_dir():
        print(f"check_seams: no rangefarm/ under {src}", file=sys.stderr)
        return 2
    problems = check(src)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
