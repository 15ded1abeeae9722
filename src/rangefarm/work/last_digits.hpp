// The last nonzero decimal digits of n!, from its prime factorisation.
//
// With z = e5 trailing zeros, n!/10^z = 2^(e2 - z) * R, where R is the
// product of p^e_p over primes other than 2 and 5. Its last 20 digits are it
// mod 10^20 = 2^20 * 5^20; 10^20 is above 2^64, so R is kept mod 2^64 (plain
// wrapping multiplication) and mod 5^20 (below 2^47, so products fit in 128
// bits), and the two are joined by the Chinese remainder theorem. No big
// division by 10^z is ever made.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "rangefarm/work/prime_powers.hpp"

namespace rf {

struct TailResidues {
  std::uint64_t mod_2_64 = 1;
  std::uint64_t mod_5_20 = 1;
};

inline constexpr std::uint64_t kFivePow20 = 95'367'431'640'625;

// Product of p^e mod 2^64 and mod 5^20 over the list, leaving out p = 5.
TailResidues tail_residues(std::span<const PrimePower> powers);
TailResidues combine(TailResidues a, TailResidues b);

// The last min(20, kept_digits) digits of n!/10^z, where kept_digits is the
// number of digits of n!/10^z and rest the residues of R over all odd primes.
std::string last_nonzero_digits(std::uint64_t n, TailResidues rest, std::uint64_t kept_digits);

}  // namespace rf
