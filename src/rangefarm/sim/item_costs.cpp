#include "rangefarm/sim/item_costs.hpp"

#include <algorithm>

namespace rf {

ItemCosts ItemCosts::from_list(const std::vector<double>& costs) {
  ItemCosts out;
  for (double c : costs) out.append(1, c);
  return out;
}

void ItemCosts::append(std::uint64_t items, double each, double estimate_each) {
  if (items == 0) return;
  runs_.push_back({items, each, estimate_each});
  starts_.push_back(starts_.back() + items);
  prefix_.push_back(prefix_.back() + static_cast<double>(items) * each);
}

double ItemCosts::cost_before(std::uint64_t position) const {
  if (position >= size()) return total();
  // The run holding `position`: the last start at or below it.
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), position) - 1;
  const auto i = static_cast<std::size_t>(it - starts_.begin());
  return prefix_[i] + static_cast<double>(position - *it) * runs_[i].each;
}

double ItemCosts::cost(Range positions) const {
  return cost_before(positions.hi) - cost_before(positions.lo);
}

ItemCosts ItemCosts::in_order(ScheduleKind kind, DispatchOrder order) const {
  std::vector<double> estimates;
  for (const Run& r : runs_) estimates.push_back(r.estimate_each);
  ItemCosts out;
  for (std::uint64_t i : dispatch_order(kind, order, estimates)) {
    out.append(runs_[i].items, runs_[i].each, runs_[i].estimate_each);
  }
  return out;
}

}  // namespace rf
