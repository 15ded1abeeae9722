// The factorial workload without MPI: the prime-power product against naive
// GMP products, Legendre's formula against counting, the split of n! into
// parts, the summary (digits, leading and last nonzero digits, trailing
// zeros) against the decimal string of GMP's mpz_fac_ui, and the arithmetic
// of the mod 2^61 - 1 check against mpz arithmetic.
#include <gmpxx.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <primesieve.hpp>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "rangefarm/work/factorial.hpp"
#include "rangefarm/work/factorial_summary.hpp"
#include "rangefarm/work/last_digits.hpp"
#include "rangefarm/work/modular_check.hpp"
#include "rangefarm/work/prime_powers.hpp"

namespace rf {
namespace {

using u64 = std::uint64_t;

const Yield kNoYield = [] {};

mpz_class factorial(u64 n) {
  mpz_class f;
  mpz_fac_ui(f.get_mpz_t(), n);
  return f;
}

// n! without its trailing zeros, n!/10^e5: what the pieces multiply to once
// the power of two left over, 2^(e2 - e5), is shifted in.
u64 twos_left(u64 n) {
  return legendre_exponent(n, 2) - legendre_exponent(n, 5);
}
mpz_class without_zeros(u64 n) {
  mpz_class ten_z;
  mpz_ui_pow_ui(ten_z.get_mpz_t(), 10, legendre_exponent(n, 5));
  return factorial(n) / ten_z;
}

mpz_class pow_ui(u64 base, u64 e) {
  mpz_class r;
  mpz_ui_pow_ui(r.get_mpz_t(), base, e);
  return r;
}

// Odd primes up to n by trial division (n is small wherever this is used).
std::vector<std::uint32_t> odd_primes_upto(std::uint32_t n) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t p = 3; p <= n; p += 2) {
    bool prime = true;
    for (std::uint32_t d = 3; d * d <= p && prime; d += 2) prime = p % d != 0;
    if (prime) out.push_back(p);
  }
  return out;
}

// The product as anyone would write it: each p^e with mpz_pow_ui, multiplied
// in a balanced tree (so that long lists stay fast).
mpz_class naive_product(const std::vector<PrimePower>& powers, std::size_t lo, std::size_t hi) {
  if (hi - lo == 0) return 1;
  if (hi - lo == 1) return pow_ui(powers[lo].p, powers[lo].e);
  const std::size_t mid = lo + (hi - lo) / 2;
  return naive_product(powers, lo, mid) * naive_product(powers, mid, hi);
}

mpz_class naive_product(const std::vector<PrimePower>& powers) {
  return naive_product(powers, 0, powers.size());
}

// ---------------------------------------------------------------- prime powers

TEST(ProductOfPrimes, EmptyListIsOne) {
  EXPECT_EQ(product_of_primes({}), 1);
}

TEST(ProductOfPrimes, MatchesNaiveProduct) {
  std::mt19937_64 rng(11);
  // A few fixed lists, then random ones of lengths up to 2000 (past the 16
  // limbs below which the product is sequential), with primes of every size
  // up to the largest 32-bit prime, repeats included.
  std::vector<std::vector<std::uint32_t>> lists = {
      {3}, {2}, {4294967291u}, {3, 3, 3}, {65521, 65521, 65537, 65537}, {4294967291u, 4294967291u}};
  const std::vector<std::uint32_t> small = odd_primes_upto(2000);
  const std::vector<std::uint32_t> large = {4294967291u, 4294967279u, 4294967231u, 4294967197u,
                                            2147483647u, 2147483629u, 65537u,      65521u};
  for (int len : {0, 1, 2, 5, 16, 17, 33, 64, 65, 100, 500, 2000}) {
    std::vector<std::uint32_t> list;
    for (int i = 0; i < len; ++i) {
      const bool big = rng() % 3 == 0;
      list.push_back(big ? large[rng() % large.size()] : small[rng() % small.size()]);
    }
    lists.push_back(list);
  }
  for (const auto& list : lists) {
    mpz_class want = 1;
    for (const std::uint32_t p : list) want *= p;
    EXPECT_EQ(product_of_primes(list), want) << "list of " << list.size();
  }
}

TEST(ProductOfPrimePowers, EmptyListIsOne) {
  EXPECT_EQ(product_of_prime_powers({}, kNoYield), 1);
}

TEST(ProductOfPrimePowers, FixedCases) {
  const std::vector<std::vector<PrimePower>> cases = {
      {{3, 0}},
      {{3, 1}},
      {{3, 2}},
      {{5, 0}, {7, 0}},
      {{3, 5}, {5, 0}, {7, 1}},
      {{3, 1}, {3, 1}},                  // a repeated prime counts twice
      {{3, 4}, {5, 3}, {3, 2}, {5, 1}},  // repeats with different exponents
      {{2, 64}},
      {{4294967291u, 3}, {65537, 17}},
      {{3, 0x8000u}},  // a single top bit: squarings only
      {{3, 100000}, {5, 77777}, {7, 1}},
  };
  for (const auto& powers : cases) {
    EXPECT_EQ(product_of_prime_powers(powers, kNoYield), naive_product(powers))
        << "first (p, e) = (" << powers[0].p << ", " << powers[0].e << "), " << powers.size()
        << " powers";
  }
}

TEST(ProductOfPrimePowers, MatchesNaiveProductOnRandomLists) {
  std::mt19937_64 rng(2024);
  const std::vector<std::uint32_t> primes = odd_primes_upto(100000);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t len = rng() % 60;
    std::vector<PrimePower> powers;
    for (std::size_t i = 0; i < len; ++i) {
      // Exponents of every bit width, zero and repeated primes included.
      const int width = static_cast<int>(rng() % 14);
      const auto e = static_cast<std::uint32_t>(rng() & ((std::uint64_t{1} << width) - 1));
      const std::uint32_t p = (rng() % 5 == 0 && !powers.empty()) ? powers[rng() % powers.size()].p
                                                                  : primes[rng() % primes.size()];
      powers.push_back({p, e});
    }
    ASSERT_EQ(product_of_prime_powers(powers, kNoYield), naive_product(powers))
        << "trial " << trial << ", " << powers.size() << " powers";
  }
}

TEST(ProductOfPrimePowers, CallsYieldAndMatchesWhenLevelsAreHuge) {
  // 26000 primes of 32 bits with exponent 31: every level is the same
  // 13000-limb product L and the accumulator grows to L^31, so the top
  // levels take the acc * (acc * L) route of square_and_multiply.
  std::vector<PrimePower> powers;
  std::vector<std::uint32_t> primes;
  primesieve::generate_primes(4294967295u - 700000, 4294967295u, &primes);
  ASSERT_GE(primes.size(), 26000u);
  primes.erase(primes.begin(), primes.end() - 26000);
  for (const std::uint32_t p : primes) powers.push_back({p, 31});
  int yields = 0;
  const mpz_class got = product_of_prime_powers(powers, [&] { ++yields; });
  mpz_class want = product_of_primes(primes);
  mpz_class check = 1;
  for (const std::uint32_t p : primes) check *= p;
  ASSERT_EQ(want, check);
  mpz_pow_ui(want.get_mpz_t(), want.get_mpz_t(), 31);
  EXPECT_EQ(got, want);
  EXPECT_GE(yields, 5);
}

// ----------------------------------------------------------------- Legendre

u64 brute_force_exponent(u64 n, u64 p) {
  u64 e = 0;
  for (u64 k = 1; k <= n; ++k) {
    for (u64 m = k; m % p == 0; m /= p) ++e;
  }
  return e;
}

TEST(LegendreExponent, MatchesCountingForSmallN) {
  for (u64 n = 0; n <= 1500; ++n) {
    for (u64 p : {2, 3, 5, 7, 11, 13, 31, 37, 997, 1009, 1499, 1511}) {
      ASSERT_EQ(legendre_exponent(n, p), brute_force_exponent(n, p)) << n << "! and p = " << p;
    }
  }
}

TEST(LegendreExponent, LargeNByDigitSums) {
  // e_p(n!) = (n - s_p(n)) / (p - 1), with s_p the sum of n's base-p digits.
  const auto digit_sum = [](u64 n, u64 p) {
    u64 s = 0;
    for (; n > 0; n /= p) s += n % p;
    return s;
  };
  for (u64 n : {u64{999'999}, u64{1'000'000}, u64{123'456'789}, FactorialWork::kMaxN,
                FactorialWork::kMaxN - 1, u64{1} << 40}) {
    for (u64 p : {u64{2}, u64{3}, u64{5}, u64{65537}, u64{4294967291u}}) {
      EXPECT_EQ(legendre_exponent(n, p), (n - digit_sum(n, p)) / (p - 1)) << n << "! and p = " << p;
    }
  }
  EXPECT_EQ(legendre_exponent(FactorialWork::kMaxN, 4294967291u), 0u);
  EXPECT_EQ(legendre_exponent(4294967291u, 4294967291u), 1u);
}

// ------------------------------------------------------------- sizes, memory

TEST(FactorialLog2, WithinABitOfTheExactSize) {
  for (u64 n : {0, 1, 2, 3, 10, 20, 21, 100, 1000, 5310, 20000, 100000, 1000000}) {
    const u64 bits = mpz_sizeinbase(factorial(n).get_mpz_t(), 2);
    // log2(n!) lies in [bits - 1, bits); allow lgamma's rounding on top.
    const double tol = 1e-9 * static_cast<double>(bits) + 1e-9;
    const double got = factorial_log2(n);
    EXPECT_GE(got, static_cast<double>(bits) - 1 - tol) << n << "!";
    EXPECT_LE(got, static_cast<double>(bits) + tol) << n << "!";
  }
  // kMaxN's comment: n! then has 2^37 bits (at most).
  EXPECT_LT(factorial_log2(FactorialWork::kMaxN), std::pow(2.0, 37));
}

TEST(FactorialMemoryBytes, GrowsWithNAndWithDecimal) {
  double previous = -1;
  for (u64 n : {u64{0}, u64{10}, u64{1000}, u64{100000}, u64{10000000}, u64{1000000000},
                FactorialWork::kMaxN}) {
    const double plain = factorial_memory_bytes({n}, false);
    const double decimal = factorial_memory_bytes({n}, true);
    if (n >= 10) {
      EXPECT_GT(plain, previous) << n;
      EXPECT_GT(decimal, plain) << n;
      // At least the result itself.
      EXPECT_GE(plain, factorial_log2(n) / 8) << n;
    } else {
      EXPECT_GE(plain, previous) << n;
      EXPECT_GE(decimal, plain) << n;
    }
    previous = plain;
  }
  // More values need more memory, and the largest dominates.
  const double one = factorial_memory_bytes({100000000}, false);
  const double two = factorial_memory_bytes({100000000, 50000000}, false);
  EXPECT_GT(two, one);
  EXPECT_EQ(factorial_memory_bytes({100000000, 50000000}, true),
            factorial_memory_bytes({50000000, 100000000}, true));
}

// Each node holds its ranks' share of the pieces; rank 0's node and a node
// where the last multiplication's other side may run hold its peak too.
TEST(FactorialMemory, PerNodeSharesOfTheRun) {
  const std::vector<u64> ns{100000000, 50000000};
  const double sum = (factorial_log2(100000000) + factorial_log2(50000000)) / 8;
  const double largest = factorial_log2(100000000) / 8;
  const double digits = 2 * largest * 8 * std::log10(2.0);
  // All ranks on one node: the whole run, whatever the rank count.
  for (int ranks : {1, 2, 3, 4, 7}) {
    for (bool decimal : {false, true}) {
      const FactorialMemory m = factorial_memory(ns, ranks, decimal);
      EXPECT_NEAR(node_memory_bytes(m, ranks, true), factorial_memory_bytes(ns, decimal),
                  1e-9 * factorial_memory_bytes(ns, decimal))
          << ranks << " ranks";
    }
  }
  EXPECT_NEAR(factorial_memory_bytes(ns, false), sum + 8 * largest, 1);
  // 4 ranks on 2 nodes of 2: rank 0's node holds the digits and both sides
  // of the last multiplication (its other rank may be the partner); the
  // other node its two shares and one side.
  const FactorialMemory m = factorial_memory(ns, 4, true);
  EXPECT_NEAR(m.each_rank, sum / 4, 1);
  EXPECT_NEAR(node_memory_bytes(m, 2, true), sum / 2 + 8 * largest + digits, 1);
  EXPECT_NEAR(node_memory_bytes(m, 2, false), sum / 2 + 4 * largest, 1);
  // A node of rank 0 alone: no partner there.
  EXPECT_NEAR(node_memory_bytes(m, 1, true), sum / 4 + 4 * largest + digits, 1);
  EXPECT_NEAR(node_memory_bytes(m, 1, false), sum / 4 + 4 * largest, 1);
  // Every node of a spread-out run needs less than the whole run.
  EXPECT_LT(node_memory_bytes(m, 2, false), node_memory_bytes(m, 2, true));
  EXPECT_LT(node_memory_bytes(m, 2, true), factorial_memory_bytes(ns, true));
}

// ------------------------------------------------------------- FactorialWork

// The bits of a part as the split counts them.
double part_bits(const std::vector<PrimePower>& powers) {
  double bits = 0;
  for (const PrimePower& pp : powers) bits += pp.e * std::log2(static_cast<double>(pp.p));
  return bits;
}

TEST(FactorialWork, PieceCounts) {
  // Small n: one piece whatever the number of ranks.
  for (u64 n : {0, 1, 2, 3, 100, 5310, 20000}) {
    const FactorialWork work({n}, 7);
    EXPECT_EQ(work.pieces(), 1u) << n;
  }
  // A large n: as many parts as ranks, never more, at least one.
  const u64 big = 1000000;  // 18.5 Mbit, 37 parts of the default minimum
  for (std::uint32_t parts : {0u, 1u, 2u, 3u, 4u, 7u, 16u}) {
    const FactorialWork work({big}, parts);
    EXPECT_EQ(work.pieces(), std::max(parts, 1u)) << "max_parts " << parts;
  }
  // Capped by min_part_bits: 100000! has 1.5 Mbit, so 3 parts of 500 kbit.
  EXPECT_EQ(FactorialWork({100000}, 7).pieces(), 3u);
  EXPECT_EQ(FactorialWork({100000}, 2).pieces(), 2u);
  for (u64 n : {u64{100}, u64{1000}, u64{5310}, u64{100000}, u64{1000000}}) {
    for (double min_bits : {100.0, 2000.0, 1e5, 5e5, 1e9}) {
      const FactorialWork work({n}, 16, min_bits);
      const double by_size = std::floor(factorial_log2(n) / min_bits);
      const auto want = static_cast<u64>(std::clamp(by_size, 1.0, 16.0));
      EXPECT_EQ(work.pieces(), want) << n << "! with parts of " << min_bits << " bits";
    }
  }
}

TEST(FactorialWork, PiecesOfEveryTaskAreContiguousAndLabelled) {
  const std::vector<u64> ns = {1000000, 0, 5310, 100000, 1, 1000000, 20};
  const FactorialWork work(ns, 4);
  EXPECT_EQ(work.ns(), ns);
  u64 next = 0;
  for (std::size_t t = 0; t < ns.size(); ++t) {
    const Range r = work.pieces_of(t);
    EXPECT_EQ(r.lo, next) << "task " << t;
    ASSERT_GE(r.size(), 1u) << "task " << t;
    for (u64 i = r.lo; i < r.hi; ++i) {
      EXPECT_EQ(work.piece(i).task, t);
      EXPECT_EQ(work.piece(i).part, i - r.lo);
      EXPECT_EQ(work.piece(i).parts, r.size());
    }
    next = r.hi;
  }
  EXPECT_EQ(next, work.pieces());
  EXPECT_EQ(work.pieces_of(0).size(), 4u);
  EXPECT_EQ(work.pieces_of(1).size(), 1u);
  EXPECT_EQ(work.pieces_of(3).size(), 3u);
}

TEST(FactorialWork, EveryOddPrimeBut5InExactlyOnePartWithItsExponent) {
  const std::vector<std::uint32_t> primes = odd_primes_upto(200000);
  for (u64 n : {0, 1, 2, 3, 4, 10, 100, 5263, 5310, 7854, 100000, 200000}) {
    for (std::uint32_t max_parts : {1u, 2u, 3u, 4u, 7u}) {
      SCOPED_TRACE(std::to_string(n) + "! in up to " + std::to_string(max_parts) + " parts");
      const FactorialWork work({n}, max_parts, 1000);
      std::map<std::uint32_t, u64> seen;  // prime -> exponent
      std::map<std::uint32_t, int> times;
      for (u64 i = 0; i < work.pieces(); ++i) {
        for (const PrimePower& pp : work.piece_powers(i)) {
          seen[pp.p] += pp.e;
          ++times[pp.p];
        }
      }
      const auto end = std::upper_bound(primes.begin(), primes.end(), n);
      // 5 is left out: its power goes into the trailing zeros.
      ASSERT_EQ(seen.count(5), 0u);
      ASSERT_EQ(seen.size(), static_cast<std::size_t>(end - primes.begin()) - (n >= 5 ? 1 : 0));
      for (auto it = primes.begin(); it != end; ++it) {
        if (*it == 5) continue;
        ASSERT_EQ(times[*it], 1) << "prime " << *it;
        const u64 want = n <= 2000 ? brute_force_exponent(n, *it) : legendre_exponent(n, *it);
        ASSERT_EQ(seen[*it], want) << "prime " << *it;
      }
    }
  }
}

TEST(FactorialWork, PartsHaveEqualBits) {
  for (u64 n : {5310, 7854, 100000, 1000000}) {
    for (std::uint32_t max_parts : {2u, 3u, 4u, 7u}) {
      SCOPED_TRACE(std::to_string(n) + "! in " + std::to_string(max_parts) + " parts");
      const FactorialWork work({n}, max_parts, 1000);
      ASSERT_EQ(work.pieces(), max_parts);
      std::vector<double> bits;
      for (u64 i = 0; i < work.pieces(); ++i) bits.push_back(part_bits(work.piece_powers(i)));
      const auto [lo, hi] = std::minmax_element(bits.begin(), bits.end());
      double total = 0;
      for (double b : bits) total += b;
      // The odd part of n! without the fives: log2(n!) less 2^e2 and 5^e5.
      const double fives = static_cast<double>(legendre_exponent(n, 5)) * std::log2(5.0);
      EXPECT_NEAR(total, factorial_log2(n) - static_cast<double>(legendre_exponent(n, 2)) - fives,
                  1e-6 * total);
      // The last primes dealt add log2(p) bits each to the lightest part, so
      // the parts end up within a prime or two of each other.
      EXPECT_LE(*hi - *lo, 2 * std::log2(static_cast<double>(n)) + 1)
          << "lightest " << *lo << ", heaviest " << *hi;
    }
  }
}

TEST(FactorialWork, ProductOfPartsTimesPowerOfTwoIsNFactorialWithoutItsZeros) {
  for (u64 n : {0, 1, 2, 3, 4, 5, 20, 21, 100, 5263, 5310, 7854, 100000, 1000000}) {
    for (std::uint32_t max_parts : {1u, 3u, 4u}) {
      SCOPED_TRACE(std::to_string(n) + "! in up to " + std::to_string(max_parts) + " parts");
      const FactorialWork work({n}, max_parts, 2000);
      const FactorialWork::Partial parts = work.process(Range{0, work.pieces()}, kNoYield);
      ASSERT_EQ(parts.size(), work.pieces());
      mpz_class product = 1;
      TailResidues tail;
      for (u64 i = 0; i < parts.size(); ++i) {
        EXPECT_EQ(parts[i].piece, i);
        // A part's size in bits is what the split counted, to a bit.
        const double counted = part_bits(work.piece_powers(i));
        const auto bits = static_cast<double>(mpz_sizeinbase(parts[i].product.get_mpz_t(), 2));
        EXPECT_NEAR(bits, std::floor(counted) + 1, 1 + 1e-9 * counted);
        product *= parts[i].product;
        tail = combine(tail, parts[i].tail);
      }
      mpz_mul_2exp(product.get_mpz_t(), product.get_mpz_t(), twos_left(n));
      ASSERT_EQ(product, without_zeros(n));
      // The tails of the parts combine into the tail of all odd primes.
      const TailResidues whole = tail_residues(FactorialWork({n}, 1).piece_powers(0));
      EXPECT_EQ(tail.mod_2_64, whole.mod_2_64);
      EXPECT_EQ(tail.mod_5_20, whole.mod_5_20);
    }
  }
}

TEST(FactorialWork, ProcessAndMergeOfSubranges) {
  const FactorialWork work({100000, 7, 5310, 100000}, 3, 2000);
  FactorialWork::Partial all;
  for (u64 i = 0; i < work.pieces(); i += 2) {
    FactorialWork::merge(all, work.process(Range{i, std::min(i + 2, work.pieces())}, kNoYield));
  }
  FactorialWork::merge(all, {});
  ASSERT_EQ(all.size(), work.pieces());
  for (std::size_t t = 0; t < work.ns().size(); ++t) {
    mpz_class product = 1;
    const Range r = work.pieces_of(t);
    for (u64 i = r.lo; i < r.hi; ++i) product *= all.at(i).product;
    mpz_mul_2exp(product.get_mpz_t(), product.get_mpz_t(), twos_left(work.ns()[t]));
    EXPECT_EQ(product, without_zeros(work.ns()[t])) << "task " << t;
  }
  EXPECT_TRUE(work.process(Range{2, 2}, kNoYield).empty());
}

// ---------------------------------------------------------------- summary

std::string strip_trailing_zeros(const std::string& s) {
  const std::size_t last = s.find_last_not_of('0');
  return s.substr(0, last + 1);
}

// The summary of n! made as the farm makes it (parts, tails combined) and
// compared with the decimal string of mpz_fac_ui.
void expect_summary_matches_decimal(u64 n, std::uint32_t max_parts, double min_part_bits) {
  SCOPED_TRACE(std::to_string(n) + "!");
  const FactorialWork work({n}, max_parts, min_part_bits);
  mpz_class x = 1;
  TailResidues tail;
  for (const PieceProduct& p : work.process(Range{0, work.pieces()}, kNoYield)) {
    x *= p.product;
    tail = combine(tail, p.tail);
  }
  mpz_mul_2exp(x.get_mpz_t(), x.get_mpz_t(), twos_left(n));
  const mpz_class f = factorial(n);
  const std::string digits = f.get_str();
  const FactorialSummary s = summarize_factorial(n, x, tail);
  const std::string kept = strip_trailing_zeros(digits);
  EXPECT_EQ(s.n, n);
  ASSERT_EQ(s.digits, digits.size());
  EXPECT_EQ(s.bits, mpz_sizeinbase(f.get_mpz_t(), 2));
  EXPECT_EQ(s.trailing_zeros, digits.size() - kept.size());
  EXPECT_EQ(s.leading_digits, digits.substr(0, 20));
  EXPECT_EQ(s.last_nonzero_digits,
            kept.substr(kept.size() - std::min<std::size_t>(20, kept.size())));
}

TEST(SummarizeFactorial, EveryNUpTo1500) {
  // One piece each: the exact path (up to 4096 bits) and the float path.
  std::vector<u64> ns;
  for (u64 n = 0; n <= 1500; ++n) ns.push_back(n);
  const FactorialWork work(ns, 1);
  ASSERT_EQ(work.pieces(), ns.size());
  const FactorialWork::Partial parts = work.process(Range{0, work.pieces()}, kNoYield);
  mpz_class f = 1;
  for (u64 n = 0; n <= 1500; ++n) {
    if (n > 0) f *= static_cast<unsigned long>(n);
    const PieceProduct& p = parts.at(n);
    mpz_class x = p.product;
    mpz_mul_2exp(x.get_mpz_t(), x.get_mpz_t(), twos_left(n));
    mpz_class ten_z;
    mpz_ui_pow_ui(ten_z.get_mpz_t(), 10, legendre_exponent(n, 5));
    ASSERT_EQ(x * ten_z, f) << n << "!";
    const FactorialSummary s = summarize_factorial(n, x, p.tail);
    const std::string digits = f.get_str();
    const std::string kept = strip_trailing_zeros(digits);
    ASSERT_EQ(s.digits, digits.size()) << n << "!";
    ASSERT_EQ(s.bits, mpz_sizeinbase(f.get_mpz_t(), 2)) << n << "!";
    ASSERT_EQ(s.trailing_zeros, digits.size() - kept.size()) << n << "!";
    ASSERT_EQ(s.leading_digits, digits.substr(0, 20)) << n << "!";
    ASSERT_EQ(s.last_nonzero_digits,
              kept.substr(kept.size() - std::min<std::size_t>(20, kept.size())))
        << n << "!";
  }
}

TEST(SummarizeFactorial, KnownSmallValues) {
  const auto summary_of = [](u64 n) {
    const FactorialWork work({n}, 1);
    const auto parts = work.process(Range{0, 1}, kNoYield);
    mpz_class x = parts.at(0).product;
    mpz_mul_2exp(x.get_mpz_t(), x.get_mpz_t(), twos_left(n));
    return summarize_factorial(n, x, parts.at(0).tail);
  };
  for (u64 n : {0, 1}) {
    const FactorialSummary s = summary_of(n);
    EXPECT_EQ(s.digits, 1u);
    EXPECT_EQ(s.bits, 1u);
    EXPECT_EQ(s.trailing_zeros, 0u);
    EXPECT_EQ(s.leading_digits, "1");
    EXPECT_EQ(s.last_nonzero_digits, "1");
  }
  const FactorialSummary five = summary_of(5);  // 120
  EXPECT_EQ(five.digits, 3u);
  EXPECT_EQ(five.leading_digits, "120");
  EXPECT_EQ(five.trailing_zeros, 1u);
  EXPECT_EQ(five.last_nonzero_digits, "12");
  const FactorialSummary twenty_five = summary_of(25);  // 15511210043330985984000000
  EXPECT_EQ(twenty_five.digits, 26u);
  EXPECT_EQ(twenty_five.trailing_zeros, 6u);
  EXPECT_EQ(twenty_five.leading_digits, "15511210043330985984");
  EXPECT_EQ(twenty_five.last_nonzero_digits, "15511210043330985984");
}

TEST(SummarizeFactorial, LargerNInOneAndManyParts) {
  for (u64 n : {1501, 2000, 5263, 5310, 7854, 20000, 100000}) {
    for (std::uint32_t parts : {1u, 4u}) expect_summary_matches_decimal(n, parts, 2000);
  }
}

TEST(SummarizeFactorial, AMillion) {
  expect_summary_matches_decimal(1000000, 3, FactorialWork::kMinPartBits);
}

TEST(SummarizeFactorial, BitLengthTimesPowerOfTenIsExact) {
  gmp_randclass rng(gmp_randinit_mt);
  rng.seed(11);
  for (unsigned long bits : {1ul, 3ul, 64ul, 1000ul, 5000ul, 100000ul}) {
    for (u64 z : {0ul, 1ul, 7ul, 100ul, 24999ul}) {
      for (int i = 0; i < 3; ++i) {
        mpz_class m = rng.get_z_bits(bits);
        mpz_setbit(m.get_mpz_t(), bits - 1);
        mpz_class ten_z;
        mpz_ui_pow_ui(ten_z.get_mpz_t(), 10, z);
        const mpz_class x = m * ten_z;
        EXPECT_EQ(bit_length_times_power_of_ten(m, z), mpz_sizeinbase(x.get_mpz_t(), 2))
            << bits << "-bit m, z = " << z;
      }
    }
  }
  // m 5^z just below and at a power of two: the fallback decides.
  for (u64 z : {1ul, 30ul}) {
    mpz_class five_z;
    mpz_ui_pow_ui(five_z.get_mpz_t(), 5, z);
    const mpz_class at = mpz_class(1) << 200;
    const mpz_class m = at / five_z + 1;  // m 5^z just above 2^200
    mpz_class ten_z;
    mpz_ui_pow_ui(ten_z.get_mpz_t(), 10, z);
    EXPECT_EQ(bit_length_times_power_of_ten(m, z),
              mpz_sizeinbase(mpz_class(m * ten_z).get_mpz_t(), 2));
    const mpz_class below = at / five_z;  // just below
    EXPECT_EQ(bit_length_times_power_of_ten(below, z),
              mpz_sizeinbase(mpz_class(below * ten_z).get_mpz_t(), 2));
  }
}

// ----------------------------------------------------------- leading digits

// The digit count and first digits, as get_str has them.
void expect_leading(const mpz_class& x, std::size_t count, const std::string& what) {
  SCOPED_TRACE(what + " (" + std::to_string(mpz_sizeinbase(x.get_mpz_t(), 2)) + " bits), count " +
               std::to_string(count));
  const std::string digits = x.get_str();
  const LeadingDigits got = leading_digits(x, count);
  EXPECT_EQ(got.digits, digits.size());
  EXPECT_EQ(got.first, digits.substr(0, count));
}

TEST(LeadingDigits, RandomNumbersOfEverySize) {
  gmp_randclass rng(gmp_randinit_mt);
  rng.seed(7);
  for (unsigned long bits : {1ul, 10ul, 64ul, 100ul, 4000ul, 4095ul, 4096ul, 4097ul, 4200ul,
                             10000ul, 65536ul, 100000ul, 1000000ul}) {
    for (int i = 0; i < 5; ++i) {
      mpz_class x = rng.get_z_bits(bits);
      mpz_setbit(x.get_mpz_t(), bits - 1);  // exactly `bits` bits
      for (std::size_t count : {1, 5, 20, 40}) {
        if (count > x.get_str().size()) continue;
        expect_leading(x, count, "random");
      }
    }
  }
}

TEST(LeadingDigits, AtAndAroundPowersOfTen) {
  // 4319 bits and up: all on the float path, whose image of these sits on
  // (or within its error bar of) a digit boundary.
  for (unsigned long k : {1300ul, 2000ul, 2001ul, 50000ul, 50001ul}) {
    const std::string K = std::to_string(k);
    const mpz_class ten_k = pow_ui(10, k);
    // Runs of 9s or 0s longer than 320 bits resolve.
    for (std::size_t count : {1, 20, 21}) {
      expect_leading(ten_k - 1, count, "10^" + K + " - 1");
      expect_leading(ten_k, count, "10^" + K);
      expect_leading(ten_k + 1, count, "10^" + K + " + 1");
      expect_leading(2 * ten_k - 1, count, "2 10^" + K + " - 1");
      expect_leading(ten_k * 10 - 1, count, "10^" + K + "0 - 1");
    }
    // 30 equal digits then a different one: decided by the float, on the
    // right side of the power of ten.
    const mpz_class step = pow_ui(10, k - 30);
    expect_leading(ten_k - step, 20, "10^k - 10^(k-30), k = " + K);
    expect_leading(ten_k + step, 20, "10^k + 10^(k-30), k = " + K);
    expect_leading(ten_k - step, 25, "10^k - 10^(k-30), k = " + K);
    expect_leading(ten_k + 7 * step, 30, "10^k + 7 10^(k-30), k = " + K);
    expect_leading(ten_k * 10 - step, 20, "10^(k+1) - 10^(k-30), k = " + K);
    // 95 nines then an 8: just past the float's reach.
    const mpz_class near = ten_k - 2 * pow_ui(10, k - 96);
    expect_leading(near, 20, "10^k - 2 10^(k-96), k = " + K);
  }
}

TEST(LeadingDigits, ExactlyAtAPowerOfTen) {
  // A factorial never is one, but leading_digits takes any x: the digit
  // count must not be off by one when x is exactly 10^k.
  for (unsigned long k : {1234ul, 2000ul, 50000ul, 300000ul}) {
    const LeadingDigits got = leading_digits(pow_ui(10, k), 20);
    EXPECT_EQ(got.digits, k + 1) << "10^" << k;
    EXPECT_EQ(got.first, "1" + std::string(19, '0')) << "10^" << k;
  }
}

// ----------------------------------------------------- last nonzero digits

TEST(LastNonzeroDigits, FromResiduesOfSplitLists) {
  // The tail of a list is the tail of its halves combined, in any order.
  const std::vector<std::uint32_t> primes = odd_primes_upto(3000);
  std::vector<PrimePower> powers;
  for (std::uint32_t p : primes)
    powers.push_back({p, static_cast<std::uint32_t>(legendre_exponent(3000, p))});
  const TailResidues whole = tail_residues(powers);
  const std::size_t half = powers.size() / 3;
  const TailResidues a = tail_residues(std::span(powers).first(half));
  const TailResidues b = tail_residues(std::span(powers).subspan(half));
  EXPECT_EQ(combine(a, b).mod_2_64, whole.mod_2_64);
  EXPECT_EQ(combine(b, a).mod_5_20, whole.mod_5_20);
  // Against mpz: the product of p^e over p != 5, mod 2^64 and mod 5^20.
  mpz_class r = 1;
  for (const PrimePower& pp : powers) {
    if (pp.p != 5) r *= pow_ui(pp.p, pp.e);
  }
  EXPECT_EQ(mpz_class(r % pow_ui(5, 20)).get_ui(), whole.mod_5_20);
  mpz_class low;
  mpz_tdiv_r_2exp(low.get_mpz_t(), r.get_mpz_t(), 64);
  EXPECT_EQ(low.get_ui(), whole.mod_2_64);
  EXPECT_EQ(kFivePow20, pow_ui(5, 20).get_ui());
  // And the digits from them.
  const std::string kept = strip_trailing_zeros(factorial(3000).get_str());
  EXPECT_EQ(last_nonzero_digits(3000, whole, kept.size()), kept.substr(kept.size() - 20));
  EXPECT_EQ(last_nonzero_digits(3000, whole, 7), kept.substr(kept.size() - 7));
}

// --------------------------------------------------------- mod 2^61 - 1

const mpz_class kP = (mpz_class(1) << 61) - 1;

u64 mpz_mod_p(const mpz_class& x) {
  mpz_class r;
  mpz_fdiv_r(r.get_mpz_t(), x.get_mpz_t(), kP.get_mpz_t());
  return r.get_ui();
}

TEST(ModularCheck, MulmodMatchesMpz) {
  EXPECT_EQ(kCheckPrime, kP.get_ui());
  const std::vector<u64> edges = {0,
                                  1,
                                  2,
                                  3,
                                  kCheckPrime - 1,
                                  kCheckPrime - 2,
                                  kCheckPrime / 2,
                                  (u64{1} << 60),
                                  (u64{1} << 32) + 1,
                                  4000000000};
  for (u64 a : edges) {
    for (u64 b : edges) {
      ASSERT_EQ(mulmod_m61(a, b), mpz_mod_p(mpz_class(a) * b)) << a << " * " << b;
    }
  }
  std::mt19937_64 rng(61);
  for (int i = 0; i < 100000; ++i) {
    const u64 a = rng() % kCheckPrime;
    const u64 b = rng() % kCheckPrime;
    ASSERT_EQ(mulmod_m61(a, b), mpz_mod_p(mpz_class(a) * b)) << a << " * " << b;
  }
}

TEST(ModularCheck, ProductOfSlicesMatchesMpz) {
  EXPECT_EQ(product_mod_m61(Range{5, 5}), 1u);
  EXPECT_EQ(product_mod_m61(Range{7, 3}), 1u);
  EXPECT_EQ(product_mod_m61(Range{1, 1}), 1u);
  EXPECT_EQ(product_mod_m61(Range{0, 5}), 0u);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200; ++i) {
    const u64 lo = 1 + rng() % FactorialWork::kMaxN;
    const u64 hi = lo + rng() % 300;
    mpz_class want = 1;
    for (u64 k = lo; k < hi; ++k) want *= static_cast<unsigned long>(k);
    ASSERT_EQ(product_mod_m61(Range{lo, hi}), mpz_mod_p(want)) << "[" << lo << ", " << hi << ")";
  }
  // n! mod p, whole or by slices, is mod_m61 of mpz_fac_ui.
  for (u64 n : {0, 1, 2, 20, 21, 100, 5310, 100000}) {
    const u64 whole = product_mod_m61(Range{1, n + 1});
    EXPECT_EQ(whole, mod_m61(factorial(n))) << n;
    EXPECT_EQ(whole, mpz_mod_p(factorial(n))) << n;
    u64 sliced = 1;
    for (u64 r = 0; r < 3; ++r) {
      sliced = mulmod_m61(sliced, product_mod_m61(Range{1 + n * r / 3, 1 + n * (r + 1) / 3}));
    }
    EXPECT_EQ(sliced, whole) << n;
  }
}

TEST(ModularCheck, ModOfBigIntegers) {
  const std::vector<mpz_class> values = {mpz_class(0),
                                         mpz_class(1),
                                         kP - 1,
                                         kP,
                                         kP + 1,
                                         kP * kP,
                                         kP * kP - 1,
                                         kP * 12345,
                                         mpz_class(1) << 61,
                                         mpz_class(1) << 122,
                                         (mpz_class(1) << 1000) + 12345,
                                         pow_ui(10, 300000) + 7};
  for (const mpz_class& x : values) {
    EXPECT_EQ(mod_m61(x), mpz_mod_p(x)) << x.get_str().substr(0, 40);
  }
  gmp_randclass rng(gmp_randinit_mt);
  rng.seed(5);
  for (int i = 0; i < 50; ++i) {
    const mpz_class x = rng.get_z_bits(1 + i * 997);
    EXPECT_EQ(mod_m61(x), mpz_mod_p(x));
  }
  // A single flipped limb changes the residue.
  mpz_class f = factorial(5310);
  const u64 before = mod_m61(f);
  mpz_combit(f.get_mpz_t(), 64 * 50 + 3);
  EXPECT_NE(mod_m61(f), before);
}

}  // namespace
}  // namespace rf
