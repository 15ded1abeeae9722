// parse_count: plain digits or an exact integer-mantissa scientific form;
// everything else is rejected with a reason.
#include "rangefarm/common/numbers.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <variant>

namespace rf {
namespace {

using u64 = std::uint64_t;

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
      {"18446744073709551615", std::numeric_limits<u64>::max()},
      {"1844674407370955161e1", 18'446'744'073'709'551'610u},
      {"18446744073709551615e0", std::numeric_limits<u64>::max()},
  };
  for (const auto& [text, want] : cases) {
    const auto got = parse_count(text);
    ASSERT_TRUE(std::holds_alternative<u64>(got))
        << "'" << text << "' rejected: " << std::get<std::string>(got);
    EXPECT_EQ(std::get<u64>(got), want) << "'" << text << "'";
  }
}

TEST(ParseCount, RejectsEverythingElseWithAReason) {
  for (const char* text : {"1.5e3",
                           "1.0",
                           "-5",
                           "-0",
                           "+5",
                           "abc",
                           "",
                           "1e",
                           "e5",
                           "e",
                           "1e20",
                           "1e-3",
                           "1e+3",
                           "18446744073709551616",
                           "99999999999999999999",
                           "99999999999e9",
                           "1844674407370955162e1",
                           "2e19",
                           " 5",
                           "5 ",
                           "5\n",
                           "1 000",
                           "1,000",
                           "0x10",
                           "12a",
                           "1e9e9",
                           "1ee9",
                           "1e 9",
                           "inf",
                           "nan"}) {
    const auto got = parse_count(text);
    ASSERT_TRUE(std::holds_alternative<std::string>(got))
        << "'" << text << "' accepted as " << std::get<u64>(got);
    EXPECT_FALSE(std::get<std::string>(got).empty()) << "'" << text << "'";
  }
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
