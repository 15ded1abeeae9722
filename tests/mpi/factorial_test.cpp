// The factorial machinery at whatever rank count mpiexec gave us: n! from
// the farm under every schedule equals mpz_fac_ui digit for digit, the
// product of integers spread over the ranks equals the serial product, the
// parallel decimal conversion equals mpz_get_str, and a corrupted limb is
// caught by the check on every rank.
#include <gmpxx.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "rangefarm/bigint/distributed_product.hpp"
#include "rangefarm/bigint/factorial_farm.hpp"
#include "rangefarm/bigint/parallel_decimal.hpp"
#include "rangefarm/work/factorial.hpp"
#include "rangefarm/work/modular_check.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;
using u64 = std::uint64_t;

const std::vector<ScheduleKind> kAllKinds{ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic,
                                          ScheduleKind::Dynamic, ScheduleKind::Guided};

const std::vector<u64> kNs{0, 1, 2, 20, 21, 100, 5310, 5263, 7854, 100000};

mpz_class factorial(u64 n) {
  mpz_class f;
  mpz_fac_ui(f.get_mpz_t(), n);
  return f;
}

// mpz_fac_ui(n) in decimal, made once per n (rank 0 is the only caller).
const std::string& reference_digits(u64 n) {
  static std::map<u64, std::string> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, factorial(n).get_str()).first;
  return it->second;
}

std::string strip_trailing_zeros(const std::string& s) {
  return s.substr(0, s.find_last_not_of('0') + 1);
}

struct Collected {
  std::vector<u64> order;  // n of each call, in call order
  std::map<u64, std::string> digits;
};

// Runs compute_factorials with a sink collecting the digits, and checks
// everything rank 0 can check against mpz_fac_ui.
void expect_factorials_match_gmp(const mpi::communicator& comm, const std::vector<u64>& ns,
                                 const ScheduleSpec& spec, double min_part_bits) {
  SCOPED_TRACE(std::string(schedule_name(spec.kind)) + " K=" + std::to_string(spec.chunk) +
               " min_part_bits=" + std::to_string(min_part_bits));
  Collected got;
  const FactorialRequest request{ns,
                                 spec,
                                 [&got](u64 n, const std::string& digits) {
                                   got.order.push_back(n);
                                   got.digits[n] = digits;
                                 },
                                 min_part_bits,
                                 {}};
  const FactorialOutcome out = compute_factorials(comm, request);
  EXPECT_FALSE(out.check_failed);
  if (comm.rank() != 0) {
    EXPECT_TRUE(got.order.empty()) << "the sink is called on rank 0 only";
    return;
  }
  // Results and digits in the order given, every n once.
  EXPECT_EQ(got.order, ns);
  ASSERT_EQ(out.results.size(), ns.size());
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const u64 n = ns[i];
    SCOPED_TRACE(std::to_string(n) + "!");
    const FactorialResult& r = out.results[i];
    const std::string& want = reference_digits(n);
    // The bit-for-bit check: the whole decimal string, byte for byte.
    EXPECT_TRUE(got.digits[n] == want)
        << "digits differ: got " << got.digits[n].size() << " digits, want " << want.size();
    EXPECT_EQ(r.summary.n, n);
    EXPECT_TRUE(r.check.ok);
    EXPECT_EQ(r.check.from_product, r.check.independent);
    EXPECT_EQ(r.check.independent, mod_m61(factorial(n)));
    const std::string kept = strip_trailing_zeros(want);
    EXPECT_EQ(r.summary.digits, want.size());
    EXPECT_EQ(r.summary.bits, mpz_sizeinbase(factorial(n).get_mpz_t(), 2));
    EXPECT_EQ(r.summary.trailing_zeros, want.size() - kept.size());
    EXPECT_EQ(r.summary.leading_digits, want.substr(0, 20));
    EXPECT_EQ(r.summary.last_nonzero_digits,
              kept.substr(kept.size() - std::min<std::size_t>(20, kept.size())));
  }
  // The farm of pieces accounts for every piece, one timing per rank.
  const double part_bits = min_part_bits > 0 ? min_part_bits : FactorialWork::kMinPartBits;
  const FactorialWork work(ns, static_cast<std::uint32_t>(comm.size()), part_bits);
  ASSERT_EQ(out.timings.size(), static_cast<std::size_t>(comm.size()));
  EXPECT_EQ(items_total(out.timings), work.pieces());
  for (int r = 0; r < comm.size(); ++r) EXPECT_EQ(out.timings[r].rank, r);
  const FactorialPhases& p = out.phases;
  for (double s : {p.pieces_s, p.combine_s, p.check_s, p.decimal_s}) EXPECT_GE(s, 0);
  EXPECT_GE(out.wall_s, 0);
}

TEST(FactorialFarm, EveryScheduleMatchesGmpDigitForDigit) {
  mpi::communicator comm;
  for (ScheduleKind kind : kAllKinds) {
    for (u64 chunk : {1, 3}) {
      expect_factorials_match_gmp(comm, kNs, {kind, chunk}, 0);
    }
  }
}

TEST(FactorialFarm, SmallPartsSplitEvenSmallN) {
  // Parts of 2000 bits: 100! is one piece, 5310! (58 kbit) one per rank,
  // so pieces outnumber ranks and every schedule deals many of them.
  mpi::communicator comm;
  for (ScheduleKind kind : kAllKinds) {
    for (u64 chunk : {1, 2}) {
      expect_factorials_match_gmp(comm, kNs, {kind, chunk}, 2000);
    }
  }
}

TEST(FactorialFarm, OrderAndRepeats) {
  mpi::communicator comm;
  expect_factorials_match_gmp(comm, {7854, 5310, 5263}, {ScheduleKind::Dynamic, 1}, 0);
  expect_factorials_match_gmp(comm, {100000, 3, 100000, 0}, {ScheduleKind::Guided, 1}, 2000);
  expect_factorials_match_gmp(comm, {1}, {ScheduleKind::StaticBlock, 1}, 0);
}

TEST(FactorialFarm, NoDecimalSinkStillSummarises) {
  mpi::communicator comm;
  const FactorialRequest request{{100000, 7}, {ScheduleKind::StaticCyclic, 1}, {}, 0, {}};
  const FactorialOutcome out = compute_factorials(comm, request);
  EXPECT_FALSE(out.check_failed);
  if (comm.rank() != 0) return;
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_EQ(out.results[0].summary.digits, 456574u);
  EXPECT_EQ(out.results[0].summary.trailing_zeros, 24999u);
  EXPECT_EQ(out.results[1].summary.leading_digits, "5040");
  EXPECT_EQ(out.phases.decimal_s, 0);
}

// Sets an environment variable on this rank for the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

TEST(FactorialFarm, FlippedLimbFailsTheCheckOnEveryRank) {
  mpi::communicator comm;
  for (ScheduleKind kind : {ScheduleKind::Dynamic, ScheduleKind::StaticBlock}) {
    SCOPED_TRACE(std::string(schedule_name(kind)));
    int sink_calls = 0;
    FactorialOutcome out;
    {
      const ScopedEnv flip("RANGEFARM_TEST_FLIP_LIMB", "1");
      const FactorialRequest request{
          {100000, 20, 5}, {kind, 1}, [&](u64, const std::string&) { ++sink_calls; }, 0, {}};
      out = compute_factorials(comm, request);
    }
    EXPECT_TRUE(out.check_failed);
    EXPECT_EQ(sink_calls, 0) << "a failed n! must not be converted";
    // Every rank agrees that it failed.
    int failed_ranks = 0;
    mpi::all_reduce(comm, out.check_failed ? 1 : 0, failed_ranks, std::plus<int>());
    EXPECT_EQ(failed_ranks, comm.size());
    if (comm.rank() == 0) {
      // The run stops at the first failed check.
      ASSERT_EQ(out.results.size(), 1u);
      const FactorialCheck& check = out.results[0].check;
      EXPECT_FALSE(check.ok);
      EXPECT_EQ(out.results[0].summary.n, 100000u);
      EXPECT_EQ(check.independent, mod_m61(factorial(100000)));
      EXPECT_NE(check.from_product, check.independent);
    }
  }
  // And without the hook the same request passes again.
  expect_factorials_match_gmp(comm, {100000, 20, 5}, {ScheduleKind::Dynamic, 1}, 0);
}

TEST(FactorialFarm, FlippedLimbOfOneIsCaughtToo) {
  mpi::communicator comm;
  FactorialOutcome out;
  {
    const ScopedEnv flip("RANGEFARM_TEST_FLIP_LIMB", "1");
    out = compute_factorials(comm, {{0, 1}, {ScheduleKind::Dynamic, 1}, {}, 0, {}});
  }
  EXPECT_TRUE(out.check_failed);
  if (comm.rank() == 0) {
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_EQ(out.results[0].summary.n, 0u);
    EXPECT_FALSE(out.results[0].check.ok);
  }
}

TEST(FactorialFarm, FailingSinkOnRankZeroThrowsOnEveryRank) {
  // A write error on rank 0 must reach every rank, not leave the others
  // waiting in the next collective.
  mpi::communicator comm;
  int calls = 0;
  const FactorialRequest request{{5310, 100000, 20},
                                 {ScheduleKind::Dynamic, 1},
                                 [&](u64 n, const std::string&) {
                                   ++calls;
                                   if (n == 100000) throw std::runtime_error("disk full");
                                 },
                                 0,
                                 {}};
  try {
    compute_factorials(comm, request);
    ADD_FAILURE() << "no exception on rank " << comm.rank();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("disk full"), std::string::npos) << e.what();
  }
  EXPECT_EQ(calls, comm.rank() == 0 ? 2 : 0);
  // The ranks are still in step.
  expect_factorials_match_gmp(comm, {20}, {ScheduleKind::Dynamic, 1}, 0);
}

// ------------------------------------------------------ multiply_across_ranks

struct Operands {
  std::vector<Factor> factors;
  std::vector<mpz_class> values;  // all of them, identical on every rank
};

// Random operands of the given sizes on random holders, the same on every
// rank (fixed seeds); negative ones when asked.
Operands random_operands(const mpi::communicator& comm, const std::vector<u64>& bits, u64 seed,
                         bool signs = false) {
  std::mt19937_64 pick(seed);
  gmp_randclass rng(gmp_randinit_mt);
  rng.seed(static_cast<unsigned long>(seed));
  Operands out;
  for (const u64 b : bits) {
    mpz_class v = rng.get_z_bits(b);
    mpz_setbit(v.get_mpz_t(), b - 1);
    if (signs && pick() % 2 == 0) v = -v;
    const int holder = static_cast<int>(pick() % static_cast<u64>(comm.size()));
    out.factors.push_back({holder, mpz_sizeinbase(v.get_mpz_t(), 2)});
    out.values.push_back(v);
  }
  return out;
}

void expect_product_matches(const mpi::communicator& comm, const Operands& ops, int root) {
  std::map<std::size_t, mpz_class> mine;
  for (std::size_t i = 0; i < ops.factors.size(); ++i) {
    if (ops.factors[i].holder == comm.rank()) mine.emplace(i, ops.values[i]);
  }
  const mpz_class got = multiply_across_ranks(comm, ops.factors, mine, root);
  if (comm.rank() != root) {
    EXPECT_EQ(got, 0) << "only root gets the product";
    return;
  }
  mpz_class want = 1;
  for (const mpz_class& v : ops.values) want *= v;
  EXPECT_TRUE(got == want) << ops.factors.size() << " operands to root " << root << ": got "
                           << mpz_sizeinbase(got.get_mpz_t(), 2) << " bits, want "
                           << mpz_sizeinbase(want.get_mpz_t(), 2);
}

std::vector<int> roots(const mpi::communicator& comm) {
  std::vector<int> out{0};
  if (comm.size() > 1) out.push_back(comm.size() - 1);
  if (comm.size() > 2) out.push_back(comm.size() / 2);
  return out;
}

TEST(FactorialProduct, EmptyListIsOneOnRoot) {
  mpi::communicator comm;
  for (int root : roots(comm)) {
    std::map<std::size_t, mpz_class> mine;
    const mpz_class got = multiply_across_ranks(comm, {}, mine, root);
    EXPECT_EQ(got, comm.rank() == root ? 1 : 0) << "root " << root;
  }
}

TEST(FactorialProduct, OneOperandTravelsToRoot) {
  mpi::communicator comm;
  for (int root : roots(comm)) {
    for (int seed = 1; seed <= 3; ++seed) {
      expect_product_matches(comm, random_operands(comm, {5000}, seed), root);
    }
  }
}

TEST(FactorialProduct, RandomSmallOperandsOnRandomHolders) {
  mpi::communicator comm;
  std::mt19937_64 sizes(99);  // same sizes on every rank
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<u64> bits;
    const std::size_t count = 1 + sizes() % 12;
    for (std::size_t i = 0; i < count; ++i) bits.push_back(1 + sizes() % 200000);
    const int root = roots(comm)[static_cast<std::size_t>(trial) % roots(comm).size()];
    SCOPED_TRACE("trial " + std::to_string(trial));
    expect_product_matches(comm, random_operands(comm, bits, 1000 + trial), root);
  }
}

TEST(FactorialProduct, EqualSizesAndTinyOperands) {
  mpi::communicator comm;
  expect_product_matches(comm, random_operands(comm, std::vector<u64>(9, 64), 7), 0);
  expect_product_matches(comm, random_operands(comm, {1, 1, 2, 1, 3}, 8), 0);
}

TEST(FactorialProduct, OperandsAboveTheSplitThreshold) {
  // 2^22 bits and up on both sides: operands on different ranks are
  // multiplied half by each (the split multiply).
  mpi::communicator comm;
  const u64 big = u64{1} << 22;
  const std::vector<std::vector<u64>> cases = {
      {big, big},
      {big + 12345, big + 777, big + 5000},
      {big + 64, 100000, big + 1, 3000, 2 * big},
      {big - 1, big + 1},  // one side below: sent whole
  };
  for (std::size_t c = 0; c < cases.size(); ++c) {
    for (int root : roots(comm)) {
      SCOPED_TRACE("case " + std::to_string(c) + ", root " + std::to_string(root));
      Operands ops = random_operands(comm, cases[c], 500 + c);
      // Deal the operands one to a rank in turn, so the big ones sit on
      // different ranks whenever there are several.
      for (std::size_t i = 0; i < ops.factors.size(); ++i) {
        ops.factors[i].holder = static_cast<int>((i + c) % static_cast<std::size_t>(comm.size()));
      }
      expect_product_matches(comm, ops, root);
    }
  }
}

TEST(FactorialProduct, NegativeOperands) {
  mpi::communicator comm;
  const u64 big = u64{1} << 22;
  expect_product_matches(comm, random_operands(comm, {300, 5000, 70, 100000}, 31, true), 0);
  Operands ops = random_operands(comm, {big + 3, big + 99}, 32, true);
  ops.values[0] = -ops.values[0];
  ops.factors[1].holder = comm.size() - 1;
  expect_product_matches(comm, ops, 0);
}

// --------------------------------------------------- to_decimal_across_ranks

void expect_decimal_matches(const mpi::communicator& comm, const mpz_class& x,
                            const std::string& what) {
  for (int root : roots(comm)) {
    SCOPED_TRACE(what + ", root " + std::to_string(root));
    // Only root's x is read: the others pass something else.
    const mpz_class input = comm.rank() == root ? x : mpz_class(42);
    const std::string got = to_decimal_across_ranks(comm, input, root);
    if (comm.rank() != root) {
      EXPECT_TRUE(got.empty()) << got.size() << " digits on rank " << comm.rank();
      continue;
    }
    const std::string want = x.get_str();
    if (got == want) continue;
    std::size_t at = 0;
    while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
    ADD_FAILURE() << "got " << got.size() << " digits, want " << want.size()
                  << "; first difference at digit " << at;
  }
}

mpz_class ten_to(unsigned long k) {
  mpz_class r;
  mpz_ui_pow_ui(r.get_mpz_t(), 10, k);
  return r;
}

// A random number of exactly `digits` decimal digits, the same on every rank.
mpz_class random_digits(std::size_t digits, u64 seed) {
  gmp_randclass rng(gmp_randinit_mt);
  rng.seed(static_cast<unsigned long>(seed));
  const mpz_class low = ten_to(digits - 1);
  return low + rng.get_z_range(9 * low);
}

TEST(FactorialDecimal, SmallNumbers) {
  mpi::communicator comm;
  for (const mpz_class& x :
       std::vector<mpz_class>{0, 1, 9, 10, 99, mpz_class("12345678901234567890123")}) {
    expect_decimal_matches(comm, x, x.get_str());
  }
}

TEST(FactorialDecimal, RandomNumbersAroundTheSplitThreshold) {
  mpi::communicator comm;
  for (std::size_t digits : {1000, 199999, 200000, 200001, 300001, 450000, 1000000}) {
    expect_decimal_matches(comm, random_digits(digits, digits),
                           "random, " + std::to_string(digits) + " digits");
  }
}

TEST(FactorialDecimal, RunsOfZerosAndNines) {
  mpi::communicator comm;
  const std::vector<std::pair<std::string, mpz_class>> cases = {
      {"10^300000 + 7", ten_to(300000) + 7},
      {"10^300000", ten_to(300000)},
      {"10^300000 - 1", ten_to(300000) - 1},
      {"10^600000 + 10^300000 + 1", ten_to(600000) + ten_to(300000) + 1},
      {"2 10^599999 + 5", 2 * ten_to(599999) + 5},
      {"10^1000000 + 10^999999", ten_to(1000000) + ten_to(999999)},
      {"(10^700000 - 1) 10^100", (ten_to(700000) - 1) * ten_to(100)},
  };
  for (const auto& [what, x] : cases) expect_decimal_matches(comm, x, what);
}

TEST(FactorialDecimal, SparseDigitsAcrossEverySplitPoint) {
  // Mostly zeros, with a few nonzero digits at random places: a part that
  // starts or ends with zeros must keep them.
  mpi::communicator comm;
  std::mt19937_64 rng(4242);
  for (std::size_t digits : {400000, 900000}) {
    std::string s(digits, '0');
    s[0] = '1' + static_cast<char>(rng() % 9);
    for (int i = 0; i < 12; ++i) s[rng() % digits] = '1' + static_cast<char>(rng() % 9);
    expect_decimal_matches(comm, mpz_class(s), "sparse, " + std::to_string(digits) + " digits");
  }
}

TEST(FactorialDecimal, FactorialsAsTheFarmConvertsThem) {
  mpi::communicator comm;
  for (u64 n : {5310, 100000, 200000}) {
    expect_decimal_matches(comm, factorial(n), std::to_string(n) + "!");
  }
}

}  // namespace
}  // namespace rf
