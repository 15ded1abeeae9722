// A subcommand: its CLI11 parser and what runs once it has parsed. Adding a
// workload is one add_*_command function and one line in rangefarm.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/mpi/communicator.hpp>
#include <functional>

namespace rf::app {

struct Command {
  CLI::App* parser;
  // Validates, runs on every rank, reports on rank 0; returns the exit status.
  std::function<int(const boost::mpi::communicator&)> run;
};

Command add_perfect_command(CLI::App& app);
Command add_factorial_command(CLI::App& app);
Command add_mersenne_command(CLI::App& app);
Command add_synthetic_command(CLI::App& app);
Command add_simulate_command(CLI::App& app);

}  // namespace rf::app
