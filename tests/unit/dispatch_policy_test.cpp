// DispatchPolicy: the master's decisions without MPI. Ahead requests are
// granted while at least kAheadSlack chunks per rank are left (and as many
// items per rank as the chunk the asker begins) and kept for the rank's
// Idle after that; Request always gets an answer; a stop makes
// every answer "no more work"; static shares are static_chunks'.
#include "rangefarm/farm/dispatch_policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace rf {
namespace {

constexpr ScheduleSpec kDynamic1{ScheduleKind::Dynamic, 1};

Range item(int i) {
  const auto u = static_cast<std::uint64_t>(i);
  return {u, u + 1};
}

TEST(DispatchPolicy, HandsOutEveryPositionOnceInOrder) {
  DispatchPolicy policy(ScheduleSpec{ScheduleKind::Dynamic, 3}, 10, 2);
  std::vector<Range> got;
  while (true) {
    const std::optional<Range> a = policy.on_request(1);
    ASSERT_TRUE(a.has_value());  // a Request is always answered
    if (a->empty()) break;
    got.push_back(*a);
  }
  EXPECT_EQ(got, (std::vector<Range>{{0, 3}, {3, 6}, {6, 9}, {9, 10}}));
  EXPECT_EQ(policy.next_for_rank0(), std::nullopt);
}

TEST(DispatchPolicy, AheadGrantedWhileEnoughChunksPerRankAreLeft) {
  // 5 ranks: an Ahead is granted while at least 2 * 5 = 10 chunks are left.
  DispatchPolicy policy(kDynamic1, 12, 5);
  EXPECT_EQ(policy.on_ahead(1), (Range{0, 1}));  // 12 left
  EXPECT_EQ(policy.on_ahead(2), (Range{1, 2}));  // 11 left
  EXPECT_EQ(policy.on_ahead(3), (Range{2, 3}));  // 10 left
  EXPECT_EQ(policy.on_ahead(4), std::nullopt);   // 9 left: kept for rank 4's Idle
  EXPECT_EQ(policy.on_idle(1), std::nullopt);    // rank 1 had nothing kept
  EXPECT_EQ(policy.next_for_rank0(), (Range{3, 4}));
  EXPECT_EQ(policy.on_idle(4), (Range{4, 5}));
  EXPECT_EQ(policy.on_idle(4), std::nullopt);  // answered once
}

TEST(DispatchPolicy, PoolExampleTailGoesOnlyToIdleRanks) {
  // 10 tasks on 5 ranks: fewer than 2 chunks per rank from the start, so
  // no Ahead is ever granted at once.
  DispatchPolicy policy(kDynamic1, 10, 5);
  EXPECT_EQ(policy.next_for_rank0(), (Range{0, 1}));
  for (int w = 1; w < 5; ++w) EXPECT_EQ(policy.on_request(w), item(w));
  for (int w = 1; w < 5; ++w) EXPECT_EQ(policy.on_ahead(w), std::nullopt);
  EXPECT_EQ(policy.on_idle(3), (Range{5, 6}));
}

TEST(DispatchPolicy, EmptyAnswersAfterTheLastChunk) {
  DispatchPolicy policy(kDynamic1, 1, 3);
  EXPECT_EQ(policy.on_request(1), (Range{0, 1}));
  EXPECT_EQ(policy.on_request(2), (Range{}));
  EXPECT_EQ(policy.on_ahead(1), std::nullopt);  // kept: the tail
  EXPECT_EQ(policy.on_idle(1), (Range{}));
}

TEST(DispatchPolicy, StopAnswersNoMoreWorkAtOnce) {
  DispatchPolicy policy(kDynamic1, 3, 4);
  EXPECT_EQ(policy.on_ahead(1), std::nullopt);  // 3 < 8 left: kept
  policy.stop();
  EXPECT_TRUE(policy.stopping());
  EXPECT_EQ(policy.on_idle(1), (Range{}));
  EXPECT_EQ(policy.on_ahead(2), (Range{}));  // granted, empty, not kept
  EXPECT_EQ(policy.on_request(3), (Range{}));
  EXPECT_EQ(policy.next_for_rank0(), std::nullopt);
}

TEST(DispatchPolicy, GuidedChunksShrink) {
  DispatchPolicy policy(ScheduleSpec{ScheduleKind::Guided, 1}, 100, 2);
  EXPECT_EQ(policy.next_for_rank0(), (Range{0, 25}));  // ceil(100 / 4)
  EXPECT_EQ(policy.on_request(1), (Range{25, 44}));    // ceil(75 / 4)
}

TEST(DispatchPolicy, GuidedAheadKeptWhenLessIsLeftPerRankThanTheChunkBegun) {
  // 4 ranks, 200 items: worker 1 begins a chunk of 22; the others then take
  // the shrinking chunks until 77 items are left. Enough chunks are left
  // (at least 2 per rank), but fewer items than 4 x 22: the others would
  // run dry before worker 1's chunk ends, so its Ahead is kept for its
  // Idle. Worker 2 begins a chunk of 11 (4 x 11 <= 77): granted.
  DispatchPolicy policy(ScheduleSpec{ScheduleKind::Guided, 1}, 200, 4);
  EXPECT_EQ(policy.next_for_rank0(), (Range{0, 25}));  // ceil(200 / 8)
  EXPECT_EQ(policy.on_request(1), (Range{25, 47}));    // 22
  EXPECT_EQ(policy.on_request(2), (Range{47, 67}));    // 20
  EXPECT_EQ(policy.on_request(3), (Range{67, 84}));    // 17
  EXPECT_EQ(policy.on_request(2), (Range{84, 99}));    // 15
  EXPECT_EQ(policy.on_request(3), (Range{99, 112}));   // 13
  EXPECT_EQ(policy.on_request(2), (Range{112, 123}));  // 11; 77 left
  EXPECT_EQ(policy.on_ahead(1), std::nullopt);
  EXPECT_EQ(policy.on_ahead(2), (Range{123, 133}));  // ceil(77 / 8)
  EXPECT_EQ(policy.on_idle(1), (Range{133, 142}));
}

TEST(DispatchPolicy, StaticSharesAreStaticChunks) {
  for (const ScheduleKind kind : {ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic}) {
    const ScheduleSpec spec{kind, 3};
    const DispatchPolicy policy(spec, 23, 4);
    EXPECT_TRUE(policy.is_static());
    for (int r = 0; r < 4; ++r) {
      EXPECT_EQ(policy.static_share(r), static_chunks(spec, Range{0, 23}, r, 4));
    }
  }
  EXPECT_FALSE(DispatchPolicy(kDynamic1, 5, 2).is_static());
}

}  // namespace
}  // namespace rf
