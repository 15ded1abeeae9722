// Micro-benchmarks of the `factorial` kernel against GMP, one thread, no MPI:
//
//   BM_Factorial/n/gmp      n! the way one rank computes it when it holds all
//                           the pieces: rf::product_of_prime_powers over every
//                           odd prime p <= n with its Legendre exponent, then
//                           the power of two as a shift (gmp = 0); against
//                           GMP's own mpz_fac_ui (gmp = 1). The two runs of
//                           one n are registered one after the other (Args, not
//                           ArgsProduct, which varies the first argument
//                           fastest), so the output reads side by side.
//   BM_PrimePowerList/n     the set-up the kernel timing leaves out: the odd
//                           primes up to n (primesieve) and their exponents.
//   BM_Decimal/n/gmp        n! to decimal digits: rangefarm's conversion path
//                           at one rank, rf::to_decimal_across_ranks on a
//                           communicator of this process alone (gmp = 0),
//                           against GMP's mpz_get_str (gmp = 1). At one rank
//                           our path is mpz_get_str straight into the output
//                           string (the split across ranks needs two or more):
//                           the difference is its overhead. Before timing the
//                           two strings must be equal.
//
// Before timing, the kernel's n! is checked once against mpz_fac_ui: a wrong
// product stops the benchmark. Counters: bits of n! and, for the list, the
// number of odd primes.
//
// 1e7! takes seconds (mpz_fac_ui about 2 s on one core), so it runs a
// fixed two iterations; the smaller n run for a minimum time.
//
// The conversion needs MPI, so main() initialises it: run the benchmark alone
// (Open MPI's singleton), not under mpirun with more than one rank.
//
// Run: build/bench/factorial_bench [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>
#include <gmp.h>
#include <gmpxx.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <primesieve.hpp>
#include <string>
#include <vector>

#include "rangefarm/bigint/parallel_decimal.hpp"
#include "rangefarm/work/factorial.hpp"
#include "rangefarm/work/prime_powers.hpp"

namespace {

constexpr std::int64_t kE5 = 100'000;
constexpr std::int64_t kE6 = 1'000'000;
constexpr std::int64_t kE7 = 10'000'000;

// Every odd prime p <= n with its exponent in n!.
std::vector<rf::PrimePower> odd_prime_powers(std::uint64_t n) {
  std::vector<std::uint32_t> primes;
  if (n >= 3) primesieve::generate_primes(std::uint64_t{3}, n, &primes);
  std::vector<rf::PrimePower> powers;
  powers.reserve(primes.size());
  for (const std::uint32_t p : primes) {
    powers.push_back({p, static_cast<std::uint32_t>(rf::legendre_exponent(n, p))});
  }
  return powers;
}

// n! from its odd prime powers and the power of two.
mpz_class kernel_factorial(std::uint64_t n, const std::vector<rf::PrimePower>& powers) {
  static const rf::Yield yield = [] {};
  mpz_class f = rf::product_of_prime_powers(powers, yield);
  mpz_mul_2exp(f.get_mpz_t(), f.get_mpz_t(), rf::legendre_exponent(n, 2));
  return f;
}

mpz_class gmp_factorial(std::uint64_t n) {
  mpz_class f;
  mpz_fac_ui(f.get_mpz_t(), n);
  return f;
}

void BM_Factorial(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const bool gmp = state.range(1) != 0;
  state.SetLabel(gmp ? "mpz_fac_ui" : "rangefarm");
  const std::vector<rf::PrimePower> powers = odd_prime_powers(n);
  const mpz_class reference = gmp_factorial(n);
  if (!gmp && kernel_factorial(n, powers) != reference) {
    state.SkipWithError("product_of_prime_powers disagrees with mpz_fac_ui");
    return;
  }
  for (auto _ : state) {
    const mpz_class f = gmp ? gmp_factorial(n) : kernel_factorial(n, powers);
    benchmark::DoNotOptimize(f.get_mpz_t()->_mp_d);
  }
  state.counters["bits"] = static_cast<double>(mpz_sizeinbase(reference.get_mpz_t(), 2));
}
// n = 1e5 and 1e6, ours then GMP's for each, for a minimum time.
void small_n_side_by_side(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "gmp"});
  for (const std::int64_t n : {kE5, kE6}) b->Args({n, 0})->Args({n, 1});
  b->Unit(benchmark::kMillisecond)->MinTime(0.5);
}

BENCHMARK(BM_Factorial)->Apply(small_n_side_by_side);
BENCHMARK(BM_Factorial)
    ->ArgNames({"n", "gmp"})
    ->Args({kE7, 0})
    ->Args({kE7, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

void BM_PrimePowerList(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  std::size_t primes = 0;
  for (auto _ : state) {
    const std::vector<rf::PrimePower> powers = odd_prime_powers(n);
    primes = powers.size();
    benchmark::DoNotOptimize(powers.data());
  }
  state.counters["odd_primes"] = static_cast<double>(primes);
}
BENCHMARK(BM_PrimePowerList)->Arg(kE5)->Arg(kE6)->Arg(kE7)->Unit(benchmark::kMillisecond);

std::string gmp_decimal(const mpz_class& x) {
  const std::unique_ptr<char, decltype(&std::free)> digits(mpz_get_str(nullptr, 10, x.get_mpz_t()),
                                                           &std::free);
  return digits.get();
}

void BM_Decimal(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const bool gmp = state.range(1) != 0;
  state.SetLabel(gmp ? "mpz_get_str" : "to_decimal_across_ranks, 1 rank");
  const boost::mpi::communicator self(MPI_COMM_SELF, boost::mpi::comm_attach);
  const mpz_class f = gmp_factorial(n);
  const auto convert = [&] {
    return gmp ? gmp_decimal(f) : rf::to_decimal_across_ranks(self, f, 0);
  };
  std::string digits = convert();
  if (digits != gmp_decimal(f)) {
    state.SkipWithError("to_decimal_across_ranks disagrees with mpz_get_str");
    return;
  }
  for (auto _ : state) {
    digits = convert();
    benchmark::DoNotOptimize(digits.data());
  }
  state.counters["digits"] = static_cast<double>(digits.size());
}
BENCHMARK(BM_Decimal)->Apply(small_n_side_by_side);

}  // namespace

int main(int argc, char** argv) {
  const boost::mpi::environment env(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
