// Micro-benchmarks of the `mersenne` workload's Lucas-Lehmer kernel, one
// thread, no MPI:
//
//   BM_LucasLehmerStep/p    one iteration s -> s^2 - 2 mod 2^p - 1: GMP's
//                           squaring (mpz_mul) and rf::reduce_mod_mersenne,
//                           the public reduction. The loop of lucas_lehmer()
//                           is internal to lucas_lehmer.cpp, so this is the
//                           same step rebuilt from its public parts, as in
//                           the test's loop (add M where s < 2, subtract 2,
//                           reduce). p up to 24989, the largest prime of
//                           `mersenne --to 25000`, and beyond to 86243.
//   BM_LucasLehmerTest/p    rf::lucas_lehmer(p), the whole test, the smallest
//                           public unit of the workload (p - 2 steps); the
//                           verdict must be the known one or the benchmark
//                           stops.
//
// Counters: items/s is steps/s (BM_LucasLehmerStep) or tests/s.
//
// Run: build/bench/mersenne_bench [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>
#include <gmpxx.h>

#include <cstdint>

#include "rangefarm/work/lucas_lehmer.hpp"

namespace {

// s -> s^2 - 2 mod mersenne = 2^p - 1, as lucas_lehmer() steps.
void step(mpz_class& s, const mpz_class& mersenne, std::uint64_t p) {
  mpz_mul(s.get_mpz_t(), s.get_mpz_t(), s.get_mpz_t());
  if (s < 2) s += mersenne;  // s^2 - 2 must stay non-negative
  s -= 2;
  rf::reduce_mod_mersenne(s, p);
}

void BM_LucasLehmerStep(benchmark::State& state) {
  const auto p = static_cast<std::uint64_t>(state.range(0));
  mpz_class mersenne;
  mpz_ui_pow_ui(mersenne.get_mpz_t(), 2, p);
  mersenne -= 1;
  // A residue of about p bits: the sequence from s(0) = 4 after 64 steps.
  // The test stops at s(p - 2); beyond, a prime p's sequence falls to the
  // fixed point 2 (0, -2, 2, 2, ...), so it starts over before s(p - 2).
  constexpr std::uint64_t kStart = 64;
  mpz_class start = 4;
  for (std::uint64_t i = 0; i < kStart; ++i) step(start, mersenne, p);
  mpz_class s = start;
  std::uint64_t at = kStart;
  for (auto _ : state) {
    step(s, mersenne, p);
    if (++at == p - 2) {
      s = start;
      at = kStart;
    }
    benchmark::DoNotOptimize(s.get_mpz_t()->_mp_d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LucasLehmerStep)
    ->ArgName("p")
    ->Arg(11213)
    ->Arg(21701)
    ->Arg(24989)
    ->Arg(44497)
    ->Arg(86243)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.3);

// p with its known verdict: 2^p - 1 is prime for 4423 and 9689 (A000043),
// composite for the primes 4441 and 9697.
void BM_LucasLehmerTest(benchmark::State& state) {
  const auto p = static_cast<std::uint64_t>(state.range(0));
  const bool prime = state.range(1) != 0;
  const rf::Yield yield = [] {};
  for (auto _ : state) {
    const rf::LucasLehmerResult r = rf::lucas_lehmer(p, yield);
    if (r.prime != prime) {
      state.SkipWithError("Lucas-Lehmer verdict differs from the known one");
      break;
    }
    benchmark::DoNotOptimize(r.res64);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LucasLehmerTest)
    ->ArgNames({"p", "prime"})
    ->Args({4423, 1})
    ->Args({4441, 0})
    ->Args({9689, 1})
    ->Args({9697, 0})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.3);

}  // namespace
