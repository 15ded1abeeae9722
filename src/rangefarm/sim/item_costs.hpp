// ItemCosts: what each item of a run costs, for the simulator, as runs of
// items of equal cost (a traced chunk's duration is spread evenly over its
// items, so a billion-item trace is a few thousand runs). Each run also has
// an estimate per item, which is what largest-first orders by (the farm
// orders by the workload's cost model, not by what the items turn out to
// take); by default the estimate is the cost.
#pragma once

#include <cstdint>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/schedule.hpp"

namespace rf {

class ItemCosts {
 public:
  // One item per cost.
  static ItemCosts from_list(const std::vector<double>& costs);

  // `items` more items costing `each`, estimated at `estimate_each`.
  void append(std::uint64_t items, double each, double estimate_each);
  void append(std::uint64_t items, double each) { append(items, each, each); }

  [[nodiscard]] std::uint64_t size() const { return starts_.empty() ? 0 : starts_.back(); }
  [[nodiscard]] double total() const { return prefix_.empty() ? 0 : prefix_.back(); }
  // The cost of the items at positions [lo, hi).
  [[nodiscard]] double cost(Range positions) const;
  // The items numbered as a schedule hands them out: dispatch_order
  // (schedule.hpp), by estimate, on the runs (a stable sort of runs of
  // equal items is the stable sort of the items).
  [[nodiscard]] ItemCosts in_order(ScheduleKind kind, DispatchOrder order) const;

 private:
  [[nodiscard]] double cost_before(std::uint64_t position) const;

  struct Run {
    std::uint64_t items;
    double each;
    double estimate_each;
  };
  std::vector<Run> runs_;
  std::vector<std::uint64_t> starts_{0};  // starts_[i]: first position of run i; back(): size
  std::vector<double> prefix_{0};         // prefix_[i]: cost of the runs before i
};

}  // namespace rf
