// The saved state of a Lucas-Lehmer test: the exponent, how many
// iterations are done, and the residue after them. A test that runs longer
// than a set interval saves it (and saves it at once on a stop request), so
// that a resumed run continues the test instead of starting it again.
//
// One file per exponent, "<dir>/ll-<p>.state": a text line
// "rangefarm-ll <p> <iterations>" and the residue in GMP's portable raw
// format (mpz_out_raw). Written to a temporary file, fsync'd and renamed
// over the old one, so a crash leaves the old state or the new, never half.
// The folder must be one every rank can reach (on a cluster: shared storage,
// like the journal beside it).
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <optional>
#include <string>

namespace rf {

struct LucasLehmerState {
  std::uint64_t p = 0;
  std::uint64_t iterations = 0;  // done: the residue is s(iterations)
  mpz_class residue;
};

struct LucasLehmerSaves {
  std::string dir;      // empty: never save
  double every_s = 60;  // save a running test at least this often
};

std::string lucas_lehmer_state_path(const std::string& dir, std::uint64_t p);
void save_lucas_lehmer_state(const std::string& dir, const LucasLehmerState& state);
// The state saved for p, if there is one and it is whole.
std::optional<LucasLehmerState> load_lucas_lehmer_state(const std::string& dir, std::uint64_t p);

}  // namespace rf
