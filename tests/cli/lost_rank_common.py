"""The checks of a run that lost a rank or a node, or whose start did not
finish, shared by tests/cli (one host) and tests/cluster (virtual nodes).

check_lost: the run ends soon, with a status that is neither success nor a
clean stop, and with exactly one line that names exactly the lost ranks
(rank, pid, host), the items safe in the journal, and the resume command;
no MPI banner.

check_start_failed: a start that never finished (start_watch.hpp) ends
with exactly one line from the rank that speaks (rank 0, or rank 1 for a
silent rank 0), of the kind expected, naming the ranks it can; no banner."""

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

START_FAILED = 77  # the start did not finish within RANGEFARM_START_TIMEOUT
# The start-up lines, as start_watch.cpp words them. SPEAKER: "rank R (pid
# P on HOST)"; RANKS: "rank 2", "ranks 1-2", "ranks 2, 5 and 9".
_SPEAKER = r"rank (\d+) \(pid (\d+) on ([^)]+)\)"
_RANKS = r"ranks? ([\d, and-]+)"
_CHECK = (r"\. Check the launcher's messages for a task that failed \(mpirun without -q, "
          r"or srun, names it\) and that node; nothing was computed")
_AFTER_STOP = (r": nothing was computed\. If no one stopped the run, (.+) failed to start and "
               r"the launcher ended the run \(mpirun -q hides which; srun and mpirun without "
               r"-q name it\); run the same command again")
_TIMED_OUT = r"rangefarm: error: the run did not start within ([\d.]+) s \(RANGEFARM_START_TIMEOUT\): "
START_LINES = {
    # rank 0 still in MPI_Init at the deadline
    "in-init": re.compile(_TIMED_OUT + _SPEAKER + r" was still in MPI_Init, waiting for "
                          r"(\d+) ranks in all: a rank did not start, or died or hangs in "
                          r"MPI_Init" + _CHECK),
    # rank 0 past MPI_Init, some ranks never reported
    "unreported": re.compile(_TIMED_OUT + _RANKS + r" of (\d+) never reported to " + _SPEAKER +
                             r", which had finished MPI_Init: (it died or hangs|they died or "
                             r"hang), in MPI_Init or after it" + _CHECK),
    # rank 1, rank 0 never answered
    "rank0-silent": re.compile(_TIMED_OUT + r"rank 0 never answered " + _SPEAKER +
                               r" after MPI_Init, with (\d+) ranks in all: it died or hangs" +
                               _CHECK),
    # a stop signal during the start (mpirun ending the run when a rank died)
    "stopped-in-init": re.compile(r"rangefarm: stopped by a signal during start-up, while " +
                                  _SPEAKER + r" was in MPI_Init, waiting for (\d+) ranks in "
                                  r"all(, and rank 0 said nothing)?" + _AFTER_STOP),
    "stopped-unreported": re.compile(r"rangefarm: stopped by a signal during start-up, before " +
                                     _RANKS + r" of (\d+) had reported to " + _SPEAKER +
                                     _AFTER_STOP),
    "stopped-rank0-silent": re.compile(r"rangefarm: stopped by a signal during start-up, before "
                                       r"rank 0 had answered " + _SPEAKER + r", with (\d+) ranks "
                                       r"in all" + _AFTER_STOP),
}


def rank_numbers(text):
    """[2, 5, 6, 7] from "2, 5-7" or "1 and 4" (a RANKS group)."""
    out = []
    for part in re.split(r", | and ", text):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def check_start_failed(test, proc, info, kinds, size, speaker=None, missing=None):
    """Asserts that a run whose start failed printed exactly one rangefarm
    line, of one of the kinds (keys of START_LINES), about a job of size
    ranks; speaker: (rank, pid, host) expected to speak, where known;
    missing: the ranks the line must name as not reported, where it names
    them. No banner. Returns (kind, match)."""
    for banner in BANNERS:
        test.assertNotIn(banner, proc.stderr + proc.stdout, info)
    lines = [line for line in proc.stderr.splitlines() if "rangefarm: " in line]
    test.assertEqual(len(lines), 1, "want exactly one rangefarm line" + info)
    for kind in kinds:
        m = START_LINES[kind].fullmatch(lines[0])
        if m is None:
            continue
        groups = m.groups()
        timed_out = kind in ("in-init", "unreported", "rank0-silent")
        fields = groups[1:] if timed_out else groups
        if kind in ("unreported", "stopped-unreported"):
            named, job, *who = fields[:5]
            if missing is not None:
                test.assertEqual(rank_numbers(named), sorted(missing), info)
        else:
            *who, job = fields[:4]
        test.assertEqual(int(job), size, "the job size" + info)
        if speaker is not None:
            test.assertEqual((int(who[0]), int(who[1]), who[2]), speaker, "the speaker" + info)
        return kind, m
    test.fail(f"not a start-up line of the kinds {kinds}" + info)
    return None


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
