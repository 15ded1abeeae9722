"""The check of a run that lost a rank or a node, shared by tests/cli
(one host) and tests/cluster (virtual nodes): the run ends soon, with a
status that is neither success nor a clean stop, and with exactly one line
that names exactly the lost ranks (rank, pid, host), the items safe in the
journal, and the resume command; no MPI banner."""

import json
import re
import shlex

STOPPED = 75  # a clean, resumable stop: a lost rank must not look like one
LOST = 76     # the survivors' status (mpirun may report the killed rank's 137)
# The run must end within this many seconds of the kill (the bound).
END_WITHIN_S = 5

LOST_LINE = re.compile(r"rangefarm: error: lost (.*?)(, as seen from rank (\d+) \(pid (\d+) on "
                       r"([^)]+)\))?: the run cannot finish; (.*)")
PEER = re.compile(r"rank (\d+) \(pid (\d+) on ([^)]+)\)")
SAFE = re.compile(r"(\d+) finished items are safe in the journal (\S+); resume on any nodes "
                  r"and rank count with: (.*)")
SAFE_UNCOUNTED = re.compile(r"the finished items are safe in the journal (\S+) on rank 0's "
                            r"storage; resume on any nodes and rank count with: (.*)")
NOT_SAVED = "nothing was saved (no --checkpoint FILE was given"
BANNERS = ("MPI_ABORT", "-----", "mpirun noticed", "Primary job", "orterun")


def journal_items(path):
    """Items the whole records of a journal cover (its torn last line left
    out), read as rangefarm writes it: one JSON object a line."""
    items = 0
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    for raw in lines[1:]:
        try:
            record = json.loads(raw)
        except ValueError:
            continue  # a torn last record
        if "items" in record:  # a record naming its items' ids, as runs [lo, hi)
            items += sum(hi - lo for lo, hi in record["items"])
        else:
            items += record["hi"] - record["lo"]
    return items


def check_lost(test, proc, lost, info, elapsed_s, journal=None, seen_from=None,
               count_known=True):
    """Asserts what a run that lost ranks printed and how it ended.

    lost: {rank: (pid, host)} exactly the ranks that are gone; seen_from:
    the rank expected to speak when rank 0 is among them. Returns the resume
    command's rangefarm arguments (a list), or None without a journal."""
    test.assertLess(elapsed_s, END_WITHIN_S, "the run did not end promptly" + info)
    test.assertNotIn(proc.returncode, (0, STOPPED), info)
    for banner in BANNERS:
        test.assertNotIn(banner, proc.stderr + proc.stdout, info)
    lines = [line for line in proc.stderr.splitlines() if "rangefarm: " in line]
    test.assertEqual(len(lines), 1, "want exactly one rangefarm line" + info)
    m = LOST_LINE.fullmatch(lines[0])
    test.assertIsNotNone(m, "not the lost-rank line" + info)
    named = {int(r): (int(pid), host) for r, pid, host in PEER.findall(m.group(1))}
    test.assertEqual(named, lost, "the line must name exactly the lost ranks" + info)
    if seen_from is None:
        test.assertIsNone(m.group(3), "rank 0 speaks for itself" + info)
    else:
        test.assertEqual(int(m.group(3)), seen_from, info)
    tail = m.group(6)
    if journal is None:
        test.assertTrue(tail.startswith(NOT_SAVED), info)
        return None
    safe = SAFE.fullmatch(tail)
    if safe is None and not count_known:
        uncounted = SAFE_UNCOUNTED.fullmatch(tail)
        test.assertIsNotNone(uncounted, info)
        test.assertEqual(uncounted.group(1), journal, info)
        command = uncounted.group(2)
    else:
        test.assertIsNotNone(safe, "the line must count the items in the journal" + info)
        test.assertEqual(safe.group(2), journal, info)
        test.assertEqual(int(safe.group(1)), journal_items(journal),
                         "the count must be what the journal holds" + info)
        command = safe.group(3)
    words = shlex.split(command)
    test.assertEqual(words[0], "rangefarm", info)
    test.assertEqual(words[-1], "--resume", info)
    return words[1:]
