// The farm under every schedule at whatever rank count mpiexec gave us:
// every item processed exactly once, and the reduced result identical to a
// serial computation of the same range.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/vector.hpp>
#include <vector>

#include "rangefarm/farm/farm.hpp"
#include "rangefarm/work/perfect.hpp"
#include "rangefarm/work/synthetic.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

const std::vector<ScheduleKind> kAllKinds{ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic,
                                          ScheduleKind::Dynamic, ScheduleKind::Guided};

// Every chunk every rank processed, collected on every rank.
std::vector<Range> all_chunks_processed(const mpi::communicator& comm, Range range,
                                        const ScheduleSpec& spec) {
  std::vector<Range> mine;
  run_schedule(comm, range, spec, [&](Range c, const Yield& yield) {
    yield();
    mine.push_back(c);
  });
  std::vector<std::vector<Range>> per_rank;
  mpi::all_gather(comm, mine, per_rank);
  std::vector<Range> all;
  for (const auto& v : per_rank) all.insert(all.end(), v.begin(), v.end());
  return all;
}

void expect_exact_cover(std::vector<Range> chunks, Range range) {
  std::sort(chunks.begin(), chunks.end(), [](Range a, Range b) { return a.lo < b.lo; });
  std::uint64_t at = range.lo;
  for (Range c : chunks) {
    ASSERT_FALSE(c.empty());
    ASSERT_EQ(c.lo, at) << "gap or overlap at " << at;
    at = c.hi;
  }
  EXPECT_EQ(at, range.empty() ? range.lo : range.hi);
}

TEST(Farm, EveryScheduleCoversTheRangeExactlyOnce) {
  mpi::communicator comm;
  for (ScheduleKind kind : kAllKinds) {
    for (std::uint64_t k : {1u, 3u, 64u, 1000u}) {
      for (Range range : {Range{1, 2}, Range{5, 5 + 997}, Range{1000003, 1000003 + 4096}}) {
        SCOPED_TRACE(std::string(schedule_name(kind)) + " K=" + std::to_string(k));
        expect_exact_cover(all_chunks_processed(comm, range, {kind, k}), range);
      }
    }
  }
}

TEST(Farm, ManySmallChunksUnderDynamic) {
  mpi::communicator comm;
  const Range range{1, 20001};
  expect_exact_cover(all_chunks_processed(comm, range, {ScheduleKind::Dynamic, 1}), range);
}

class PerfectFarm : public ::testing::TestWithParam<std::tuple<ScheduleKind, PerfectMethod>> {};

TEST_P(PerfectFarm, MatchesSerialComputation) {
  mpi::communicator comm;
  const auto [kind, method] = GetParam();
  for (Range range : {Range{1, 30001}, Range{8128, 8129}, Range{33550000, 33551000}}) {
    const PerfectSearch search(method, range.hi - 1);
    const PerfectPartial serial = search.process(range, [] {});
    const auto out = farm(comm, search, range, {kind, 777});
    if (comm.rank() != 0) continue;
    EXPECT_EQ(out.result, serial) << "range [" << range.lo << ", " << range.hi << ")";
    ASSERT_EQ(out.timings.size(), static_cast<std::size_t>(comm.size()));
    EXPECT_EQ(items_total(out.timings), range.size());
    for (int r = 0; r < comm.size(); ++r) EXPECT_EQ(out.timings[r].rank, r);
  }
}

INSTANTIATE_TEST_SUITE_P(AllSchedulesAndMethods, PerfectFarm,
                         ::testing::Combine(::testing::ValuesIn(kAllKinds),
                                            ::testing::Values(PerfectMethod::Sieve,
                                                              PerfectMethod::Trial)),
                         [](const auto& info) {
                           std::string name =
                               std::string(schedule_name(std::get<0>(info.param))) + "_" +
                               std::string(perfect_method_name(std::get<1>(info.param)));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Farm, KnownCountsToAMillionAtAnyRankCount) {
  mpi::communicator comm;
  const Range range = inclusive(1, 1'000'000);
  const PerfectSearch search(PerfectMethod::Sieve, range.hi - 1);
  for (ScheduleKind kind : kAllKinds) {
    const auto out = farm(comm, search, range, {kind, 65536});
    if (comm.rank() != 0) continue;
    EXPECT_EQ(out.result.perfect_numbers, (std::vector<std::uint64_t>{6, 28, 496, 8128}));
    EXPECT_EQ(out.result.abundant, 247545u);
    EXPECT_EQ(out.result.deficient, 752451u);
  }
}

TEST(Farm, MoreRanksThanChunks) {
  mpi::communicator comm;
  const Range range = inclusive(1, 30);
  const PerfectSearch search(PerfectMethod::Sieve, range.hi - 1);
  for (ScheduleKind kind : kAllKinds) {
    const auto out = farm(comm, search, range, {kind, 100});
    if (comm.rank() != 0) continue;
    EXPECT_EQ(out.result.perfect_numbers, (std::vector<std::uint64_t>{6, 28}));
    EXPECT_EQ(items_total(out.timings), 30u);
  }
}

// Zero-cost synthetic tasks in both hand-out orders, chunk sizes around the
// rank count (so that the tail rule, Ahead requests kept for Idle ranks,
// is taken often): every task runs exactly once, checked by the tag sum.
TEST(Farm, SyntheticTasksRunOnceInAnyOrder) {
  mpi::communicator comm;
  SyntheticSpec spec;
  spec.tasks = 501;
  spec.profile = CostProfile::Heavy;
  spec.unit_ms = 0;
  const SyntheticPartial want = expected_totals(spec);
  std::vector<std::uint64_t> reversed(spec.tasks);
  for (std::uint64_t i = 0; i < spec.tasks; ++i) reversed[i] = spec.tasks - i;
  for (const auto& order : {std::vector<std::uint64_t>{}, reversed}) {
    const SyntheticTasks tasks(spec, order);
    for (ScheduleKind kind : kAllKinds) {
      for (std::uint64_t k : {1, 3, 50}) {
        const auto out = farm(comm, tasks, Range{0, spec.tasks}, {kind, k});
        if (comm.rank() != 0) continue;
        EXPECT_EQ(out.result, want) << schedule_name(kind) << " K=" << k;
        EXPECT_EQ(items_total(out.timings), spec.tasks);
      }
    }
  }
}

}  // namespace
}  // namespace rf
