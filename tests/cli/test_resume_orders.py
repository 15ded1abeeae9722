#!/usr/bin/env python3
"""A journal resumes under any schedule and order (issue 17, item 5).

mersenne and synthetic hand their items out largest-first by default, so a
journal that recorded positions in that order could not be resumed by a
static schedule, or by --order given, and the other way round. A journal
now names the items themselves (exponents, task numbers), so that:

* every pair (schedule x order of the stopped run, schedule x order of the
  resume), 8 x 8 for each workload, resumes to the uninterrupted result,
  restoring exactly what the journal held and computing the rest;
* a journal written before records named their items (positions in its
  run's item_order, made here from a new one) still resumes, in any order.

A stopped run's journal is made as a completed run's with every other
record dropped: records are independent, so that is what a run stopped at
that point leaves (test_checkpoint.py stops real runs by signals). The
journals are written at 2 ranks; the resumes run as singletons, eight at a
time. About 40 s.

Usage: test_resume_orders.py --binary PATH [--mpirun PATH] [unittest options]
"""

import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

BINARY = None
MPIRUN = None
PARALLEL = 8

SCHEDULES = ("static-block", "static-cyclic", "dynamic", "guided")
ORDERS = ("given", "largest-first")
CONFIGS = [(s, o) for s in SCHEDULES for o in ORDERS]

# 62 prime exponents, a few Lucas-Lehmer tests of some milliseconds.
MERSENNE = ["mersenne", "--to", "300"]
# Random costs: largest-first is a real permutation of the tasks.
SYNTHETIC = ["synthetic", "--tasks", "40", "--cost", "random", "--unit-ms", "0"]


def config_args(config, chunk=2):
    schedule, order = config
    return ["--schedule", schedule, "--order", order, "--chunk", str(chunk)]


def run_json(args, np=None, cwd=None):
    """Runs args with --json -; returns (report or None, info)."""
    args = list(args) + ["--json", "-", "--quiet"]
    proc = cli_common.run(BINARY, MPIRUN, args, np, cwd)
    info = cli_common.describe(args, np, proc, stdout_limit=2000)
    if proc.returncode != 0 or proc.stderr:
        return None, info
    return json.loads(proc.stdout), info


def read_journal(path):
    """(header, chunk records): a completed run's end record left out."""
    with open(path, encoding="utf-8") as f:
        header, *records = [json.loads(line) for line in f.read().splitlines()]
    return header, [r for r in records if "end" not in r]


def write_journal(path, header, records):
    with open(path, "w", encoding="utf-8") as f:
        for line in [header] + records:
            f.write(json.dumps(line, separators=(",", ":"), sort_keys=True) + "\n")


def ids_of(record):
    return [i for lo, hi in record["items"] for i in range(lo, hi)]


class ResumeOrdersCase(unittest.TestCase):
    """One workload: its base args, its id order per dispatch order."""

    base = None

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="rangefarm-orders-")
        cls.addClassCleanup(shutil.rmtree, cls.work, ignore_errors=True)
        cls.reference, info = run_json(cls.base)
        if cls.reference is None:
            raise AssertionError("the reference run failed" + info)
        cls.total = cls.reference["items_total"]

    def stopped_journal(self, config, chunk=2):
        """A journal of config written at 2 ranks, every other record
        dropped; returns (path, header, the records kept)."""
        path = os.path.join(self.work, f"{config[0]}-{config[1]}-{chunk}.jsonl")
        if not os.path.exists(path):
            full = path + ".full"
            args = self.base + config_args(config, chunk) + ["--checkpoint", full]
            report, info = run_json(args, 2)
            self.assertIsNotNone(report, info)
            header, records = read_journal(full)
            write_journal(path, header, records[::2])
        header, records = read_journal(path)
        return path, header, records

    def resume_all(self, journals):
        """Resumes each (name, journal, config) from a copy, eight at a
        time; checks each in a subTest: the reference result, what the
        journal held restored, the rest computed, every item journaled once."""
        def one(job):
            name, journal, config = job
            folder = os.path.join(self.work, name)
            os.makedirs(folder)
            shutil.copy(journal, os.path.join(folder, "j.jsonl"))
            args = self.base + config_args(config) + ["--checkpoint", "j.jsonl", "--resume"]
            return job, run_json(args, cwd=folder), folder

        with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
            outcomes = list(pool.map(one, journals))
        for (name, journal, _), (report, info), folder in outcomes:
            with self.subTest(name):
                self.assertIsNotNone(report, info)
                self.assertEqual(report["result"], self.reference["result"], info)
                _, held = read_journal(journal)
                restored = sum(self.record_items(r) for r in held)
                ckpt = report["checkpoint"]
                self.assertEqual((ckpt["restored_items"], ckpt["computed_items"]),
                                 (restored, self.total - restored), info)
                _, records = read_journal(os.path.join(folder, "j.jsonl"))
                new = [i for r in records if "items" in r for i in ids_of(r)]
                self.assertEqual(len(new), len(set(new)), "an item journaled twice" + info)
                self.assertEqual(sum(self.record_items(r) for r in records), self.total, info)

    @staticmethod
    def record_items(record):
        if "items" in record:
            return len(ids_of(record))
        return record["hi"] - record["lo"]

    def check_every_pair(self):
        jobs = []
        for stopped in CONFIGS:
            path, header, _ = self.stopped_journal(stopped)
            self.assertNotIn("item_order", header["run"], path)
            for resumed in CONFIGS:
                jobs.append((f"{'/'.join(stopped)} resumed {'/'.join(resumed)}", path, resumed))
        self.resume_all(jobs)

    def legacy_journal(self, order):
        """A journal as rangefarm wrote it before records named their items:
        item_order in the header, records of positions in that order (made
        from a new journal; the old CRC covered "lo hi partial")."""
        # Chunks of one item: each record is one position of the old order.
        path, header, records = self.stopped_journal(("dynamic", order), chunk=1)
        position = {item: i for i, item in enumerate(self.ids_in_order(order))}
        run = dict(header["run"])
        del run["items"]
        run["item_order"] = order
        legacy = []
        for r in records:
            [item] = ids_of(r)
            lo = position[item]
            legacy.append({"lo": lo, "hi": lo + 1, "partial": r["partial"],
                           "crc": zlib.crc32(f"{lo} {lo + 1} {r['partial']}".encode())})
        legacy_path = path.replace(".jsonl", "-legacy.jsonl")
        write_journal(legacy_path, {"rangefarm_journal": 1, "run": run}, legacy)
        return legacy_path

    def check_legacy(self):
        jobs = []
        for order in ORDERS:
            journal = self.legacy_journal(order)
            for resumed in CONFIGS:
                jobs.append((f"legacy {order} resumed {'/'.join(resumed)}", journal, resumed))
        self.resume_all(jobs)


class MersenneResumeOrdersTest(ResumeOrdersCase):
    base = MERSENNE

    @staticmethod
    def ids_in_order(order):
        """The prime exponents up to 300 in the order an old run numbered them:
        largest-first is by cost p^2.4, i.e. the largest p first."""
        primes = [p for p in range(2, 301) if all(p % d for d in range(2, int(p ** 0.5) + 1))]
        return primes if order == "given" else primes[::-1]

    def test_every_schedule_and_order_pair(self):
        self.check_every_pair()

    def test_legacy_journals_resume_in_any_order(self):
        self.check_legacy()


class SyntheticResumeOrdersTest(ResumeOrdersCase):
    base = SYNTHETIC

    @classmethod
    def setUpClass(cls):
        """The task numbers in each order an old run numbered them: given
        is 1..T; largest-first, the order a singleton dynamic run at chunk
        1 journals them in (the dispenser's)."""
        super().setUpClass()
        tasks = int(SYNTHETIC[SYNTHETIC.index("--tasks") + 1])
        full = os.path.join(cls.work, "order.jsonl")
        report, info = run_json(SYNTHETIC + config_args(("dynamic", "largest-first"), 1)
                                + ["--checkpoint", full])
        if report is None:
            raise AssertionError("the order run failed" + info)
        _, records = read_journal(full)
        cls.orders = {"given": list(range(1, tasks + 1)),
                      "largest-first": [ids_of(r)[0] for r in records]}

    @classmethod
    def ids_in_order(cls, order):
        return cls.orders[order]

    def test_every_schedule_and_order_pair(self):
        self.check_every_pair()

    def test_legacy_journals_resume_in_any_order(self):
        self.check_legacy()


def main():
    global BINARY, MPIRUN
    opts, rest = cli_common.parse_args("test_resume_orders.py")
    BINARY = os.path.abspath(opts.binary)
    MPIRUN = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
