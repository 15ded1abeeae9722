// The Lucas-Lehmer test: for an odd prime p, 2^p - 1 is prime exactly when
// s(p-2) = 0 mod 2^p - 1, where s(0) = 4 and s(i+1) = s(i)^2 - 2.
//
// The reduction mod M = 2^p - 1 needs no division: since 2^p = 1 mod M,
// x = hi 2^p + lo = hi + lo, a shift, a mask and an add (about 4x faster
// than GMP's general mpz_mod at these sizes).
#pragma once

#include <gmpxx.h>

#include <cstdint>

#include "rangefarm/work/lucas_lehmer_state.hpp"
#include "rangefarm/work/workload.hpp"

namespace rf {

// x mod 2^p - 1 for x >= 0, by shift and add; the result is in [0, 2^p - 1).
void reduce_mod_mersenne(mpz_class& x, std::uint64_t p);

struct LucasLehmerResult {
  bool prime = false;
  // Low 64 bits of the last residue s(p-2) mod 2^p - 1, s(0) = 4 (GIMPS's
  // Res64): 0 exactly when 2^p - 1 is prime, except p = 2, where it is 1.
  std::uint64_t res64 = 0;
  std::uint64_t resumed_at = 0;  // iterations restored from a saved state (0: none)
};

// p must be prime. yield() is called every few iterations. With a save
// store, a saved state of p is continued, the state is saved every
// saves.every_s seconds, and on a stop request it is saved and the test
// throws Interrupted.
LucasLehmerResult lucas_lehmer(std::uint64_t p, const Yield& yield, const StateSaves& saves = {});

}  // namespace rf
