#!/usr/bin/env python3
"""Every script that README.md or a guide in docs/ runs directly, as
`scripts/gantt.py TRACE -o FILE` rather than `python3 scripts/...`, can be
run so: it is executable in the source tree and in git's index (what a
fresh clone gets) and opens with a #! line. scripts/gantt.py was committed
without its run bit, so scaling.md's example failed with "Permission
denied" (issue 23).

A command is a line of a fenced block (only its `$ ` lines where it has
any: the rest is output), split at `&&`, `||`, `;` and `|`, less leading
VAR=value words; or an inline code span with arguments
(`scripts/compare_schedules.py REPORT.json ...`). Its first word runs
directly when it names a file of the source tree (not of a build).

  test_scripts_executable.py [--source DIR] [unittest options]
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
FENCE = "```"
INLINE = re.compile(r"`([^`\n]+)`")
SEPARATORS = re.compile(r"&&|\|\||;|\|")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def docs(source):
    return [source / "README.md"] + sorted((source / "docs").glob("*.md"))


def block_commands(lines):
    """The command lines of one fenced block's lines."""
    prompted = [line[2:] for line in lines if line.startswith("$ ")]
    return prompted if prompted else lines


def commands(text):
    """Every command line of a Markdown text: fenced blocks, then inline
    spans with arguments outside them."""
    found, block, prose = [], None, []
    for line in text.splitlines():
        if line.lstrip().startswith(FENCE):
            if block is None:
                block = []
            else:
                found += block_commands(block)
                block = None
        elif block is not None:
            block.append(line)
        else:
            prose.append(line)
    for span in INLINE.findall("\n".join(prose)):
        if len(span.split()) > 1:
            found.append(span)
    return found


def first_words(command):
    """The program each part of a command line runs."""
    words = []
    for part in SEPARATORS.split(command):
        try:
            tokens = shlex.split(part, comments=True)
        except ValueError:
            tokens = part.split()
        tokens = [t for t in tokens if t not in ("do", "then", "else", "time")]
        while tokens and ASSIGNMENT.match(tokens[0]):
            tokens.pop(0)
        if tokens:
            words.append(tokens[0])
    return words


def scripts_run_directly(source):
    """{repository path: the doc that runs it}."""
    found = {}
    for doc in docs(source):
        for command in commands(doc.read_text(encoding="utf-8")):
            for word in first_words(command):
                path = word[2:] if word.startswith("./") else word
                built = path.split("/")[0].startswith("build")  # a build's output, not a script
                if "/" in path and not path.startswith("/") and not built \
                        and (source / path).is_file():
                    found.setdefault(path, doc.relative_to(source).as_posix())
    return found


def git_mode(source, path):
    """The file's mode in git's index ('100755'), or None outside git."""
    try:
        out = subprocess.run(["git", "-C", str(source), "ls-files", "-s", "--", path],
                             capture_output=True, text=True, check=False, timeout=30).stdout
    except OSError:
        return None
    return out.split()[0] if out.strip() else None


class ScriptsRunDirectly(unittest.TestCase):
    def test_found_some(self):
        # The examples do run scripts directly; finding none means the
        # reader of the docs above is broken, not that all is well.
        found = scripts_run_directly(SOURCE)
        for path in ("scripts/run.sh", "scripts/test.sh", "scripts/gantt.py"):
            self.assertIn(path, found)

    def test_each_is_executable(self):
        for path, doc in sorted(scripts_run_directly(SOURCE).items()):
            with self.subTest(path=path, doc=doc):
                full = SOURCE / path
                self.assertTrue(os.access(full, os.X_OK),
                                f"{doc} runs {path}, which has no run bit (chmod +x)")
                mode = git_mode(SOURCE, path)
                if mode is not None:
                    self.assertEqual(mode, "100755", f"{doc} runs {path}, committed as {mode}: "
                                     "a fresh clone cannot run it (git update-index --chmod=+x)")
                with open(full, "rb") as f:
                    self.assertEqual(f.read(2), b"#!", f"{doc} runs {path}, which has no #! line")

    def test_reader(self):
        text = ("Run `scripts/a.sh --x 1` or `scripts/b.py`.\n\n```\n$ X=1 scripts/c.sh && "
                "./scripts/d.py | tee\nscripts/e.py: output, not a command\n```\n\n"
                "```\nfor s in a b; do\n  scripts/f.py $s\ndone\n```\n")
        words = [w for c in commands(text) for w in first_words(c)]
        self.assertEqual(words, ["scripts/c.sh", "./scripts/d.py", "tee", "for",
                                 "scripts/f.py", "done", "scripts/a.sh"])


def main():
    global SOURCE
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=SOURCE)
    opts, rest = ap.parse_known_args()
    SOURCE = opts.source.resolve()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
