// PerfectSearch: the `perfect` workload. Classifies every n of a chunk as
// deficient (sigma(n) < 2n), perfect (= 2n) or abundant (> 2n), with sigma
// from the segmented sieve or from the textbook trial-divisor test.
#pragma once

#include <array>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/perfect_sieve.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

enum class PerfectMethod { Sieve, Trial };
std::optional<PerfectMethod> parse_perfect_method(std::string_view name);
std::string_view perfect_method_name(PerfectMethod method);

struct PerfectPartial {
  std::uint64_t deficient = 0;
  std::uint64_t perfect = 0;
  std::uint64_t abundant = 0;
  std::vector<std::uint64_t> perfect_numbers;  // sorted, no duplicates after merge

  friend bool operator==(const PerfectPartial&, const PerfectPartial&) = default;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& deficient& perfect& abundant& perfect_numbers;
  }
};

// Adds sigma(n) of consecutive n = first, first + 1, ... to the counts and
// the list of perfect numbers.
void classify_sigma(std::uint64_t first, std::span<const std::uint64_t> sigma, PerfectPartial& out);

class PerfectSearch {
 public:
  using Partial = PerfectPartial;
  // Default chunk: for the sieve, large enough that its per-chunk set-up
  // (one division per sieving prime) is noise and small enough for balance;
  // the trial test costs sqrt(n) per number, so far fewer numbers per chunk.
  static constexpr std::uint64_t default_chunk(PerfectMethod m) {
    return m == PerfectMethod::Sieve ? 10'000'000 : 10'000;
  }
  static constexpr std::uint64_t kMaxN = SigmaSieve::kMaxN;

  PerfectSearch(PerfectMethod method, std::uint64_t max_n);
  [[nodiscard]] Partial process(Range chunk, const Yield& yield) const;
  static void merge(Partial& into, const Partial& from);

 private:
  PerfectMethod method_;
  std::optional<SigmaSieve> sieve_;
};

}  // namespace rf
