// Parsing of the integers users type: plain digits, or any decimal form whose
// value is an exact integer ("1e10", "25e6", "2.5e6", "10.5e9", "1e+3",
// "2500e-2"). The value is worked out on the digits with integer arithmetic,
// never through a double, so every uint64 is reached exactly
// ("9007199254740993", "1.8446744073709551615e19"). Anything else is
// rejected with a reason: signs, junk, values with a fraction ("2.55e1" says
// it is 25.5) and values past 2^64 - 1, so the command line can say exactly
// what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace rf {

// The value, or a message saying why the text is not one.
std::variant<std::uint64_t, std::string> parse_count(std::string_view text);

}  // namespace rf
