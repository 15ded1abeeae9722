#include "rangefarm/work/perfect_sieve.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <primesieve.hpp>
#include <stdexcept>

#include "rangefarm/work/bucket_ring.hpp"
#include "rangefarm/work/isqrt.hpp"

// run() is compiled twice, for x86-64-v3 (AVX2, BMI2's shifts without flags)
// and for the x86-64 baseline, and the loader picks the one the CPU can run:
// one binary serves every node, and on this AMD EPYC the v3 code sieves 1.2x
// faster (bench/sieve_bench, 3 alternating runs).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RF_SIEVE_TARGETS __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RF_SIEVE_TARGETS
#endif

namespace rf {
namespace {

// Inverse of odd a mod 2^64 by Newton's iteration: each step doubles the
// number of correct low bits (a*a = 1 mod 8 gives the first 3).
std::uint64_t inverse_mod_2_64(std::uint64_t a) {
  std::uint64_t x = a;
  for (int i = 0; i < 5; ++i) x *= 2 - a * x;
  return x;
}

// Strips every factor p from rem, multiplies sig by sigma(p^e).
template <class P>
inline void apply_small_prime(std::uint64_t& rem, std::uint64_t& sig, const P& pr) {
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

// The same for a large prime, which hits rarely: a double division is exact
// here because p divides rem and rem < 2^53, and a non-multiple shows itself
// as q * p != r. No per-prime inverse to store, which keeps memory small.
inline void apply_large_prime(std::uint64_t& rem, std::uint64_t& sig, std::uint64_t p) {
  const auto dp = static_cast<double>(p);
  std::uint64_t r = static_cast<std::uint64_t>(static_cast<double>(rem) / dp);
  std::uint64_t pk = p;
  std::uint64_t term = 1 + p;
  for (std::uint64_t q = static_cast<std::uint64_t>(static_cast<double>(r) / dp); q * p == r;
       q = static_cast<std::uint64_t>(static_cast<double>(r) / dp)) {
    r = q;
    pk *= p;
    term += pk;
  }
  rem = r;
  sig *= term;
}

// Offset from lo of the first multiple of d at or above lo, with
// recip = (2^64 - 1) / d (d odd, > 1) instead of a hardware division.
// recip = 2^64 / d - e with 0 < e < 1, so the high half of lo * recip is
// floor(lo / d) or one less (lo * e / 2^64 < 1): one correction step.
inline std::uint64_t first_multiple(std::uint64_t lo, std::uint64_t d, std::uint64_t recip) {
  const auto q = static_cast<std::uint64_t>((static_cast<unsigned __int128>(lo) * recip) >> 64);
  std::uint64_t r = lo - q * d;
  if (r >= d) r -= d;
  return r == 0 ? 0 : d - r;
}

}  // namespace

SigmaSieve::SigmaSieve(std::uint64_t max_n) : max_n_(max_n) {
  if (max_n > kMaxN) throw std::invalid_argument("SigmaSieve: bound above kMaxN");
  // Reserved from the bound pi(x) < 1.26 x / ln x, so the table is allocated
  // once instead of growing (and briefly tripling) while primesieve fills it.
  const std::uint64_t root = isqrt(max_n);
  if (root >= 3) {
    primes_.reserve(static_cast<std::size_t>(1.26 * static_cast<double>(root) /
                                             std::log(static_cast<double>(root))) +
                    16);
  }
  primesieve::generate_primes(3, root, &primes_);
  for (std::uint32_t p : primes_) {
    if (p >= kBlock) break;
    small_.push_back({p, inverse_mod_2_64(p), UINT64_MAX / p});
  }
  while (tiny_ < small_.size() && small_[tiny_].p <= kPowerLoopMax) {
    const std::uint64_t p = small_[tiny_].p;
    std::uint64_t sigma = 1 + p;  // sigma(p^(k-1))
    for (std::uint64_t pk = p * p; pk <= max_n; pk *= p) {
      const int shift = std::countr_zero(sigma);
      powers_.push_back({pk, small_[tiny_].inv, inverse_mod_2_64(sigma >> shift), sigma + pk,
                         UINT64_MAX / pk, static_cast<std::uint32_t>(shift),
                         static_cast<std::uint32_t>(tiny_)});
      sigma += pk;
      if (pk > max_n / p) break;
    }
    ++tiny_;
  }
  large_recip_.reserve(primes_.size() - small_.size());
  for (std::size_t j = small_.size(); j < primes_.size(); ++j) {
    large_recip_.push_back(UINT64_MAX / primes_[j]);
  }
  // The ring for the bound's largest root, a power of two of slots so that
  // a slot is a mask; a range with a smaller root uses its first slots.
  scratch_.ring = BucketRing<Hit>(std::bit_ceil(root / kBlock + 2));
  scratch_.rem.resize(kBlock);
  scratch_.sig.resize(kBlock);
}

// The next multiple of every small prime and of every power that occurs up
// to range.hi - 1, as offsets from range.lo, into the scratch tables.
void SigmaSieve::start_small_primes(Range range, std::size_t split) const {
  Scratch& s = scratch_;
  s.next.resize(split);
  for (std::size_t j = 0; j < split; ++j) {
    s.next[j] = first_multiple(range.lo, small_[j].p, small_[j].limit);
  }
  const std::size_t tiny = std::min(tiny_, split);
  s.powers.clear();
  s.next_power.clear();
  for (const Power& w : powers_) {
    if (w.prime >= tiny || w.pk > range.hi - 1) continue;
    s.powers.push_back(w);
    s.next_power.push_back(first_multiple(range.lo, w.pk, w.recip));
  }
}

// Every large prime that hits the range goes into the bucket of its block.
// A prime below root < (mask + 1) * kBlock never jumps past the ring.
// Two passes over batches: the first offsets of a batch are compacted
// without a branch (whether a prime above the chunk's length hits it is a
// coin toss the predictor loses: it took a quarter of a 1e5 chunk's time
// near 1e12), then the primes that hit are pushed.
void SigmaSieve::start_large_primes(Range range, std::size_t split, std::size_t nprimes,
                                    std::uint64_t mask) const {
  constexpr std::size_t kBatch = 256;
  BucketRing<Hit>& ring = scratch_.ring;
  ring.clear();
  const std::uint64_t length = range.size();
  std::array<Hit, kBatch> hits{};
  for (std::size_t j = split; j < nprimes; j += kBatch) {
    const std::size_t end = std::min(nprimes, j + kBatch);
    std::size_t n = 0;
    for (std::size_t k = j; k < end; ++k) {
      const std::uint32_t p = primes_[k];
      const std::uint64_t at = first_multiple(range.lo, p, large_recip_[k - split]);
      hits[n] = {p, static_cast<std::uint32_t>(at)};  // at < p < 2^32
      n += at < length;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const Hit h = hits[k];
      ring.push((h.offset >> kBlockBits) & mask, {h.prime, h.offset & (kBlock - 1)});
    }
  }
}

// Every multiple of a tiny prime gets p out of rem and 1 + p into sig, with
// no test; then each power's own loop corrects its multiples. Inlined, so
// that it is compiled for each target of run() (RF_SIEVE_TARGETS).
[[gnu::always_inline]] inline void SigmaSieve::sieve_tiny_primes(
    std::size_t count, std::uint64_t len, std::uint64_t* rem, std::uint64_t* sig,
    std::uint64_t* next, const std::vector<Power>& powers, std::uint64_t* next_power) const {
  std::size_t a = 0;
  for (std::size_t j = 0; j < count; ++j) {
    const Prime pr = small_[j];
    const std::uint64_t factor = 1 + pr.p;
    std::uint64_t off = next[j];
    for (; off < len; off += pr.p) {
      rem[off] *= pr.inv;
      sig[off] *= factor;
    }
    next[j] = off - len;
    for (; a < powers.size() && powers[a].prime == j; ++a) {
      const Power w = powers[a];
      std::uint64_t o = next_power[a];
      for (; o < len; o += w.pk) {
        rem[o] *= w.inv_p;
        sig[o] = ((sig[o] >> w.undo_shift) * w.undo_inv) * w.sigma;
      }
      next_power[a] = o - len;
    }
  }
}

RF_SIEVE_TARGETS void SigmaSieve::run(Range range, const BlockFn& on_block) const {
  if (range.empty()) return;
  if (range.lo == 0 || range.hi - 1 > max_n_) {
    throw std::invalid_argument("SigmaSieve: range outside [1, max_n]");
  }
  const std::uint64_t root = isqrt(range.hi - 1);
  const auto nprimes = static_cast<std::size_t>(
      std::upper_bound(primes_.begin(), primes_.end(), root) - primes_.begin());
  const std::size_t split = std::min(small_.size(), nprimes);
  const std::size_t tiny = std::min(tiny_, split);
  const std::uint64_t mask = std::bit_ceil(root / kBlock + 2) - 1;
  start_small_primes(range, split);
  start_large_primes(range, split, nprimes, mask);

  Scratch& s = scratch_;
  BucketRing<Hit>& ring = s.ring;
  const std::uint64_t length = range.size();
  std::uint64_t* rem = s.rem.data();
  std::uint64_t* sig = s.sig.data();
  std::uint64_t* next = s.next.data();
  for (std::uint64_t b = 0, first = range.lo; first < range.hi; ++b, first += kBlock) {
    const auto len = static_cast<std::uint32_t>(std::min<std::uint64_t>(kBlock, range.hi - first));
    for (std::uint32_t i = 0; i < len; ++i) {
      const std::uint64_t n = first + i;
      const int e = std::countr_zero(n);
      rem[i] = n >> e;
      sig[i] = (std::uint64_t{2} << e) - 1;  // sigma(2^e)
    }
    sieve_tiny_primes(tiny, len, rem, sig, next, s.powers, s.next_power.data());
    for (std::size_t j = tiny; j < split; ++j) {
      const Prime pr = small_[j];
      std::uint64_t off = next[j];
      for (; off < len; off += pr.p) apply_small_prime(rem[off], sig[off], pr);
      next[j] = off - len;
    }
    for (auto* bucket = ring.take(b & mask); bucket != nullptr;) {
      for (std::uint32_t k = 0; k < bucket->size; ++k) {
        const Hit h = bucket->entries[k];
        apply_large_prime(rem[h.offset], sig[h.offset], h.prime);
        const std::uint64_t at = b * kBlock + h.offset + h.prime;  // next multiple, from range.lo
        if (at < length) {
          ring.push((at >> kBlockBits) & mask,
                    {h.prime, static_cast<std::uint32_t>(at & (kBlock - 1))});
        }
      }
      auto* done = bucket;
      bucket = bucket->next;
      ring.recycle(done);
    }
    // The one prime factor q above sqrt(n), if any, adds a factor 1 + q.
    // Without a branch: about 30% of numbers have none (rem = 1), too
    // irregular for the branch predictor.
    for (std::uint32_t i = 0; i < len; ++i) sig[i] *= rem[i] + (rem[i] > 1);
    on_block(first, std::span<const std::uint64_t>(sig, len));
  }
}

}  // namespace rf
