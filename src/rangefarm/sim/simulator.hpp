// The farm simulator: replays a run in virtual time, with the farm's own
// dispatch policy (farm/dispatch_policy.hpp, the class the Master calls),
// to predict its wall time at rank counts this machine does not have.
//
// The model (a discrete-event simulation of master.cpp and worker.cpp):
// - Every rank computes. An item costs what ItemCosts says, whichever rank
//   runs it and however many run at once.
// - Rank 0 takes its own chunks from the policy between chunks, and serves
//   reports only at its yields: between chunks, and inside a chunk after
//   every answer_interval_s of computing (the farm's 200 us poll throttle;
//   0: at once). With no work of its own left it serves each report as it
//   arrives. Serving one report (Request, Ahead, Idle, Done, Finished)
//   takes service_s of rank 0's time, during which it does not compute.
// - A dynamic or guided worker sends Request, then Ahead as it starts each
//   chunk, Done at its end, and Idle when the answer to its Ahead has not
//   come by then; an empty answer ends its work (Finished). A static worker
//   computes its share (static_chunks) without waiting, sending Done per
//   chunk and Finished.
// - Every message takes latency_s one way; messages from one rank arrive
//   in order. The run ends when rank 0 has finished its share and served
//   every Finished, plus the end: end_s when it was measured (a traced
//   run's wall after its last chunk: rank 0 and the workers noticing the
//   last messages between their sleeps, wait_backoff.hpp, and the End/Bye
//   handshake), else the handshake alone (2 latencies, 1 service).
// What it leaves out: memory bandwidth and caches shared by a node's cores
// (items cost the same at 1 and 64 ranks per node; a memory-bound kernel
// such as the sieve slows as a node fills), network contention and the
// topology (one latency for every pair of ranks; a rank 0 answering 4096
// ranks over one NIC queues more than this), the cost of encoding and
// journaling partials, the start-up and the final gathers, stops, and
// noise: other processes on the cores, and the OS waking a sleeping rank.
#pragma once

#include <cstdint>
#include <vector>

#include "rangefarm/farm/schedule.hpp"
#include "rangefarm/sim/item_costs.hpp"

namespace rf {

struct SimConfig {
  int ranks = 1;
  ScheduleSpec spec;
  double latency_s = 0;          // one way, per message
  double service_s = 0;          // rank 0's time to serve one report
  double answer_interval_s = 0;  // rank 0's yield interval inside its chunks
  double end_s = -1;             // the end after the last Finished; < 0: the handshake
};

struct SimResult {
  double wall_s = 0;
  std::vector<double> busy_s;         // by rank: time computing
  std::vector<std::uint64_t> chunks;  // by rank: chunks computed
  std::uint64_t reports = 0;          // reports rank 0 served
  double rank0_serving_s = 0;         // rank 0's time serving them
};

// costs: the items in the order the schedule hands them out (position 0
// first; ItemCosts::in_order).
SimResult simulate(const ItemCosts& costs, const SimConfig& config);

}  // namespace rf
