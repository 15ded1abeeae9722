#include "rangefarm/work/perfect.hpp"

#include <algorithm>
#include <iterator>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/work/isqrt.hpp"
#include "rangefarm/work/perfect_trial.hpp"

// Compiled for x86-64-v3 (AVX2) and the baseline, as the sieve is
// (perfect_sieve.cpp); the loader picks what the CPU runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RF_CLASSIFY_TARGETS __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RF_CLASSIFY_TARGETS
#endif

namespace rf {
namespace {

// The trial method yields every this many numbers (about a millisecond's
// work near 1e9; the sieve yields once per block), and never after more
// than about kTrialSliceDivisions trial divisions: near 1e15 one number
// alone costs 3e7 of them.
constexpr std::uint64_t kTrialSlice = 256;
constexpr std::uint64_t kTrialSliceDivisions = 1 << 20;

std::uint64_t trial_slice(std::uint64_t first) {
  return std::clamp<std::uint64_t>(kTrialSliceDivisions / (isqrt(first) + 1), 1, kTrialSlice);
}

}  // namespace

// Counts without a branch, so that the loop vectorizes; a perfect number
// (none in most blocks) is then looked for in its block.
RF_CLASSIFY_TARGETS void classify_sigma(std::uint64_t first, std::span<const std::uint64_t> sigma,
                                        PerfectPartial& out) {
  std::uint64_t less = 0;
  std::uint64_t more = 0;
  for (std::size_t i = 0; i < sigma.size(); ++i) {
    const std::uint64_t twice = 2 * (first + i);
    less += sigma[i] < twice;
    more += sigma[i] > twice;
  }
  if (less + more != sigma.size()) {
    for (std::size_t i = 0; i < sigma.size(); ++i) {
      if (sigma[i] == 2 * (first + i)) out.perfect_numbers.push_back(first + i);
    }
  }
  out.deficient += less;
  out.abundant += more;
  out.perfect = out.perfect_numbers.size();
}

std::optional<PerfectMethod> parse_perfect_method(std::string_view name) {
  if (name == "sieve") return PerfectMethod::Sieve;
  if (name == "trial") return PerfectMethod::Trial;
  return std::nullopt;
}

std::string_view perfect_method_name(PerfectMethod method) {
  return method == PerfectMethod::Sieve ? "sieve" : "trial";
}

PerfectSearch::PerfectSearch(PerfectMethod method, std::uint64_t max_n) : method_(method) {
  if (method_ == PerfectMethod::Sieve) sieve_.emplace(max_n);
}

// A stop request ends a chunk after the block or slice in hand (0.1 to 1
// ms of work), and what was classified so far is kept (StoppedPartway).
PerfectPartial PerfectSearch::process(Range chunk, const Yield& yield) const {
  PerfectPartial out;
  const auto after_slice = [&](std::uint64_t done_hi) {
    yield();
    if (done_hi < chunk.hi && stop_requested()) throw StoppedPartway(done_hi, std::move(out));
  };
  if (sieve_) {
    sieve_->run(chunk, [&](std::uint64_t first, std::span<const std::uint64_t> sigma) {
      classify_sigma(first, sigma, out);
      after_slice(first + sigma.size());
    });
    return out;
  }
  std::vector<std::uint64_t> sigma;
  for (std::uint64_t first = chunk.lo; first < chunk.hi; first += sigma.size()) {
    sigma.resize(std::min(trial_slice(first), chunk.hi - first));
    for (std::size_t i = 0; i < sigma.size(); ++i) sigma[i] = sigma_trial(first + i);
    classify_sigma(first, sigma, out);
    after_slice(first + sigma.size());
  }
  return out;
}

void PerfectSearch::merge(PerfectPartial& into, const PerfectPartial& from) {
  into.deficient += from.deficient;
  into.abundant += from.abundant;
  std::vector<std::uint64_t> all;
  all.reserve(into.perfect_numbers.size() + from.perfect_numbers.size());
  std::set_union(into.perfect_numbers.begin(), into.perfect_numbers.end(),
                 from.perfect_numbers.begin(), from.perfect_numbers.end(), std::back_inserter(all));
  into.perfect_numbers = std::move(all);
  into.perfect = into.perfect_numbers.size();
}

}  // namespace rf
