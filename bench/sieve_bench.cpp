// Micro-benchmarks of the `perfect` workload, one thread, no MPI:
//
//   BM_SigmaSieveRun/count/start   SigmaSieve::run over [start, start + count),
//                                  sigma only (the consumer reads one value).
//                                  Near 1e10 (where scripts/bench.sh times the
//                                  whole process) also one segment, kBlock
//                                  numbers: the unit of the sieve's work.
//   BM_PerfectProcess/method/to    PerfectSearch::process over [1, to], sieve
//                                  (method 0) against trial division (method 1).
//   BM_PerfectProcessSieve/...     PerfectSearch::process by sieve over the same
//                                  ranges as BM_SigmaSieveRun: the difference is
//                                  what classification (and the yield call) costs.
//   BM_ClassifyKernel              the classification loop alone, on precomputed
//                                  sigma values (a copy of the loop in perfect.cpp,
//                                  which is internal there).
//   BM_ChunkCurve/chunk/start/span PerfectSearch::process over [start, start + span)
//                                  in chunks of `chunk`, in order, by one workload
//                                  object (as one rank does): the chunk-size curve.
//                                  Rate at a chunk over the rate at chunk = span is
//                                  what a chunk's set-up costs (scripts/bench.sh
//                                  --only chunks; bench/plot_chunk_curve.py).
//   BM_ReferenceSieve/count/start  the simple divisor-pair sieve everyone writes
//                                  first (every d <= sqrt(n) adds d and n / d to its
//                                  multiples), over the ranges of BM_PerfectProcessSieve:
//                                  the reference the sieve's per-core rate is held to.
//
// Every benchmark reports items (numbers) per second. Set-up (sieving primes,
// PerfectSearch construction) is outside the timed loop; the per-call set-up of
// run() (first multiples, bucket ring) is inside, as it is per chunk in the app.
//
// Run: build/bench/sieve_bench [--benchmark_filter=REGEX] [--benchmark_min_time=0.1]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/isqrt.hpp"
#include "rangefarm/work/perfect.hpp"
#include "rangefarm/work/perfect_sieve.hpp"

namespace {

constexpr std::int64_t kE6 = 1'000'000;
constexpr std::int64_t kE7 = 10'000'000;
constexpr std::int64_t kE9 = 1'000'000'000;
constexpr std::int64_t kE10 = 10'000'000'000;
constexpr std::int64_t kE12 = 1'000'000'000'000;

// Short but stable enough on a loaded 2-core machine.
constexpr double kMinTime = 0.3;

rf::Range range_at(std::int64_t start, std::int64_t count) {
  const auto lo = static_cast<std::uint64_t>(start);
  return rf::Range{lo, lo + static_cast<std::uint64_t>(count)};
}

// ---------------------------------------------------------------------------
// SigmaSieve::run, sigma only.

void BM_SigmaSieveRun(benchmark::State& state) {
  const std::int64_t count = state.range(0);
  const std::int64_t start = state.range(1);
  const rf::Range range = range_at(start, count);
  const rf::SigmaSieve sieve(range.hi - 1);
  std::uint64_t sink = 0;
  for (auto _ : state) {
    sieve.run(range, [&](std::uint64_t first, std::span<const std::uint64_t> sigma) {
      sink += first ^ sigma.back();
    });
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(BM_SigmaSieveRun)
    ->ArgNames({"count", "start"})
    ->ArgsProduct({{kE6, kE7}, {1, kE9, kE12}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(kMinTime);
// One segment and 1e6 numbers near 1e10.
BENCHMARK(BM_SigmaSieveRun)
    ->ArgNames({"count", "start"})
    ->Args({rf::SigmaSieve::kBlock, kE10})
    ->Args({kE6, kE10})
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(kMinTime);

// ---------------------------------------------------------------------------
// PerfectSearch::process, sieve against trial division, over [1, to].

// Every perfect number up to 1e6: a wrong answer stops the benchmark.
constexpr std::uint64_t kPerfectUpTo1e6 = 4;  // 6, 28, 496, 8128

void BM_PerfectProcess(benchmark::State& state) {
  const auto method = state.range(0) == 0 ? rf::PerfectMethod::Sieve : rf::PerfectMethod::Trial;
  const std::int64_t to = state.range(1);
  const rf::Range range = rf::inclusive(1, static_cast<std::uint64_t>(to));
  const rf::PerfectSearch search(method, range.hi - 1);
  const rf::Yield yield = [] {};
  state.SetLabel(std::string(rf::perfect_method_name(method)));
  for (auto _ : state) {
    const rf::PerfectPartial r = search.process(range, yield);
    if (r.perfect != kPerfectUpTo1e6 || r.deficient + r.perfect + r.abundant != range.size()) {
      state.SkipWithError("wrong counts");
      break;
    }
    benchmark::DoNotOptimize(r.abundant);
  }
  state.SetItemsProcessed(state.iterations() * to);
}
// Trial division over [1, 1e6] takes a second or more: one iteration is
// enough there (MinTime stops after the first one that exceeds it).
BENCHMARK(BM_PerfectProcess)
    ->ArgNames({"trial", "to"})
    ->ArgsProduct({{0, 1}, {100'000, kE6}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.2);

// ---------------------------------------------------------------------------
// Classification overhead: PerfectSearch::process by sieve over the same
// ranges as BM_SigmaSieveRun (compare items/s pairwise).

void BM_PerfectProcessSieve(benchmark::State& state) {
  const std::int64_t count = state.range(0);
  const std::int64_t start = state.range(1);
  const rf::Range range = range_at(start, count);
  const rf::PerfectSearch search(rf::PerfectMethod::Sieve, range.hi - 1);
  const rf::Yield yield = [] {};
  for (auto _ : state) {
    const rf::PerfectPartial r = search.process(range, yield);
    benchmark::DoNotOptimize(r.abundant);
  }
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(BM_PerfectProcessSieve)
    ->ArgNames({"count", "start"})
    ->ArgsProduct({{kE7}, {1, kE9, kE10, kE12}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(kMinTime);

// The classification loop alone, on one block of real sigma values near 1e9.
void BM_ClassifyKernel(benchmark::State& state) {
  const rf::Range range = range_at(kE9, rf::SigmaSieve::kBlock);
  const rf::SigmaSieve sieve(range.hi - 1);
  std::vector<std::uint64_t> sigma;
  sieve.run(range, [&](std::uint64_t, std::span<const std::uint64_t> s) {
    sigma.insert(sigma.end(), s.begin(), s.end());
  });
  for (auto _ : state) {
    rf::PerfectPartial out;
    rf::classify_sigma(range.lo, sigma, out);
    benchmark::DoNotOptimize(out.abundant);
    benchmark::DoNotOptimize(out.deficient);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(sigma.size()));
}
BENCHMARK(BM_ClassifyKernel)->Unit(benchmark::kMicrosecond)->MinTime(kMinTime);

// ---------------------------------------------------------------------------
// The chunk-size curve: one workload object over a span, chunk by chunk.

void BM_ChunkCurve(benchmark::State& state) {
  const auto chunk = static_cast<std::uint64_t>(state.range(0));
  const std::int64_t start = state.range(1);
  const std::int64_t span = state.range(2);
  const rf::Range range = range_at(start, span);
  const rf::PerfectSearch search(rf::PerfectMethod::Sieve, range.hi - 1);
  const rf::Yield yield = [] {};
  for (auto _ : state) {
    std::uint64_t counted = 0;
    for (std::uint64_t lo = range.lo; lo < range.hi; lo += chunk) {
      const rf::PerfectPartial r = search.process({lo, std::min(range.hi, lo + chunk)}, yield);
      counted += r.deficient + r.perfect + r.abundant;
    }
    if (counted != range.size()) {
      state.SkipWithError("numbers lost");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * span);
}
constexpr std::int64_t kCurveSpan = kE7;
// The quick curve of scripts/bench.sh --quick: a tenth of the span.
constexpr std::int64_t kQuickSpan = kE6;
BENCHMARK(BM_ChunkCurve)
    ->ArgNames({"chunk", "start", "span"})
    ->ArgsProduct({{1000, 10'000, 100'000, kE6, kE7}, {kE9, kE10, kE12}, {kCurveSpan}})
    ->ArgsProduct({{1000, 10'000, 100'000, kE6}, {kE9, kE10, kE12}, {kQuickSpan}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(kMinTime);

// ---------------------------------------------------------------------------
// The simple reference: sigma by divisor pairs. Every d <= sqrt(hi - 1)
// visits its multiples m >= d^2 in each block and adds d and m / d (once
// where m = d^2); m / d steps by one, so the only division is each d's first
// multiple per block. About ln(sqrt n) additions per number.

void reference_sigma(rf::Range range, std::vector<std::uint64_t>& sig) {
  const std::uint64_t root = rf::isqrt(range.hi - 1);
  std::fill(sig.begin(), sig.end(), 0);
  for (std::uint64_t d = 1; d <= root; ++d) {
    const std::uint64_t first = std::max(d * d, (range.lo + d - 1) / d * d);
    std::uint64_t q = first / d;
    for (std::uint64_t m = first; m < range.hi; m += d, ++q) sig[m - range.lo] += d + q;
    if (d * d >= range.lo && d * d < range.hi) sig[d * d - range.lo] -= d;
  }
}

void BM_ReferenceSieve(benchmark::State& state) {
  const std::int64_t count = state.range(0);
  const std::int64_t start = state.range(1);
  const rf::Range all = range_at(start, count);
  std::vector<std::uint64_t> sig(rf::SigmaSieve::kBlock);
  rf::PerfectPartial out;
  for (auto _ : state) {
    out = {};
    for (std::uint64_t lo = all.lo; lo < all.hi; lo += rf::SigmaSieve::kBlock) {
      const rf::Range block{lo, std::min(all.hi, lo + rf::SigmaSieve::kBlock)};
      sig.resize(block.size());
      reference_sigma(block, sig);
      rf::classify_sigma(block.lo, sig, out);
    }
    benchmark::DoNotOptimize(out.abundant);
  }
  // Same counts as the sieve, or the comparison means nothing.
  const rf::PerfectSearch search(rf::PerfectMethod::Sieve, all.hi - 1);
  if (!(search.process(all, [] {}) == out))
    state.SkipWithError("reference disagrees with the sieve");
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(BM_ReferenceSieve)
    ->ArgNames({"count", "start"})
    ->ArgsProduct({{kE7}, {1, kE9, kE10, kE12}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(kMinTime);

}  // namespace
