// Schedule: pure planning of which chunks of a range go to which rank, in
// which order. No MPI here, so every mode is unit-testable.
//
//   static-block   P contiguous near-equal parts, rank r owns part r (walked
//                  in sub-chunks of at most K so progress stays fine-grained)
//   static-cyclic  chunks of K dealt round-robin: chunk i to rank i mod P
//   dynamic        chunks of K, handed out on request (ChunkDispenser)
//   guided         like dynamic, each chunk max(K, ceil(remaining / 2P))
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rangefarm/common/range.hpp"

namespace rf {

enum class ScheduleKind { StaticBlock, StaticCyclic, Dynamic, Guided };

std::optional<ScheduleKind> parse_schedule(std::string_view name);
std::string_view schedule_name(ScheduleKind kind);
const std::vector<std::string>& schedule_names();
inline bool is_static(ScheduleKind k) {
  return k == ScheduleKind::StaticBlock || k == ScheduleKind::StaticCyclic;
}

struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::Dynamic;
  std::uint64_t chunk = 1;  // K, at least 1
};

// The order in which dynamic and guided hand out items: as numbered
// (`given`) or by decreasing estimated cost (`largest-first`), so that the
// long tasks start early and the short ones fill the tail.
enum class DispatchOrder { Given, LargestFirst };
std::optional<DispatchOrder> parse_order(std::string_view name);
std::string_view order_name(DispatchOrder order);

// The items 0..n-1 in the order they are to be numbered for the farm: the
// identity, or for dynamic and guided with largest-first the indices by
// decreasing cost (ties in index order). Static modes keep the given order:
// they split the list as they split any range.
std::vector<std::uint64_t> dispatch_order(ScheduleKind kind, DispatchOrder order,
                                          const std::vector<double>& costs);

// The order a schedule really uses: static schedules deal items in range
// order whatever was asked.
inline DispatchOrder order_used(ScheduleKind kind, DispatchOrder asked) {
  return is_static(kind) ? DispatchOrder::Given : asked;
}

// The chunks a rank processes under a static schedule, in order.
std::vector<Range> static_chunks(const ScheduleSpec& spec, Range range, int rank, int nranks);

// Hands out the chunks of a dynamic or guided schedule one at a time, in
// range order. Rank 0 owns the only instance.
class ChunkDispenser {
 public:
  ChunkDispenser(const ScheduleSpec& spec, Range range, int nranks);
  std::optional<Range> next();
  [[nodiscard]] std::uint64_t remaining() const { return range_.size(); }
  // How many more chunks next() would hand out, counted up to `cap`.
  [[nodiscard]] std::uint64_t chunks_left(std::uint64_t cap) const;

 private:
  [[nodiscard]] std::uint64_t chunk_size(std::uint64_t left) const;

  ScheduleSpec spec_;
  Range range_;  // what is left
  std::uint64_t nranks_;
};

}  // namespace rf
