// Schedule: pure planning of which chunks of a range go to which rank, in
// which order. No MPI here, so every mode is unit-testable.
//
//   static-block   P contiguous near-equal parts, rank r owns part r (walked
//                  in sub-chunks of at most K so progress stays fine-grained)
//   static-cyclic  chunks of K dealt round-robin: chunk i to rank i mod P
//   dynamic        chunks of K, handed out on request (ChunkDispenser)
//   guided         like dynamic, each chunk max(K, ceil(remaining / 2P))
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
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

// The chunks a rank processes under a static schedule, in order, worked out
// as they are walked: chunk j is a formula, so a share takes the same few
// bytes at 1 chunk and at 10^15 (a planned vector took 16-32 bytes per chunk
// on every rank: 26 GB for 10^12 items in chunks of 1000). A share is a
// range of Range values, `for (Range c : share)`, with random access for
// the simulator.
class StaticShare {
 public:
  class iterator {
   public:
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;  // operator* gives a value
    using value_type = Range;
    using difference_type = std::ptrdiff_t;
    using reference = Range;

    iterator() = default;
    Range operator*() const { return (*share_)[j_]; }
    iterator& operator++() {
      ++j_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++j_;
      return old;
    }
    bool operator==(const iterator& o) const { return j_ == o.j_; }

   private:
    friend class StaticShare;
    iterator(const StaticShare* share, std::uint64_t j) : share_(share), j_(j) {}
    const StaticShare* share_ = nullptr;
    std::uint64_t j_ = 0;
  };

  StaticShare() = default;  // no chunks
  // The chunks of K cut from span, taking chunk first, first + stride, ...:
  // count of them.
  StaticShare(Range span, std::uint64_t k, std::uint64_t first, std::uint64_t stride,
              std::uint64_t count)
      : span_(span), k_(k), first_(first), stride_(stride), count_(count) {}

  [[nodiscard]] std::uint64_t size() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  // Chunk j (j < size()). Its end is lo + min(K, hi - lo), never lo + K,
  // which may pass 2^64.
  Range operator[](std::uint64_t j) const {
    const std::uint64_t lo = span_.lo + (first_ + j * stride_) * k_;
    return {lo, lo + std::min(k_, span_.hi - lo)};
  }
  [[nodiscard]] iterator begin() const { return {this, 0}; }
  [[nodiscard]] iterator end() const { return {this, count_}; }
  bool operator==(const StaticShare&) const = default;

 private:
  Range span_;
  std::uint64_t k_ = 1;
  std::uint64_t first_ = 0;
  std::uint64_t stride_ = 1;
  std::uint64_t count_ = 0;
};

// Rank `rank`'s share of range under a static schedule.
StaticShare static_chunks(const ScheduleSpec& spec, Range range, int rank, int nranks);

// How many chunks spec cuts `items` into at nranks ranks, counted up to cap:
// what a journal, one record per chunk, would hold at the end of the run.
// Static and dynamic: about items / K; guided: a few per rank and halving,
// far fewer.
std::uint64_t plan_chunks(const ScheduleSpec& spec, std::uint64_t items, int nranks,
                          std::uint64_t cap = ~std::uint64_t{0});

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
