// The `factorial` workload: n! for a list of n, cut into pieces the farm
// hands out.
//
// n! = 2^e2 * prod over odd primes p <= n of p^e_p, with e_p from Legendre's
// formula. Its z = e5 trailing zeros are known without computing anything,
// so what is computed is the part before them, M = n!/10^z = 2^(e2-z) times
// the odd prime powers other than 5: M is 2.4% smaller than 5e7!, and every
// step after the pieces (multiplications, check, decimal conversion) works on
// M; the zeros are appended as text. The power of two is a final shift;
// the odd prime powers of a
// large n are dealt into parts of equal size in bits (greedily, to the part
// with the fewest bits so far), because a part's cost follows its size, not
// its number of primes: 3^e_3 alone is 3% of 5e7!, while the 1.5 million
// primes above n/2 together are another 3%. Every part gets the same mix of
// small primes with long exponents and large primes with short ones, so
// every part's product costs about the same.
//
// One part per rank and no more: each extra level of combining costs a
// round of big multiplications, while a part computed by exponent bits costs
// mostly squarings, which are cheaper. A small n is one piece.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/last_digits.hpp"
#include "rangefarm/work/prime_powers.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

// Exponent of the prime p in n! (Legendre): sum of floor(n / p^i).
std::uint64_t legendre_exponent(std::uint64_t n, std::uint64_t p);

// log2(n!) from lgamma: the size of n! in bits, to within a bit or so.
double factorial_log2(std::uint64_t n);

// What the ranks of a run hold at their peak, in bytes, computing every n!
// of the list, with or without their decimal digits. See factorial.cpp for
// the accounting.
struct FactorialMemory {
  double each_rank = 0;  // every rank: its share of the pieces
  double rank0 = 0;      // rank 0, on top: its side of the last multiplication; the digits
  // On top, on the rank that multiplies with rank 0 last: any rank but 0
  // (which one is known only once the pieces are made); 0 at one rank.
  double partner = 0;
};
FactorialMemory factorial_memory(const std::vector<std::uint64_t>& ns, int ranks, bool decimal);
// What a node must hold: each_rank for each of its ranks, rank0 where rank
// 0 is one of them, and partner where any other rank is.
double node_memory_bytes(const FactorialMemory& m, int ranks_on_node, bool holds_rank0);
// The same with every rank on one node: the whole run's peak.
double factorial_memory_bytes(const std::vector<std::uint64_t>& ns, bool decimal);

// One piece's product and what the summary needs from its primes.
struct PieceProduct {
  std::uint64_t piece = 0;
  mpz_class product;  // of the piece's odd prime powers
  TailResidues tail;  // of the same powers, 5 left out
};

// Which n a piece belongs to, and which of that n's parts it is.
struct PieceRef {
  std::size_t task = 0;
  std::uint32_t part = 0;
  std::uint32_t parts = 1;
};

class FactorialWork {
 public:
  using Partial = std::vector<PieceProduct>;
  static constexpr std::uint64_t kMaxN = 4'000'000'000;  // n! then has 2^37 bits
  // Below about half a megabit (50000! is 0.7 Mbit) a product takes a few
  // milliseconds: not worth a message, so it is not split.
  static constexpr double kMinPartBits = 500'000;

  // max_parts: how many parts a large n is cut into (the number of ranks).
  FactorialWork(std::vector<std::uint64_t> ns, std::uint32_t max_parts,
                double min_part_bits = kMinPartBits);

  [[nodiscard]] std::uint64_t pieces() const { return refs_.size(); }
  [[nodiscard]] const PieceRef& piece(std::uint64_t i) const { return refs_.at(i); }
  [[nodiscard]] const std::vector<std::uint64_t>& ns() const { return ns_; }
  // The pieces of task t: [first, first + parts).
  [[nodiscard]] Range pieces_of(std::size_t task) const { return task_pieces_.at(task); }

  // A stop request drops the piece in hand and keeps those finished
  // (StoppedPartway).
  [[nodiscard]] Partial process(Range chunk, const Yield& yield) const;
  static void merge(Partial& into, const Partial& from);

  // The prime powers of one piece (exposed for tests).
  [[nodiscard]] std::vector<PrimePower> piece_powers(std::uint64_t i) const;

 private:
  std::vector<std::uint64_t> ns_;
  std::vector<std::uint32_t> odd_primes_;  // up to the largest n
  std::vector<PieceRef> refs_;
  std::vector<Range> task_pieces_;
};

}  // namespace rf
