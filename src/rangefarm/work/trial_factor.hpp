// Trial factoring of a Mersenne number M_p = 2^p - 1 (p an odd prime).
//
// Every prime factor q of M_p has the form q = 2kp + 1 and q = +-1 mod 8
// (q divides M_p, so 2 is a quadratic residue mod q). So only k are walked,
// in blocks: k mod 4 must be 0 or 3p mod 4 (the mod-8 rule), and k whose q
// has a small prime factor r are struck out by a sieve (q = 0 mod r exactly
// when k = -(2p)^-1 mod r), which leaves about one k in 12. A survivor q
// divides M_p exactly when 2^p = 1 mod q, one modular exponentiation.
// Candidates are bounded by 2^bits, and never above 2^(p/2), so a q found is
// always a proper factor.
//
// A deep search is long (at p near 1e7, 64 bits is about 10^11 candidates),
// so it yields and looks for a stop request every block of 2^15 k (a few
// milliseconds), and with a store it keeps its depth (trial_factor_state.hpp).
#pragma once

#include <cstdint>
#include <optional>

#include "rangefarm/work/saved_integer.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

// The largest depth supported: q fits in 64 bits.
inline constexpr unsigned kMaxTrialFactorBits = 64;

// 2^p mod q, for q > 1 below 2^64.
std::uint64_t pow2_mod(std::uint64_t p, std::uint64_t q);

// Whether k survives the mod-8 rule and the small-prime sieve (q prime
// itself survives). The sieve's answer for one k, for tests.
bool is_trial_candidate(std::uint64_t p, std::uint64_t k);

// The smallest factor of 2^p - 1 up to 2^bits (and 2^(p/2)), if any.
std::optional<std::uint64_t> trial_factor(std::uint64_t p, unsigned bits);

struct TrialFactorOutcome {
  std::optional<std::uint64_t> factor;  // the smallest, if any
  std::uint64_t resumed_k = 0;          // continued from a saved depth at this k (0: none)
};

// The same, calling yield() every block. With a save store, a saved depth
// of p is continued, the depth is saved every saves.every_s seconds, and on
// a stop request it is saved and the search throws Interrupted; without
// one, a stop request throws Interrupted at once.
TrialFactorOutcome trial_factor(std::uint64_t p, unsigned bits, const Yield& yield,
                                const StateSaves& saves = {});

}  // namespace rf
