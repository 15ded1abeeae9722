// A rank other than 0: computes the chunks a static schedule gives it, or
// those rank 0 hands it (dynamic, guided), reports each, and keeps polling
// for rank 0's End, so that a signal it gets still reaches rank 0.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/request.hpp>
#include <vector>

#include "rangefarm/farm/chunk_runner.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"

namespace rf {

class Worker {
 public:
  Worker(const boost::mpi::communicator& comm, const FarmPlan& plan) : comm_(comm), plan_(plan) {}

  // farewell: what to send rank 0 with the Bye (none: nothing).
  ScheduleOutcome run(const EncodedChunkFn& process, const FarewellFn& farewell);

 private:
  void run_dynamic(const EncodedChunkFn& process, const Yield& poll, const DoneFn& done,
                   RankTiming& t);
  Range request_chunk(RankTiming& t);
  void wait_watching(boost::mpi::request& r, const Yield& also);
  RankZeroStore::Channel store_channel();
  void poll();
  // Tracing: a request sent now; the assignment taken now (none: no work).
  void note_request();
  void note_assignment(Range positions);
  std::vector<TraceEvent> take_notes();

  const boost::mpi::communicator& comm_;
  const FarmPlan& plan_;
  const Yield nothing_ = [] {};
  bool stop_notice_taken_ = false;
  PollThrottle throttle_;
  int end_ = 0;  // rank 0's End: kEndStopped | kEndNoticeSent
  bool stop_told_ = false;
  std::vector<TraceEvent> notes_;  // tracing: for the next report
};

}  // namespace rf
