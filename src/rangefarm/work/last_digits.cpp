#include "rangefarm/work/last_digits.hpp"

#include "rangefarm/work/factorial.hpp"
#include "rangefarm/work/power.hpp"

namespace rf {
namespace {

using u128 = unsigned __int128;

constexpr std::uint64_t kTwoPow20 = std::uint64_t{1} << 20;

std::uint64_t mulmod(std::uint64_t a, std::uint64_t b, std::uint64_t m) {
  return static_cast<std::uint64_t>(static_cast<u128>(a) * b % m);
}

std::uint64_t powmod(std::uint64_t base, std::uint64_t e, std::uint64_t m) {
  return power(base % m, e, 1 % m,
               [m](std::uint64_t x, std::uint64_t y) { return mulmod(x, y, m); });
}

// Powers mod 2^64 by wrapping multiplication.
std::uint64_t pow_wrap(std::uint64_t base, std::uint64_t e) {
  return power(base, e, 1, [](std::uint64_t x, std::uint64_t y) { return x * y; });
}

// x = a mod 2^20 and x = b mod 5^20, 0 <= x < 10^20.
u128 crt_10_pow_20(std::uint64_t a, std::uint64_t b) {
  // t = (a - b) / 5^20 mod 2^20; 5^20 is odd, so it has an inverse mod 2^20.
  const std::uint64_t inv = pow_wrap(kFivePow20, (kTwoPow20 >> 1) - 1);  // 5^20^(2^19-1)
  const std::uint64_t t = ((a - b) * inv) & (kTwoPow20 - 1);
  return static_cast<u128>(b) + static_cast<u128>(kFivePow20) * t;
}

std::string to_decimal(u128 x, std::size_t width) {
  std::string s(width, '0');
  for (std::size_t i = width; i-- > 0; x /= 10) s[i] = static_cast<char>('0' + x % 10);
  return s;
}

}  // namespace

TailResidues tail_residues(std::span<const PrimePower> powers) {
  TailResidues r;
  for (const PrimePower& pp : powers) {
    if (pp.p == 5) continue;
    r.mod_2_64 *= pow_wrap(pp.p, pp.e);
    r.mod_5_20 = mulmod(r.mod_5_20, pp.e == 1 ? pp.p : powmod(pp.p, pp.e, kFivePow20), kFivePow20);
  }
  return r;
}

TailResidues combine(TailResidues a, TailResidues b) {
  return {a.mod_2_64 * b.mod_2_64, mulmod(a.mod_5_20, b.mod_5_20, kFivePow20)};
}

std::string last_nonzero_digits(std::uint64_t n, TailResidues rest, std::uint64_t kept_digits) {
  const std::uint64_t twos = legendre_exponent(n, 2) - legendre_exponent(n, 5);
  const std::uint64_t mod_2_20 = twos >= 20 ? 0 : (rest.mod_2_64 << twos) & (kTwoPow20 - 1);
  const std::uint64_t mod_5_20 = mulmod(powmod(2, twos, kFivePow20), rest.mod_5_20, kFivePow20);
  const u128 tail = crt_10_pow_20(mod_2_20, mod_5_20);
  const std::size_t width = kept_digits < 20 ? kept_digits : 20;
  return to_decimal(tail, width);
}

}  // namespace rf
