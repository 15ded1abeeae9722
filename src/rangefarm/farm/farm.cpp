// run_plan: rank 0 is the Master (master.hpp), every other rank a Worker
// (worker.hpp); their messages are in protocol.hpp.
#include "rangefarm/farm/farm.hpp"

#include "rangefarm/farm/master.hpp"
#include "rangefarm/farm/worker.hpp"

namespace rf {

ScheduleOutcome run_plan(const boost::mpi::communicator& comm, const FarmPlan& plan,
                         const EncodedChunkFn& process, const RecordFn& sink,
                         const FarewellFn& farewell) {
  if (comm.rank() == 0) return Master(comm, plan, sink).run(process);
  return Worker(comm, plan).run(process, farewell);
}

RankTiming run_schedule(const boost::mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                        const ChunkFn& process) {
  const FarmPlan plan{RangeList(subtract(range, {})), spec, nullptr};
  const auto encoded = [&process](Range chunk, const Yield& yield) {
    process(chunk, yield);
    return std::string();
  };
  return run_plan(comm, plan, encoded, [](Range, const std::string&, int) {}).timing;
}

}  // namespace rf
