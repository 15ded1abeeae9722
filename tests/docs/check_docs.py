#!/usr/bin/env python3
"""Runs the examples of README.md and docs/*.md and fails when one no longer
matches what the program prints.

What is checked. A fenced block is an example to check when the line just
before its opening fence (blank lines allowed between) is the HTML comment
`<!-- check -->` and the fence is ```console. In the block, a line starting
with `$ ` is a command (a command ending in a backslash continues on the
next line); the lines after it, up to the next command, are what it must
print, stdout and stderr together. An expected line that is exactly `...`
stands for any number of lines, none included. An example that cannot run in
CI (a real cluster, a long run) is simply not marked, and its doc says so.

How it runs. Each block runs in one bash, so a command sees what the
commands before it did (files, variables, `cd`), in a fresh empty folder
that holds a link to every top-level entry of the source tree (so
`docs/python/pool_sleeps.py` or `scripts/...` work as from the repository's
root, and files a command writes vanish afterwards). The folder of the
rangefarm binary under test comes first on PATH, and scripts/mpi_env.sh is
sourced (Open MPI may run as root). Oversubscription is not switched on: an
example with more ranks than cores must say `--oversubscribe`, as its
reader must. A block has 180 s (`<!-- check timeout=S -->` changes that).

What is compared: every line, after the masking below, with runs of spaces
taken as one space (table padding follows the width of the numbers). The
masking rule is that what a run *measures* is masked and what it *computes*
is compared. Masked, on both sides alike:

- a number followed by a unit of time (`1.647 s`, `0.5ms`, `ETA 2s`, `µs`,
  `min`, `h`), and a rate (`607.0 M numbers/s`, `3.3e+08 items/s`);
- every number written with a decimal point (speedups, efficiencies,
  imbalance, seconds in table columns, percentages, GiB available):
  rangefarm prints every result as a whole number or a digit string;
- the rows of a per-rank table (the lines after a `rank  busy s  wait s`
  header): busy and wait times and, under dynamic schedules, how many chunks
  and items each rank happened to get; their rank numbers and how many rows
  there are are compared;
- dates (2026-11-23), times of day (21:16:01), `pid N`, paths under /tmp,
  and host names: this machine's and `vm`, the one the docs were made on.

Everything else is compared: results, counts, digits, headers, error lines.

  check_docs.py --binary build/apps/rangefarm [--source DIR] [FILE.md ...]

Exit status 0 when every checked example matches; 1 when one does not, when
a `<!-- check -->` marks no console block, or when there is nothing to check.
"""
import argparse
import difflib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DOC_HOST = "vm"  # the machine the docs' outputs were made on
DEFAULT_TIMEOUT_S = 180
MARK = re.compile(r"^<!--\s*check(?:\s+timeout=(\d+))?\s*-->\s*$")
FENCE = "```"

_NUM = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_TIME = re.compile(_NUM + r"\s?(?:s|ms|µs|us|ns|min|h)\b")
_RATE = re.compile(_NUM + r"\s?(?:[kMG]\s)?[A-Za-z]+/s\b")
_DECIMAL = re.compile(r"\d*\.\d+(?:e[+-]?\d+)?")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
_PID = re.compile(r"\bpid \d+\b")
_TMP = re.compile(r"/tmp/[^\s:'\",;)]*")
_RANK_HEADER = re.compile(r"^\s*rank\s+busy s\s+wait s\b")
_RANK_ROW = re.compile(r"^\s*(\d+)\s+\S+\s+\S+\s+\d+\s+\d+(?:\s+\S+)?\s*$")


def _hosts():
    names = {DOC_HOST, socket.gethostname(), socket.gethostname().split(".")[0]}
    return re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")


_HOST = _hosts()


def mask_line(line):
    """One line with what a run measures replaced by placeholders."""
    line = _TMP.sub("<tmp>", line)
    line = _DATE.sub("<date>", line)
    line = _CLOCK.sub("<clock>", line)
    line = _PID.sub("pid <pid>", line)
    line = _RATE.sub("<rate>", line)
    line = _TIME.sub("<time>", line)
    line = _DECIMAL.sub("<x>", line)
    line = _HOST.sub("<host>", line)
    return " ".join(line.split())


def mask(lines):
    """mask_line over a command's output, and the per-rank tables' rows."""
    out, in_rank_table = [], False
    for line in lines:
        if in_rank_table and (row := _RANK_ROW.match(line)):
            out.append(f"rank {row.group(1)} <measured>")
            continue
        in_rank_table = bool(_RANK_HEADER.match(line))
        out.append(mask_line(line))
    return out


def matches(expected, actual):
    """expected (masked, `...` for any lines) against actual (masked)."""
    memo = {}

    def go(i, j):
        if (i, j) not in memo:
            if i == len(expected):
                memo[i, j] = j == len(actual)
            elif expected[i] == "...":
                memo[i, j] = any(go(i + 1, k) for k in range(j, len(actual) + 1))
            else:
                memo[i, j] = j < len(actual) and expected[i] == actual[j] and go(i + 1, j + 1)
        return memo[i, j]

    return go(0, 0)


@dataclass
class Command:
    text: str
    line: int  # where it starts in its doc, 1-based
    expected: list = field(default_factory=list)


@dataclass
class Block:
    path: Path
    line: int
    timeout: int
    commands: list


class DocError(Exception):
    pass


def parse(path):
    """The checked blocks of one markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if fence := re.match(r"^\s*(`{3,})", lines[i]):  # a block not marked: skip it whole
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                i += 1
            i += 1
            continue
        mark = MARK.match(lines[i].strip())
        i += 1
        if not mark:
            continue
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or lines[i].strip() != FENCE + "console":
            raise DocError(f"{path}:{i}: <!-- check --> is not followed by a ```console block")
        start, i = i + 1, i + 1
        commands = []
        while i < len(lines) and lines[i].strip() != FENCE:
            text = lines[i]
            if text.startswith("$ "):
                command = Command(text[2:], i + 1)
                while command.text.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command.text += "\n" + lines[i]
                commands.append(command)
            elif not commands:
                raise DocError(f"{path}:{i + 1}: a checked block must start with a `$ ` command")
            else:
                commands[-1].expected.append(text)
            i += 1
        if i >= len(lines):
            raise DocError(f"{path}:{start}: the checked block is never closed")
        if not commands:
            raise DocError(f"{path}:{start}: the checked block holds no command")
        blocks.append(Block(path, start, int(mark.group(1) or DEFAULT_TIMEOUT_S), commands))
        i += 1
    return blocks


SEPARATOR = "@@rangefarm-docs-check {}@@"


def script(block, source):
    """The bash that runs a block's commands, a separator line before each."""
    parts = [f'source "{source}/scripts/mpi_env.sh"', "unset OMPI_MCA_rmaps_base_oversubscribe"]
    for k, command in enumerate(block.commands):
        # the separator keeps $? of the command before it, for `echo $?`
        parts.append(f"rf_status=$?; echo '{SEPARATOR.format(k)}'; (exit $rf_status)")
        parts.append(command.text)
    return "\n".join(parts) + "\n"


def split_output(text, count):
    """The output of each of count commands, as lines."""
    pieces = re.split(r"\n?" + re.escape(SEPARATOR).replace(r"\{\}", r"(\d+)") + r"\n", text)
    outputs = [[] for _ in range(count)]
    for k in range(1, len(pieces) - 1, 2):
        outputs[int(pieces[k])] = pieces[k + 1].splitlines()
    return outputs


def workdir(source, build):
    """A fresh folder with a link to each top-level entry of the source tree."""
    folder = Path(tempfile.mkdtemp(prefix="rangefarm-docs-"))
    for entry in source.iterdir():
        if entry.name not in (".git", "build"):
            (folder / entry.name).symlink_to(entry)
    (folder / "build").symlink_to(build)
    return folder


def run_commands(block, binary, source):
    """What each of the block's commands printed, as lists of lines."""
    build = binary.parent.parent  # BUILD/apps/rangefarm
    folder = workdir(source, build)
    env = dict(os.environ, PATH=f"{binary.parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(["bash", "-c", script(block, source)], cwd=folder, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=block.timeout)
        text = done.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as timeout:
        text = (timeout.stdout or b"").decode("utf-8", "replace")
        text += f"\n(the block ran past its {block.timeout} s)\n"
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)
    return split_output(text, len(block.commands))


def compare(block, outputs):
    """(ok, report lines): each command's expected lines against its output."""
    report, ok = [], True
    for command, actual in zip(block.commands, outputs):
        if not matches(mask(command.expected), mask(actual)):
            ok = False
            report.append(f"{block.path}:{command.line}: $ {command.text}")
            report.append("  the doc shows:")
            report += [f"    {line}" for line in command.expected] or ["    (nothing)"]
            report.append("  it printed:")
            report += [f"    {line}" for line in actual] or ["    (nothing)"]
            report.append("  masked, doc -> run:")
            report += [f"    {line}" for line in difflib.unified_diff(
                mask(command.expected), mask(actual), "doc", "run", n=1, lineterm="")]
    return ok, report


def run_block(block, binary, source):
    """(ok, report lines) for one block."""
    started = time.monotonic()
    ok, report = compare(block, run_commands(block, binary, source))
    elapsed = time.monotonic() - started
    status = "ok" if ok else "FAILED"
    report.insert(0, f"{block.path}:{block.line}: {status} ({len(block.commands)} commands, {elapsed:.1f} s)")
    return ok, report


def default_docs(source):
    return [source / "README.md"] + sorted((source / "docs").glob("*.md"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, type=Path, help="the rangefarm under test")
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[2],
                        help="the source tree (default: this file's)")
    parser.add_argument("docs", nargs="*", type=Path, help="markdown files (default: README.md docs/*.md)")
    args = parser.parse_args(argv)
    binary, source = args.binary.resolve(), args.source.resolve()
    docs = [d.resolve() for d in args.docs] or default_docs(source)
    try:
        blocks = [block for doc in docs for block in parse(doc)]
    except DocError as error:
        print(f"check_docs: {error}", file=sys.stderr)
        return 1
    if not blocks:
        print("check_docs: no <!-- check --> example in " + " ".join(map(str, docs)), file=sys.stderr)
        return 1
    failed = 0
    for block in blocks:
        ok, report = run_block(block, binary, source)
        failed += not ok
        print("\n".join(report), flush=True)
    print(f"check_docs: {len(blocks) - failed} of {len(blocks)} checked examples match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
