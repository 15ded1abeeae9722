// PerfectSearch against published counts: the perfect numbers (OEIS A000396),
// the abundant numbers <= 10^k (A087280) and the deficient numbers < 10^k;
// sieve against trial, and merging of partial results.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/perfect.hpp"

namespace rf {
namespace {

using u64 = std::uint64_t;

const Yield kNoYield = [] {};

// abundant <= 10^k and deficient < 10^k, index k.
constexpr std::array<u64, 9> kAbundantUpTo{0, 0, 22, 246, 2488, 24795, 247545, 2476737, 24760668};
constexpr std::array<u64, 9> kDeficientBelow{0, 8, 76, 751, 7508, 75201, 752451, 7523259, 75239327};
constexpr u64 kPerfect5 = 33'550'336;
constexpr u64 kPerfect6 = 8'589'869'056;
constexpr u64 kPerfect7 = 137'438'691'328;

u64 pow10(int k) {
  u64 v = 1;
  for (int i = 0; i < k; ++i) v *= 10;
  return v;
}

PerfectPartial run(const PerfectSearch& search, Range r) {
  return search.process(r, kNoYield);
}

u64 total(const PerfectPartial& p) {
  return p.deficient + p.perfect + p.abundant;
}

// Checks the counts for k = 1..max_k, walking [1, 10^max_k] once in decades.
void check_decades(const PerfectSearch& search, int max_k, const std::vector<u64>& perfect) {
  PerfectPartial below;  // [1, 10^k)
  u64 lo = 1;
  for (int k = 1; k <= max_k; ++k) {
    SCOPED_TRACE(::testing::Message() << "k = " << k);
    const u64 hi = pow10(k);
    PerfectSearch::merge(below, run(search, {lo, hi}));
    lo = hi;
    EXPECT_EQ(below.deficient, kDeficientBelow[k]);
    EXPECT_EQ(total(below), hi - 1);
    PerfectPartial upto = below;  // [1, 10^k]
    PerfectSearch::merge(upto, run(search, {hi, hi + 1}));
    if (k >= 2) {
      EXPECT_EQ(upto.abundant, kAbundantUpTo[k]);
    }
    EXPECT_EQ(total(upto), hi);
    if (k == max_k) {
      EXPECT_EQ(upto.perfect_numbers, perfect);
      EXPECT_EQ(upto.perfect, perfect.size());
    }
  }
}

TEST(PerfectKnownValues, SieveUpTo1e8) {
  const PerfectSearch sieve(PerfectMethod::Sieve, pow10(8));
  check_decades(sieve, 8, {6, 28, 496, 8128, kPerfect5});
}

TEST(PerfectKnownValues, SieveOneRangeUpTo1e6) {
  const PerfectSearch sieve(PerfectMethod::Sieve, pow10(6));
  const PerfectPartial p = run(sieve, inclusive(1, pow10(6)));
  EXPECT_EQ(p.perfect_numbers, (std::vector<u64>{6, 28, 496, 8128}));
  EXPECT_EQ(p.perfect, 4u);
  EXPECT_EQ(p.abundant, kAbundantUpTo[6]);
  EXPECT_EQ(p.deficient, kDeficientBelow[6]);  // 10^6 itself is abundant
}

TEST(PerfectKnownValues, TrialUpTo1e5) {
  const PerfectSearch trial(PerfectMethod::Trial, pow10(5));
  check_decades(trial, 5, {6, 28, 496, 8128});
}

TEST(PerfectKnownValues, SieveFindsTheSixthAndSeventhPerfectNumbers) {
  for (u64 p : {kPerfect6, kPerfect7}) {
    SCOPED_TRACE(::testing::Message() << "around " << p);
    const PerfectSearch sieve(PerfectMethod::Sieve, p + 1000);
    for (Range r : {inclusive(p - 1000, p + 1000), inclusive(p, p), inclusive(p - 1000, p),
                    inclusive(p, p + 1000)}) {
      const PerfectPartial got = run(sieve, r);
      EXPECT_EQ(got.perfect_numbers, std::vector<u64>{p});
      EXPECT_EQ(got.perfect, 1u);
      EXPECT_EQ(total(got), r.size());
    }
    for (Range r : {inclusive(p - 1000, p - 1), inclusive(p + 1, p + 1000)}) {
      const PerfectPartial got = run(sieve, r);
      EXPECT_TRUE(got.perfect_numbers.empty());
      EXPECT_EQ(got.perfect, 0u);
      EXPECT_EQ(total(got), r.size());
    }
  }
}

TEST(PerfectKnownValues, TrialFindsTheSixthPerfectNumber) {
  const auto start = std::chrono::steady_clock::now();
  const PerfectSearch trial(PerfectMethod::Trial, kPerfect6 + 1000);
  const PerfectSearch sieve(PerfectMethod::Sieve, kPerfect6 + 1000);
  const Range r = inclusive(kPerfect6 - 1000, kPerfect6 + 1000);
  const PerfectPartial got = run(trial, r);
  EXPECT_EQ(got.perfect_numbers, std::vector<u64>{kPerfect6});
  EXPECT_EQ(got.perfect, 1u);
  EXPECT_EQ(got, run(sieve, r));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  RecordProperty("seconds", std::to_string(took.count()));
}

TEST(PerfectKnownValues, SieveAndTrialAgree) {
  for (Range r : {inclusive(1, 20'000), inclusive(1'000'000, 1'005'000), Range{1, 2}, Range{6, 7},
                  Range{5, 30}}) {
    SCOPED_TRACE(::testing::Message() << "[" << r.lo << ", " << r.hi << ")");
    const PerfectSearch sieve(PerfectMethod::Sieve, r.hi - 1);
    const PerfectSearch trial(PerfectMethod::Trial, r.hi - 1);
    const PerfectPartial a = run(sieve, r);
    EXPECT_EQ(a, run(trial, r));
    EXPECT_EQ(total(a), r.size());
  }
}

TEST(PerfectKnownValues, EmptyRangeIsAllZero) {
  for (PerfectMethod m : {PerfectMethod::Sieve, PerfectMethod::Trial}) {
    const PerfectSearch search(m, 1000);
    EXPECT_EQ(run(search, {500, 500}), PerfectPartial{});
  }
}

// Cuts [lo, hi) at `cuts` random points (fixed seed), processes the pieces and
// merges them in a shuffled order.
PerfectPartial in_pieces(const PerfectSearch& search, Range r, int cuts, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<u64> at{r.lo, r.hi};
  for (int i = 0; i < cuts; ++i) at.push_back(r.lo + rng() % r.size());
  std::sort(at.begin(), at.end());
  std::vector<Range> pieces;
  for (std::size_t i = 0; i + 1 < at.size(); ++i) pieces.push_back({at[i], at[i + 1]});
  std::shuffle(pieces.begin(), pieces.end(), rng);
  PerfectPartial merged;
  for (Range piece : pieces) PerfectSearch::merge(merged, run(search, piece));
  return merged;
}

TEST(PerfectMerge, PiecesMergeToTheWhole) {
  for (PerfectMethod m : {PerfectMethod::Sieve, PerfectMethod::Trial}) {
    SCOPED_TRACE(perfect_method_name(m));
    const Range r = inclusive(1, m == PerfectMethod::Sieve ? 200'000 : 50'000);
    const PerfectSearch search(m, r.hi - 1);
    const PerfectPartial whole = run(search, r);
    EXPECT_EQ(whole.perfect_numbers, (std::vector<u64>{6, 28, 496, 8128}));
    for (unsigned seed = 1; seed <= 4; ++seed) {
      EXPECT_EQ(in_pieces(search, r, 30, seed), whole) << "seed " << seed;
    }
  }
}

TEST(PerfectMerge, PiecesAroundALargePerfectNumber) {
  const Range r = inclusive(kPerfect7 - 5000, kPerfect7 + 5000);
  const PerfectSearch sieve(PerfectMethod::Sieve, r.hi - 1);
  const PerfectPartial whole = run(sieve, r);
  EXPECT_EQ(whole.perfect_numbers, std::vector<u64>{kPerfect7});
  EXPECT_EQ(in_pieces(sieve, r, 20, 7), whole);
}

TEST(PerfectMerge, EmptyIsTheIdentity) {
  const PerfectSearch sieve(PerfectMethod::Sieve, 10'000);
  const PerfectPartial some = run(sieve, inclusive(1, 10'000));
  PerfectPartial left;
  PerfectSearch::merge(left, some);
  EXPECT_EQ(left, some);
  PerfectPartial right = some;
  PerfectSearch::merge(right, PerfectPartial{});
  EXPECT_EQ(right, some);
}

TEST(PerfectMerge, PerfectNumbersStaySorted) {
  const PerfectSearch sieve(PerfectMethod::Sieve, 10'000);
  PerfectPartial merged = run(sieve, inclusive(8000, 9000));      // 8128
  PerfectSearch::merge(merged, run(sieve, inclusive(1, 30)));     // 6, 28
  PerfectSearch::merge(merged, run(sieve, inclusive(400, 500)));  // 496
  EXPECT_EQ(merged.perfect_numbers, (std::vector<u64>{6, 28, 496, 8128}));
  EXPECT_EQ(merged.perfect, 4u);
  EXPECT_EQ(total(merged), 1001u + 30u + 101u);
}

TEST(PerfectSearch, YieldsWhileItWorks) {
  const Range r = inclusive(1, 1'000'000);
  for (PerfectMethod m : {PerfectMethod::Sieve, PerfectMethod::Trial}) {
    SCOPED_TRACE(perfect_method_name(m));
    const PerfectSearch search(m, r.hi - 1);
    const Range part = m == PerfectMethod::Sieve ? r : inclusive(1, 50'000);
    int yields = 0;
    const PerfectPartial got = search.process(part, [&] { ++yields; });
    EXPECT_EQ(total(got), part.size());
    EXPECT_GE(yields, 1);
    if (m == PerfectMethod::Sieve) {
      // Once per block of the sieve.
      EXPECT_GE(static_cast<u64>(yields), part.size() / SigmaSieve::kBlock);
    }
  }
}

// The workload object keeps the sieve's scratch from chunk to chunk: the
// same object processing chunks out of order, some contiguous, gives the
// partials that fresh objects give.
TEST(PerfectSearch, OneObjectOverChunksOutOfOrderEqualsFreshObjects) {
  const u64 top = kPerfect6 + 200'000;
  const PerfectSearch reused(PerfectMethod::Sieve, top);
  std::vector<Range> chunks;
  for (u64 lo = kPerfect6 - 100'000; lo < top; lo += 25'000) chunks.push_back({lo, lo + 25'000});
  chunks.push_back({1, 10'000});
  chunks.push_back({kPerfect5 - 5, kPerfect5 + 5});
  std::mt19937_64 rng(18);
  std::shuffle(chunks.begin(), chunks.end(), rng);
  chunks.push_back({chunks.back().hi, chunks.back().hi + 1});  // contiguous with the last
  PerfectPartial merged;
  for (Range r : chunks) {
    const PerfectSearch fresh(PerfectMethod::Sieve, top);
    const PerfectPartial got = run(reused, r);
    EXPECT_EQ(got, run(fresh, r)) << "[" << r.lo << ", " << r.hi << ")";
    PerfectSearch::merge(merged, got);
  }
  EXPECT_EQ(merged.perfect_numbers, (std::vector<u64>{6, 28, 496, 8128, kPerfect5, kPerfect6}));
}

TEST(PerfectSearch, MethodNamesRoundTrip) {
  for (PerfectMethod m : {PerfectMethod::Sieve, PerfectMethod::Trial}) {
    const auto parsed = parse_perfect_method(perfect_method_name(m));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(perfect_method_name(PerfectMethod::Sieve), "sieve");
  EXPECT_EQ(perfect_method_name(PerfectMethod::Trial), "trial");
  for (const char* bad : {"", "Sieve", "TRIAL", "sieve ", "trials", "segmented"}) {
    EXPECT_FALSE(parse_perfect_method(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace rf
