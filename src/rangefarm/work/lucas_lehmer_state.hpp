// The saved state of a Lucas-Lehmer test: the exponent, how many
// iterations are done, and the residue after them. A test that runs longer
// than a set interval saves it (and saves it at once on a stop request), so
// that a resumed run continues the test instead of starting it again.
//
// One saved integer per exponent (saved_integer.hpp), named "ll-<p>.state":
// the label "rangefarm-ll <p> <iterations>" and the residue. Where it goes
// is the store's business: in a farmed run, rank 0's folder beside the
// journal, whichever rank runs the test.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <optional>
#include <string>

#include "rangefarm/work/saved_integer.hpp"

namespace rf {

struct LucasLehmerState {
  std::uint64_t p = 0;
  std::uint64_t iterations = 0;  // done: the residue is s(iterations)
  mpz_class residue;
};

std::string lucas_lehmer_state_name(std::uint64_t p);
void save_lucas_lehmer_state(IntegerStore& store, const LucasLehmerState& state);
// The state saved for p, if there is one and it is whole.
std::optional<LucasLehmerState> load_lucas_lehmer_state(IntegerStore& store, std::uint64_t p);

}  // namespace rf
