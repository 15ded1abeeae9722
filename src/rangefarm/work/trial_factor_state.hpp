// How far the trial factoring of 2^p - 1 has gone: every candidate
// q = 2kp + 1 with k below k_next was tried and none divides. A search that
// runs longer than a set interval saves it (and saves it at once on a stop
// request), so that a resumed run goes on from there instead of starting
// again: at p near 1e7 a search to 64 bits is about 10^11 candidates.
//
// One saved integer per exponent (saved_integer.hpp), named "tf-<p>.state":
// the label "rangefarm-tf <p> <k_next>"; the integer itself is k_next too,
// so that the two must agree. The depth does not depend on the bit limit a
// run asks for: a k below k_next was tried whatever the limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rangefarm/work/saved_integer.hpp"

namespace rf {

struct TrialFactorState {
  std::uint64_t p = 0;
  std::uint64_t k_next = 1;  // every k in [1, k_next) was tried
};

std::string trial_factor_state_name(std::uint64_t p);
void save_trial_factor_state(IntegerStore& store, const TrialFactorState& state);
// The state saved for p, if there is one and it is whole.
std::optional<TrialFactorState> load_trial_factor_state(IntegerStore& store, std::uint64_t p);

}  // namespace rf
