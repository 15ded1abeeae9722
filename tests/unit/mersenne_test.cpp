// The mersenne workload's kernels against GMP and brute force: 2^p mod q,
// the trial-factoring sieve and search, the shift-and-add reduction, the
// Lucas-Lehmer test, the default depth, the dispatch order, and
// MersenneSearch with and without trial factoring.
#include <gmpxx.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "rangefarm/farm/schedule.hpp"
#include "rangefarm/work/lucas_lehmer.hpp"
#include "rangefarm/work/mersenne.hpp"
#include "rangefarm/work/trial_factor.hpp"

namespace rf {
namespace {

using u64 = std::uint64_t;
using u128 = unsigned __int128;

// OEIS A000043: the Mersenne prime exponents, up to 5000.
const std::vector<u64> kMersenneExponents{2,   3,   5,   7,   13,   17,   19,   31,   61,   89,
                                          107, 127, 521, 607, 1279, 2203, 2281, 3217, 4253, 4423};

// Primes in [lo, hi] by a plain sieve of Eratosthenes (not primesieve).
std::vector<u64> primes_between(u64 lo, u64 hi) {
  std::vector<bool> composite(hi + 1, false);
  std::vector<u64> out;
  for (u64 n = 2; n <= hi; ++n) {
    if (composite[n]) continue;
    if (n >= lo) out.push_back(n);
    for (u64 m = n * n; m <= hi; m += n) composite[m] = true;
  }
  return out;
}

bool is_mersenne_exponent(u64 p) {
  return std::find(kMersenneExponents.begin(), kMersenneExponents.end(), p) !=
         kMersenneExponents.end();
}

mpz_class mpz_u64(u64 x) {
  mpz_class z;
  mpz_import(z.get_mpz_t(), 1, -1, sizeof x, 0, 0, &x);
  return z;
}

u64 low64(const mpz_class& z) {
  mpz_class r;
  mpz_tdiv_r_2exp(r.get_mpz_t(), z.get_mpz_t(), 64);
  u64 x = 0;
  mpz_export(&x, nullptr, -1, sizeof x, 0, 0, r.get_mpz_t());
  return x;
}

mpz_class mersenne(u64 p) {
  mpz_class m;
  mpz_ui_pow_ui(m.get_mpz_t(), 2, p);
  return m - 1;
}

// 2^p mod q with GMP.
u64 gmp_pow2_mod(u64 p, u64 q) {
  mpz_class r;
  const mpz_class two = 2;
  const mpz_class e = mpz_u64(p);
  const mpz_class m = mpz_u64(q);
  mpz_powm(r.get_mpz_t(), two.get_mpz_t(), e.get_mpz_t(), m.get_mpz_t());
  return low64(r);
}

// 2^p mod q right to left (a different method from pow2_mod's), q < 2^64.
u64 naive_pow2_mod(u64 p, u64 q) {
  u128 result = 1 % q, base = 2 % q;
  for (u64 e = p; e != 0; e >>= 1) {
    if (e & 1) result = result * base % q;
    base = base * base % q;
  }
  return static_cast<u64>(result);
}

bool divides_mersenne(u64 p, u64 q) {
  return mpz_divisible_p(mersenne(p).get_mpz_t(), mpz_u64(q).get_mpz_t()) != 0;
}

// The smallest q = 2kp + 1 below 2^min(bits, p/2) dividing 2^p - 1, trying
// every k.
std::optional<u64> brute_force_factor(u64 p, unsigned bits) {
  bits = std::min<unsigned>({bits, 64, static_cast<unsigned>(p / 2)});
  if (p < 3 || bits < 2) return std::nullopt;
  const u128 limit = u128{1} << bits;
  for (u64 k = 1;; ++k) {
    const u128 q = u128{2} * k * p + 1;
    if (q >= limit) return std::nullopt;
    if (naive_pow2_mod(p, static_cast<u64>(q)) == 1) return static_cast<u64>(q);
  }
}

unsigned bit_length(u64 x) {
  return x == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(x));
}

// The Lucas-Lehmer residue of 2^p - 1 (p odd) with GMP's general mpz_mod.
mpz_class plain_lucas_lehmer_residue(u64 p) {
  const mpz_class m = mersenne(p);
  mpz_class s = 4;
  for (u64 i = 0; i + 2 < p; ++i) {
    s = s * s - 2;
    mpz_mod(s.get_mpz_t(), s.get_mpz_t(), m.get_mpz_t());
  }
  return s;
}

const Yield kNoYield = [] {};

// ---------------------------------------------------------------- pow2_mod

TEST(MersennePow2Mod, MatchesGmpForRandomArguments) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 20000; ++i) {
    const u64 p = rng() >> (rng() % 64);
    u64 q = rng() >> (rng() % 63);
    if (p == 0) continue;
    if (q < 2) q = 2 + (rng() & 0xff);
    ASSERT_EQ(pow2_mod(p, q), gmp_pow2_mod(p, q)) << "p=" << p << " q=" << q;
  }
}

TEST(MersennePow2Mod, MatchesGmpNearTwoToThe64) {
  std::mt19937_64 rng(7);
  const u64 top = ~u64{0};
  for (u64 d = 0; d < 2000; ++d) {
    const u64 q = top - d;
    for (const u64 p : {u64{1}, u64{2}, u64{63}, u64{64}, u64{65}, u64{127}, u64{128}, top, top - 1,
                        rng(), rng() >> 32, rng() >> 50}) {
      if (p == 0) continue;
      ASSERT_EQ(pow2_mod(p, q), gmp_pow2_mod(p, q)) << "p=" << p << " q=" << q;
    }
  }
  for (int i = 0; i < 5000; ++i) {
    const u64 q = top - (rng() >> 20);
    const u64 p = rng() | 1;
    ASSERT_EQ(pow2_mod(p, q), gmp_pow2_mod(p, q)) << "p=" << p << " q=" << q;
  }
}

TEST(MersennePow2Mod, SmallCases) {
  EXPECT_EQ(pow2_mod(1, 2), 0u);
  EXPECT_EQ(pow2_mod(1, 3), 2u);
  EXPECT_EQ(pow2_mod(2, 3), 1u);
  EXPECT_EQ(pow2_mod(11, 23), 1u);
  EXPECT_EQ(pow2_mod(11, 89), 1u);
  EXPECT_EQ(pow2_mod(11, 2047), 1u);
  EXPECT_EQ(pow2_mod(64, ~u64{0}), 1u);  // 2^64 = 1 mod 2^64 - 1
  EXPECT_EQ(pow2_mod(63, ~u64{0}), u64{1} << 63);
  for (u64 p = 1; p < 64; ++p) EXPECT_EQ(pow2_mod(p, ~u64{0}), u64{1} << p) << p;
}

// ------------------------------------------------------- is_trial_candidate

class MersenneTrialCandidate : public ::testing::Test {
 protected:
  static bool direct(u64 p, u64 k) {
    static const std::vector<u64> small = primes_between(2, 2048);
    const u128 q = u128{2} * k * p + 1;
    const auto q8 = static_cast<unsigned>(q % 8);
    if (q8 != 1 && q8 != 7) return false;
    for (const u64 r : small) {
      if (r != q && r != p && q % r == 0) return false;
    }
    return true;
  }
};

TEST_F(MersenneTrialCandidate, MatchesDirectCheckForSmallPAndK) {
  for (const u64 p : primes_between(3, 400)) {
    for (u64 k = 1; k <= 3000; ++k) {
      ASSERT_EQ(is_trial_candidate(p, k), direct(p, k)) << "p=" << p << " k=" << k;
    }
  }
}

TEST_F(MersenneTrialCandidate, MatchesDirectCheckForRandomPAndK) {
  std::mt19937_64 rng(99);
  const std::vector<u64> ps = primes_between(3, 200000);
  for (int i = 0; i < 200000; ++i) {
    const u64 p = i % 3 == 0 ? rng() % 5000 + 1 : ps[rng() % ps.size()];
    const u64 k = (rng() >> (rng() % 60)) % (u64{1} << 40) + 1;
    ASSERT_EQ(is_trial_candidate(p, k), direct(p, k)) << "p=" << p << " k=" << k;
  }
}

TEST_F(MersenneTrialCandidate, KnownCases) {
  EXPECT_TRUE(is_trial_candidate(11, 1));        // 23, a small prime itself
  EXPECT_TRUE(is_trial_candidate(11, 4));        // 89
  EXPECT_FALSE(is_trial_candidate(11, 2));       // 45 = 5 mod 8
  EXPECT_FALSE(is_trial_candidate(11, 3));       // 67 = 3 mod 8
  EXPECT_FALSE(is_trial_candidate(7, 4));        // 57 = 3 * 19, 1 mod 8
  EXPECT_TRUE(is_trial_candidate(1019, 1));      // 2039, the largest q = r <= 2048
  EXPECT_TRUE(is_trial_candidate(67, 1445580));  // 193707721 divides M_67
  // Every prime factor of every composite M_p survives.
  for (const auto& [p, q] : std::vector<std::pair<u64, u64>>{{11, 23},
                                                             {11, 89},
                                                             {23, 47},
                                                             {29, 233},
                                                             {29, 1103},
                                                             {29, 2089},
                                                             {37, 223},
                                                             {43, 431},
                                                             {47, 2351},
                                                             {53, 6361},
                                                             {59, 179951},
                                                             {67, 193707721},
                                                             {71, 228479}}) {
    ASSERT_EQ((q - 1) % (2 * p), 0u) << q;
    EXPECT_TRUE(is_trial_candidate(p, (q - 1) / (2 * p))) << "p=" << p << " q=" << q;
  }
}

// ------------------------------------------------------------ trial_factor

struct KnownFactor {
  u64 p;
  u64 q;  // the smallest factor of 2^p - 1
};

const std::vector<KnownFactor> kKnownFactors{
    {11, 23},      {23, 47},      {29, 233},    {37, 223},    {41, 13367},     {43, 431},
    {47, 2351},    {53, 6361},    {59, 179951}, {71, 228479}, {67, 193707721}, {73, 439},
    {79, 2687},    {83, 167},     {97, 11447},  {113, 3391},  {131, 263},      {151, 18121},
    {163, 150287}, {173, 730753}, {179, 359},   {181, 43441}, {191, 383},      {197, 7487}};

TEST(MersenneTrialFactor, KnownSmallestFactors) {
  for (const auto& [p, q] : kKnownFactors) {
    SCOPED_TRACE("p=" + std::to_string(p) + " q=" + std::to_string(q));
    ASSERT_TRUE(divides_mersenne(p, q));
    const unsigned need = bit_length(q);
    EXPECT_EQ(trial_factor(p, need), std::optional<u64>(q));
    EXPECT_EQ(trial_factor(p, need - 1), std::nullopt);
    EXPECT_EQ(trial_factor(p, need + 3), std::optional<u64>(q));
    if (need <= 30) {
      EXPECT_EQ(trial_factor(p, 64), std::optional<u64>(q));
    }
  }
}

TEST(MersenneTrialFactor, NothingForMersennePrimeExponentsAtAnyDepth) {
  for (const u64 p : kMersenneExponents) {
    if (p > 127) break;
    // Past p/2 bits the depth is capped, so M_p itself (= 2kp + 1) is never
    // reported, even at 64 bits; the big exponents only to a depth that runs
    // fast.
    const unsigned deepest = p <= 61 ? 64 : 33;
    for (unsigned bits = 0; bits <= deepest; ++bits) {
      EXPECT_EQ(trial_factor(p, bits), std::nullopt) << "p=" << p << " bits=" << bits;
    }
  }
}

TEST(MersenneTrialFactor, ZeroBitsFindsNothing) {
  for (const u64 p : primes_between(2, 3000)) {
    EXPECT_EQ(trial_factor(p, 0), std::nullopt) << p;
    EXPECT_EQ(trial_factor(p, 1), std::nullopt) << p;
  }
}

TEST(MersenneTrialFactor, SmallestFactorByBruteForce) {
  int found = 0;
  for (const u64 p : primes_between(2, 1500)) {
    for (const unsigned bits : {8u, 14u, 20u, 24u}) {
      const auto got = trial_factor(p, bits);
      const auto want = brute_force_factor(p, bits);
      ASSERT_EQ(got, want) << "p=" << p << " bits=" << bits;
      if (got) {
        ++found;
        ASSERT_TRUE(divides_mersenne(p, *got)) << "p=" << p << " q=" << *got;
        ASSERT_NE(mpz_probab_prime_p(mpz_u64(*got).get_mpz_t(), 30), 0) << *got;
        ASSERT_LT(*got, u64{1} << std::min<u64>(bits, p / 2));
      }
    }
  }
  EXPECT_GT(found, 200);
}

TEST(MersenneTrialFactor, SmallestFactorByBruteForceOverManySieveBlocks) {
  // k runs past 2^15 (one sieve block) many times over at these depths.
  for (const u64 p : {u64{101}, u64{103}, u64{109}, u64{137}, u64{139}, u64{149}, u64{167},
                      u64{241}, u64{257}, u64{1009}, u64{1013}, u64{4099}}) {
    const unsigned bits = 27;
    const auto got = trial_factor(p, bits);
    ASSERT_EQ(got, brute_force_factor(p, bits)) << "p=" << p;
    if (got) {
      EXPECT_TRUE(divides_mersenne(p, *got)) << "p=" << p;
    }
  }
}

TEST(MersenneTrialFactor, EveryFactorFoundDividesItsMersenneNumber) {
  int found = 0;
  for (const u64 p : primes_between(3, 20000)) {
    const auto q = trial_factor(p, 18);
    if (!q) continue;
    ++found;
    ASSERT_TRUE(divides_mersenne(p, *q)) << "p=" << p << " q=" << *q;
    ASSERT_EQ((*q - 1) % (2 * p), 0u) << "p=" << p << " q=" << *q;
    ASSERT_TRUE(*q % 8 == 1 || *q % 8 == 7) << "p=" << p << " q=" << *q;
  }
  EXPECT_GT(found, 500);
}

TEST(MersenneTrialFactor, FactorOfM67WithEnoughBits) {
  EXPECT_EQ(trial_factor(67, 27), std::nullopt);
  EXPECT_EQ(trial_factor(67, 28), std::optional<u64>(193707721));
  EXPECT_EQ(trial_factor(67, 33), std::optional<u64>(193707721));
  EXPECT_EQ(trial_factor(67, 64), std::optional<u64>(193707721));  // capped at 33 bits
}

TEST(MersenneTrialFactor, PowTwoModAgreesWithNaiveMethod) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100000; ++i) {
    const u64 p = (rng() >> (rng() % 64)) | 1;
    const u64 q = (rng() >> (rng() % 62)) | 3;
    ASSERT_EQ(pow2_mod(p, q), naive_pow2_mod(p, q)) << "p=" << p << " q=" << q;
  }
}

// ------------------------------------------------------ reduce_mod_mersenne

TEST(MersenneReduce, MatchesMpzModForRandomX) {
  gmp_randstate_t rng;
  gmp_randinit_default(rng);
  gmp_randseed_ui(rng, 12345);
  std::mt19937_64 bits_rng(1);
  for (const u64 p : {u64{2},   u64{3},   u64{5},    u64{7},    u64{13},   u64{31},  u64{32},
                      u64{61},  u64{63},  u64{64},   u64{65},   u64{89},   u64{127}, u64{128},
                      u64{129}, u64{521}, u64{1000}, u64{1279}, u64{4423}, u64{9689}}) {
    const mpz_class m = mersenne(p);
    for (int i = 0; i < 300; ++i) {
      const u64 nbits = bits_rng() % (3 * p + 2);
      mpz_class x;
      // Every other x with long runs of 0s and 1s.
      if (i % 2 == 0) {
        mpz_rrandomb(x.get_mpz_t(), rng, nbits);
      } else {
        mpz_urandomb(x.get_mpz_t(), rng, nbits);
      }
      const mpz_class want = x % m;
      reduce_mod_mersenne(x, p);
      ASSERT_EQ(x, want) << "p=" << p << " bits=" << nbits;
      ASSERT_GE(sgn(x), 0);
      ASSERT_LT(x, m);
    }
  }
  gmp_randclear(rng);
}

TEST(MersenneReduce, EdgeCases) {
  for (const u64 p : {u64{2}, u64{3}, u64{5}, u64{31}, u64{63}, u64{64}, u64{65}, u64{127},
                      u64{128}, u64{521}, u64{4423}}) {
    SCOPED_TRACE("p=" + std::to_string(p));
    const mpz_class m = mersenne(p);
    const auto reduced = [p](mpz_class x) {
      reduce_mod_mersenne(x, p);
      return x;
    };
    EXPECT_EQ(reduced(0), 0);
    EXPECT_EQ(reduced(1), 1);
    EXPECT_EQ(reduced(m - 1), m - 1);
    EXPECT_EQ(reduced(m), 0);
    EXPECT_EQ(reduced(m + 1), 1);  // 2^p
    EXPECT_EQ(reduced(m + 2), 2);
    EXPECT_EQ(reduced(2 * m), 0);
    EXPECT_EQ(reduced(2 * m + 1), 1);
    EXPECT_EQ(reduced(2 * m - 1), m - 1);
    EXPECT_EQ(reduced(m * m), 0);
    EXPECT_EQ(reduced(m * m - 1), m - 1);
    EXPECT_EQ(reduced((m + 1) * (m + 1)), 1);  // 2^2p
    EXPECT_EQ(reduced(m * m * m + 5), mpz_class(mpz_class(5) % m));
    mpz_class all_ones;  // 2^(3p) - 1 = M (2^2p + 2^p + 1)
    mpz_ui_pow_ui(all_ones.get_mpz_t(), 2, 3 * p);
    EXPECT_EQ(reduced(all_ones - 1), 0);
    EXPECT_EQ(reduced(all_ones), 1);
  }
}

// ------------------------------------------------------------ lucas_lehmer

TEST(MersenneLucasLehmer, PrimeExactlyForKnownExponentsUpTo1300) {
  std::vector<u64> found;
  for (const u64 p : primes_between(2, 1300)) {
    const LucasLehmerResult r = lucas_lehmer(p, kNoYield);
    EXPECT_EQ(r.prime, is_mersenne_exponent(p)) << p;
    if (r.prime) {
      found.push_back(p);
      EXPECT_EQ(r.res64, p == 2 ? 1u : 0u) << p;  // no iteration at p = 2: s(0) mod 3
    } else {
      EXPECT_NE(r.res64, 0u) << p;
    }
  }
  const std::vector<u64> want{2, 3, 5, 7, 13, 17, 19, 31, 61, 89, 107, 127, 521, 607, 1279};
  EXPECT_EQ(found, want);
}

TEST(MersenneLucasLehmer, Res64MatchesPlainMpzModRecurrence) {
  std::vector<u64> ps = primes_between(3, 1300);
  for (const u64 p : {u64{2003}, u64{3001}, u64{4001}, u64{4253}, u64{4423}}) ps.push_back(p);
  for (const u64 p : ps) {
    const mpz_class s = plain_lucas_lehmer_residue(p);
    const LucasLehmerResult r = lucas_lehmer(p, kNoYield);
    ASSERT_EQ(r.prime, s == 0) << p;
    ASSERT_EQ(r.res64, low64(s)) << p;
  }
}

TEST(MersenneLucasLehmer, KnownSmallResidues) {
  // M_11 = 2047: s runs 4, 14, 194, 788, 701, 119, 1877, 240, 282, 1736.
  EXPECT_EQ(lucas_lehmer(11, kNoYield).res64, 1736u);
  // M_2 = 3: no iteration runs, so the residue is s(0) = 4 mod 3 = 1.
  EXPECT_EQ(lucas_lehmer(2, kNoYield).res64, 1u);
  EXPECT_TRUE(lucas_lehmer(2, kNoYield).prime);
  EXPECT_FALSE(lucas_lehmer(11, kNoYield).prime);
  EXPECT_TRUE(lucas_lehmer(2, kNoYield).prime);
  EXPECT_TRUE(lucas_lehmer(3, kNoYield).prime);
}

TEST(MersenneLucasLehmer, Yields) {
  int calls = 0;
  const LucasLehmerResult r = lucas_lehmer(1279, [&calls] { ++calls; });
  EXPECT_TRUE(r.prime);
  EXPECT_GE(calls, 1277 / 64);
}

// ---------------------------------------------------- depth, cost, ordering

TEST(MersenneDefaults, TfBitsMonotoneAnd35At20000) {
  EXPECT_EQ(default_tf_bits(20000), 35u);
  unsigned last = default_tf_bits(2);
  for (u64 p = 3; p <= MersenneSearch::kMaxP; ++p) {
    const unsigned b = default_tf_bits(p);
    ASSERT_GE(b, last) << "p=" << p;
    ASSERT_LE(b, kMaxTrialFactorBits) << "p=" << p;
    last = b;
  }
  EXPECT_GT(default_tf_bits(MersenneSearch::kMaxP), 35u);
}

TEST(MersenneDefaults, CostIncreasing) {
  double last = mersenne_cost(2);
  for (u64 p = 3; p < 100000; ++p) {
    const double c = mersenne_cost(p);
    ASSERT_GT(c, last) << p;
    last = c;
  }
}

TEST(MersenneDispatchOrder, ParseAndName) {
  EXPECT_EQ(parse_order("given"), DispatchOrder::Given);
  EXPECT_EQ(parse_order("largest-first"), DispatchOrder::LargestFirst);
  EXPECT_EQ(parse_order("weird"), std::nullopt);
  EXPECT_EQ(parse_order(""), std::nullopt);
  EXPECT_EQ(parse_order("Given"), std::nullopt);
  for (const auto o : {DispatchOrder::Given, DispatchOrder::LargestFirst}) {
    EXPECT_EQ(parse_order(order_name(o)), o);
  }
}

std::vector<u64> iota_u64(u64 n) {
  std::vector<u64> v(n);
  for (u64 i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(MersenneDispatchOrder, StaticKindsAndGivenAreIdentity) {
  const std::vector<double> costs{3, 1, 3, 2, 5, 0, 5, 4};
  for (const auto kind : {ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic}) {
    for (const auto order : {DispatchOrder::Given, DispatchOrder::LargestFirst}) {
      EXPECT_EQ(dispatch_order(kind, order, costs), iota_u64(costs.size()));
      EXPECT_TRUE(dispatch_order(kind, order, {}).empty());
    }
  }
  for (const auto kind : {ScheduleKind::Dynamic, ScheduleKind::Guided}) {
    EXPECT_EQ(dispatch_order(kind, DispatchOrder::Given, costs), iota_u64(costs.size()));
    EXPECT_TRUE(dispatch_order(kind, DispatchOrder::Given, {}).empty());
  }
}

TEST(MersenneDispatchOrder, LargestFirstDescendingWithStableTies) {
  for (const auto kind : {ScheduleKind::Dynamic, ScheduleKind::Guided}) {
    EXPECT_EQ(dispatch_order(kind, DispatchOrder::LargestFirst, {3, 1, 3, 2, 5, 0, 5, 4}),
              (std::vector<u64>{4, 6, 7, 0, 2, 3, 1, 5}));
    EXPECT_EQ(dispatch_order(kind, DispatchOrder::LargestFirst, {1, 1, 1, 1}),
              (std::vector<u64>{0, 1, 2, 3}));
    EXPECT_EQ(dispatch_order(kind, DispatchOrder::LargestFirst, {7}), (std::vector<u64>{0}));
    EXPECT_TRUE(dispatch_order(kind, DispatchOrder::LargestFirst, {}).empty());

    // Random costs with many ties: a permutation, by decreasing cost, ties
    // by index.
    std::mt19937_64 rng(static_cast<u64>(kind) + 5);
    std::vector<double> costs(1000);
    for (double& c : costs) c = static_cast<double>(rng() % 20);
    const auto order = dispatch_order(kind, DispatchOrder::LargestFirst, costs);
    ASSERT_EQ(order.size(), costs.size());
    EXPECT_EQ(std::set<u64>(order.begin(), order.end()).size(), costs.size());
    for (std::size_t i = 1; i < order.size(); ++i) {
      const double a = costs[order[i - 1]], b = costs[order[i]];
      ASSERT_TRUE(a > b || (a == b && order[i - 1] < order[i])) << i;
    }

    // Primes in increasing order by mersenne_cost: the largest first.
    const auto primes = primes_between(2, 3000);
    std::vector<double> pc;
    for (const u64 p : primes) pc.push_back(mersenne_cost(p));
    const auto by_cost = dispatch_order(kind, DispatchOrder::LargestFirst, pc);
    std::vector<u64> want = iota_u64(primes.size());
    std::reverse(want.begin(), want.end());
    EXPECT_EQ(by_cost, want);
  }
}

// ---------------------------------------------------------- MersenneSearch

TEST(MersenneSearchTest, NoTrialFactoringGivesSameVerdictsAndResidues) {
  const std::vector<u64> ps = primes_between(2, 1500);
  const MersenneSearch plain(ps, 0u);
  const MersenneSearch with_tf(ps, std::nullopt);
  const MersennePartial a = plain.process(Range{0, ps.size()}, kNoYield);
  const MersennePartial b = with_tf.process(Range{0, ps.size()}, kNoYield);
  ASSERT_EQ(a.results.size(), ps.size());
  ASSERT_EQ(b.results.size(), ps.size());
  std::vector<u64> primes_a, primes_b;
  int factored = 0, both_tested = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const ExponentResult& x = a.results[i];
    const ExponentResult& y = b.results[i];
    SCOPED_TRACE("p=" + std::to_string(ps[i]));
    ASSERT_EQ(x.p, ps[i]);
    ASSERT_EQ(y.p, ps[i]);
    ASSERT_NE(x.kind, ExponentResult::Factored);
    EXPECT_EQ(x.factor, 0u);
    if (x.kind == ExponentResult::Prime) primes_a.push_back(x.p);
    if (y.kind == ExponentResult::Prime) primes_b.push_back(y.p);
    if (y.kind == ExponentResult::Factored) {
      ++factored;
      EXPECT_EQ(x.kind, ExponentResult::Composite);
      EXPECT_EQ(std::optional<u64>(y.factor), trial_factor(y.p, default_tf_bits(y.p)));
      EXPECT_TRUE(divides_mersenne(y.p, y.factor));
      EXPECT_EQ(y.res64, 0u);
    } else {
      ++both_tested;
      EXPECT_EQ(y.kind, x.kind);
      EXPECT_EQ(y.res64, x.res64);
      EXPECT_EQ(y.factor, 0u);
      EXPECT_EQ(trial_factor(y.p, default_tf_bits(y.p)), std::nullopt);
    }
    if (x.kind == ExponentResult::Prime) {
      EXPECT_EQ(x.res64, ps[i] == 2 ? 1u : 0u);
    } else {
      EXPECT_NE(x.res64, 0u);
    }
  }
  const std::vector<u64> want{2, 3, 5, 7, 13, 17, 19, 31, 61, 89, 107, 127, 521, 607, 1279};
  EXPECT_EQ(primes_a, want);
  EXPECT_EQ(primes_b, want);
  EXPECT_GT(factored, 50);
  EXPECT_GT(both_tested, 50);
}

TEST(MersenneSearchTest, ProcessFollowsTheExponentListAndMergeConcatenates) {
  const std::vector<u64> ps{127, 11, 2, 4423, 67, 29, 61};
  const MersenneSearch search(ps, 33u);
  const Yield none = [] {};
  MersennePartial all;
  MersenneSearch::merge(all, search.process(Range{0, 3}, none));
  MersenneSearch::merge(all, search.process(Range{3, 3}, none));
  MersenneSearch::merge(all, search.process(Range{3, 7}, none));
  ASSERT_EQ(all.results.size(), ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const ExponentResult one = search.test(ps[i], none);
    EXPECT_EQ(all.results[i].p, ps[i]);
    EXPECT_EQ(all.results[i].kind, one.kind) << ps[i];
    EXPECT_EQ(all.results[i].factor, one.factor) << ps[i];
    EXPECT_EQ(all.results[i].res64, one.res64) << ps[i];
  }
  // At 33 bits (capped at p/2): 11 by 23, 29 by 233, 67 by 193707721.
  EXPECT_EQ(all.results[1].kind, ExponentResult::Factored);
  EXPECT_EQ(all.results[1].factor, 23u);
  EXPECT_EQ(all.results[5].factor, 233u);
  EXPECT_EQ(all.results[4].factor, 193707721u);
  for (const std::size_t i : {0, 2, 3, 6}) EXPECT_EQ(all.results[i].kind, ExponentResult::Prime);
}

TEST(MersenneSearchTest, SmallExponentsUnderTheDefaultDepth) {
  // The default depth is at least 20 bits (capped at p/2), so M_11 is
  // factored by 23; with trial factoring off, Lucas-Lehmer calls it
  // composite with res64 1736.
  const MersenneSearch search({11, 83}, std::nullopt);
  const ExponentResult r11 = search.test(11, kNoYield);
  EXPECT_EQ(r11.kind, ExponentResult::Factored);
  EXPECT_EQ(r11.factor, 23u);
  const ExponentResult r11_ll = MersenneSearch({11}, 0u).test(11, kNoYield);
  EXPECT_EQ(r11_ll.kind, ExponentResult::Composite);
  EXPECT_EQ(r11_ll.res64, 1736u);
  const ExponentResult r83 = search.test(83, kNoYield);
  EXPECT_EQ(r83.kind, ExponentResult::Factored);
  EXPECT_EQ(r83.factor, 167u);
}

}  // namespace
}  // namespace rf
