// How a decimal form becomes an integer exactly: its digits, the point taken
// out, are an integer D, and the form's value is D * 10^s, where s is the
// exponent less the digits after the point. Leading zeros of D change
// nothing and each trailing zero moves into s, so once D ends in a non-zero
// digit the value is whole exactly when s >= 0, and fits 64 bits only if D
// has at most 20 - s digits; the last check is the multiplication itself.
#include "rangefarm/common/numbers.hpp"

#include <algorithm>
#include <optional>

namespace rf {
namespace {

using u64 = std::uint64_t;

constexpr std::string_view kTooLarge = " is too large (the limit is 2^64 - 1)";
// Exponents are read up to this size: past it a non-zero value is too large
// or has a fraction, whatever its (far fewer) digits.
constexpr std::int64_t kExponentCap = 1'000'000'000'000;
// A value below 1 with more zeros than this after the point is not spelt out.
constexpr std::size_t kMaxZerosShown = 30;

// [digits][.digits][(e|E)[+|-]digits], with at least one mantissa digit.
struct DecimalForm {
  std::string_view whole;     // the digits before the point
  std::string_view fraction;  // the digits after it
  std::string_view exponent;  // after e or E, its sign included; empty if none
};

// value = digits * 10^scale; digits has no leading or trailing zero ("" is 0).
struct Scaled {
  std::string digits;
  std::int64_t scale = 0;
};

bool all_digits(std::string_view s) {  // true for "" too
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view unsigned_part(std::string_view exponent) {
  if (!exponent.empty() && (exponent.front() == '+' || exponent.front() == '-')) {
    exponent.remove_prefix(1);
  }
  return exponent;
}

std::optional<DecimalForm> split(std::string_view text) {
  const auto e = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, e);
  const auto dot = mantissa.find('.');
  DecimalForm form{mantissa.substr(0, dot),
                   dot == std::string_view::npos ? "" : mantissa.substr(dot + 1),
                   e == std::string_view::npos ? "" : text.substr(e + 1)};
  const std::string_view exponent_digits = unsigned_part(form.exponent);
  const bool mantissa_ok = all_digits(form.whole) && all_digits(form.fraction) &&
                           form.whole.size() + form.fraction.size() > 0;
  const bool exponent_ok =
      e == std::string_view::npos || (!exponent_digits.empty() && all_digits(exponent_digits));
  if (!mantissa_ok || !exponent_ok) return std::nullopt;
  return form;
}

std::int64_t exponent_of(std::string_view exponent) {  // saturated at +-kExponentCap
  std::int64_t e = 0;
  for (char c : unsigned_part(exponent)) e = std::min(e * 10 + (c - '0'), kExponentCap);
  return !exponent.empty() && exponent.front() == '-' ? -e : e;
}

Scaled scaled(const DecimalForm& form) {
  Scaled v{std::string(form.whole).append(form.fraction),
           exponent_of(form.exponent) - static_cast<std::int64_t>(form.fraction.size())};
  const auto first = v.digits.find_first_not_of('0');
  if (first == std::string::npos) return {};  // zero, whatever its exponent
  v.digits.erase(0, first);
  const auto last = v.digits.find_last_not_of('0');
  v.scale += static_cast<std::int64_t>(v.digits.size() - 1 - last);
  v.digits.erase(last + 1);
  return v;
}

// " is not a whole number: 2.55e1 = 25.5" for a value with scale < 0.
std::string not_whole(std::string_view text, const DecimalForm& form, const Scaled& v) {
  std::string why(" is not a whole number");
  if (form.exponent.empty()) return why;  // the text already shows the fraction
  why.append(": ").append(text);
  const auto after = static_cast<std::size_t>(-v.scale);  // digits after the point
  const std::size_t n = v.digits.size();
  if (after < n)
    return why + " = " + v.digits.substr(0, n - after) + "." + v.digits.substr(n - after);
  if (after - n > kMaxZerosShown) return why + " lies between 0 and 1";
  return why + " = 0." + std::string(after - n, '0') + v.digits;
}

bool times_ten_plus(u64& value, unsigned digit) {
  if (value > (UINT64_MAX - digit) / 10) return false;
  value = value * 10 + digit;
  return true;
}

std::optional<u64> to_u64(const Scaled& v) {  // v.scale >= 0
  if (static_cast<std::int64_t>(v.digits.size()) + v.scale > 20) return std::nullopt;
  u64 value = 0;
  for (char c : v.digits) {
    if (!times_ten_plus(value, static_cast<unsigned>(c - '0'))) return std::nullopt;
  }
  for (std::int64_t i = 0; i < v.scale; ++i) {
    if (!times_ten_plus(value, 0)) return std::nullopt;
  }
  return value;
}

}  // namespace

std::variant<std::uint64_t, std::string> parse_count(std::string_view text) {
  std::string shown(1, '\'');  // built by appends: GCC 12 warns falsely on "'" + string
  shown.append(text).push_back('\'');
  if (!text.empty() && text.front() == '-') return shown + " is negative";
  const auto form = split(text);
  if (!form) return shown + " is not an integer (use digits or a form like 1e9 or 2.5e6)";
  const Scaled v = scaled(*form);
  if (v.scale < 0) return shown + not_whole(text, *form, v);
  if (const auto value = to_u64(v)) return *value;
  return shown.append(kTooLarge);
}

}  // namespace rf
