// printf-style formatting into a std::string (g++ 12 has no std::format).
#pragma once

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

}  // namespace rf
