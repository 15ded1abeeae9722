#include "rangefarm/farm/quiet_barrier.hpp"

#include <mpi.h>

#include <chrono>

#include "rangefarm/farm/wait_backoff.hpp"

namespace rf {

void quiet_barrier(const boost::mpi::communicator& comm) {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(static_cast<MPI_Comm>(comm), &request);
  WaitBackoff backoff(std::chrono::microseconds(20), std::chrono::microseconds(500));
  int done = 0;
  while (MPI_Test(&request, &done, MPI_STATUS_IGNORE), done == 0) backoff.pause();
}

}  // namespace rf
