#include "rangefarm/work/lucas_lehmer_state.hpp"

#include <cstdio>
#include <string>

namespace rf {
namespace {

std::string label(std::uint64_t p, std::uint64_t iterations) {
  return "rangefarm-ll " + std::to_string(p) + " " + std::to_string(iterations);
}

}  // namespace

std::string lucas_lehmer_state_name(std::uint64_t p) {
  return "ll-" + std::to_string(p) + ".state";
}

void save_lucas_lehmer_state(IntegerStore& store, const LucasLehmerState& state) {
  store.save(lucas_lehmer_state_name(state.p), label(state.p, state.iterations), state.residue);
}

std::optional<LucasLehmerState> load_lucas_lehmer_state(IntegerStore& store, std::uint64_t p) {
  auto saved = store.load(lucas_lehmer_state_name(p));
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
