#include "rangefarm/farm/range_list.hpp"

#include <algorithm>
#include <stdexcept>

namespace rf {

std::vector<Range> subtract(Range whole, std::vector<Range> done) {
  std::sort(done.begin(), done.end(), [](Range a, Range b) { return a.lo < b.lo; });
  std::vector<Range> left;
  std::uint64_t at = whole.lo;
  for (Range d : done) {
    if (d.empty() || d.hi <= at) continue;
    if (d.lo >= whole.hi) break;
    if (d.lo > at) left.push_back({at, d.lo});
    at = d.hi;
    if (at >= whole.hi) break;
  }
  if (at < whole.hi) left.push_back({at, whole.hi});
  return left;
}

RangeList::RangeList(std::vector<Range> ranges) : ranges_(std::move(ranges)) {
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    if (ranges_[i].empty() || (i > 0 && ranges_[i].lo < ranges_[i - 1].hi)) {
      throw std::invalid_argument("RangeList: ranges must be non-empty, disjoint and ascending");
    }
    starts_.push_back(total_);
    total_ += ranges_[i].size();
  }
}

std::vector<Range> RangeList::map(Range positions) const {
  std::vector<Range> out;
  if (positions.empty()) return out;
  // The range holding position p.lo: the last whose start is <= p.lo.
  auto i = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), positions.lo) -
                                    starts_.begin() - 1);
  std::uint64_t pos = positions.lo;
  for (; i < ranges_.size() && pos < positions.hi; ++i) {
    const std::uint64_t offset = pos - starts_[i];
    const std::uint64_t take = std::min(ranges_[i].size() - offset, positions.hi - pos);
    out.push_back({ranges_[i].lo + offset, ranges_[i].lo + offset + take});
    pos += take;
  }
  return out;
}

}  // namespace rf
