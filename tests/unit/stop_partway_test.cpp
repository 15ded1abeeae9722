// A stop request inside a chunk: every kernel stops at its next poll, keeps
// what it finished (StoppedPartway, with exactly the result of the part it
// names), and saves what a long kernel can continue (a trial factoring's
// depth). The stop comes from the yield, as the farm's does.
#include <gtest/gtest.h>

#include <string>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/work/factorial.hpp"
#include "rangefarm/work/mersenne.hpp"
#include "rangefarm/work/perfect.hpp"
#include "rangefarm/work/synthetic.hpp"
#include "rangefarm/work/trial_factor.hpp"
#include "rangefarm/work/trial_factor_state.hpp"
#include "temp_dir.hpp"

namespace rf {
namespace {

// A yield that requests a stop at its n-th call.
Yield stop_at_yield(int n, int& calls) {
  return [n, &calls] {
    if (++calls == n) request_stop();
  };
}

// Runs process(chunk) with a stop requested at the n-th yield, and returns
// what it threw; fails the test if it threw nothing.
template <class W>
StoppedPartway<typename W::Partial> stopped_at(const W& work, Range chunk, int n) {
  int calls = 0;
  try {
    (void)work.process(chunk, stop_at_yield(n, calls));
  } catch (StoppedPartway<typename W::Partial>& cut) {
    clear_stop_request();
    return cut;
  }
  clear_stop_request();
  ADD_FAILURE() << "the chunk ran to its end";
  return {chunk.lo, {}};
}

TEST(StopPartway, TheSieveKeepsItsFinishedBlocksExactly) {
  const PerfectSearch search(PerfectMethod::Sieve, 20'000'000);
  const Range chunk{10'000'001, 20'000'001};
  const auto cut = stopped_at(search, chunk, 5);
  // A yield per block of 2^15 numbers; the stop is seen after the fifth.
  EXPECT_EQ(cut.done_hi, chunk.lo + 5 * SigmaSieve::kBlock);
  EXPECT_EQ(cut.partial, search.process({chunk.lo, cut.done_hi}, [] {}));
}

TEST(StopPartway, TheTrialMethodKeepsItsFinishedSlicesExactly) {
  const PerfectSearch search(PerfectMethod::Trial, 1'000'000);
  const Range chunk{1, 10'000};
  const auto cut = stopped_at(search, chunk, 3);
  EXPECT_GT(cut.done_hi, chunk.lo);
  EXPECT_LT(cut.done_hi, chunk.hi);
  EXPECT_EQ(cut.partial, search.process({chunk.lo, cut.done_hi}, [] {}));
}

TEST(StopPartway, AStopAtTheLastBlockIsNoStop) {
  const PerfectSearch search(PerfectMethod::Sieve, 100'000);
  int calls = 0;
  // One block: its only yield requests the stop, and the chunk is done.
  const PerfectPartial whole = search.process({1, 1000}, stop_at_yield(1, calls));
  clear_stop_request();
  EXPECT_EQ(whole, search.process({1, 1000}, [] {}));
}

TEST(StopPartway, AMersenneChunkKeepsTheExponentsItTested) {
  const MersenneSearch search({3001, 3011, 3019, 3023}, std::nullopt);
  // 3001 and 3011 have small factors; 3019's Lucas-Lehmer test yields.
  int calls = 0;
  MersennePartial kept;
  std::uint64_t done_hi = 0;
  try {
    (void)search.process({0, 4}, stop_at_yield(3, calls));
    ADD_FAILURE() << "the chunk ran to its end";
  } catch (StoppedPartway<MersennePartial>& cut) {
    kept = cut.partial;
    done_hi = cut.done_hi;
  }
  clear_stop_request();
  ASSERT_GE(done_hi, 1u);
  ASSERT_LT(done_hi, 4u);
  const MersennePartial straight = search.process({0, done_hi}, [] {});
  ASSERT_EQ(kept.results.size(), done_hi);
  for (std::size_t i = 0; i < done_hi; ++i) {
    EXPECT_EQ(kept.results[i].p, straight.results[i].p);
    EXPECT_EQ(kept.results[i].kind, straight.results[i].kind);
    EXPECT_EQ(kept.results[i].factor, straight.results[i].factor);
    EXPECT_EQ(kept.results[i].res64, straight.results[i].res64);
  }
}

TEST(StopPartway, FactorialPiecesKeepTheFinishedOnes) {
  const FactorialWork work({300'000}, 4, 100'000);
  ASSERT_GE(work.pieces(), 3u);
  int first_piece_yields = 0;
  (void)work.process({0, 1}, [&] { ++first_piece_yields; });
  // The stop comes inside the second piece.
  const auto cut = stopped_at(work, {0, work.pieces()}, first_piece_yields + 1);
  ASSERT_EQ(cut.done_hi, 1u);
  ASSERT_EQ(cut.partial.size(), cut.done_hi);
  const auto straight = work.process({0, cut.done_hi}, [] {});
  for (std::size_t i = 0; i < cut.partial.size(); ++i) {
    EXPECT_EQ(cut.partial[i].product, straight[i].product);
  }
}

TEST(StopPartway, SyntheticKeepsTheTasksItRan) {
  SyntheticSpec spec;
  spec.tasks = 20;
  spec.unit_ms = 2;
  const SyntheticTasks tasks(spec);
  const auto cut = stopped_at(tasks, {0, 20}, 4);
  EXPECT_LT(cut.done_hi, 20u);
  EXPECT_EQ(cut.partial.tasks, cut.done_hi);
}

// 2^1217 - 1 has the smallest factor 1045741327 = 2 * 429639 * 1217 + 1
// (checked by a plain search in Python): 13 blocks of k deep.
constexpr std::uint64_t kP = 1217;
constexpr std::uint64_t kFactor = 1'045'741'327;

TEST(TrialFactorState, AStoppedSearchSavesItsDepthAndTheResumeFindsTheSameFactor) {
  ASSERT_EQ(trial_factor(kP, 31), kFactor);
  TempDir dir;
  FolderStore folder(dir.path());
  const StateSaves saves{&folder, 3600};
  int calls = 0;
  EXPECT_THROW(trial_factor(kP, 31, stop_at_yield(3, calls), saves), Interrupted);
  clear_stop_request();
  const auto saved = load_trial_factor_state(folder, kP);
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->k_next, 1 + 3 * std::uint64_t{1 << 15});
  const TrialFactorOutcome resumed = trial_factor(
      kP, 31, [] {}, saves);
  EXPECT_EQ(resumed.resumed_k, saved->k_next);
  EXPECT_EQ(resumed.factor, kFactor);
}

TEST(TrialFactorState, WithoutAStoreAStopThrowsAtOnce) {
  int calls = 0;
  EXPECT_THROW(trial_factor(kP, 31, stop_at_yield(1, calls)), Interrupted);
  clear_stop_request();
  EXPECT_EQ(calls, 1);
}

TEST(TrialFactorState, AStateOfAnotherExponentOrDamagedIsIgnored) {
  TempDir dir;
  FolderStore folder(dir.path());
  save_trial_factor_state(folder, {kP, 12345});
  EXPECT_FALSE(load_trial_factor_state(folder, 1223).has_value());
  folder.save(trial_factor_state_name(kP), "rangefarm-tf 1217 12345", mpz_class(999));
  EXPECT_FALSE(load_trial_factor_state(folder, kP).has_value());
  folder.save(trial_factor_state_name(kP), "rangefarm-tf 1217 0", mpz_class(0));
  EXPECT_FALSE(load_trial_factor_state(folder, kP).has_value());
}

TEST(TrialFactorState, ADepthBeyondTheBitLimitMeansNoFactorBelowIt) {
  TempDir dir;
  FolderStore folder(dir.path());
  save_trial_factor_state(folder, {kP, 500'000});  // past k = 429639, the factor
  const TrialFactorOutcome out = trial_factor(kP, 31, [] {}, {&folder, 3600});
  EXPECT_FALSE(out.factor.has_value());  // what the state says was tried is not tried again
  EXPECT_EQ(out.resumed_k, 500'000u);
}

}  // namespace
}  // namespace rf
