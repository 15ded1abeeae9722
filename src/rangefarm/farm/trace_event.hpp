// What a traced run tells rank 0 (--trace FILE, trace_writer.hpp): every
// finished chunk with its start and end, and in dynamic and guided each
// worker's request for work and the assignment it got. Workers carry their
// events on the reports they already send (protocol.hpp), so tracing adds
// no message; times are seconds since the sender's own exit from the run's
// start barrier.
#pragma once

#include <cstdint>

#include "rangefarm/common/range.hpp"

namespace rf {

struct TraceEvent {
  enum Kind : int { Chunk, Request, Assign };
  int kind = Chunk;
  int rank = 0;
  Range items;       // Chunk: the real items computed; Assign: the real items assigned (hull)
  double t_s = 0;    // Chunk: its start; Request: sent; Assign: taken by the worker
  double end_s = 0;  // Chunk: its end

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& kind& rank& items.lo& items.hi& t_s& end_s;
  }
};

// Rank 0's receiver of a traced run's events.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Once, before the start barrier: the run's items, and those a journal restored.
  virtual void begin(std::uint64_t items_total, std::uint64_t items_restored) = 0;
  virtual void event(const TraceEvent& e) = 0;
  // Called at rank 0's every poll: a chance to flush what is written.
  virtual void tick() {}
};

}  // namespace rf
