// Range: a half-open interval [lo, hi) of 64-bit integers, the unit of work
// the farm hands out. The command line speaks inclusive [from, to]; the
// conversion happens once, in the app, and nowhere else.
#pragma once

#include <cstdint>

namespace rf {

struct Range {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;  // one past the last item

  [[nodiscard]] std::uint64_t size() const { return hi > lo ? hi - lo : 0; }
  [[nodiscard]] bool empty() const { return hi <= lo; }
  friend bool operator==(const Range&, const Range&) = default;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& lo& hi;
  }
};

// Inclusive [from, to] as used on the command line.
inline Range inclusive(std::uint64_t from, std::uint64_t to) {
  return Range{from, to + 1};
}

}  // namespace rf
