#include "rangefarm/work/factorial_summary.hpp"

#include <algorithm>

#include "rangefarm/work/factorial.hpp"

namespace rf {
namespace {

// Below this size the exact decimal string is cheaper than any cleverness.
constexpr std::size_t kExactBits = 4096;
constexpr mp_bitcnt_t kFloatBits = 320;

LeadingDigits exact_leading(const mpz_class& x, std::size_t count) {
  const std::string s = x.get_str();
  return {s.size(), s.substr(0, count)};
}

// Exact by integer powers of ten, for the rare x whose float image sits on a
// boundary (x = 10^k itself, or a run of 90 nines): a division of x's size.
LeadingDigits leading_by_division(const mpz_class& x, std::size_t count) {
  std::size_t digits = mpz_sizeinbase(x.get_mpz_t(), 10);
  mpz_class power;
  mpz_ui_pow_ui(power.get_mpz_t(), 10, digits - 1);
  if (x < power) --digits;
  mpz_ui_pow_ui(power.get_mpz_t(), 10, digits - count);
  const mpz_class first = x / power;
  return {digits, first.get_str()};
}

}  // namespace

LeadingDigits leading_digits(const mpz_class& x, std::size_t count) {
  if (mpz_sizeinbase(x.get_mpz_t(), 2) <= kExactBits) return exact_leading(x, count);
  // sizeinbase(x, 10) is the digit count d or d + 1. y = x / 10^(d0 - count
  // - 1) lies in [10^count, 10^(count+1)) when d0 = d and one decade lower
  // when d0 = d + 1; its integer part (after /10 in the first case) is the
  // first `count` digits. Relative error of y: a few parts in 2^310.
  const std::size_t d0 = mpz_sizeinbase(x.get_mpz_t(), 10);
  mpf_class scale(10, kFloatBits);
  mpf_pow_ui(scale.get_mpf_t(), scale.get_mpf_t(), d0 - count - 1);
  mpf_class y(x, kFloatBits);
  y /= scale;

  mpz_class decade;  // 10^count
  mpz_ui_pow_ui(decade.get_mpz_t(), 10, count);
  const bool d0_exact = mpf_cmp_z(y.get_mpf_t(), decade.get_mpz_t()) >= 0;
  if (d0_exact) y /= 10;
  // Both ends of y's error bar must give the same digits, in the same decade.
  const mpf_class eps = y / mpf_class(mpz_class(1) << 300, kFloatBits);
  const mpz_class lo(mpf_class(y - eps, kFloatBits));
  const mpz_class hi(mpf_class(y + eps, kFloatBits));
  if (lo != hi || lo < decade / 10 || lo >= decade) return leading_by_division(x, count);
  const std::uint64_t digits = d0_exact ? d0 : d0 - 1;
  return {digits, lo.get_str()};
}

std::uint64_t bit_length_times_power_of_ten(const mpz_class& m, std::uint64_t z) {
  mpf_class scaled(m, kFloatBits);
  mpf_class five(5, kFloatBits);
  mpf_pow_ui(five.get_mpf_t(), five.get_mpf_t(), z);
  scaled *= five;
  long exponent = 0;  // scaled = mantissa 2^exponent, mantissa in [0.5, 1)
  const double mantissa = mpf_get_d_2exp(&exponent, scaled.get_mpf_t());
  if (mantissa > 0.5 + 0x1p-40 && mantissa < 1 - 0x1p-40) {
    return static_cast<std::uint64_t>(exponent) + z;
  }
  mpz_class power;
  mpz_ui_pow_ui(power.get_mpz_t(), 5, z);
  return mpz_sizeinbase(mpz_class(m * power).get_mpz_t(), 2) + z;
}

FactorialSummary summarize_factorial(std::uint64_t n, const mpz_class& m, TailResidues rest) {
  constexpr std::size_t kShown = 20;
  const LeadingDigits lead = leading_digits(m, kShown);
  const std::uint64_t zeros = legendre_exponent(n, 5);
  // When M is shorter than 20 digits, the first digits of n! run on into
  // its zeros.
  std::string first = lead.first;
  first.append(std::min<std::uint64_t>(kShown - first.size(), zeros), '0');
  return {n,
          lead.digits + zeros,
          bit_length_times_power_of_ten(m, zeros),
          zeros,
          first,
          last_nonzero_digits(n, rest, lead.digits)};
}

}  // namespace rf
