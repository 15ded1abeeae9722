// printf-style formatting into a std::string (g++ 12 has no std::format).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace rf {

template <class... Args>
std::string strprintf(const char* fmt, Args... args) {
  const int n = std::snprintf(nullptr, 0, fmt, args...);
  std::string s(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
  std::snprintf(s.data(), s.size() + 1, fmt, args...);
  return s;
}

// "1 rank", "2 ranks": a count and its noun, plural unless the count is 1.
inline std::string counted(std::uint64_t n, const std::string& noun) {
  return std::to_string(n) + ' ' + noun + (n == 1 ? "" : "s");
}

}  // namespace rf
