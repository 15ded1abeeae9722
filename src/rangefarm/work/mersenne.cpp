#include "rangefarm/work/mersenne.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "rangefarm/common/stop_request.hpp"
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
                               std::optional<unsigned> tf_bits, StateSaves saves)
    : exponents_(std::move(exponents)), tf_bits_(tf_bits), saves_(std::move(saves)) {}

ExponentResult MersenneSearch::test(std::uint64_t p, const Yield& yield) const {
  const unsigned bits = tf_bits_.value_or(default_tf_bits(p));
  const TrialFactorOutcome tf = trial_factor(p, bits, yield, saves_);
  if (tf.factor) return {p, ExponentResult::Factored, *tf.factor, 0, 0, tf.resumed_k};
  yield();
  const LucasLehmerResult ll = lucas_lehmer(p, yield, saves_);
  return {p,
          ll.prime ? ExponentResult::Prime : ExponentResult::Composite,
          0,
          ll.res64,
          ll.resumed_at,
          tf.resumed_k};
}

MersenneSearch::Partial MersenneSearch::process(Range chunk, const Yield& yield) const {
  Partial out;
  for (std::uint64_t i = chunk.lo; i < chunk.hi; ++i) {
    try {
      out.results.push_back(test(exponents_.at(i), yield));
    } catch (const Interrupted&) {
      throw StoppedPartway(i, std::move(out));
    }
    if (i + 1 < chunk.hi && stop_requested()) throw StoppedPartway(i + 1, std::move(out));
  }
  return out;
}

void MersenneSearch::merge(Partial& into, const Partial& from) {
  into.results.insert(into.results.end(), from.results.begin(), from.results.end());
}

}  // namespace rf
