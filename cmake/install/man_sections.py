#!/usr/bin/env python3
"""Writes the help2man include file with what `rangefarm --help` alone does
not show: a SYNOPSIS line per subcommand and a SUBCOMMANDS section that has
each subcommand's own --help (its description, arguments and options), so
the man page covers every subcommand and stays as true as --help. Run at
build time by cmake/Install.cmake:

  man_sections.py --binary build/apps/rangefarm --out rangefarm-sections.h2m

The hand-written sections (EXAMPLES, ENVIRONMENT, ...) are rangefarm.h2m."""
import argparse
import os
import re
import subprocess
import sys

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
# The options every workload shares (apps/common_options.cpp).
COMMON = ("--schedule", "--chunk", "--order", "--json", "--quiet", "--checkpoint", "--resume",
          "--progress", "--trace")
# "  --to N REQUIRED      last number ..." or "  N N ... REQUIRED   the n ..."
ITEM = re.compile(r"^  (\S.*?)\s{2,}(\S.*)$")


def help_text(binary, *args):
    proc = subprocess.run([binary, *args, "--help"], env=dict(os.environ, **MPI_ENV),
                          capture_output=True, text=True, timeout=60, check=True,
                          stdin=subprocess.DEVNULL)
    return proc.stdout


def subcommands(top_help):
    """The subcommand names listed under "Subcommands:" in --help."""
    names, inside = [], False
    for line in top_help.splitlines():
        if line.strip() == "Subcommands:":
            inside = True
        elif inside and (m := ITEM.match(line)):
            names.append(m.group(1).strip())
        elif inside and not line.strip():
            inside = False
    return names


def roff(text):
    """Plain text made safe for roff: backslashes and hyphens escaped, no
    line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in ".'" else text


def term(spec, description):
    """'--to N REQUIRED' -> bold option, italic arguments, '(required)' where
    the description does not say so; a positional 'N N ... REQUIRED' -> 'N ...'."""
    words = spec.split()
    required = words[-1] == "REQUIRED"
    if required:
        words = words[:-1]
    if not words[0].startswith("-"):
        words = [words[0]] + (["..."] if "..." in words else [])
    required = required and "required" not in description
    parts = []
    for w in words:
        if w.startswith("-"):
            parts.append("\\fB" + ",".join(roff(x) for x in w.split(",")) + "\\fR")
        else:
            parts.append(roff(w) if w == "..." else "\\fI" + roff(w) + "\\fR")
    return " ".join(parts) + (" (required)" if required else "")


def section_for(name, text):
    """One subcommand's --help as a .SS subsection."""
    lines = text.rstrip("\n").splitlines()
    out = [f".SS {name}"]
    usage = ""
    for line in lines:
        if line.startswith("Usage: "):
            usage = line[len("Usage: "):]
            break
    description = lines[0] if lines and not lines[0].startswith("Usage:") else ""
    if usage:
        out += [".nf", "\\fB" + roff(usage) + "\\fR", ".fi"]
    if description:
        out += [".PP", roff(description[0].upper() + description[1:]) + "."]
    for line in lines:
        if line.rstrip().endswith(":") and not line.startswith(" ") and line != lines[0]:
            heading = line.rstrip()[:-1]
            out += [".PP", f"\\fI{roff(heading)}\\fR"]
        elif (m := ITEM.match(line)) and "--help" not in m.group(1):
            out += [".TP", term(m.group(1), m.group(2)), roff(m.group(2))]
    return out, usage


def names_text(names):
    """'a', 'a and b', 'a, b and c', each in bold."""
    bold = [f"\\fB{roff(n)}\\fR" for n in names]
    return bold[0] if len(bold) == 1 else ", ".join(bold[:-1]) + " and " + bold[-1]


def common_text(common, own):
    """Which subcommands take the common options (their --help lists every
    one of COMMON) and which have their own instead (simulate), as --help
    says."""
    options = ", ".join(f"\\fB{roff(o)}\\fR" for o in COMMON)
    text = (f"{names_text(common)} take the common options ({options}), listed with each."
            if common else "")
    if own:
        takes, whose = ("takes", "its") if len(own) == 1 else ("take", "their")
        text += (f" {names_text(own)} {takes} options of {whose} own instead, listed with "
                 f"{'it' if len(own) == 1 else 'each'}.")
    return text.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    names = subcommands(help_text(args.binary))
    if not names:
        sys.exit("man_sections.py: no subcommands in rangefarm --help")
    synopsis, body, common, own = [], [], [], []
    for name in names:
        text = help_text(args.binary, name)
        lines, usage = section_for(name, text)
        body += lines
        synopsis += [".br", "[\\fBmpirun \\-np\\fR \\fIN\\fR] \\fB" + roff(usage) + "\\fR"]
        (common if all(o in text for o in COMMON) else own).append(name)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("[SYNOPSIS]\n")
        f.write("\\fBrangefarm\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n")
        f.write("\n".join(synopsis) + "\n\n")
        f.write("[SUBCOMMANDS]\n")
        f.write(common_text(common, own) + " \\fBrangefarm\\fR \\fISUBCOMMAND\\fR "
                "\\fB\\-\\-help\\fR prints the same.\n")
        f.write("\n".join(body) + "\n")


if __name__ == "__main__":
    main()
