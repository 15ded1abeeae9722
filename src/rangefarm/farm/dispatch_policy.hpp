// DispatchPolicy: the master's decisions, with no MPI, so that the farm
// (master.cpp) and the simulator (sim/simulator.hpp) run the very same rules.
//
//   static-block, static-cyclic  every rank derives its own chunks
//                                (static_chunks, lazily); no messages, no
//                                decisions
//   dynamic, guided              one ChunkDispenser, owned here:
//     rank 0, between its chunks, takes the next chunk itself;
//     a worker's Request (its first) is answered at once;
//     a worker's Ahead (asked as it starts a chunk, so that it never waits on
//       rank 0) is granted at once only while at least kAheadSlack chunks per
//       rank are left, and at least as many items per rank as the chunk it
//       starts, else kept until the worker says Idle; the tail is thus handed
//       out strictly to idle ranks, which is what decides the makespan (10
//       tasks of 1..10 units on 5 ranks: every chunk is). The second rule is
//       guided's: its chunks shrink, so 2 chunks per rank can be much less
//       work than a chunk begun earlier, and an Ahead granted then bound a
//       tail chunk to a rank busy for 50 ms more while others idled (32
//       sleeping-task ranks: imbalance 1.3);
//     once stopping, every answer is "no more work".
// Positions are numbered 0..n-1 in the order they are to be handed out:
// largest-first is a numbering (dispatch_order, schedule.hpp) made before.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/schedule.hpp"

namespace rf {

class DispatchPolicy {
 public:
  // Chunks granted ahead only while this many chunks per rank are left.
  static constexpr std::uint64_t kAheadSlack = 2;

  DispatchPolicy(const ScheduleSpec& spec, std::uint64_t positions, int nranks);

  [[nodiscard]] bool is_static() const { return !dispenser_; }
  // A rank's chunks under a static schedule, in order, worked out as they
  // are walked (StaticShare: a few bytes however many chunks).
  [[nodiscard]] StaticShare static_share(int rank) const;

  // Rank 0 between its own chunks (dynamic, guided): its next chunk, or
  // nullopt when none is left or the run is stopping.
  std::optional<Range> next_for_rank0();

  // A worker's message: the answer to send it now (an empty range means no
  // more work), or nullopt: nothing to send now.
  std::optional<Range> on_request(int worker);
  std::optional<Range> on_ahead(int worker);
  // Idle may cross the answer to its Ahead: then there is nothing to send.
  std::optional<Range> on_idle(int worker);

  // From now on no more work is handed out.
  void stop() { stopping_ = true; }
  [[nodiscard]] bool stopping() const { return stopping_; }

 private:
  Range take(int worker);  // the next chunk for worker, or an empty range
  [[nodiscard]] bool ahead_granted(int worker) const;

  ScheduleSpec spec_;
  std::uint64_t positions_;
  int nranks_;
  std::optional<ChunkDispenser> dispenser_;  // dynamic and guided
  std::vector<bool> deferred_;               // by rank: an Ahead kept for the rank's Idle
  std::vector<std::uint64_t> last_given_;    // by rank: the size of the chunk it was last given
  bool stopping_ = false;
};

}  // namespace rf
