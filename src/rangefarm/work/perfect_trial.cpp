#include "rangefarm/work/perfect_trial.hpp"

namespace rf {

std::uint64_t sigma_trial(std::uint64_t n) {
  std::uint64_t sum = 0;
  for (std::uint64_t d = 1; d <= n / d; ++d) {
    if (n % d == 0) {
      const std::uint64_t q = n / d;
      sum += d;
      if (q != d) sum += q;
    }
  }
  return sum;
}

}  // namespace rf
