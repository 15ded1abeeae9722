// --trace FILE, seen from a subcommand: rank 0's TraceWriter on the file
// (rangefarm/farm/trace_writer.hpp has the format), made by every rank
// together (the header names every rank's host), handed to the farm in
// FarmHooks::trace, and closed with the run's wall time.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <fstream>
#include <memory>
#include <string>

#include "common_options.hpp"
#include "rangefarm/farm/trace_writer.hpp"

namespace rf::app {

class RunTrace {
 public:
  // Collective. cost_unit and cost: the workload's cost estimate, if any.
  RunTrace(const boost::mpi::communicator& comm, const CommonOptions& opts,
           const std::string& subcommand, const ScheduleSpec& schedule, DispatchOrder order,
           const std::string& cost_unit = {}, ChunkCostFn cost = {});

  // Rank 0 with --trace; null elsewhere.
  [[nodiscard]] TraceSink* sink() const { return writer_.get(); }
  // The footer (rank 0); throws if the trace could not be written.
  void finish(double wall_s, bool stopped);

 private:
  std::string path_;
  std::ofstream file_;
  std::unique_ptr<TraceWriter> writer_;
};

}  // namespace rf::app
