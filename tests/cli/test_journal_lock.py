#!/usr/bin/env python3
"""One run per journal, end to end (issue 23, part 3 and the journal items of
parts 6 and 7).

* Two runs of one journal at once (a retry too soon, a requeued job that
  overlaps its predecessor): the second is refused, exit 2, in one line that
  names rank 0 of the first (pid, host, since when) and what to do; the
  journal the first leaves has each chunk once.
* A rank 0 frozen by SIGSTOP keeps the journal: a resume is refused and told
  the holder is stopped; killed, its lock goes with it and the resume runs.
* A run killed outright leaves its lock file, which the resume takes over.
* A frozen rank 0 on another host (a UTS namespace here): the line offers
  --break-lock; the resume with it completes, and the old rank 0, woken
  afterwards, writes nothing more into the journal and ends with one line.
* A journal that two runs wrote before there was a lock (copies of records;
  records of another chunk size over the same items): --resume is refused
  and told about --repair; --resume --repair keeps one copy of each record
  (the file as it was kept as FILE.damaged) and gives the uninterrupted
  result.
* A finished journal: a plain re-run is told to add --resume; --resume
  prints the stored report at once (text, --quiet and --json), for
  factorial too, whose pieces are gone by then.
* A journal of another workload is refused naming the workloads first; a
  --checkpoint that is no regular file (/dev/null, a FIFO, a folder) is
  refused in one line.
* The docs never signal runs by name (pgrep, pkill, killall): on a shared
  node that would stop everyone's runs.

About 1 minute on 2 cores.

Usage: test_journal_lock.py --binary PATH [--mpirun PATH] [unittest options]
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

USAGE = 2
STARTUP_S = 90
RUN_S = 300
PROMPT_EXIT_S = 15

# 600 tasks of 25 ms, slept: about 7.5 s at 2 ranks, one record per task;
# long enough for three refused launches on a busy machine.
SLOW = ["synthetic", "--tasks", "600", "--cost", "uniform", "--unit-ms", "25"]
SLOW_TASKS = 600

HOSTS = (socket.gethostname(), socket.gethostname().split(".")[0])
SINCE = r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+"


def in_use_line(journal):
    """The refusal of a journal that a run of this host holds: pid, host."""
    return re.compile(
        rf"rangefarm: error: checkpoint '{re.escape(journal)}' is in use by another run "
        rf"\(pid (\d+) on (\S+) {SINCE}\): (.*)")


def journal_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def records_of(path):
    """The chunk records of a journal (no header, no end record), parsed."""
    out = []
    for line in journal_lines(path)[1:]:
        record = json.loads(line)
        if "end" not in record:
            out.append(record)
    return out


def chunk_records(lines):
    """The record lines of a journal's lines: no header, no end record."""
    return [line for line in lines[1:] if "end" not in json.loads(line)]


def spans(record):
    return record.get("items") or [[record["lo"], record["hi"]]]


class JournalCase(unittest.TestCase):

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rangefarm-lock-")
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.work, name)

    def start(self, args, np=2, wrapper=(), env=None):
        launch = cli_common.Launch(BINARY, MPIRUN, args, np, cwd=self.work, wrapper=wrapper,
                                   env=env)
        self.addCleanup(launch.cleanup)
        return launch

    def run_to_end(self, args, np=2, timeout=RUN_S):
        launch = self.start(args, np)
        proc = launch.wait(timeout)
        return proc, cli_common.describe(args, np, proc, stdout_limit=3000)

    def wait_records(self, launch, journal, n):
        cli_common.poll_until(f"{n} records in {journal}",
                              lambda: cli_common.count_records(self.path(journal)) >= n,
                              STARTUP_S, launch)

    def rank_pids(self, launch, np=2):
        def all_up():
            ranks = launch.ranks()
            return ranks if sorted(ranks) == list(range(np)) else None
        return cli_common.poll_until(f"{np} rank processes", all_up, STARTUP_S, launch)

    def assert_one_error(self, proc, info, status=USAGE):
        """Exit status, nothing on stdout, one `rangefarm: error:` line: returned."""
        self.assertEqual(proc.returncode, status, info)
        self.assertEqual(proc.stdout, "", info)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, "want exactly one stderr line" + info)
        self.assertTrue(lines[0].startswith("rangefarm: error: "), info)
        return lines[0]

    def assert_each_chunk_once(self, journal, items):
        """Every record's items disjoint from the others', all of them covered."""
        seen = sorted(s for r in records_of(self.path(journal)) for s in spans(r))
        for (_, hi), (lo, _) in zip(seen, seen[1:]):
            self.assertLessEqual(hi, lo, f"{journal}: records overlap")
        self.assertEqual(sum(hi - lo for lo, hi in seen), items, journal)

    def reference(self, args, np=2):
        """The result of args run to the end (with --json -)."""
        proc, info = self.run_to_end(list(args) + ["--json", "-"], np)
        self.assertEqual(proc.returncode, 0, info)
        return json.loads(proc.stdout)["result"]

    def resume_json(self, args, np=2, extra=()):
        """args --resume --json -, run to the end: (report, proc, info)."""
        proc, info = self.run_to_end(list(args) + ["--resume", "--json", "-"] + list(extra), np)
        self.assertEqual(proc.returncode, 0, info)
        return json.loads(proc.stdout), proc, info


class OneRunPerJournalTest(JournalCase):

    def test_second_run_is_refused_naming_rank0_of_the_first(self):
        args = SLOW + ["--checkpoint", "jj.jsonl"]
        first = self.start(args + ["--json", "first.json"])
        pids = self.rank_pids(first)
        self.wait_records(first, "jj.jsonl", 5)
        for name, second in (("--resume", args + ["--resume"]), ("plain", args)):
            with self.subTest(name):
                proc, info = self.run_to_end(second)
                line = self.assert_one_error(proc, info)
                m = in_use_line("jj.jsonl").fullmatch(line)
                self.assertIsNotNone(m, "not the in-use line" + info)
                self.assertEqual(int(m.group(1)), pids[0], "not rank 0's pid" + info)
                self.assertIn(m.group(2), HOSTS, info)
                self.assertEqual(m.group(3), f"wait for it to end, or stop it "
                                 f"(kill -TERM {pids[0]}), then resume", info)
        # The same file by another name (as a folder reached through a
        # symbolic link would give): the lock on the file itself refuses it.
        os.link(self.path("jj.jsonl"), self.path("hl.jsonl"))
        proc, info = self.run_to_end(SLOW + ["--checkpoint", "hl.jsonl", "--resume"])
        self.assertEqual(self.assert_one_error(proc, info),
                         "rangefarm: error: checkpoint 'hl.jsonl' is in use by another run that "
                         "reached it by another name (a hard link, or a folder reached through a "
                         "symbolic link): wait for it to end, then resume", info)
        proc = first.wait(RUN_S)
        self.assertEqual(proc.returncode, 0, first.describe())
        self.assert_each_chunk_once("jj.jsonl", SLOW_TASKS)
        self.assertFalse(os.path.exists(self.path("jj.jsonl.lock")), "lock file left")

    def test_frozen_rank0_keeps_the_journal_until_it_is_gone(self):
        args = SLOW + ["--checkpoint", "f.jsonl"]
        first = self.start(args)
        pids = self.rank_pids(first)
        self.wait_records(first, "f.jsonl", 5)
        os.kill(pids[0], signal.SIGSTOP)
        proc, info = self.run_to_end(args + ["--resume"])
        line = self.assert_one_error(proc, info)
        m = in_use_line("f.jsonl").fullmatch(line)
        self.assertIsNotNone(m, info)
        self.assertEqual(int(m.group(1)), pids[0], info)
        self.assertEqual(m.group(3), f"it is stopped (SIGSTOP); end it with kill -KILL {pids[0]} "
                         f"or let it go on with kill -CONT {pids[0]}, then resume", info)
        first.cleanup()  # SIGKILL to every process of the first run
        report, _, info = self.resume_json(args)
        self.assertEqual(report["result"]["tasks"], SLOW_TASKS, info)
        self.assert_each_chunk_once("f.jsonl", SLOW_TASKS)

    # The kernel lets a dead process's lock go; its lock file stays behind
    # and is taken over without a word.
    def test_killed_runs_lock_file_is_taken_over(self):
        args = SLOW + ["--checkpoint", "k.jsonl"]
        first = self.start(args)
        pids = self.rank_pids(first)
        self.wait_records(first, "k.jsonl", 5)
        os.kill(pids[0], signal.SIGKILL)
        first.wait(PROMPT_EXIT_S)
        self.assertTrue(os.path.exists(self.path("k.jsonl.lock")))
        report, proc, info = self.resume_json(args)
        self.assertEqual(proc.stderr, "", info)
        self.assertEqual(report["result"]["tasks"], SLOW_TASKS, info)

    # Part 7: rank 0 frozen on another host (here a UTS namespace of its
    # own), never coming back as far as the user knows. The user breaks its
    # lock and resumes; when the old rank 0 wakes after all, it must not
    # write another record into the journal.
    def test_broken_lock_of_a_frozen_rank0_on_another_host(self):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare for a host name of its own")
        args = SLOW + ["--checkpoint", "b.jsonl"]
        other_host = ["unshare", "--uts", "sh", "-c", 'hostname rfother && exec "$0" "$@"']
        # Its worker waits for it, however long the test takes: no deputy
        # names it lost (that is startup's part 7 test, not this one).
        old = self.start(args, wrapper=other_host, env={"RANGEFARM_HEARTBEAT_TIMEOUT": "300"})
        pids = self.rank_pids(old)
        self.wait_records(old, "b.jsonl", 5)
        os.kill(pids[0], signal.SIGSTOP)
        proc, info = self.run_to_end(args + ["--resume"])
        line = self.assert_one_error(proc, info)
        m = in_use_line("b.jsonl").fullmatch(line)
        self.assertIsNotNone(m, info)
        self.assertEqual((int(m.group(1)), m.group(2)), (pids[0], "rfother"), info)
        self.assertEqual(m.group(3), f"wait for it to end, or stop it (kill -TERM {pids[0]} on "
                         "rfother), then resume; if that run is gone for good and its lock "
                         "stays, add --break-lock", info)

        new_args = SYNTHETIC_FAST + ["--checkpoint", "b.jsonl"]
        report, proc, info = self.resume_json(new_args, extra=["--break-lock"])
        self.assertEqual(proc.stderr, "", info)
        self.assertEqual(report["result"]["tasks"], SLOW_TASKS, info)
        with open(self.path("b.jsonl"), "rb") as f:
            finished = f.read()
        os.kill(pids[0], signal.SIGCONT)
        proc = old.wait(RUN_S)
        info = old.describe()
        self.assertNotEqual(proc.returncode, 0, info)
        self.assertIn("rangefarm: error: checkpoint 'b.jsonl' is no longer this run's journal",
                      proc.stderr, info)
        with open(self.path("b.jsonl"), "rb") as f:
            self.assertEqual(f.read(), finished, "the woken rank 0 wrote to the journal")
        report, _, info = self.resume_json(new_args)
        self.assertIs(report["checkpoint"]["replayed"], True, info)


# The same tasks as SLOW, at no cost.
SYNTHETIC_FAST = SLOW[:-1] + ["0"]
PERFECT = ["perfect", "--to", "1e8", "--chunk", "1e6"]
PERFECT_ITEMS = 10 ** 8


class RepairTest(JournalCase):
    """A journal two runs wrote at once, before there was a lock: made here
    from a real journal as the two runs of issue 23 made it."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="rangefarm-lock-ref-")
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)
        args = PERFECT + ["--checkpoint", "full.jsonl", "--json", "ref.json"]
        with cli_common.Launch(BINARY, MPIRUN, args, 2, cwd=cls.folder) as launch:
            proc = launch.wait(RUN_S)
        if proc.returncode != 0:
            raise AssertionError("the reference run failed" + cli_common.describe(args, 2, proc))
        with open(os.path.join(cls.folder, "ref.json"), encoding="utf-8") as f:
            cls.reference_result = json.load(f)["result"]
        lines = journal_lines(os.path.join(cls.folder, "full.jsonl"))
        cls.header = lines[0]
        cls.records = chunk_records(lines)
        assert len(cls.records) == 100, len(cls.records)

    def write(self, name, lines):
        data = b"".join(line + b"\n" for line in lines)
        with open(self.path(name), "wb") as f:
            f.write(data)
        return data

    def test_copies_from_two_runs_refused_then_repaired(self):
        # Run A journaled 30 chunks when run B (--resume) read the journal;
        # then both computed the other 70, B in another order.
        a, b = self.records[30:], self.records[30:][::-1]
        mixed = [x for pair in zip(a, b) for x in pair]
        damaged = self.write("jj.jsonl", [self.header] + self.records[:30] + mixed)
        args = PERFECT + ["--checkpoint", "jj.jsonl"]
        proc, info = self.run_to_end(args + ["--resume"])
        line = self.assert_one_error(proc, info)
        self.assertRegex(line, r"^rangefarm: error: checkpoint 'jj\.jsonl' is corrupt at line \d+ "
                         r"\(it repeats line \d+\); if two runs wrote to it at once, add --repair "
                         r"to keep its distinct records$", info)

        report, proc, info = self.resume_json(args, extra=["--repair"])
        self.assertEqual(proc.stderr, "rangefarm: checkpoint 'jj.jsonl' repaired: 100 of its 170 "
                         "records kept, 70 duplicates dropped; the file as it was is kept as "
                         "'jj.jsonl.damaged'\n", info)
        self.assertEqual(report["result"], self.reference_result, info)
        self.assertEqual((report["checkpoint"]["restored_items"],
                          report["checkpoint"]["computed_items"]), (PERFECT_ITEMS, 0), info)
        with open(self.path("jj.jsonl.damaged"), "rb") as f:
            self.assertEqual(f.read(), damaged)
        self.assertEqual(sorted(chunk_records(journal_lines(self.path("jj.jsonl")))),
                         sorted(self.records), "not one copy of each record")
        report, _, info = self.resume_json(args)
        self.assertIs(report["checkpoint"]["replayed"], True, info)

    def test_records_of_another_chunk_size_are_dropped_and_computed_again(self):
        # Run B went on with --chunk 3e6 where A had chunks of 1e6: B's
        # record covers three of A's. Neither side can be trusted to match
        # the other, so all four are dropped and their items computed again.
        other = self.path("other")
        os.mkdir(other)
        args = ["perfect", "--from", "60000001", "--to", "63000000", "--chunk", "3e6",
                "--checkpoint", "b.jsonl", "--quiet"]
        with cli_common.Launch(BINARY, MPIRUN, args, 2, cwd=other) as launch:
            self.assertEqual(launch.wait(RUN_S).returncode, 0, launch.describe())
        # Positions are the numbers themselves: B's record is this run's too.
        b_records = chunk_records(journal_lines(os.path.join(other, "b.jsonl")))
        self.assertEqual(len(b_records), 1)
        self.write("x.jsonl", [self.header] + self.records + b_records)
        args = PERFECT + ["--checkpoint", "x.jsonl"]
        proc, info = self.run_to_end(args + ["--resume"])
        self.assertRegex(self.assert_one_error(proc, info),
                         r"\(items \[60000001, 63000001\) overlaps line \d+\); if two runs", info)
        report, proc, info = self.resume_json(args, extra=["--repair"])
        self.assertEqual(proc.stderr, "rangefarm: checkpoint 'x.jsonl' repaired: 97 of its 101 "
                         "records kept, 4 overlapping records dropped (their items are computed "
                         "again); the file as it was is kept as 'x.jsonl.damaged'\n", info)
        self.assertEqual(report["result"], self.reference_result, info)
        self.assertEqual(report["checkpoint"]["computed_items"], 3 * 10 ** 6, info)


class FinishedJournalTest(JournalCase):

    def test_plain_rerun_refused_and_resume_prints_the_stored_report(self):
        args = ["perfect", "--to", "1e6", "--chunk", "1e5", "--checkpoint", "p.jsonl"]
        proc, info = self.run_to_end(args)
        self.assertEqual(proc.returncode, 0, info)
        first_out = proc.stdout
        quiet = self.run_to_end(["perfect", "--to", "1e6", "--quiet"])[0].stdout

        proc, info = self.run_to_end(args)
        self.assertEqual(self.assert_one_error(proc, info),
                         "rangefarm: error: --checkpoint: 'p.jsonl' holds this run, finished: add "
                         "--resume to print its result, or remove the file to run it again", info)

        proc, info = self.run_to_end(args + ["--resume"])
        self.assertEqual(proc.returncode, 0, info)
        head, rest = proc.stdout.split("\n", 1)
        self.assertRegex(head, rf"^checkpoint p\.jsonl: this run finished \d{{4}}-\d\d-\d\d "
                         r"\d\d:\d\d:\d\d \S+; its report, read back from the journal \(nothing "
                         r"is computed again\):$", info)
        # The finished run printed its header line before its summary.
        self.assertEqual(rest, first_out.split("\n", 1)[1], info)
        proc, info = self.run_to_end(args + ["--resume", "--quiet"])
        self.assertEqual(proc.stdout, quiet, info)
        report, _, info = self.resume_json(args)
        ckpt = report["checkpoint"]
        self.assertEqual((ckpt["replayed"], ckpt["restored_items"], ckpt["computed_items"]),
                         (True, 10 ** 6, 0), info)
        self.assertEqual(report["result"]["perfect_numbers"], [6, 28, 496, 8128], info)

    # Its pieces are removed when it completes: before the end record a
    # resume computed everything again ("0 items restored").
    def test_finished_factorial_is_not_computed_again(self):
        args = ["factorial", "2000000", "--checkpoint", "f.jsonl"]
        proc, info = self.run_to_end(args + ["--json", "first.json"])
        self.assertEqual(proc.returncode, 0, info)
        with open(self.path("first.json"), encoding="utf-8") as f:
            first = json.load(f)
        self.assertFalse(os.path.exists(self.path("f.jsonl.state")), info)
        report, _, info = self.resume_json(args)
        self.assertEqual(report["result"], first["result"], info)
        ckpt = report["checkpoint"]
        self.assertIs(ckpt.get("replayed"), True, info)
        self.assertEqual(ckpt["computed_items"], 0, info)
        self.assertEqual(ckpt["restored_items"], first["checkpoint"]["computed_items"], info)


class RefusalTest(JournalCase):

    def test_another_workload_is_named_first(self):
        proc, info = self.run_to_end(["perfect", "--to", "100", "--checkpoint", "w.jsonl"], np=None)
        self.assertEqual(proc.returncode, 0, info)
        proc, info = self.run_to_end(["mersenne", "--to", "100", "--checkpoint", "w.jsonl",
                                      "--resume"], np=None)
        self.assertEqual(self.assert_one_error(proc, info),
                         "rangefarm: error: checkpoint 'w.jsonl' belongs to another run (perfect "
                         "there, mersenne here); resume with the same parameters, or use another "
                         "file", info)

    def test_not_a_regular_file_is_refused(self):
        os.mkfifo(self.path("fifo"))
        os.mkdir(self.path("folder"))
        cases = [("/dev/null", [], "a character device"),
                 ("/dev/null", ["--resume"], "a character device"),
                 ("fifo", ["--resume"], "a FIFO"),
                 ("folder", ["--resume"], "a directory")]
        for path, extra, kind in cases:
            with self.subTest(path=path, extra=extra):
                args = ["perfect", "--to", "100", "--checkpoint", path] + extra
                proc, info = self.run_to_end(args, np=None, timeout=60)
                self.assertEqual(self.assert_one_error(proc, info),
                                 f"rangefarm: error: --checkpoint: '{path}' is {kind}, not a "
                                 "journal file; name a regular file (or one to be created)", info)
        self.assertFalse(os.path.exists("/dev/null.lock"))

    # pgrep and pkill only with -P (the children of the user's own mpirun).
    def test_docs_never_signal_runs_by_name(self):
        docs = glob.glob(os.path.join(DOCS, "docs", "*.md")) + [os.path.join(DOCS, "README.md")]
        by_name = re.compile(r"\bkillall\b|\b(pgrep|pkill)\b(?!( -\w+)* -P )")
        for doc in docs:
            with open(doc, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    self.assertIsNone(by_name.search(line),
                                      f"{os.path.relpath(doc, DOCS)}:{n} signals runs by name "
                                      f"(everyone's on a shared node): {line.strip()}")


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_journal_lock.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
