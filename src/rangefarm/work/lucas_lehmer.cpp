#include "rangefarm/work/lucas_lehmer.hpp"

namespace rf {
namespace {

// Iterations between yields: at p = 25000 one costs about 10 us.
constexpr std::uint64_t kIterationsPerYield = 64;

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

LucasLehmerResult lucas_lehmer(std::uint64_t p, const Yield& yield) {
  if (p == 2) return {true, 0};  // M_2 = 3; the recurrence needs odd p
  mpz_class mersenne;
  mpz_ui_pow_ui(mersenne.get_mpz_t(), 2, p);
  mersenne -= 1;
  mpz_class s = 4;
  for (std::uint64_t i = 0; i + 2 < p; ++i) {
    mpz_mul(s.get_mpz_t(), s.get_mpz_t(), s.get_mpz_t());
    if (s < 2) s += mersenne;  // s^2 - 2 must stay non-negative
    s -= 2;
    reduce_mod_mersenne(s, p);
    if (i % kIterationsPerYield == 0) yield();
  }
  return {s == 0, mpz_getlimbn(s.get_mpz_t(), 0)};
}

}  // namespace rf
