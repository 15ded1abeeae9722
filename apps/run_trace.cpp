#include "run_trace.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <stdexcept>

#include "rangefarm/farm/stats.hpp"

namespace rf::app {

RunTrace::RunTrace(const boost::mpi::communicator& comm, const CommonOptions& opts,
                   const std::string& subcommand, const ScheduleSpec& schedule, DispatchOrder order,
                   const std::string& cost_unit, ChunkCostFn cost)
    : path_(opts.trace) {
  if (path_.empty()) return;
  std::vector<std::string> hosts;
  boost::mpi::gather(comm, host_name(), hosts, 0);
  agree_on_rank0(comm, [&]() -> std::string {
    file_.open(path_, std::ios::trunc);
    return file_ ? std::string() : "--trace: cannot open '" + path_ + "' for writing";
  });
  if (comm.rank() != 0) return;
  TraceHeader header{subcommand,
                     std::move(hosts),
                     std::string(schedule_name(schedule.kind)),
                     schedule.chunk,
                     std::string(order_name(order_used(schedule.kind, order))),
                     opts.resume,
                     cost_unit,
                     command_line_text()};
  writer_ = std::make_unique<TraceWriter>(file_, std::move(header), std::move(cost));
}

void RunTrace::finish(double wall_s, bool stopped) {
  if (!writer_) return;
  writer_->end(wall_s, stopped);
  if (!file_) throw std::runtime_error("--trace: writing '" + path_ + "' failed (disk full?)");
}

}  // namespace rf::app
