// GMP integers between ranks, as raw limbs.
//
// A message pair: a header (the signed limb count, as GMP keeps it) and then
// the limbs, sent from and received into the mpz's own storage through
// Boost.MPI's array send, which for a native type is a plain MPI_Send: no
// copy into a buffer and never a decimal string (converting n! to decimal
// costs several times computing it).
#pragma once

#include <gmpxx.h>

#include <boost/mpi/communicator.hpp>

namespace rf {

void send_bigint(const boost::mpi::communicator& comm, int dest, int tag, const mpz_class& x);
void recv_bigint(const boost::mpi::communicator& comm, int source, int tag, mpz_class& x);

}  // namespace rf
