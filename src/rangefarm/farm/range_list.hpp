// RangeList: the items still to do, as disjoint ranges in ascending order.
//
// A resumed run has holes where a journal says chunks are finished. The
// schedules keep planning over one contiguous range of positions
// 0..size()-1, and map() turns a chunk of positions back into the real
// ranges it covers (one per hole it touches), so static, dynamic and guided
// need no knowledge of holes.
#pragma once

#include <cstdint>
#include <vector>

#include "rangefarm/common/range.hpp"

namespace rf {

// The parts of `whole` not covered by `done` (which may overlap, be
// unsorted, or reach outside `whole`), ascending.
std::vector<Range> subtract(Range whole, std::vector<Range> done);

class RangeList {
 public:
  RangeList() = default;
  explicit RangeList(std::vector<Range> ranges);  // disjoint, ascending, none empty

  [[nodiscard]] std::uint64_t size() const { return total_; }
  [[nodiscard]] const std::vector<Range>& ranges() const { return ranges_; }
  // The real ranges that positions [p.lo, p.hi) stand for, ascending.
  [[nodiscard]] std::vector<Range> map(Range positions) const;

 private:
  std::vector<Range> ranges_;
  std::vector<std::uint64_t> starts_;  // position of each range's first item
  std::uint64_t total_ = 0;
};

}  // namespace rf
