// SigmaSieve: sigma(n), the sum of the divisors of n, for every n of any
// range [a, b) with 1 <= a, b - 1 <= kMaxN, in cache-sized blocks.
//
// Each block starts with rem[i] = the odd part of n and sig[i] = sigma of the
// power of two that was removed (found with one count-trailing-zeros). Then
// every odd sieving prime p <= sqrt(b - 1) visits its multiples in the block,
// strips every factor p from rem[i] and multiplies sig[i] by
// sigma(p^e) = 1 + p + ... + p^e. What is left in rem[i] has no factor below
// sqrt(n), so it is 1 or a prime q, which contributes (1 + q).
//
// No division in the hot loop: dividing an exact multiple of an odd p is a
// multiplication by p's inverse mod 2^64, and "p divides x" is the
// Granlund-Montgomery test x * inv(p) <= (2^64 - 1) / p.
//
// Small primes (below the block length) keep their next multiple from block
// to block. Larger primes hit a block at most once, so they live in a ring of
// buckets, one per block ahead, and each block only touches the primes that
// hit it (Oliveira e Silva's bucket sieve): a block costs the same at 1e15 as
// at 1e9.
//
// Per-chunk set-up is what a chunk must cost and no more, so that small
// chunks cost what they should: the block, the offset tables and the bucket
// storage live in the sieve and are reused by every run() (never allocated
// or cleared per chunk), and each prime's first multiple in the range comes
// from a precomputed reciprocal (a multiply-high, no hardware division).
//
// Memory: the block (2 x 8 x 32768 bytes), the sieving primes up to sqrt of
// the bound (4 bytes each, plus an 8-byte reciprocal) and one 8-byte bucket
// entry per large prime (1.9 million primes at kMaxN). A rank's whole process
// peaks at 51 MiB near kMaxN at the default chunk, and at 59 MiB with
// chunks of 1e8 or more, whose bucket ring fills, whatever the length of the
// range (measured: bench/rank_memory.py --sieve --sieve-long; the figures and
// commands are in docs/benchmarks.md, "A rank's memory").
//
// Not thread-safe: run() reuses the sieve's own scratch, so a SigmaSieve is
// used by one thread at a time (each rank has its own).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/work/bucket_ring.hpp"

namespace rf {

class SigmaSieve {
 public:
  // Largest n supported. It bounds the sieving primes (sqrt(1e15) ~ 3.2e7,
  // 1.9 million primes) so a rank stays well under 64 MiB; sigma(n) < 7n
  // stays far from 2^64 there.
  static constexpr std::uint64_t kMaxN = 1'000'000'000'000'000;  // 1e15
  static_assert(kMaxN < (std::uint64_t{1} << 53), "large primes divide in double precision");
  static constexpr std::uint32_t kBlockBits = 15;
  static constexpr std::uint32_t kBlock = 1u << kBlockBits;

  // Prepares the sieving primes for every range with hi - 1 <= max_n.
  explicit SigmaSieve(std::uint64_t max_n);

  // Calls on_block(first, sigma) for consecutive blocks covering the range,
  // where sigma[i] = sigma(first + i).
  using BlockFn = std::function<void(std::uint64_t first, std::span<const std::uint64_t> sigma)>;
  void run(Range range, const BlockFn& on_block) const;

 private:
  // Primes up to this many have a loop of their own for each power p^k
  // (k >= 2) and none of the "does p divide again" test, whose branch is
  // taken 1 time in p: unpredictable for tiny p, nearly free above.
  static constexpr std::uint32_t kPowerLoopMax = 181;

  struct Prime {
    std::uint64_t p;
    std::uint64_t inv;    // p^-1 mod 2^64
    std::uint64_t limit;  // (2^64 - 1) / p: x * inv <= limit iff p | x; also
                          // the reciprocal that finds the first multiple
  };
  // The multiples of p^k, k >= 2, of a prime p <= kPowerLoopMax: one more p
  // comes out of rem, and sig's factor sigma(p^(k-1)) becomes sigma(p^k).
  // sigma(p^(k-1)) = 2^undo_shift * odd divides sig exactly there, so the
  // division is a shift and a multiplication by the odd part's inverse.
  struct Power {
    std::uint64_t pk;
    std::uint64_t inv_p;
    std::uint64_t undo_inv;
    std::uint64_t sigma;  // sigma(p^k)
    std::uint64_t recip;  // (2^64 - 1) / pk, for the first multiple
    std::uint32_t undo_shift;
    std::uint32_t prime;  // index into small_
  };
  // Bucket entry of a large prime: the prime, and where in its block it hits.
  struct Hit {
    std::uint32_t prime;
    std::uint32_t offset;
  };
  // What run() writes as it goes, kept from run to run so that a chunk
  // allocates and clears nothing: the block, the next multiple of every
  // small prime and power, and the ring of buckets with its pooled buckets.
  struct Scratch {
    std::vector<std::uint64_t> rem;  // cofactor not yet sieved out
    std::vector<std::uint64_t> sig;  // sigma of the part sieved out
    std::vector<std::uint64_t> next;
    std::vector<Power> powers;
    std::vector<std::uint64_t> next_power;
    BucketRing<Hit> ring;
  };
  void start_small_primes(Range range, std::size_t split) const;
  void start_large_primes(Range range, std::size_t split, std::size_t nprimes,
                          std::uint64_t mask) const;
  void sieve_tiny_primes(std::size_t count, std::uint64_t len, std::uint64_t* rem,
                         std::uint64_t* sig, std::uint64_t* next, const std::vector<Power>& powers,
                         std::uint64_t* next_power) const;

  std::uint64_t max_n_;
  std::vector<std::uint32_t> primes_;       // odd primes up to sqrt(max_n), ascending
  std::vector<Prime> small_;                // those below kBlock, with their inverses
  std::size_t tiny_ = 0;                    // small_[0, tiny_) are <= kPowerLoopMax
  std::vector<Power> powers_;               // their powers up to max_n, by prime then k
  std::vector<std::uint64_t> large_recip_;  // (2^64 - 1) / p of primes_[small_.size() + i]
  mutable Scratch scratch_;
};

}  // namespace rf
