// SyntheticTasks: the `synthetic` workload, for scheduler studies. T tasks
// whose costs follow a chosen profile, each run for cost x unit by sleeping
// (like I/O, in wall time) or spinning (CPU-bound, in the thread's CPU
// time), so that what a schedule does with known costs can be measured
// against what it should do.
//
// Profiles, in units (task k is numbered 1..T):
//   uniform  every task 1 unit
//   linear   task k costs k units
//   random   uniform on [0, 2): mean 1
//   heavy    Pareto with shape 1.5 and mean 1 (infinite variance: a few
//            tasks dominate), capped at 3.3e5 units
// random and heavy draw task k's cost from a hash of (seed, k), not from a
// running generator: every rank computes any task's cost alone, in any
// order, and the costs do not depend on T.
#pragma once

#include <boost/serialization/split_member.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

enum class CostProfile { Uniform, Linear, Random, Heavy };
std::optional<CostProfile> parse_cost_profile(std::string_view name);
std::string_view cost_profile_name(CostProfile profile);

enum class TaskMode { Sleep, Spin };
std::string_view task_mode_name(TaskMode mode);

struct SyntheticSpec {
  std::uint64_t tasks = 1;
  CostProfile profile = CostProfile::Uniform;
  double unit_ms = 1;  // 0: zero-cost tasks, to measure the farm itself
  TaskMode mode = TaskMode::Sleep;
  std::uint64_t seed = 1;
};

// The cost of task k (1-based) in units.
double task_cost(const SyntheticSpec& spec, std::uint64_t k);
// A per-task value whose sum over all tasks proves each ran exactly once.
std::uint64_t task_tag(std::uint64_t k);

// Costs are summed in whole micro-units, so that the total is exact and the
// same whatever order the partial results merge in. One task's cost fits 64
// bits (at most 10^12 units, linear's last task: 10^18 micro-units), but a
// sum does not: at the limits, 10^12 linear tasks cost 5 x 10^23 units, and
// 2^64 micro-units (1.8 x 10^13 units) is passed from 6.07 million linear
// tasks. So sums are 128 bits wide, enough for 10^12 tasks of any profile.
using MicroUnits = unsigned __int128;
std::uint64_t micro_units(double units);

struct SyntheticPartial {
  std::uint64_t tasks = 0;
  MicroUnits micro_units = 0;  // sum of the costs run, in 1e-6 units
  std::uint64_t longest_micro_units = 0;
  std::uint64_t tag_sum = 0;  // sum of task_tag(k) mod 2^64

  friend bool operator==(const SyntheticPartial&, const SyntheticPartial&) = default;

  // The sum travels as two 64-bit words, its high word last: version 0
  // (journals written before sums were 128 bits) had the low word alone.
  template <class Archive>
  void save(Archive& ar, unsigned /*version*/) const {
    const auto low = static_cast<std::uint64_t>(micro_units);
    const auto high = static_cast<std::uint64_t>(micro_units >> 64);
    ar& tasks& low& longest_micro_units& tag_sum& high;
  }
  template <class Archive>
  void load(Archive& ar, unsigned version) {
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    ar& tasks& low& longest_micro_units& tag_sum;
    if (version >= 1) ar& high;
    micro_units = (static_cast<MicroUnits>(high) << 64) | low;
  }
  BOOST_SERIALIZATION_SPLIT_MEMBER()
};

// What every task of the spec adds up to, computed serially: the check on
// the farm's result.
SyntheticPartial expected_totals(const SyntheticSpec& spec);

class SyntheticTasks {
 public:
  using Partial = SyntheticPartial;

  // order: the task (1-based) at each position the farm hands out; empty
  // means position i is task i + 1.
  SyntheticTasks(const SyntheticSpec& spec, std::vector<std::uint64_t> order = {});
  [[nodiscard]] Partial process(Range chunk, const Yield& yield) const;
  static void merge(Partial& into, const Partial& from);

 private:
  void run_task(double units, const Yield& yield) const;
  static void sleep_for(double length_ms, const Yield& yield);
  static void spin_for(double length_ms, const Yield& yield);

  SyntheticSpec spec_;
  std::vector<std::uint64_t> order_;
};

}  // namespace rf

BOOST_CLASS_VERSION(rf::SyntheticPartial, 1)
