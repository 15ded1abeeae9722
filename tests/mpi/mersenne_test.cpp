// The mersenne workload through the farm at whatever rank count mpiexec gave
// us: for the prime exponents up to 3000, under every schedule and both
// dispatch orders, the results (sorted by p) equal a serial run's, every
// exponent is tested exactly once, and the Mersenne primes found are those
// of OEIS A000043.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <optional>
#include <primesieve.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "rangefarm/farm/farm.hpp"
#include "rangefarm/work/mersenne.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;
using u64 = std::uint64_t;

const std::vector<ScheduleKind> kAllKinds{ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic,
                                          ScheduleKind::Dynamic, ScheduleKind::Guided};

// OEIS A000043 up to 3000.
const std::vector<u64> kMersenneExponents{2,  3,   5,   7,   13,  17,   19,   31,  61,
                                          89, 107, 127, 521, 607, 1279, 2203, 2281};

const std::vector<u64>& primes_to_3000() {
  static const std::vector<u64> primes = [] {
    std::vector<u64> v;
    primesieve::generate_primes(u64{2}, u64{3000}, &v);
    return v;
  }();
  return primes;
}

// The exponent list as apps/mersenne_command.cpp builds it.
std::vector<u64> exponents_for(ScheduleKind kind, DispatchOrder order) {
  const auto& primes = primes_to_3000();
  std::vector<double> costs;
  for (const u64 p : primes) costs.push_back(mersenne_cost(p));
  std::vector<u64> exponents;
  for (const u64 i : dispatch_order(kind, order, costs)) exponents.push_back(primes[i]);
  return exponents;
}

std::vector<ExponentResult> sorted_by_p(std::vector<ExponentResult> results) {
  std::sort(results.begin(), results.end(),
            [](const ExponentResult& a, const ExponentResult& b) { return a.p < b.p; });
  return results;
}

// The serial reference, in increasing p, computed once per depth.
const std::vector<ExponentResult>& serial_results(std::optional<unsigned> tf_bits) {
  static std::vector<ExponentResult> by_default, without_tf;
  auto& cached = tf_bits ? without_tf : by_default;
  if (cached.empty()) {
    const auto& primes = primes_to_3000();
    const MersenneSearch search(primes, tf_bits);
    cached = search.process(Range{0, primes.size()}, [] {}).results;
  }
  return cached;
}

void expect_same_results(const std::vector<ExponentResult>& got,
                         const std::vector<ExponentResult>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].p, want[i].p) << "at " << i << ": an exponent missing or twice";
    EXPECT_EQ(got[i].kind, want[i].kind) << "p=" << got[i].p;
    EXPECT_EQ(got[i].factor, want[i].factor) << "p=" << got[i].p;
    EXPECT_EQ(got[i].res64, want[i].res64) << "p=" << got[i].p;
  }
}

std::vector<u64> prime_exponents(const std::vector<ExponentResult>& results) {
  std::vector<u64> out;
  for (const auto& r : results) {
    if (r.kind == ExponentResult::Prime) out.push_back(r.p);
  }
  return out;
}

TEST(MersenneSerial, FindsTheKnownExponents) {
  const auto& serial = serial_results(std::nullopt);
  EXPECT_EQ(prime_exponents(serial), kMersenneExponents);
  const auto& plain = serial_results(0u);
  EXPECT_EQ(prime_exponents(plain), kMersenneExponents);
  ASSERT_EQ(serial.size(), plain.size());
  int factored = 0;
  for (std::size_t i = 0; i < serial.size(); ++i) {
    EXPECT_NE(plain[i].kind, ExponentResult::Factored);
    if (serial[i].kind == ExponentResult::Factored) {
      ++factored;
    } else {
      EXPECT_EQ(serial[i].res64, plain[i].res64) << serial[i].p;
    }
  }
  EXPECT_GT(factored, 100);
}

class MersenneFarm : public ::testing::TestWithParam<std::tuple<ScheduleKind, DispatchOrder, u64>> {
};

TEST_P(MersenneFarm, MatchesSerialRun) {
  mpi::communicator comm;
  const auto [kind, order, chunk] = GetParam();
  const std::vector<u64> exponents = exponents_for(kind, order);
  ASSERT_EQ(exponents.size(), primes_to_3000().size());
  if (is_static(kind) || order == DispatchOrder::Given) {
    EXPECT_EQ(exponents, primes_to_3000());
  } else {
    EXPECT_TRUE(std::is_sorted(exponents.rbegin(), exponents.rend()));
  }
  for (const std::optional<unsigned> tf_bits : {std::optional<unsigned>{}, std::optional(0u)}) {
    SCOPED_TRACE(tf_bits ? "tf_bits 0" : "default depth");
    const MersenneSearch search(exponents, tf_bits);
    const auto out = farm(comm, search, Range{0, exponents.size()}, {kind, chunk});
    if (comm.rank() != 0) continue;
    ASSERT_EQ(out.timings.size(), static_cast<std::size_t>(comm.size()));
    EXPECT_EQ(items_total(out.timings), exponents.size());
    const auto got = sorted_by_p(out.result.results);
    expect_same_results(got, serial_results(tf_bits));
    EXPECT_EQ(prime_exponents(got), kMersenneExponents);
  }
}

INSTANTIATE_TEST_SUITE_P(MersenneAllSchedulesAndOrders, MersenneFarm,
                         ::testing::Combine(::testing::ValuesIn(kAllKinds),
                                            ::testing::Values(DispatchOrder::Given,
                                                              DispatchOrder::LargestFirst),
                                            ::testing::Values(u64{1}, u64{7})),
                         [](const auto& info) {
                           std::string name = std::string(schedule_name(std::get<0>(info.param))) +
                                              "_" +
                                              std::string(order_name(std::get<1>(info.param))) +
                                              "_K" + std::to_string(std::get<2>(info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(MersenneFarmEdge, FewerExponentsThanRanks) {
  mpi::communicator comm;
  const std::vector<u64> exponents{11, 13};
  for (const ScheduleKind kind : kAllKinds) {
    const MersenneSearch search(exponents, std::nullopt);
    const auto out = farm(comm, search, Range{0, exponents.size()}, {kind, 1});
    if (comm.rank() != 0) continue;
    const auto got = sorted_by_p(out.result.results);
    ASSERT_EQ(got.size(), 2u) << schedule_name(kind);
    EXPECT_EQ(got[0].kind, ExponentResult::Factored);  // 2^11 - 1 = 23 * 89
    EXPECT_EQ(got[0].factor, 23u);
    EXPECT_EQ(got[1].kind, ExponentResult::Prime);
  }
}

TEST(MersenneFarmEdge, NoExponents) {
  mpi::communicator comm;
  for (const ScheduleKind kind : kAllKinds) {
    const MersenneSearch search({}, std::nullopt);
    const auto out = farm(comm, search, Range{0, 0}, {kind, 1});
    if (comm.rank() != 0) continue;
    EXPECT_TRUE(out.result.results.empty()) << schedule_name(kind);
    EXPECT_EQ(items_total(out.timings), 0u);
  }
}

}  // namespace
}  // namespace rf
