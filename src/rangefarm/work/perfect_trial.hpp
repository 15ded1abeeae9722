// The textbook divisor test, the baseline users start from: sigma(n) by
// trying every d <= sqrt(n) and adding d and n / d when d divides n.
// O(sqrt n) per number against the sieve's O(log log n); kept for
// comparison and as an independent check of the sieve.
#pragma once

#include <cstdint>

namespace rf {

std::uint64_t sigma_trial(std::uint64_t n);

}  // namespace rf
