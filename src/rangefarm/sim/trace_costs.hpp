// Per-item costs from a trace (farm/trace_writer.hpp describes the format),
// for the simulator: each chunk record's duration spread evenly over its
// items, in the order the farm numbered them; its cost field, where there
// is one, is the estimate largest-first orders by. Items the trace does
// not cover (restored from a journal) are left out.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "rangefarm/sim/item_costs.hpp"

namespace rf {

struct TracedRun {
  ItemCosts costs;
  std::string subcommand;
  std::string schedule;
  std::uint64_t chunk = 1;
  std::string order = "given";
  int ranks = 1;
  double wall_s = 0;  // the footer's; 0 when the trace has none
  std::uint64_t chunks = 0;
};

// Throws std::runtime_error naming `path` and the line on a bad trace.
TracedRun read_trace(std::istream& in, const std::string& path);

}  // namespace rf
