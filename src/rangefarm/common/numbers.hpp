// Parsing of the integers users type: plain digits or an exact scientific
// form with an integer mantissa ("1e10", "25e6"). Anything else (signs,
// fractions such as "1.5e3", junk, values past 2^64 - 1) is rejected with a
// reason, so the command line can say exactly what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace rf {

// The value, or a message saying why the text is not one.
std::variant<std::uint64_t, std::string> parse_count(std::string_view text);

}  // namespace rf
