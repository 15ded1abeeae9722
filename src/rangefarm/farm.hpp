// The MPI engine: runs a Workload over a Range under a Schedule on every
// rank of a communicator, then reduces the partial results to rank 0.
//
// Static modes need no messages: each rank derives its own chunks from the
// plan. Dynamic and guided use a pull model: rank 0 owns the dispenser and
// computes too; a worker asks for its next chunk as soon as it starts the
// current one, so one assignment is always in flight and the worker never
// waits on rank 0; rank 0 answers pending requests whenever its own workload
// yields (every block of the sieve, about a millisecond).
#pragma once

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <functional>
#include <vector>

#include "rangefarm/range.hpp"
#include "rangefarm/schedule.hpp"
#include "rangefarm/stats.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

// Processes one chunk; the Yield gives the farm a moment to serve others.
using ChunkFn = std::function<void(Range chunk, const Yield& yield)>;

// Runs this rank's part of the schedule; returns this rank's timing.
RankTiming run_schedule(const boost::mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                        const ChunkFn& process);

template <class Partial>
struct FarmOutcome {
  Partial result;                   // reduced; meaningful on rank 0 only
  std::vector<RankTiming> timings;  // one per rank, on rank 0 only
  double wall_s = 0;                // from the start barrier to the reduced result
};

template <Workload W>
FarmOutcome<typename W::Partial> farm(const boost::mpi::communicator& comm, const W& work,
                                      Range range, const ScheduleSpec& spec) {
  using Partial = typename W::Partial;
  comm.barrier();
  const double start = MPI_Wtime();
  Partial local;
  RankTiming mine = run_schedule(comm, range, spec, [&](Range chunk, const Yield& yield) {
    W::merge(local, work.process(chunk, yield));
  });
  FarmOutcome<Partial> out;
  const auto merge = [](Partial a, const Partial& b) {
    W::merge(a, b);
    return a;
  };
  boost::mpi::reduce(comm, local, out.result, merge, 0);
  boost::mpi::gather(comm, mine, out.timings, 0);
  out.wall_s = MPI_Wtime() - start;
  return out;
}

}  // namespace rf
