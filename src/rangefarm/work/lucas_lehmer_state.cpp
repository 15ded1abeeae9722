#include "rangefarm/work/lucas_lehmer_state.hpp"

#include <cstdio>
#include <string>

#include "rangefarm/work/saved_integer.hpp"

namespace rf {
namespace {

std::string label(std::uint64_t p, std::uint64_t iterations) {
  return "rangefarm-ll " + std::to_string(p) + " " + std::to_string(iterations);
}

}  // namespace

std::string lucas_lehmer_state_path(const std::string& dir, std::uint64_t p) {
  return dir + "/ll-" + std::to_string(p) + ".state";
}

void save_lucas_lehmer_state(const std::string& dir, const LucasLehmerState& state) {
  save_integer(lucas_lehmer_state_path(dir, state.p), label(state.p, state.iterations),
               state.residue);
}

std::optional<LucasLehmerState> load_lucas_lehmer_state(const std::string& dir, std::uint64_t p) {
  const std::string path = lucas_lehmer_state_path(dir, p);
  // The label holds the iteration count: read it first, then check the whole file.
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  unsigned long long saved_p = 0;
  unsigned long long iterations = 0;
  const int got = std::fscanf(f, "rangefarm-ll %llu %llu", &saved_p, &iterations);
  std::fclose(f);
  if (got != 2 || saved_p != p || p < 3 || iterations > p - 2) return std::nullopt;
  auto residue = load_integer(path, label(p, iterations));
  if (!residue || sgn(*residue) < 0 || mpz_sizeinbase(residue->get_mpz_t(), 2) > p) {
    return std::nullopt;  // not whole, or not a residue mod 2^p - 1: the test starts over
  }
  return LucasLehmerState{p, iterations, std::move(*residue)};
}

}  // namespace rf
