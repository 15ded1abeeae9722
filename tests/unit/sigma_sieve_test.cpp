// SigmaSieve and sigma_trial against an independent sigma: n factored by
// trial division, sigma(n) = product of 1 + p + ... + p^e.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/perfect_sieve.hpp"
#include "rangefarm/work/perfect_trial.hpp"

namespace rf {
namespace {

using u64 = std::uint64_t;
using u128 = unsigned __int128;

constexpr u64 kBlock = SigmaSieve::kBlock;
constexpr u64 kMaxN = SigmaSieve::kMaxN;

u64 mul_mod(u64 a, u64 b, u64 m) {
  return static_cast<u64>(static_cast<u128>(a) * b % m);
}

u64 pow_mod(u64 b, u64 e, u64 m) {
  u64 r = 1;
  for (b %= m; e != 0; e >>= 1) {
    if (e & 1) r = mul_mod(r, b, m);
    b = mul_mod(b, b, m);
  }
  return r;
}

// Miller-Rabin with the first twelve primes as bases: exact for all 64-bit n.
bool is_prime(u64 n) {
  constexpr std::array<u64, 12> kBases{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2) return false;
  for (u64 p : kBases) {
    if (n % p == 0) return n == p;
  }
  u64 d = n - 1;
  int s = 0;
  for (; d % 2 == 0; d /= 2) ++s;
  for (u64 a : kBases) {
    u64 x = pow_mod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s && composite; ++r) {
      x = mul_mod(x, x, n);
      composite = x != n - 1;
    }
    if (composite) return false;
  }
  return true;
}

// The reference: trial division by 2, 3 and 6k +- 1 up to sqrt of what is
// left. With early_exit it stops as soon as the cofactor is prime, which keeps
// numbers near 1e15 affordable; without it, it is the plain textbook loop.
u64 ref_sigma(u64 n, bool early_exit) {
  u64 sigma = 1;
  u64 m = n;
  bool done = early_exit && is_prime(m);
  const auto take = [&](u64 p) {
    if (m % p != 0) return;
    u64 term = 1;
    u64 pk = 1;
    do {
      m /= p;
      pk *= p;
      term += pk;
    } while (m % p == 0);
    sigma *= term;
    done = early_exit && is_prime(m);
  };
  if (!done) take(2);
  if (!done) take(3);
  for (u64 p = 5; !done && p <= m / p; p += 6) {
    take(p);
    take(p + 2);
  }
  if (m > 1) sigma *= m + 1;
  return sigma;
}

// Plain trial division while that is cheap, the early exit above it.
u64 ref_sigma(u64 n) {
  return ref_sigma(n, n > 100'000'000);
}

// The definition, for small n only.
u64 sigma_by_definition(u64 n) {
  u64 s = 0;
  for (u64 d = 1; d <= n; ++d) s += n % d == 0 ? d : 0;
  return s;
}

std::string show(Range r) {
  std::ostringstream s;
  s << "[" << r.lo << ", " << r.hi << ")";
  return s.str();
}

// Runs the sieve over the range; the blocks must tile it in order, each at
// most kBlock long, and every value must match the reference.
// With stride > 1, only every stride-th value and those next to block edges
// are checked against the reference (for long ranges near 1e15).
::testing::AssertionResult sieve_matches(const SigmaSieve& sieve, Range range, u64 stride = 1) {
  u64 expect_first = range.lo;
  int bad = 0;
  std::ostringstream why;
  sieve.run(range, [&](u64 first, std::span<const u64> sigma) {
    if (first != expect_first || sigma.empty() || sigma.size() > kBlock) {
      if (bad++ < 5) why << " block at " << first << " of " << sigma.size() << " values;";
    }
    for (std::size_t i = 0; i < sigma.size(); ++i) {
      const u64 n = first + i;
      if ((n - range.lo) % stride != 0 && i >= 4 && i + 4 < sigma.size()) continue;
      const u64 want = ref_sigma(n);
      if (sigma[i] != want && bad++ < 5) {
        why << " sigma(" << n << ") = " << sigma[i] << ", want " << want << ";";
      }
    }
    expect_first = first + sigma.size();
  });
  if (expect_first != range.hi) {
    ++bad;
    why << " blocks end at " << expect_first;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << show(range) << ":" << why.str();
}

// A sieve made for exactly this range's largest n.
::testing::AssertionResult sieve_matches(Range range) {
  const SigmaSieve sieve(range.hi - 1);
  return sieve_matches(sieve, range);
}

// [center - before, center + after], kept inside [1, kMaxN].
Range around(u64 center, u64 before, u64 after) {
  const u64 lo = center > before ? center - before : 1;
  const u64 last = std::min(kMaxN, center + after);
  return {lo, last + 1};
}

TEST(SigmaReference, MatchesTheDefinitionAndTheKnownForms) {
  for (u64 n = 1; n <= 3000; ++n) {
    ASSERT_EQ(ref_sigma(n, true), sigma_by_definition(n)) << n;
    ASSERT_EQ(ref_sigma(n, false), sigma_by_definition(n)) << n;
  }
  // 999999999999989 = 1e15 - 11 and 31622743 (the largest prime below
  // sqrt(1e15)) are prime; 32749 and 32771 straddle the sieve block.
  EXPECT_EQ(ref_sigma(999'999'999'999'989), 999'999'999'999'990u);
  const u64 p = 31'622'743;
  EXPECT_EQ(ref_sigma(p * p), 1 + p + p * p);
  EXPECT_EQ(ref_sigma(32'771 * p), 32'772 * (p + 1));
  EXPECT_EQ(ref_sigma(32'749 * 32'771), u64{32'750} * 32'772);
  EXPECT_EQ(ref_sigma(u64{1} << 49), (u64{1} << 50) - 1);
  // The early exit changes nothing.
  for (u64 n = 1'000'000'000'000; n < 1'000'000'000'000 + 300; ++n) {
    ASSERT_EQ(ref_sigma(n, true), ref_sigma(n, false)) << n;
  }
}

TEST(SigmaSieve, SingleItems) {
  std::vector<u64> ns;
  for (u64 n = 1; n <= 300; ++n) ns.push_back(n);
  for (u64 n : {kBlock - 1, kBlock, kBlock + 1, 2 * kBlock, 3 * kBlock + 1, u64{32'749},
                u64{32'771}, u64{32'749} * 32'749, u64{32'771} * 32'771, u64{65'536},
                u64{1'000'000'007}, u64{4'294'967'296}, u64{4'294'967'311}, kMaxN - 11, kMaxN}) {
    ns.push_back(n);
  }
  for (u64 n : ns) EXPECT_TRUE(sieve_matches({n, n + 1}));
}

TEST(SigmaSieve, RangesFromOne) {
  for (u64 b : {u64{2}, u64{3}, u64{4}, u64{10}, u64{100}, kBlock - 1, kBlock, kBlock + 1,
                kBlock + 2, 3 * kBlock + 7, u64{200'000}}) {
    EXPECT_TRUE(sieve_matches({1, b}));
  }
}

TEST(SigmaSieve, TinyBounds) {
  // Bounds with no odd sieving prime at all, or just 3.
  for (u64 max_n = 1; max_n <= 30; ++max_n) {
    const SigmaSieve sieve(max_n);
    for (u64 a = 1; a <= max_n; ++a) EXPECT_TRUE(sieve_matches(sieve, {a, max_n + 1}));
  }
}

TEST(SigmaSieve, RangesAcrossBlockBoundaries) {
  for (Range r : {Range{32'760, 32'780}, Range{kBlock - 1, kBlock + 1}, Range{kBlock, kBlock + 1},
                  Range{65'530, 65'540 + 40'000}, Range{5 * kBlock - 3, 5 * kBlock + 3},
                  Range{7, 7 + 4 * kBlock}, Range{1'000'000 - 5, 1'000'000 + 2 * kBlock + 5}}) {
    EXPECT_TRUE(sieve_matches(r));
  }
}

TEST(SigmaSieve, RandomRangesUpTo2e6) {
  std::mt19937_64 rng(20240611);
  const u64 top = 2'000'000;
  const SigmaSieve shared(top);
  for (int i = 0; i < 40; ++i) {
    const u64 len = 1 + rng() % 70'000;
    const u64 lo = 1 + rng() % (top - len);
    const Range r{lo, lo + len};
    EXPECT_TRUE(sieve_matches(r));
    EXPECT_TRUE(sieve_matches(shared, r));
  }
}

TEST(SigmaSieve, NearSquaresOfPrimesAndPrimePowers) {
  const u64 big_p = 31'622'743;  // largest prime below sqrt(1e15)
  for (u64 center : {u64{3'486'784'401} /* 3^20 */, u64{282'475'249} /* 7^10 */,
                     u64{1'099'511'627'776} /* 2^40 */, u64{617'673'396'283'947} /* 3^31 */,
                     u64{476'837'158'203'125} /* 5^21 */, u64{562'949'953'421'312} /* 2^49 */,
                     u64{32'749} * 32'749, u64{32'771} * 32'771, u64{32'779} * 32'779,
                     u64{65'537} * 65'537, big_p * big_p}) {
    EXPECT_TRUE(sieve_matches(around(center, 300, 300)));
    // The range ends on the square or power: sqrt(max) is the prime itself.
    EXPECT_TRUE(sieve_matches({center - 50, center + 1}));
    EXPECT_TRUE(sieve_matches({center, center + 1}));
  }
}

TEST(SigmaSieve, ShortRangesHighUp) {
  EXPECT_TRUE(sieve_matches({1'000'000'000'000, 1'000'000'000'000 + 2000}));
  EXPECT_TRUE(sieve_matches({kMaxN - 2000, kMaxN + 1}));
}

TEST(SigmaSieve, LargePrimesUseTheBucketPath) {
  // sqrt(5e9) ~ 70711 and sqrt(1e11) ~ 316228 are above the block length.
  EXPECT_TRUE(sieve_matches({5'000'000'000, 5'000'000'000 + 5000}));
  EXPECT_TRUE(sieve_matches({100'000'000'000, 100'000'000'000 + 5000}));
  // Several blocks, so the ring of buckets wraps around.
  EXPECT_TRUE(sieve_matches({5'000'000'000 - 1234, 5'000'000'000 + 4 * kBlock + 99}));
  EXPECT_TRUE(sieve_matches({100'000'000'000 + 17, 100'000'000'000 + 3 * kBlock + 17}));
}

std::vector<u64> sieve_values(const SigmaSieve& sieve, Range range) {
  std::vector<u64> out;
  sieve.run(range, [&](u64, std::span<const u64> sigma) {
    out.insert(out.end(), sigma.begin(), sigma.end());
  });
  return out;
}

TEST(SigmaSieve, SeveralBlocksAtTheTop) {
  // Five blocks near 1e15: thousands of large primes per block, so bucket
  // chains fill, wrap around the ring and are recycled.
  const Range range{kMaxN - 4 * kBlock - 500, kMaxN + 1};
  const SigmaSieve sieve(kMaxN);
  EXPECT_TRUE(sieve_matches(sieve, range, 97));
  // Every value: the same as from the range run in random pieces.
  const std::vector<u64> whole = sieve_values(sieve, range);
  ASSERT_EQ(whole.size(), range.size());
  std::mt19937_64 rng(15);
  for (u64 lo = range.lo; lo < range.hi;) {
    const u64 hi = std::min(range.hi, lo + 1 + rng() % (2 * kBlock));
    const std::vector<u64> part = sieve_values(sieve, {lo, hi});
    ASSERT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + (lo - range.lo),
                           whole.begin() + (hi - range.lo)))
        << "piece [" << lo << ", " << hi << ")";
    lo = hi;
  }
}

TEST(SigmaSieve, OneSieveServesEveryRangeBelowItsBound) {
  const SigmaSieve sieve(1'000'000'000'000);
  for (Range r : {Range{1, 1000}, Range{32'760, 32'780}, Range{1'000'000'000, 1'000'000'000 + 1000},
                  Range{4'999'999'000, 5'000'001'000},
                  Range{1'000'000'000'000 - 999, 1'000'000'000'000 + 1}}) {
    EXPECT_TRUE(sieve_matches(sieve, r));
  }
}

// One sieve reuses its block, offset tables and buckets from run to run:
// chunks out of order, contiguous ones, a short one after a long one, with
// fewer and then more sieving primes, must give what a fresh sieve gives.
TEST(SigmaSieve, ReusedForChunksInAnyOrderEqualsFreshSieves) {
  constexpr u64 kTop = 1'000'000'000'000;
  const SigmaSieve reused(kTop);
  const std::vector<Range> chunks{
      {kTop - 3 * kBlock - 7, kTop + 1},                               // top: many large primes
      {1, 2000},                                                       // then the very bottom
      {5'000'000'000, 5'000'000'000 + 2 * kBlock},                     // bucket path
      {5'000'000'000 + 2 * kBlock, 5'000'000'000 + 2 * kBlock + 999},  // contiguous
      {5'000'000'000 + 2 * kBlock + 999, 5'000'000'000 + 5 * kBlock},  // contiguous
      {32'760, 32'780},                                                // across kBlock, few primes
      {100'000'000'000 + 17, 100'000'000'000 + 3 * kBlock + 17},
      {4'999'000'000, 4'999'001'000},  // below an earlier chunk
      {kTop - 5000, kTop - 4000}};
  for (Range r : chunks) {
    const SigmaSieve fresh(kTop);
    EXPECT_EQ(sieve_values(reused, r), sieve_values(fresh, r)) << show(r);
    EXPECT_TRUE(sieve_matches(reused, {r.lo, std::min(r.hi, r.lo + 300)})) << show(r);
  }
}

// A run stopped part way (on_block throws, as a stop may) leaves entries in
// the ring; the next run must not see them.
TEST(SigmaSieve, ARunStoppedPartWayLeavesNothingBehind) {
  const SigmaSieve sieve(kMaxN);
  const Range r{kMaxN - 3 * kBlock, kMaxN + 1};
  EXPECT_ANY_THROW(
      sieve.run(r, [](u64, std::span<const u64>) { throw std::runtime_error("stop"); }));
  const SigmaSieve fresh(kMaxN);
  EXPECT_EQ(sieve_values(sieve, r), sieve_values(fresh, r));
}

TEST(SigmaSieve, EmptyRangeCallsNothing) {
  const SigmaSieve sieve(1000);
  int calls = 0;
  sieve.run({500, 500}, [&](u64, std::span<const u64>) { ++calls; });
  sieve.run({600, 500}, [&](u64, std::span<const u64>) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(SigmaSieve, RejectsWhatItCannotDo) {
  EXPECT_ANY_THROW(SigmaSieve(kMaxN + 1));
  const SigmaSieve sieve(1000);
  const auto ignore = [](u64, std::span<const u64>) {};
  EXPECT_ANY_THROW(sieve.run({0, 10}, ignore));      // n = 0 has no sigma
  EXPECT_ANY_THROW(sieve.run({990, 1002}, ignore));  // 1001 above the bound
  EXPECT_NO_THROW(sieve.run({990, 1001}, ignore));
}

// OEIS A322287: odd abundant numbers below 10^k, k = 3..8. Odd numbers have
// no factor 2, so this checks the odd-prime part of the sieve alone.
TEST(SigmaSieve, OddAbundantCountsMatchOeis) {
  const std::array<std::uint64_t, 6> expected{1, 23, 210, 1996, 20661, 205366};
  const SigmaSieve sieve(100'000'000);
  std::uint64_t bound = 1000;
  for (std::uint64_t want : expected) {
    std::uint64_t odd_abundant = 0;
    sieve.run({1, bound}, [&](std::uint64_t first, std::span<const std::uint64_t> sigma) {
      for (std::size_t i = 0; i < sigma.size(); ++i) {
        const std::uint64_t n = first + i;
        odd_abundant += (n & 1) != 0 && sigma[i] > 2 * n;
      }
    });
    EXPECT_EQ(odd_abundant, want) << "below " << bound;
    bound *= 10;
  }
}

TEST(SigmaTrial, MatchesTheReference) {
  std::vector<u64> ns;
  for (u64 n = 1; n <= 200; ++n) ns.push_back(n);
  for (u64 k = 2; k <= 400; k += 7) ns.push_back(k * k);
  for (u64 n : {u64{32'749} * 32'749, u64{32'771} * 32'771, u64{65'537} * 65'537, u64{1} << 32,
                (u64{1} << 32) + 15, u64{1} << 40, u64{3'486'784'401}, u64{282'475'249},
                u64{720'720}, u64{8'589'869'056}, u64{137'438'691'328}, u64{1'000'000'000'000},
                u64{999'999'999'989}, u64{1'000'000'007} * 999'983, kMaxN - 11, kMaxN}) {
    ns.push_back(n);
  }
  for (u64 n : ns) EXPECT_EQ(sigma_trial(n), ref_sigma(n)) << n;
}

}  // namespace
}  // namespace rf
