// The product of big integers scattered over the ranks, delivered to one rank.
//
// The plan pairs the two smallest operands first (as in Huffman coding), so
// every multiplication is between operands of similar size, and every rank
// replays the same plan, so each knows which steps are its own without a
// word from rank 0. Steps on disjoint pairs of ranks run at the same time.
//
// Why the last multiplications are split: one rank multiplying two halves of
// n! (each S/2 bits) takes 4.5 s for 5e7! on this kind of machine; GMP's own
// mpz_fac_ui takes 14 s for all of it, so a plain reduction would spend a
// third of GMP's time on one core in one multiply. When the operands X and Y
// sit on different ranks a and b, b cuts Y = H 2^m + L; a computes X L while
// b computes X H, and a adds the shifted halves. Each rank then does an
// S/2 x S/4 product (2.7 s), and three messages of raw limbs (X, L, X H) cost
// tens of milliseconds through shared memory. The squaring in GMP's own
// algorithm cannot be split like that: cutting an operand does not shrink
// the FFT, which follows the size of the product.
#pragma once

#include <gmpxx.h>

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <map>
#include <vector>

namespace rf {

struct Factor {
  int holder = 0;          // the rank that holds it
  std::uint64_t bits = 0;  // its size, for pairing
};

// Every rank calls this with the same list; `mine` maps an index into
// `factors` to the value, for the factors this rank holds. Returns the
// product on `root` (1 for an empty list) and an empty value elsewhere.
mpz_class multiply_across_ranks(const boost::mpi::communicator& comm,
                                const std::vector<Factor>& factors,
                                std::map<std::size_t, mpz_class>& mine, int root);

}  // namespace rf
