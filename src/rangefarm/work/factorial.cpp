#include "rangefarm/work/factorial.hpp"

#include "rangefarm/common/stop_request.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <primesieve.hpp>
#include <queue>
#include <utility>

namespace rf {

std::uint64_t legendre_exponent(std::uint64_t n, std::uint64_t p) {
  std::uint64_t e = 0;
  for (std::uint64_t q = n / p; q > 0; q /= p) e += q;
  return e;
}

double factorial_log2(std::uint64_t n) {
  return std::lgamma(static_cast<double>(n) + 1.0) / std::log(2.0);
}

FactorialMemory factorial_memory(const std::vector<std::uint64_t>& ns, int ranks, bool decimal) {
  // Every piece product is held until its n is assembled: each rank holds
  // about its share of the sum of the sizes (pieces of equal size, dealt
  // evenly). The largest n then peaks at kPeakFactor times its size over
  // the ranks: GMP's FFT scratch on top of the operands, in the pieces and
  // in the split multiplications. Measured: 1e8! (307 MiB) peaked at 1.29
  // GiB on rank 0 and 1.22 GiB on rank 1 (8.2x); 9x leaves a margin. Both
  // peaks are the last multiplication, split between rank 0 and one other
  // rank (distributed_product.hpp), whatever the rank count: so half each.
  // The decimal digits take log10(2) bytes a bit on rank 0, twice over
  // while the parts are gathered there.
  constexpr double kPeakFactor = 9;
  double sum = 0;
  double largest = 0;
  for (const std::uint64_t n : ns) {
    const double bytes = factorial_log2(n) / 8;
    sum += bytes;
    largest = std::max(largest, bytes);
  }
  const double peak = (kPeakFactor - 1) * largest;
  FactorialMemory m;
  m.each_rank = sum / std::max(ranks, 1);
  m.rank0 = ranks > 1 ? peak / 2 : peak;
  m.partner = ranks > 1 ? peak / 2 : 0;
  if (decimal) m.rank0 += 2 * largest * 8 * std::log10(2.0);
  return m;
}

double node_memory_bytes(const FactorialMemory& m, int ranks_on_node, bool holds_rank0) {
  const int others = ranks_on_node - (holds_rank0 ? 1 : 0);
  return ranks_on_node * m.each_rank + (holds_rank0 ? m.rank0 : 0) + (others > 0 ? m.partner : 0);
}

double factorial_memory_bytes(const std::vector<std::uint64_t>& ns, bool decimal) {
  return node_memory_bytes(factorial_memory(ns, 1, decimal), 1, true);
}

FactorialWork::FactorialWork(std::vector<std::uint64_t> ns, std::uint32_t max_parts,
                             double min_part_bits)
    : ns_(std::move(ns)) {
  const std::uint64_t top = ns_.empty() ? 0 : *std::max_element(ns_.begin(), ns_.end());
  if (top >= 3) primesieve::generate_primes(3, top, &odd_primes_);
  for (std::size_t t = 0; t < ns_.size(); ++t) {
    const double by_size = std::floor(factorial_log2(ns_[t]) / min_part_bits);
    const auto parts = static_cast<std::uint32_t>(
        std::clamp(by_size, 1.0, static_cast<double>(std::max<std::uint32_t>(max_parts, 1))));
    task_pieces_.push_back(Range{refs_.size(), refs_.size() + parts});
    for (std::uint32_t j = 0; j < parts; ++j) refs_.push_back({t, j, parts});
  }
}

std::vector<PrimePower> FactorialWork::piece_powers(std::uint64_t i) const {
  const PieceRef ref = piece(i);
  const std::uint64_t n = ns_[ref.task];
  const auto end = std::upper_bound(odd_primes_.begin(), odd_primes_.end(), n);
  std::vector<PrimePower> mine;
  // Greedy by bits: each prime (largest contribution first, as e_p log p
  // falls with p) goes to the part with the fewest bits so far. Every rank
  // replays the same deal and keeps its own part.
  using Load = std::pair<double, std::uint32_t>;
  std::priority_queue<Load, std::vector<Load>, std::greater<>> lightest;
  for (std::uint32_t j = 0; j < ref.parts; ++j) lightest.push({0.0, j});
  for (auto it = odd_primes_.begin(); it != end; ++it) {
    if (*it == 5) continue;  // 5^e5 pairs with 2^e5 into the trailing zeros
    const auto e = static_cast<std::uint32_t>(legendre_exponent(n, *it));
    if (ref.parts == 1) {
      mine.push_back({*it, e});
      continue;
    }
    auto [bits, part] = lightest.top();
    lightest.pop();
    if (part == ref.part) mine.push_back({*it, e});
    lightest.push({bits + e * std::log2(static_cast<double>(*it)), part});
  }
  return mine;
}

FactorialWork::Partial FactorialWork::process(Range chunk, const Yield& yield) const {
  Partial out;
  for (std::uint64_t i = chunk.lo; i < chunk.hi; ++i) {
    const std::vector<PrimePower> powers = piece_powers(i);
    try {
      PieceProduct p{i, product_of_prime_powers(powers, yield), tail_residues(powers)};
      out.push_back(std::move(p));
    } catch (const Interrupted&) {
      throw StoppedPartway(i, std::move(out));
    }
  }
  return out;
}

void FactorialWork::merge(Partial& into, const Partial& from) {
  into.insert(into.end(), from.begin(), from.end());
}

}  // namespace rf
