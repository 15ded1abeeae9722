// A big integer kept in a file beside the journal: one text line naming
// what it is, then the number in GMP's portable raw format (mpz_out_raw).
// Written to a temporary file, fsync'd and renamed over the old one, so a
// crash leaves the old file or the new, never half of one. Used for
// Lucas-Lehmer residues and for factorial pieces.
#pragma once

#include <gmpxx.h>

#include <optional>
#include <string>

namespace rf {

void save_integer(const std::string& path, const std::string& label, const mpz_class& x);
struct SavedInteger {
  std::string label;
  mpz_class value;
};
// The label and integer saved at path, if the file is whole.
std::optional<SavedInteger> load_integer(const std::string& path);

}  // namespace rf
