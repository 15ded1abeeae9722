#include "rangefarm/work/trial_factor.hpp"

#include <algorithm>
#include <primesieve.hpp>
#include <utility>
#include <vector>

#include "rangefarm/work/state_saves.hpp"
#include "rangefarm/work/trial_factor_state.hpp"

namespace rf {
namespace {

using u128 = unsigned __int128;

// Small primes for the sieve. Up to 2^11 they strike 88% of the k that
// pass the mod-8 rule; more primes cost more striking than they save.
constexpr std::uint64_t kSieveLimit = 2048;
constexpr std::uint64_t kBlock = 1 << 15;  // k per sieve block

const std::vector<std::uint32_t>& sieve_primes() {
  static const std::vector<std::uint32_t> primes = [] {
    std::vector<std::uint32_t> v;
    primesieve::generate_primes(3, kSieveLimit, &v);
    return v;
  }();
  return primes;
}

std::uint64_t inverse_mod(std::uint64_t a, std::uint64_t m) {  // a, m coprime, m small
  std::int64_t t = 0, new_t = 1, r = static_cast<std::int64_t>(m),
               new_r = static_cast<std::int64_t>(a % m);
  while (new_r != 0) {
    const std::int64_t q = r / new_r;
    t = std::exchange(new_t, t - q * new_t);
    r = std::exchange(new_r, r - q * new_r);
  }
  return static_cast<std::uint64_t>(t < 0 ? t + static_cast<std::int64_t>(m) : t);
}

// The first k >= from (from >= 1) whose q = 2kp + 1 is divisible by r.
std::uint64_t first_struck_k(std::uint64_t p, std::uint64_t r, std::uint64_t from) {
  std::uint64_t k = (r - inverse_mod(2 * p % r, r)) % r;
  if (k == 0) k = r;
  if (k < from) k += (from - k + r - 1) / r * r;
  return k;
}

bool passes_mod8(std::uint64_t p, std::uint64_t k) {
  const std::uint64_t q8 = (2 * (k % 4) * (p % 4) + 1) % 8;
  return q8 == 1 || q8 == 7;
}

}  // namespace

std::uint64_t pow2_mod(std::uint64_t p, std::uint64_t q) {
  if (p == 0) return 1 % q;
  u128 x = 1;
  for (int bit = 63 - __builtin_clzll(p); bit >= 0; --bit) {
    x = x * x % q;
    if ((p >> bit) & 1) {
      x <<= 1;
      if (x >= q) x -= q;
    }
  }
  return static_cast<std::uint64_t>(x);
}

bool is_trial_candidate(std::uint64_t p, std::uint64_t k) {
  if (!passes_mod8(p, k)) return false;
  const u128 q = u128{2} * k * p + 1;
  for (const std::uint32_t r : sieve_primes()) {
    if (r != p && q % r == 0 && q != r) return false;
  }
  return true;
}

std::optional<std::uint64_t> trial_factor(std::uint64_t p, unsigned bits) {
  return trial_factor(p, bits, [] {}).factor;
}

TrialFactorOutcome trial_factor(std::uint64_t p, unsigned bits, const Yield& yield,
                                const StateSaves& saves) {
  TrialFactorOutcome out;
  bits = std::min({bits, kMaxTrialFactorBits, static_cast<unsigned>(p / 2)});
  if (bits < 2 || p < 3) return out;
  TrialFactorState state{p, 1};
  if (saves.store != nullptr) {
    if (auto saved = load_trial_factor_state(*saves.store, p)) {
      state = *saved;
      out.resumed_k = state.k_next;
    }
  }
  // q = 2kp + 1 <= 2^bits - 1 (q is odd).
  const u128 q_max = (u128{1} << bits) - 1;
  const auto k_max = static_cast<std::uint64_t>((q_max - 1) / (2 * u128{p}));
  const auto& primes = sieve_primes();
  std::vector<std::uint64_t> next;  // per sieve prime, the next k it strikes
  for (const std::uint32_t r : primes)
    next.push_back(r == p ? 0 : first_struck_k(p, r, state.k_next));
  std::vector<std::uint8_t> keep(kBlock);
  SaveCadence cadence(saves);
  for (std::uint64_t& k0 = state.k_next; k0 <= k_max;) {
    const std::uint64_t k_end = std::min<std::uint64_t>(k0 + kBlock, k_max + 1);
    for (std::uint64_t k = k0; k < k_end; ++k) keep[k - k0] = passes_mod8(p, k);
    for (std::size_t i = 0; i < primes.size(); ++i) {
      if (next[i] == 0) continue;
      std::uint64_t k = next[i];
      // q = r itself is a prime and may be the factor: never strike it.
      if (k < k_end && u128{2} * k * p + 1 == primes[i]) k += primes[i];
      for (; k < k_end; k += primes[i]) keep[k - k0] = 0;
      next[i] = k;
    }
    for (std::uint64_t k = k0; k < k_end; ++k) {
      if (!keep[k - k0]) continue;
      const std::uint64_t q = 2 * k * p + 1;
      if (pow2_mod(p, q) == 1) {
        out.factor = q;
        return out;
      }
    }
    k0 = k_end;
    if (k0 > k_max) break;
    yield();
    cadence.poll([&](IntegerStore& store) { save_trial_factor_state(store, state); });
  }
  return out;
}

}  // namespace rf
