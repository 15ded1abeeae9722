// TraceWriter: rank 0 writes a traced run (--trace FILE) as JSON lines, as
// the records arrive, flushed at least every 0.1 s (at rank 0's polls) and at the end (so that
// a run stopped by a signal keeps its trace; one killed outright loses at
// most the last 0.1 s). The format, version 1:
//
//   {"type":"header","format":"rangefarm-trace","version":1,
//    "subcommand":"perfect","ranks":P,"hosts":["h0",...] (by rank),
//    "schedule":"dynamic","chunk":K,"order":"given|largest-first",
//    "items_total":N,"items_restored":R,"resumed":false,
//    "cost_unit":"units" or null,"command":"rangefarm perfect ..."}
//   {"type":"chunk","rank":r,"host":"h","first":a,"last":b,"items":n,
//    "start_s":t0,"end_s":t1,"cost":c or null}
//   {"type":"request","rank":r,"t_s":t}
//   {"type":"assign","rank":r,"t_s":t,"first":a,"last":b}
//   {"type":"end","wall_s":W,"stopped":false}
//
// - One chunk record per chunk computed in this run: a resumed run
//   (resumed true) traces only what it computes; items_restored counts the
//   items the journal held. first and last are the chunk's first and last
//   item (inclusive) as the farm numbers them: the number for perfect, the
//   piece for factorial, the position in the dispatch order for mersenne
//   and synthetic (in a largest-first run, position 0 is the costliest).
//   items is last - first + 1.
// - cost is the workload's own estimate for the chunk, in cost_unit:
//   synthetic the sum of its task costs (units of --unit-ms), mersenne its
//   cost model (relative, ~ p^2.4 per exponent); null where there is none.
// - Times are seconds since the run's start barrier, each rank measuring
//   from its own exit from it (ranks of one host share a clock).
// - request and assign (dynamic and guided only): a worker sent a Request
//   (its first) or an Ahead (as it starts a chunk), and took the assignment
//   it got (t_s is when the worker saw it: for an Ahead answered while it
//   computed, the end of that chunk). A request answered with "no more
//   work" is not written, nor its empty answer. Rank 0 takes its own
//   chunks without messages. Workers carry these times on the reports they
//   already send, so records of one worker arrive in its order but those
//   of different ranks interleave.
// - end: the run's wall time (the same as the JSON report's) and whether a
//   signal stopped it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "rangefarm/farm/trace_event.hpp"

namespace rf {

struct TraceHeader {
  std::string subcommand;
  std::vector<std::string> hosts;  // by rank
  std::string schedule;
  std::uint64_t chunk = 1;
  std::string order = "given";
  bool resumed = false;
  std::string cost_unit;  // empty: none (null)
  std::string command;
};

// A chunk's cost estimate (its items as the farm numbers them), or nullopt.
using ChunkCostFn = std::function<std::optional<double>(Range items)>;

class TraceWriter : public TraceSink {
 public:
  TraceWriter(std::ostream& out, TraceHeader header, ChunkCostFn cost = {});

  void begin(std::uint64_t items_total, std::uint64_t items_restored) override;
  void event(const TraceEvent& e) override;
  void tick() override;
  // The footer; flushes.
  void end(double wall_s, bool stopped);

 private:
  template <class... Args>
  void format(const char* fmt, Args... args);
  void line(std::string_view text);

  std::ostream& out_;
  TraceHeader header_;
  ChunkCostFn cost_;
  std::vector<std::string> quoted_hosts_;  // by rank, as JSON strings
  std::chrono::steady_clock::time_point next_flush_{};
  bool dirty_ = false;  // lines written since the last flush
  std::vector<char> buf_ = std::vector<char>(512);
};

}  // namespace rf
