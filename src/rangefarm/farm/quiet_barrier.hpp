// quiet_barrier: a barrier whose waiting ranks sleep (wait_backoff.hpp)
// instead of spinning. Open MPI's blocking collectives poll the transport
// flat out; a rank done early then holds a core that the ranks it waits
// for need, which with more ranks than cores (32 sleeping-task ranks on 2
// cores) stretched a run's end by several milliseconds. A rank waiting
// here is told at most the backoff cap (500 us) late.
#pragma once

#include <boost/mpi/communicator.hpp>

namespace rf {

void quiet_barrier(const boost::mpi::communicator& comm);

}  // namespace rf
