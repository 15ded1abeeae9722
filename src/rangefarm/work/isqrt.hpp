// Exact integer square root: the largest r with r * r <= n.
#pragma once

#include <cmath>
#include <cstdint>

namespace rf {

inline std::uint64_t isqrt(std::uint64_t n) {
  // The double estimate is within one of the answer for any 64-bit n; two
  // guarded corrections make it exact.
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (r > 0 && (r > UINT32_MAX || r * r > n)) --r;
  while ((r + 1) <= UINT32_MAX && (r + 1) * (r + 1) <= n) ++r;
  return r;
}

}  // namespace rf
