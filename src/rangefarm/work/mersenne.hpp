// The `mersenne` workload: for each prime exponent p, is 2^p - 1 prime?
//
// First trial factoring (trial_factor.hpp) up to a depth that grows with p,
// then Lucas-Lehmer (lucas_lehmer.hpp) for the survivors. Each 2^p - 1 that
// is prime gives the perfect number 2^(p-1) (2^p - 1) (Euclid-Euler).
//
// The default depth weighs the two: a factor between 2^b and 2^(b+1) turns
// up with probability about 1/b, saving one Lucas-Lehmer test (cost ~ p^2.4),
// while searching that bit level costs ~ 2^b / p modular exponentiations.
// Going one level deeper pays while 2^b / p < LL(p) / (b t), which on this
// kind of machine puts the break-even at 35 bits for p = 20000 (level 35
// costs 4 ms there, an LL test 240 ms, a factor turns up 1 time in 35) and moves it
// by 3.4 bits per doubling of p, never below 20 bits (a few hundred
// exponentiations at most).
#pragma once

#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>
#include <cstdint>
#include <optional>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/lucas_lehmer_state.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

struct ExponentResult {
  enum Kind : int { Factored = 0, Prime = 1, Composite = 2 };
  std::uint64_t p = 0;
  int kind = Factored;
  std::uint64_t factor = 0;        // Factored: the smallest factor found
  std::uint64_t res64 = 0;         // Composite (and Prime: 0)
  std::uint64_t resumed_at = 0;    // Lucas-Lehmer iterations restored from a saved state
  std::uint64_t tf_resumed_k = 0;  // trial factoring continued from this k (a saved depth)

  // Version 1 added tf_resumed_k; journals of version 0 still read.
  template <class Archive>
  void serialize(Archive& ar, unsigned version) {
    ar& p& kind& factor& res64& resumed_at;
    if (version >= 1) ar& tf_resumed_k;
  }
};

}  // namespace rf

BOOST_CLASS_VERSION(rf::ExponentResult, 1)

namespace rf {

// A struct, not a bare vector: Boost.MPI would reduce a vector element by
// element.
struct MersennePartial {
  std::vector<ExponentResult> results;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& results;
  }
};

// The default trial-factoring depth in bits for exponent p.
unsigned default_tf_bits(std::uint64_t p);

// Relative cost of testing p (a Lucas-Lehmer test, ~ p^2.4), for ordering.
double mersenne_cost(std::uint64_t p);

class MersenneSearch {
 public:
  using Partial = MersennePartial;
  static constexpr std::uint64_t kMaxP = 10'000'000;

  // exponents: the prime exponents in the order the items are numbered;
  // tf_bits: a fixed depth, or nothing for default_tf_bits(p); saves: where
  // long trial factorings and Lucas-Lehmer tests keep their state (none by
  // default).
  MersenneSearch(std::vector<std::uint64_t> exponents, std::optional<unsigned> tf_bits,
                 StateSaves saves = {});

  // A stop request ends a chunk within milliseconds: the exponents tested
  // so far are kept (StoppedPartway), the one in hand saves its state.
  [[nodiscard]] Partial process(Range chunk, const Yield& yield) const;
  static void merge(Partial& into, const Partial& from);
  [[nodiscard]] ExponentResult test(std::uint64_t p, const Yield& yield) const;

 private:
  std::vector<std::uint64_t> exponents_;
  std::optional<unsigned> tf_bits_;
  StateSaves saves_;
};

}  // namespace rf
