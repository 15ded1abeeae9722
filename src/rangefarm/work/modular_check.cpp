#include "rangefarm/work/modular_check.hpp"

#include "rangefarm/work/power.hpp"

namespace rf {

std::uint64_t product_mod_m61(Range slice) {
  std::uint64_t r = 1;
  // Every factor is below 2^61 - 1 since n <= FactorialWork::kMaxN.
  for (std::uint64_t i = slice.lo; i < slice.hi; ++i) r = mulmod_m61(r, i);
  return r;
}

std::uint64_t pow_mod_m61(std::uint64_t base, std::uint64_t e) {
  return power(base % kCheckPrime, e, 1, mulmod_m61);
}

std::uint64_t mod_m61(const mpz_class& x) {
  return mpz_fdiv_ui(x.get_mpz_t(), kCheckPrime);
}

}  // namespace rf
