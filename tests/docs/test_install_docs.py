#!/usr/bin/env python3
"""The man page and install.md say what the program, docs/reference.md and
the install rules say (issue 23):

* EXIT STATUS lists every status of reference.md's table (3 and 70 were
  missing), and 75 without a --checkpoint condition (a stop without a
  journal exits 75 too);
* SUBCOMMANDS says which subcommands take the common options: the ones
  whose --help lists them, not "every subcommand" (simulate takes none);
* install.md's copy of the page's first screen has a SYNOPSIS line for
  every subcommand of `rangefarm --help` (simulate was missing);
* install.md's table names every script cmake/Install.cmake installs into
  share/rangefarm/scripts (gantt.py and median_ci.py were missing);
* reference.md's synopsis names every option of every subcommand's --help
  (simulate's --end-s was missing).

The page is the one the build generated (build/man/rangefarm.1, help2man
and cmake/install/man_sections.py); its roff source is read, no man(1)
needed. A second.

  test_install_docs.py --binary build/apps/rangefarm --man build/man/rangefarm.1
      [--source DIR] [unittest options]
"""
import argparse
import functools
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
BINARY = None
MAN = None
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
COMMON = ("--schedule", "--chunk", "--order", "--json", "--quiet", "--checkpoint", "--resume",
          "--progress", "--trace")


def plain(roff):
    """roff text as words: fonts and escapes gone."""
    text = re.sub(r"\\f[BIRP]", "", roff).replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    return re.sub(r"\s+", " ", text)


def sections(page):
    """{SECTION NAME: its roff lines} of a man page."""
    found, name = {}, None
    for line in page.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]+)"?\s*$', line)
        if m:
            name = m.group(1).strip()
            found[name] = []
        elif name is not None:
            found[name].append(line)
    return found


def exit_statuses(lines):
    """{status: its text} of an EXIT STATUS section (.TP / .B N / text)."""
    found, status = {}, None
    for line in lines:
        m = re.match(r"^\.B\s+(\d+)\s*$", line)
        if m:
            status = int(m.group(1))
            found[status] = ""
        elif status is not None and not line.startswith("."):
            found[status] += " " + line
    return {k: plain(v).strip() for k, v in found.items()}


def reference_statuses(text):
    """The statuses of reference.md's exit status table."""
    part = text.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)) for m in re.finditer(r"^\| (\d+) \|", part, re.M)}


@functools.lru_cache(maxsize=None)
def help_text(*args):
    return subprocess.run([BINARY, *args, "--help"], env=dict(os.environ, **MPI_ENV),
                          capture_output=True, text=True, check=True, timeout=60,
                          stdin=subprocess.DEVNULL).stdout


def subcommands():
    names, inside = [], False
    for line in help_text().splitlines():
        if line.strip() == "Subcommands:":
            inside = True
        elif inside and line.strip():
            names.append(line.split()[0])
        elif inside:
            break
    return names


class ManPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.page = sections(MAN.read_text(encoding="utf-8"))

    def test_every_exit_status(self):
        got = exit_statuses(self.page["EXIT STATUS"])
        want = reference_statuses((SOURCE / "docs" / "reference.md").read_text(encoding="utf-8"))
        self.assertEqual(sorted(got), sorted(want), f"the man page: {got}")
        self.assertNotRegex(got[75], r"^stopped by [^;.]* with --checkpoint",
                            "a stop exits 75 with or without a journal")
        self.assertIn("without --checkpoint", got[75])

    def test_who_takes_the_common_options(self):
        text = plain("\n".join(self.page["SUBCOMMANDS"]))
        self.assertNotIn("Every subcommand takes the common options", text)
        common = [n for n in subcommands() if all(o in help_text(n) for o in COMMON)]
        others = [n for n in subcommands() if n not in common]
        self.assertEqual(others, ["simulate"])
        listed = " and ".join([", ".join(common[:-1]), common[-1]])
        self.assertIn(f"{listed} take the common options", text)
        self.assertIn("simulate takes options of its own instead", text)

    def test_install_md_synopsis_has_every_subcommand(self):
        text = (SOURCE / "docs" / "install.md").read_text(encoding="utf-8")
        screen = text.split("## The man page", 1)[1].split("SYNOPSIS", 1)[1].split("DESCRIPTION")[0]
        for name in subcommands():
            self.assertIn(f"rangefarm {name} [OPTIONS]", screen, name)
        synopsis = plain("\n".join(self.page["SYNOPSIS"]))
        for name in subcommands():
            self.assertIn(f"rangefarm {name} [OPTIONS]", synopsis, name)


class ReferenceSynopsis(unittest.TestCase):
    def test_every_option_in_the_synopsis(self):
        # reference.md's synopsis names every option of every subcommand's
        # --help (simulate's --end-s was missing).
        text = (SOURCE / "docs" / "reference.md").read_text(encoding="utf-8")
        synopsis = text.split("## Synopsis", 1)[1].split("```", 2)[1]
        for name in subcommands():
            options = set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", help_text(name), re.M))
            self.assertTrue(options, name)
            for option in sorted(options):
                with self.subTest(subcommand=name, option=option):
                    self.assertRegex(synopsis, rf"{re.escape(option)}(?![\w-])")


class InstallTable(unittest.TestCase):
    def test_every_installed_script_is_named(self):
        rules = (SOURCE / "cmake" / "Install.cmake").read_text(encoding="utf-8")
        installed = set(re.findall(r"\$\{PROJECT_SOURCE_DIR\}/scripts/([\w.-]+\.py)\b", rules))
        self.assertTrue({"scaling.py", "gantt.py", "median_ci.py", "launch_error.py"} <= installed,
                        installed)
        text = (SOURCE / "docs" / "install.md").read_text(encoding="utf-8")
        row = next(line for line in text.splitlines()
                   if line.startswith("| `P/share/rangefarm/scripts/` |"))
        for name in sorted(installed):
            self.assertIn(f"`{name}`", row, name)


def main():
    global SOURCE, BINARY, MAN
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--man", type=Path, required=True)
    ap.add_argument("--source", type=Path, default=SOURCE)
    opts, rest = ap.parse_known_args()
    SOURCE, BINARY, MAN = opts.source.resolve(), os.path.abspath(opts.binary), opts.man
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
