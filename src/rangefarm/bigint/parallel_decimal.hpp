// The decimal digits of one huge integer, converted by all ranks at once.
//
// Divide and conquer on powers of ten: the rank holding x over a group of
// ranks [first, last) divides it by 10^k into a high part it keeps for
// [first, mid) and a low part of exactly k digits (zero-padded) it sends to
// mid for [mid, last); both halves recurse until each rank holds one part,
// converts it with GMP, and the parts are collected in rank order, which is
// digit order. k is chosen so the low part's share of digits is its share
// of ranks. Every rank derives the same recursion from x's size in bits, so
// only the parts travel. The split costs a power of ten and one division at
// the top; GMP's conversion is itself divide and conquer, superlinear, so
// halves convert in under half the time.
#pragma once

#include <gmpxx.h>

#include <boost/mpi/communicator.hpp>
#include <string>

namespace rf {

// x is read on `root` only; the digits are returned on root, empty elsewhere.
std::string to_decimal_across_ranks(const boost::mpi::communicator& comm, const mpz_class& x,
                                    int root);

}  // namespace rf
