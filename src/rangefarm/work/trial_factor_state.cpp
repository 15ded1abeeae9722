#include "rangefarm/work/trial_factor_state.hpp"

#include <cstdio>

namespace rf {
namespace {

std::string label(std::uint64_t p, std::uint64_t k_next) {
  return "rangefarm-tf " + std::to_string(p) + " " + std::to_string(k_next);
}

}  // namespace

std::string trial_factor_state_name(std::uint64_t p) {
  return "tf-" + std::to_string(p) + ".state";
}

void save_trial_factor_state(IntegerStore& store, const TrialFactorState& state) {
  store.save(trial_factor_state_name(state.p), label(state.p, state.k_next),
             mpz_class(std::to_string(state.k_next)));
}

std::optional<TrialFactorState> load_trial_factor_state(IntegerStore& store, std::uint64_t p) {
  const auto saved = store.load(trial_factor_state_name(p));
  if (!saved) return std::nullopt;
  unsigned long long saved_p = 0;
  unsigned long long k_next = 0;
  if (std::sscanf(saved->label.c_str(), "rangefarm-tf %llu %llu", &saved_p, &k_next) != 2 ||
      saved->label != label(p, k_next) || saved_p != p || k_next < 1 ||
      saved->value != mpz_class(std::to_string(k_next))) {
    return std::nullopt;  // not ours, or damaged: the search starts over
  }
  return TrialFactorState{p, k_next};
}

}  // namespace rf
