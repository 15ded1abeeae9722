#!/usr/bin/env python3
"""The source tree keeps its seams (check_seams.py): the real src/ passes,
and a copy of it with each kind of break fails, naming the file and rule."""
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
CHECK = HERE / "check_seams.py"


def run_check(src):
    return subprocess.run([sys.executable, str(CHECK), str(src)], capture_output=True, text=True)


class SeamTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="seams-"))
        self.src = self.tmp / "src"
        shutil.copytree(SRC, self.src, ignore=shutil.ignore_patterns("CMakeLists.txt", "*.md"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def add_include(self, rel, header):
        path = self.src / "rangefarm" / rel
        path.write_text(f"#include {header}\n" + path.read_text())

    def assert_fails(self, *words):
        result = run_check(self.src)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        for w in words:
            self.assertIn(w, result.stdout)

    def test_the_real_tree_passes(self):
        result = run_check(SRC)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")

    def test_a_kernel_including_mpi_fails(self):
        self.add_include("work/perfect_sieve.cpp", "<boost/mpi/communicator.hpp>")
        self.assert_fails("work/perfect_sieve.cpp", "boost/mpi/communicator.hpp", "work/ knows no MPI")

    def test_a_kernel_including_the_engine_fails(self):
        self.add_include("work/synthetic.cpp", '"rangefarm/farm/schedule.hpp"')
        self.assert_fails("work/synthetic.cpp", "work/ includes only work/ and common/")

    def test_mpi_reached_through_a_kernel_header_fails(self):
        # The break is in a header; every kernel file including it is named, with the way through.
        self.add_include("work/power.hpp", "<mpi.h>")
        self.assert_fails("mpi.h", "(through rangefarm/work/", "work/ knows no MPI")

    def test_the_engine_including_a_workload_fails(self):
        self.add_include("farm/schedule.cpp", '"rangefarm/work/perfect.hpp"')
        self.assert_fails("farm/schedule.cpp", "rangefarm/work/perfect.hpp", "farm/ knows no workload")

    def test_the_engine_including_the_factorial_farm_fails(self):
        self.add_include("health/net_socket.cpp", '"rangefarm/bigint/factorial_farm.hpp"')
        self.assert_fails("health/net_socket.cpp", "health/ knows no workload")

    def test_the_simulator_reaching_mpi_through_the_policy_fails(self):
        # The simulator and the farm share the dispatch policy; it must stay MPI-free.
        self.add_include("farm/dispatch_policy.hpp", "<boost/mpi/communicator.hpp>")
        self.assert_fails("rangefarm/sim/simulator.cpp", "(through rangefarm/", "sim/ knows no MPI")

    def test_a_file_left_in_the_flat_folder_fails(self):
        (self.src / "rangefarm" / "stray.hpp").write_text("#pragma once\n")
        self.assert_fails("rangefarm/stray.hpp", "lies directly in src/rangefarm/")


if __name__ == "__main__":
    unittest.main()
