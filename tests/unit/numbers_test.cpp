// parse_count: plain digits or any decimal form whose value is an exact
// integer, worked out exactly; everything else is rejected with a reason.
#include "rangefarm/common/numbers.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <variant>

namespace rf {
namespace {

using u64 = std::uint64_t;
constexpr u64 kMax = std::numeric_limits<u64>::max();

void expect_value(const std::string& text, u64 want) {
  const auto got = parse_count(text);
  ASSERT_TRUE(std::holds_alternative<u64>(got))
      << "'" << text << "' rejected: " << std::get<std::string>(got);
  EXPECT_EQ(std::get<u64>(got), want) << "'" << text << "'";
}

std::string quoted(const std::string& text) {  // by appends: GCC 12 warns falsely on "'" + string
  std::string q(1, '\'');
  q.append(text).push_back('\'');
  return q;
}

std::string reason(const std::string& text) {
  const auto got = parse_count(text);
  if (std::holds_alternative<u64>(got)) {
    ADD_FAILURE() << "'" << text << "' accepted as " << std::get<u64>(got);
    return "";
  }
  return std::get<std::string>(got);
}

TEST(ParseCount, AcceptsDigitsAndExactScientificForms) {
  const std::pair<const char*, u64> cases[] = {
      {"0", 0},
      {"1", 1},
      {"1000", 1000},
      {"007", 7},
      {"1e9", 1'000'000'000},
      {"25e6", 25'000'000},
      {"1e0", 1},
      {"3e1", 30},
      {"1e15", 1'000'000'000'000'000},
      {"1e19", 10'000'000'000'000'000'000u},
      {"18446744073709551615", kMax},
      {"1844674407370955161e1", 18'446'744'073'709'551'610u},
      {"18446744073709551615e0", kMax},
  };
  for (const auto& [text, want] : cases) expect_value(text, want);
}

TEST(ParseCount, AcceptsEveryDecimalFormOfAWholeValue) {
  const std::pair<const char*, u64> cases[] = {
      {"2.5e6", 2'500'000},
      {"10.5e9", 10'500'000'000},
      {"1.05e10", 10'500'000'000},
      {"1e3", 1000},
      {"1E3", 1000},
      {"1e+3", 1000},
      {"2500e-2", 25},
      {"1.0", 1},
      {"1.", 1},
      {".5e1", 5},
      {"0.0", 0},
      {"0e99999999999999999999", 0},
      {"0.000e-5", 0},
      {"2.55e2", 255},
      {"2.5500e2", 255},
      {"00012.50e1", 125},
      // No double in between: 2^53 + 1 is not a double, and neither is 2^64 - 1.
      {"9007199254740993", 9'007'199'254'740'993u},
      {"9.007199254740993e15", 9'007'199'254'740'993u},
      {"1.8446744073709551615e19", kMax},
      {"184467440737095516150e-1", kMax},
      {"1844674407370955161500000e-5", kMax},
      {"0.18446744073709551615e20", kMax},
  };
  for (const auto& [text, want] : cases) expect_value(text, want);
}

TEST(ParseCount, RoundTripsRandomValuesInEveryPlacementOfThePoint) {
  // The digits of v with the point after the i-th one and exponent len - i,
  // with trailing zeros added and taken back by the exponent: all are v.
  std::mt19937_64 gen(20261201);
  for (int trial = 0; trial < 2000; ++trial) {
    const u64 v = trial == 0 ? kMax : gen() >> (gen() % 64);
    const std::string s = std::to_string(v);
    for (std::size_t i = 1; i <= s.size(); ++i) {
      const std::string mantissa = s.substr(0, i) + "." + s.substr(i);
      expect_value(mantissa + "e" + std::to_string(s.size() - i), v);
      expect_value(mantissa + "000e" + std::to_string(s.size() - i), v);
    }
    expect_value(s + "00e-2", v);
    if (v < kMax / 10) {
      EXPECT_EQ(reason(s + "5e-1"),
                quoted(s + "5e-1") + " is not a whole number: " + s + "5e-1 = " + s + ".5");
    }
  }
}

TEST(ParseCount, SaysWhyAFormIsNotWhole) {
  const std::pair<const char*, const char*> cases[] = {
      {"2.55e1", "'2.55e1' is not a whole number: 2.55e1 = 25.5"},
      {"1.5e0", "'1.5e0' is not a whole number: 1.5e0 = 1.5"},
      {"1.5", "'1.5' is not a whole number"},
      {"1e-3", "'1e-3' is not a whole number: 1e-3 = 0.001"},
      {"25e-1", "'25e-1' is not a whole number: 25e-1 = 2.5"},
      {"1.000000000000000000001e20",
       "'1.000000000000000000001e20' is not a whole number: 1.000000000000000000001e20 = "
       "100000000000000000000.1"},
      {"1e-99999999999999999999",
       "'1e-99999999999999999999' is not a whole number: 1e-99999999999999999999 lies between 0 "
       "and 1"},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(reason(text), want);
}

TEST(ParseCount, RefusesValuesPastTheLimitWithTheLimit) {
  for (const char* text : {"1e20", "18446744073709551616", "99999999999999999999", "99999999999e9",
                           "1844674407370955162e1", "2e19", "1.8446744073709551616e19",
                           "18446744073709551616e0", "1.5e99999999999999999999", "1e+20"}) {
    EXPECT_EQ(reason(text), quoted(text) + " is too large (the limit is 2^64 - 1)");
  }
}

TEST(ParseCount, RejectsEverythingElseWithAReason) {
  for (const char* text :
       {"-5",  "-0",    "+5",   "abc",   "",      "1e",  "e5",  "e",     "1e-",   "1e+",
        ".",   ".e3",   "1..5", "1.5.5", " 5",    "5 ",  "5\n", "1 000", "1,000", "0x10",
        "12a", "1e9e9", "1ee9", "1e 9",  "1e3.5", "inf", "nan", "1e--3"}) {
    EXPECT_FALSE(reason(text).empty()) << "'" << text << "'";
  }
  EXPECT_EQ(reason("-5"), "'-5' is negative");
  EXPECT_EQ(reason("abc"), "'abc' is not an integer (use digits or a form like 1e9 or 2.5e6)");
}

TEST(ParseCount, ReadsOnlyTheGivenView) {
  // A view into a longer buffer: the digits after it are not part of it.
  const std::string buffer = "12345";
  const auto got = parse_count(std::string_view(buffer).substr(0, 2));
  ASSERT_TRUE(std::holds_alternative<u64>(got));
  EXPECT_EQ(std::get<u64>(got), 12u);
}

}  // namespace
}  // namespace rf
