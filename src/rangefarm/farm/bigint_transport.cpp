#include "rangefarm/farm/bigint_transport.hpp"

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace rf {

static_assert(sizeof(mp_limb_t) == sizeof(unsigned long), "limbs travel as MPI unsigned long");

void send_bigint(const boost::mpi::communicator& comm, int dest, int tag, const mpz_class& x) {
  const std::int64_t signed_size = x.get_mpz_t()->_mp_size;
  const std::size_t limbs = mpz_size(x.get_mpz_t());
  if (limbs > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::length_error("integer too large for one MPI message");
  }
  comm.send(dest, tag, signed_size);
  if (limbs == 0) return;
  const auto* data = reinterpret_cast<const unsigned long*>(mpz_limbs_read(x.get_mpz_t()));
  comm.send(dest, tag, data, static_cast<int>(limbs));
}

void recv_bigint(const boost::mpi::communicator& comm, int source, int tag, mpz_class& x) {
  std::int64_t signed_size = 0;
  comm.recv(source, tag, signed_size);
  const auto limbs = static_cast<mp_size_t>(std::llabs(signed_size));
  if (limbs == 0) {
    x = 0;
    return;
  }
  auto* data = reinterpret_cast<unsigned long*>(mpz_limbs_write(x.get_mpz_t(), limbs));
  comm.recv(source, tag, data, static_cast<int>(limbs));
  mpz_limbs_finish(x.get_mpz_t(), static_cast<mp_size_t>(signed_size));
}

}  // namespace rf
