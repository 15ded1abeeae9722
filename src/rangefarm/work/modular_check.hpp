// The independent check of n!: n! mod the Mersenne prime 2^61 - 1, as the
// plain product 1 * 2 * ... * n, cut into slices the ranks share. It shares
// nothing with the prime-power route but GMP's remainder at the end, so a
// wrong limb anywhere in the big product shows up as a mismatch (a random
// error passes with probability 2^-61).
#pragma once

#include <gmpxx.h>

#include <cstdint>

#include "rangefarm/common/range.hpp"

namespace rf {

inline constexpr std::uint64_t kCheckPrime = (std::uint64_t{1} << 61) - 1;

// a * b mod 2^61 - 1, for a, b < 2^61 - 1. Reduction is a shift and an add
// because 2^61 = 1 mod the prime.
inline std::uint64_t mulmod_m61(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  std::uint64_t r =
      (static_cast<std::uint64_t>(p) & kCheckPrime) + static_cast<std::uint64_t>(p >> 61);
  if (r >= kCheckPrime) r -= kCheckPrime;
  return r;
}

// base^e mod 2^61 - 1.
std::uint64_t pow_mod_m61(std::uint64_t base, std::uint64_t e);

// The product of the integers in [lo, hi) mod 2^61 - 1 (1 when empty).
std::uint64_t product_mod_m61(Range slice);

// x mod 2^61 - 1.
std::uint64_t mod_m61(const mpz_class& x);

}  // namespace rf
