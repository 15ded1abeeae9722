// What is printed of a huge n! without writing it out: its exact number of
// decimal digits, its first 20 digits, its trailing zeros and the 20 digits
// before them.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <string>

#include "rangefarm/work/last_digits.hpp"

namespace rf {

struct FactorialSummary {
  std::uint64_t n = 0;
  std::uint64_t digits = 0;
  std::uint64_t bits = 0;
  std::uint64_t trailing_zeros = 0;
  std::string leading_digits;       // the first min(20, digits)
  std::string last_nonzero_digits;  // the last min(20, ...) before the zeros
};

// The exact digit count and the first `count` digits of x > 0. Large x goes
// through a 320-bit float (x / 10^k for the right k), so no decimal
// conversion of x is made; only when x lies too near a boundary for that
// precision to decide (x = 10^k, or about 90 nines in a row) does it fall
// back to an exact division by a power of ten.
struct LeadingDigits {
  std::uint64_t digits = 0;
  std::string first;
};
LeadingDigits leading_digits(const mpz_class& x, std::size_t count);

// The bit length of m 10^z, without forming it: m 5^z in a 320-bit float
// gives its binary exponent, and 2^z adds z. Exact, with a fallback to the
// full product in the (never seen) case that m 5^z is within 2^-40 of a
// power of two.
std::uint64_t bit_length_times_power_of_ten(const mpz_class& m, std::uint64_t z);

// m must be n! without its trailing zeros (n!/10^e5); rest: the tail
// residues over all odd primes up to n.
FactorialSummary summarize_factorial(std::uint64_t n, const mpz_class& m, TailResidues rest);

}  // namespace rf
