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
  auto saved = load_integer(lucas_lehmer_state_path(dir, p));
  if (!saved) return std::nullopt;
  // The label holds the iteration count; it must read back exactly.
  unsigned long long saved_p = 0;
  unsigned long long iterations = 0;
  if (std::sscanf(saved->label.c_str(), "rangefarm-ll %llu %llu", &saved_p, &iterations) != 2 ||
      saved->label != label(p, iterations) || saved_p != p || p < 3 || iterations > p - 2) {
    return std::nullopt;
  }
  const mpz_class& residue = saved->value;
  if (sgn(residue) < 0 || mpz_sizeinbase(residue.get_mpz_t(), 2) > p) {
    return std::nullopt;  // not a residue mod 2^p - 1: the test starts over
  }
  return LucasLehmerState{p, iterations, std::move(saved->value)};
}

}  // namespace rf
