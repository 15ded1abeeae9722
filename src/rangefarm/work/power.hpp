// base^e by square and multiply, in whatever ring `times` multiplies in
// (mod 2^64 by wrapping, mod 5^20, mod 2^61 - 1, ...); base must already be
// reduced.
#pragma once

#include <cstdint>

namespace rf {

template <class Times>
std::uint64_t power(std::uint64_t base, std::uint64_t e, std::uint64_t one, Times times) {
  std::uint64_t r = one;
  for (; e > 0; e >>= 1) {
    if (e & 1) r = times(r, base);
    base = times(base, base);
  }
  return r;
}

}  // namespace rf
