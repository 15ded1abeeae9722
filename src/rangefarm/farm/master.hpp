// Rank 0: computes its own share, and between chunks and slices of it (a
// yield, at most every 200 us: PollThrottle) takes reports, hands out
// chunks, and notices stop requests.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/request.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rangefarm/farm/chunk_runner.hpp"
#include "rangefarm/farm/dispatch_policy.hpp"
#include "rangefarm/farm/farm.hpp"

namespace rf {

class Master {
 public:
  Master(const boost::mpi::communicator& comm, const FarmPlan& plan, const RecordFn& sink);

  ScheduleOutcome run(const EncodedChunkFn& process);

 private:
  // Handles every report there; true if there was one.
  bool poll();
  // Polls rather than blocks, so that a signal is noticed and the progress
  // line moves while rank 0 has no work of its own left.
  template <class Done>
  void wait_until(const Done& done);
  void handle(int worker);
  // Sends the policy's answer, if it has one now.
  void answer(int worker, const std::optional<Range>& chunk);
  void record(Range chunk, const std::string& partial, int rank);
  void trace(const std::vector<TraceEvent>& events, int rank);
  void keep(int worker, const std::string& name_and_label);
  void fetch(int worker, const std::string& name);
  void begin_stop();

  const boost::mpi::communicator& comm_;
  const FarmPlan& plan_;
  const RecordFn& sink_;
  DispatchPolicy policy_;  // what to hand out, to whom, when; and whether stopping
  int active_;             // workers that have not said Finished
  int byes_ = 0;
  std::vector<RankTiming> timings_;     // by rank, from the Byes
  std::vector<std::string> farewells_;  // by rank, from the Byes
  std::vector<boost::mpi::request> stop_notices_;
  std::uint64_t recorded_items_ = 0;
  PollThrottle throttle_;
};

}  // namespace rf
