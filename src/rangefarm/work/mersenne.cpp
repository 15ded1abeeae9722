#include "rangefarm/work/mersenne.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "rangefarm/work/lucas_lehmer.hpp"
#include "rangefarm/work/trial_factor.hpp"

namespace rf {

unsigned default_tf_bits(std::uint64_t p) {
  // Below 20 bits the whole search is a few hundred exponentiations at most:
  // always worth it, even where a Lucas-Lehmer test takes a millisecond.
  const double bits = 35 + 3.4 * std::log2(static_cast<double>(p) / 20000);
  return static_cast<unsigned>(std::clamp(std::round(bits), 20.0, double{kMaxTrialFactorBits}));
}

double mersenne_cost(std::uint64_t p) {
  return std::pow(static_cast<double>(p), 2.4);
}

MersenneSearch::MersenneSearch(std::vector<std::uint64_t> exponents,
                               std::optional<unsigned> tf_bits, LucasLehmerSaves saves)
    : exponents_(std::move(exponents)), tf_bits_(tf_bits), saves_(std::move(saves)) {}

ExponentResult MersenneSearch::test(std::uint64_t p, const Yield& yield) const {
  const unsigned bits = tf_bits_.value_or(default_tf_bits(p));
  if (const auto factor = trial_factor(p, bits)) {
    return {p, ExponentResult::Factored, *factor, 0, 0};
  }
  yield();
  const LucasLehmerResult ll = lucas_lehmer(p, yield, saves_);
  return {p, ll.prime ? ExponentResult::Prime : ExponentResult::Composite, 0, ll.res64,
          ll.resumed_at};
}

MersenneSearch::Partial MersenneSearch::process(Range chunk, const Yield& yield) const {
  Partial out;
  for (std::uint64_t i = chunk.lo; i < chunk.hi; ++i) {
    out.results.push_back(test(exponents_.at(i), yield));
  }
  return out;
}

void MersenneSearch::merge(Partial& into, const Partial& from) {
  into.results.insert(into.results.end(), from.results.begin(), from.results.end());
}

}  // namespace rf
