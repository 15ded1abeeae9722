#include "rangefarm/work/lucas_lehmer.hpp"

#include <algorithm>

#include "rangefarm/work/state_saves.hpp"

namespace rf {
namespace {

// Iterations between yields (and looks for a stop request): about half a
// millisecond of work. At p = 25000 an iteration costs about 10 us, and its
// cost grows a little faster than p, so from p ~ 1e6 on (a millisecond and
// more each) every iteration looks.
std::uint64_t iterations_per_yield(std::uint64_t p) {
  return std::clamp<std::uint64_t>(1'250'000 / p, 1, 64);
}

}  // namespace

void reduce_mod_mersenne(mpz_class& x, std::uint64_t p) {
  mpz_class high;
  while (mpz_sizeinbase(x.get_mpz_t(), 2) > p) {
    mpz_tdiv_q_2exp(high.get_mpz_t(), x.get_mpz_t(), p);
    mpz_tdiv_r_2exp(x.get_mpz_t(), x.get_mpz_t(), p);
    x += high;
  }
  // Now x < 2^p; only M itself is left to fold to 0.
  if (mpz_popcount(x.get_mpz_t()) == p) x = 0;
}

LucasLehmerResult lucas_lehmer(std::uint64_t p, const Yield& yield, const StateSaves& saves) {
  // M_2 = 3 is prime, but the test proves odd p only: it runs p - 2 = 0
  // iterations, so the residue is s(0) = 4 mod 3 = 1, as any LL program says.
  if (p == 2) return {true, 1, 0};
  mpz_class mersenne;
  mpz_ui_pow_ui(mersenne.get_mpz_t(), 2, p);
  mersenne -= 1;
  LucasLehmerState state{p, 0, 4};
  if (saves.store != nullptr) {
    if (auto saved = load_lucas_lehmer_state(*saves.store, p)) state = std::move(*saved);
  }
  const std::uint64_t resumed_at = state.iterations;
  SaveCadence cadence(saves);
  mpz_class& s = state.residue;
  const std::uint64_t per_yield = iterations_per_yield(p);
  for (std::uint64_t& i = state.iterations; i + 2 < p;) {
    mpz_mul(s.get_mpz_t(), s.get_mpz_t(), s.get_mpz_t());
    if (s < 2) s += mersenne;  // s^2 - 2 must stay non-negative
    s -= 2;
    reduce_mod_mersenne(s, p);
    if (++i % per_yield != 0) continue;
    yield();
    cadence.poll([&](IntegerStore& store) { save_lucas_lehmer_state(store, state); });
  }
  return {s == 0, mpz_getlimbn(s.get_mpz_t(), 0), resumed_at};
}

}  // namespace rf
