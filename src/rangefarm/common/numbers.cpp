#include "rangefarm/common/numbers.hpp"

#include <charconv>

namespace rf {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::variant<std::uint64_t, std::string> parse_count(std::string_view text) {
  std::string shown(1, '\'');  // built by appends: GCC 12 warns falsely on "'" + string
  shown.append(text).push_back('\'');
  if (!text.empty() && text.front() == '-') return shown + " is negative";
  if (text.find('.') != std::string_view::npos) return shown + " is not a whole number";
  const auto e = text.find_first_of("eE");
  const std::string_view mant = text.substr(0, e);
  const std::string_view expo = e == std::string_view::npos ? "" : text.substr(e + 1);
  if (!all_digits(mant) || (e != std::string_view::npos && !all_digits(expo))) {
    return shown + " is not an integer (use digits or a form like 1e9)";
  }
  std::uint64_t value = 0;
  const auto [p, ec] = std::from_chars(mant.data(), mant.data() + mant.size(), value);
  if (ec != std::errc{}) return shown + " is too large (the limit is 2^64 - 1)";
  unsigned exponent = 0;
  if (!expo.empty()) {
    const auto [q, ec2] = std::from_chars(expo.data(), expo.data() + expo.size(), exponent);
    if (ec2 != std::errc{} || (exponent > 19 && value != 0)) {
      return shown + " is too large (the limit is 2^64 - 1)";
    }
  }
  for (unsigned i = 0; i < exponent && value != 0; ++i) {
    if (value > UINT64_MAX / 10) return shown + " is too large (the limit is 2^64 - 1)";
    value *= 10;
  }
  return value;
}

}  // namespace rf
