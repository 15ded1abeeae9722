// The product of a set of prime powers, p1^e1 * p2^e2 * ..., computed the
// way GMP computes n!: by the bits of the exponents, not by repeated
// multiplication.
//
// Write every exponent in binary, e = sum of b_k 2^k, and let L_k be the
// product of the primes whose exponent has bit k set. Then
//     prod p^e = prod_k L_k^(2^k) = (...((L_K)^2 L_(K-1))^2 ...)^2 L_0,
// so the big operands meet only in squarings (about 2/3 the cost of a
// multiplication of the same size in GMP's FFT range) and every L_k is a
// product of small primes. Those are packed several to a 64-bit limb before
// any big multiplication and then multiplied in a balanced tree, so each
// big multiplication has operands of similar size.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <span>

#include "rangefarm/work/workload.hpp"

namespace rf {

struct PrimePower {
  std::uint32_t p = 0;
  std::uint32_t e = 0;
};

// The product of the primes, each once. Primes may repeat.
mpz_class product_of_primes(std::span<const std::uint32_t> primes);

// The product of p^e over the list; yield() is called between big steps,
// and a stop request there throws Interrupted (the product is dropped).
mpz_class product_of_prime_powers(std::span<const PrimePower> powers, const Yield& yield);

}  // namespace rf
