// The synthetic workload: its cost profiles, their reproducibility, and that
// the tasks of any split of the work add up to the serial totals.
#include "rangefarm/work/synthetic.hpp"

#include <gtest/gtest.h>

#include "rangefarm/farm/partial_codec.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <vector>

namespace rf {
namespace {

SyntheticSpec spec_of(CostProfile profile, std::uint64_t tasks, std::uint64_t seed = 1) {
  SyntheticSpec s;
  s.tasks = tasks;
  s.profile = profile;
  s.unit_ms = 0;
  s.seed = seed;
  return s;
}

double mean_cost(const SyntheticSpec& s) {
  double sum = 0;
  for (std::uint64_t k = 1; k <= s.tasks; ++k) sum += task_cost(s, k);
  return sum / static_cast<double>(s.tasks);
}

TEST(Synthetic, UniformAndLinearCosts) {
  for (std::uint64_t k : {1ULL, 2ULL, 10ULL, 123456789ULL}) {
    EXPECT_EQ(task_cost(spec_of(CostProfile::Uniform, 10), k), 1.0);
    EXPECT_EQ(task_cost(spec_of(CostProfile::Linear, 10), k), static_cast<double>(k));
  }
}

// Fixed seeds, so these are exact statements about fixed draws, not flaky
// statistics: 2e5 draws put the sample mean of a [0, 2) uniform within
// 0.01 of 1 (its standard error is 0.0013).
TEST(Synthetic, RandomCostsAreUniformOnZeroToTwo) {
  for (std::uint64_t seed : {1ULL, 2ULL, 99ULL}) {
    const SyntheticSpec s = spec_of(CostProfile::Random, 200'000, seed);
    double lo = 2;
    double hi = 0;
    for (std::uint64_t k = 1; k <= s.tasks; ++k) {
      const double c = task_cost(s, k);
      lo = std::min(lo, c);
      hi = std::max(hi, c);
    }
    EXPECT_GE(lo, 0.0);
    EXPECT_LT(lo, 0.001);
    EXPECT_LT(hi, 2.0);
    EXPECT_GT(hi, 1.999);
    EXPECT_NEAR(mean_cost(s), 1.0, 0.01);
  }
}

// Pareto with shape 1.5 and scale 1/3: nothing below 1/3, mean 1 (slow to
// converge: infinite variance), and P(cost > x) = (3x)^-1.5, so about 0.27%
// of tasks cost more than 20 units (1e6 draws: ~2700).
TEST(Synthetic, HeavyCostsAreParetoWithMeanOne) {
  const SyntheticSpec s = spec_of(CostProfile::Heavy, 1'000'000);
  std::uint64_t above20 = 0;
  double lo = 1e9;
  for (std::uint64_t k = 1; k <= s.tasks; ++k) {
    const double c = task_cost(s, k);
    lo = std::min(lo, c);
    above20 += c > 20 ? 1 : 0;
  }
  EXPECT_GE(lo, 1.0 / 3.0);
  EXPECT_LT(lo, 1.0 / 3.0 + 1e-4);
  EXPECT_NEAR(static_cast<double>(above20), 1e6 * std::pow(60.0, -1.5), 300);
  EXPECT_NEAR(mean_cost(s), 1.0, 0.1);
}

TEST(Synthetic, CostsDependOnSeedAndTaskOnly) {
  for (CostProfile p : {CostProfile::Random, CostProfile::Heavy}) {
    const SyntheticSpec a = spec_of(p, 10);
    const SyntheticSpec longer = spec_of(p, 1000);
    const SyntheticSpec other = spec_of(p, 10, 2);
    std::set<double> distinct;
    for (std::uint64_t k = 1; k <= 10; ++k) {
      EXPECT_EQ(task_cost(a, k), task_cost(longer, k));
      EXPECT_NE(task_cost(a, k), task_cost(other, k));
      distinct.insert(task_cost(a, k));
    }
    EXPECT_EQ(distinct.size(), 10U);
  }
}

TEST(Synthetic, ProfileNamesRoundTrip) {
  for (CostProfile p :
       {CostProfile::Uniform, CostProfile::Linear, CostProfile::Random, CostProfile::Heavy}) {
    EXPECT_EQ(parse_cost_profile(cost_profile_name(p)), p);
  }
  EXPECT_FALSE(parse_cost_profile("Uniform").has_value());
  EXPECT_FALSE(parse_cost_profile("").has_value());
}

TEST(Synthetic, LinearTotalsAreTheTriangularNumber) {
  const SyntheticPartial t = expected_totals(spec_of(CostProfile::Linear, 1000));
  EXPECT_EQ(t.tasks, 1000U);
  EXPECT_TRUE(t.micro_units == 500'500'000'000U);
  EXPECT_EQ(t.longest_micro_units, 1'000'000'000U);
}

// Chunks processed in any split and merged in any order give the serial
// totals; a reordering of the tasks (largest-first) too.
TEST(Synthetic, AnySplitAddsUpToTheTotals) {
  for (CostProfile p :
       {CostProfile::Uniform, CostProfile::Linear, CostProfile::Random, CostProfile::Heavy}) {
    const SyntheticSpec s = spec_of(p, 997);
    const SyntheticPartial want = expected_totals(s);
    std::vector<std::uint64_t> reversed(s.tasks);
    for (std::uint64_t i = 0; i < s.tasks; ++i) reversed[i] = s.tasks - i;
    for (const auto& order : {std::vector<std::uint64_t>{}, reversed}) {
      const SyntheticTasks work(s, order);
      for (std::uint64_t k : {1ULL, 10ULL, 333ULL, 997ULL}) {
        std::vector<SyntheticPartial> parts;
        for (std::uint64_t lo = 0; lo < s.tasks; lo += k) {
          parts.push_back(work.process({lo, std::min(lo + k, s.tasks)}, [] {}));
        }
        std::reverse(parts.begin(), parts.end());
        SyntheticPartial got;
        for (const auto& part : parts) SyntheticTasks::merge(got, part);
        EXPECT_EQ(got, want) << cost_profile_name(p) << " K=" << k;
      }
    }
  }
}

// A task lasts at least its cost (the clock only overshoots) and yields
// while it runs, every slice, so that rank 0 can serve the others.
TEST(Synthetic, TasksLastTheirCostAndYield) {
  for (TaskMode mode : {TaskMode::Sleep, TaskMode::Spin}) {
    SyntheticSpec s = spec_of(CostProfile::Linear, 3);
    s.unit_ms = 4;
    s.mode = mode;
    const SyntheticTasks work(s);
    int yields = 0;
    const auto start = std::chrono::steady_clock::now();
    (void)work.process({0, 3}, [&yields] { ++yields; });
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took.count(), 24.0) << task_mode_name(mode);
    EXPECT_GE(yields, 3) << task_mode_name(mode);  // at least once a task: the rest is timing
  }
}

TEST(Synthetic, ZeroCostTasksDoNotYield) {
  const SyntheticTasks work(spec_of(CostProfile::Heavy, 1000));
  int yields = 0;
  (void)work.process({0, 1000}, [&yields] { ++yields; });
  EXPECT_EQ(yields, 0);
}

// The sums at the documented limits (issue 23): 7 million linear tasks
// passed 2^64 micro-units and wrapped, yet "every task ran once" was printed.
constexpr MicroUnits kMicro = 1'000'000;

TEST(SyntheticLimits, SevenMillionLinearTasksAddUpPast64Bits) {
  const SyntheticPartial t = expected_totals(spec_of(CostProfile::Linear, 7'000'000));
  EXPECT_GT(t.micro_units, MicroUnits{UINT64_MAX});
  EXPECT_TRUE(t.micro_units == MicroUnits{24'500'003'500'000} * kMicro);
  EXPECT_EQ(t.longest_micro_units, 7'000'000'000'000U);
}

TEST(SyntheticLimits, TheLastTasksOfTheLargestRun) {
  // --tasks 1e12: the last 1000 linear tasks cost 1e15 - 499500 units.
  constexpr std::uint64_t kTasks = 1'000'000'000'000;
  const SyntheticTasks work(spec_of(CostProfile::Linear, kTasks));
  const SyntheticPartial last = work.process({kTasks - 1000, kTasks}, [] {});
  const MicroUnits want = (MicroUnits{1'000'000'000'000'000} - 499'500) * kMicro;
  EXPECT_TRUE(last.micro_units == want);
  EXPECT_EQ(last.longest_micro_units, kTasks * 1'000'000);  // 1e18: one task fits 64 bits
  // The whole run's total, T (T + 1) / 2 = 5e23 units, as two halves merged.
  const MicroUnits total = MicroUnits{kTasks} * (kTasks + 1) / 2 * kMicro;
  SyntheticPartial all;
  SyntheticPartial half = last;
  half.micro_units = total / 2;
  SyntheticTasks::merge(all, half);
  SyntheticTasks::merge(all, half);
  EXPECT_TRUE(all.micro_units == total);
  EXPECT_EQ(static_cast<std::uint64_t>(total / kMicro / 1'000'000'000'000), 500'000'000'000U);
}

TEST(SyntheticLimits, PartialsTravelWhole) {
  SyntheticPartial p;
  p.tasks = 3;
  p.micro_units = (MicroUnits{12345} << 64) | 678;
  p.longest_micro_units = 9;
  p.tag_sum = UINT64_MAX;
  EXPECT_EQ(decode_partial<SyntheticPartial>(encode_partial(p)), p);
  // A journal written while sums were 64 bits (class version 0) still reads.
  const auto old = decode_partial<SyntheticPartial>("0 0 3 6000000 3000000 123");
  EXPECT_EQ(old.tasks, 3U);
  EXPECT_TRUE(old.micro_units == 6'000'000);
  EXPECT_EQ(old.longest_micro_units, 3'000'000U);
  EXPECT_EQ(old.tag_sum, 123U);
}

}  // namespace
}  // namespace rf
