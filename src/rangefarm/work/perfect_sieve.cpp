#include "rangefarm/work/perfect_sieve.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <primesieve.hpp>
#include <stdexcept>

#include "rangefarm/work/isqrt.hpp"

namespace rf {
namespace {

// Inverse of odd a mod 2^64 by Newton's iteration: each step doubles the
// number of correct low bits (a*a = 1 mod 8 gives the first 3).
std::uint64_t inverse_mod_2_64(std::uint64_t a) {
  std::uint64_t x = a;
  for (int i = 0; i < 5; ++i) x *= 2 - a * x;
  return x;
}

struct Block {
  std::vector<std::uint64_t> rem;
  std::vector<std::uint64_t> sig;
};

// Strips every factor p from rem, multiplies sig by sigma(p^e).
template <class P>
inline void apply_prime(std::uint64_t& rem, std::uint64_t& sig, const P& pr) {
  std::uint64_t r = rem * pr.inv;  // exact: p divides rem
  std::uint64_t pk = pr.p;
  std::uint64_t term = 1 + pr.p;
  while (r * pr.inv <= pr.limit) {
    r *= pr.inv;
    pk *= pr.p;
    term += pk;
  }
  rem = r;
  sig *= term;
}

// Bucket entry of a large prime: which prime, and where in its block it hits.
struct Hit {
  std::uint32_t prime;
  std::uint32_t offset;
};

}  // namespace

SigmaSieve::SigmaSieve(std::uint64_t max_n) : max_n_(max_n) {
  if (max_n > kMaxN) throw std::invalid_argument("SigmaSieve: bound above kMaxN");
  std::vector<std::uint64_t> ps;
  primesieve::generate_primes(3, isqrt(max_n), &ps);
  primes_.reserve(ps.size());
  for (auto p : ps) primes_.push_back({p, inverse_mod_2_64(p), UINT64_MAX / p});
}

void SigmaSieve::run(Range range, const BlockFn& on_block) const {
  if (range.empty()) return;
  if (range.lo == 0 || range.hi - 1 > max_n_) {
    throw std::invalid_argument("SigmaSieve: range outside [1, max_n]");
  }
  const std::uint64_t root = isqrt(range.hi - 1);
  const auto end = std::upper_bound(primes_.begin(), primes_.end(), root,
                                    [](std::uint64_t v, const Prime& pr) { return v < pr.p; });
  const auto nprimes = static_cast<std::size_t>(end - primes_.begin());
  const auto split = static_cast<std::size_t>(
      std::upper_bound(primes_.begin(), end, std::uint64_t{kBlock},
                       [](std::uint64_t v, const Prime& pr) { return v < pr.p; }) -
      primes_.begin());

  // Small primes: offset of the next multiple, relative to the current block.
  std::vector<std::uint64_t> next(split);
  for (std::size_t j = 0; j < split; ++j) {
    const std::uint64_t p = primes_[j].p;
    next[j] = (p - range.lo % p) % p;
  }
  // Large primes: a ring of buckets, one per block ahead. A prime below
  // root < nring * kBlock never jumps past the ring.
  const std::uint64_t nring = root / kBlock + 2;
  std::vector<std::vector<Hit>> ring(nring);
  const std::uint64_t length = range.size();
  for (std::size_t j = split; j < nprimes; ++j) {
    const std::uint64_t p = primes_[j].p;
    const std::uint64_t at = (p - range.lo % p) % p;  // offset from range.lo
    if (at < length) {
      ring[(at / kBlock) % nring].push_back(
          {static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(at % kBlock)});
    }
  }

  Block blk{std::vector<std::uint64_t>(kBlock), std::vector<std::uint64_t>(kBlock)};
  std::vector<Hit> hits;
  for (std::uint64_t b = 0, first = range.lo; first < range.hi; ++b, first += kBlock) {
    const auto len = static_cast<std::uint32_t>(std::min<std::uint64_t>(kBlock, range.hi - first));
    std::uint64_t* rem = blk.rem.data();
    std::uint64_t* sig = blk.sig.data();
    for (std::uint32_t i = 0; i < len; ++i) {
      const std::uint64_t n = first + i;
      const int e = std::countr_zero(n);
      rem[i] = n >> e;
      sig[i] = (std::uint64_t{2} << e) - 1;  // sigma(2^e)
    }
    for (std::size_t j = 0; j < split; ++j) {
      const Prime pr = primes_[j];
      std::uint64_t off = next[j];
      for (; off < len; off += pr.p) apply_prime(rem[off], sig[off], pr);
      next[j] = off - len;
    }
    hits.clear();
    std::swap(hits, ring[b % nring]);
    for (const Hit h : hits) {
      const Prime& pr = primes_[h.prime];
      apply_prime(rem[h.offset], sig[h.offset], pr);
      const std::uint64_t at = b * kBlock + h.offset + pr.p;  // next multiple, from range.lo
      if (at < length) {
        ring[(at / kBlock) % nring].push_back({h.prime, static_cast<std::uint32_t>(at % kBlock)});
      }
    }
    for (std::uint32_t i = 0; i < len; ++i) {
      if (rem[i] > 1) sig[i] *= rem[i] + 1;  // the one prime factor above sqrt(n)
    }
    on_block(first, std::span<const std::uint64_t>(sig, len));
  }
}

}  // namespace rf
