#include "rangefarm/bigint/distributed_product.hpp"

#include <algorithm>
#include <utility>

#include "rangefarm/farm/bigint_transport.hpp"

namespace rf {
namespace {

constexpr int kProductTag = 201;
// Below this the split's three messages cost more than the half product.
constexpr std::uint64_t kSplitMinBits = std::uint64_t{1} << 22;

// Sets x to 0 and gives its memory back (x = 0 keeps the allocation).
void mpz_clear_to_zero(mpz_class& x) {
  mpz_class().swap(x);
}

struct Operand {
  std::size_t id;  // key in the holder's map
  int holder;
  std::uint64_t bits;
};

// x (on rank a) times y (on rank b), the product left on a under x's id.
// b cuts y into halves so that both ranks multiply at once.
void split_multiply(const boost::mpi::communicator& comm, const Operand& x, const Operand& y,
                    std::map<std::size_t, mpz_class>& mine) {
  const int me = comm.rank();
  if (me == x.holder) {
    mpz_class& value = mine.at(x.id);
    send_bigint(comm, y.holder, kProductTag, value);
    mpz_class low;
    recv_bigint(comm, y.holder, kProductTag, low);
    std::uint64_t shift = 0;
    comm.recv(y.holder, kProductTag, shift);
    mpz_class out = value * low;
    // Freed before X H arrives: at 5e8! every operand is a gigabyte.
    mpz_clear_to_zero(low);
    mpz_clear_to_zero(value);
    mpz_class high;
    recv_bigint(comm, y.holder, kProductTag, high);
    mpz_mul_2exp(high.get_mpz_t(), high.get_mpz_t(), shift);
    high += out;
    value = std::move(high);
  } else if (me == y.holder) {
    mpz_class other;
    recv_bigint(comm, x.holder, kProductTag, other);
    mpz_class value = std::move(mine.at(y.id));
    mine.erase(y.id);
    const std::uint64_t shift = mpz_size(value.get_mpz_t()) / 2 * GMP_NUMB_BITS;
    mpz_class low;
    mpz_tdiv_r_2exp(low.get_mpz_t(), value.get_mpz_t(), shift);
    send_bigint(comm, x.holder, kProductTag, low);
    comm.send(x.holder, kProductTag, shift);
    mpz_clear_to_zero(low);
    mpz_tdiv_q_2exp(value.get_mpz_t(), value.get_mpz_t(), shift);
    value *= other;
    mpz_clear_to_zero(other);
    send_bigint(comm, x.holder, kProductTag, value);
  }
}

// x times y, the product on x's holder. y travels whole when it is small.
void multiply_pair(const boost::mpi::communicator& comm, const Operand& x, const Operand& y,
                   std::map<std::size_t, mpz_class>& mine) {
  const int me = comm.rank();
  if (x.holder == y.holder) {
    if (me != x.holder) return;
    mine.at(x.id) *= mine.at(y.id);
    mine.erase(y.id);
  } else if (std::min(x.bits, y.bits) >= kSplitMinBits) {
    split_multiply(comm, x, y, mine);
  } else if (me == y.holder) {
    send_bigint(comm, x.holder, kProductTag, mine.at(y.id));
    mine.erase(y.id);
  } else if (me == x.holder) {
    mpz_class other;
    recv_bigint(comm, y.holder, kProductTag, other);
    mine.at(x.id) *= other;
  }
}

}  // namespace

mpz_class multiply_across_ranks(const boost::mpi::communicator& comm,
                                const std::vector<Factor>& factors,
                                std::map<std::size_t, mpz_class>& mine, int root) {
  const int me = comm.rank();
  if (factors.empty()) return me == root ? mpz_class(1) : mpz_class();
  std::vector<Operand> pool;
  for (std::size_t i = 0; i < factors.size(); ++i) {
    pool.push_back({i, factors[i].holder, factors[i].bits});
  }
  const auto by_size = [](const Operand& a, const Operand& b) {
    return a.bits != b.bits ? a.bits < b.bits : a.id < b.id;
  };
  while (pool.size() > 1) {
    std::sort(pool.begin(), pool.end(), by_size);
    Operand x = pool[0];
    Operand y = pool[1];
    // The product stays where the root is, else with the lower rank.
    if (y.holder == root || (x.holder != root && y.holder < x.holder)) std::swap(x, y);
    multiply_pair(comm, x, y, mine);
    pool.erase(pool.begin(), pool.begin() + 2);
    pool.push_back({x.id, x.holder, x.bits + y.bits});
  }
  const Operand last = pool.front();
  mpz_class out;
  if (last.holder == root) {
    if (me == root) out = std::move(mine.at(last.id));
  } else if (me == last.holder) {
    send_bigint(comm, root, kProductTag, mine.at(last.id));
  } else if (me == root) {
    recv_bigint(comm, last.holder, kProductTag, out);
  }
  if (me == last.holder) mine.erase(last.id);
  return out;
}

}  // namespace rf
