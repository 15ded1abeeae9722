// PeerWatch: notices when another rank's process on this host has died.
//
// When a rank is killed outright (kill -9, the OOM killer), mpirun tears
// the job down, but with its banners turned off (-q) nobody says why, and
// a launcher that does not tear it down would leave rank 0 waiting for a
// report that never comes. So every rank learns each rank's host and pid at
// the start, and the farm's poll looks, a few times a second, whether a
// process on its own host is gone or a zombie; if one is, the run ends at
// once with a line naming the rank. Ranks on other hosts are left to the
// launcher, which sees a lost node itself. A pid this rank cannot see at
// the start (another pid namespace) is never watched.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rf {

struct PeerProcess {
  int rank = 0;
  std::string host;
  int pid = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& rank& host& pid;
  }
};

class PeerWatch {
 public:
  explicit PeerWatch(const boost::mpi::communicator& comm);  // collective
  // A watched peer that has died, if any; looks at most every 100 ms.
  std::optional<PeerProcess> dead_peer();
  // Ends this process with one line on stderr naming the dead peer. No MPI
  // call can finish now (a collective would wait for the dead rank forever);
  // what rank 0 journaled is already with the kernel.
  [[noreturn]] void fail(const PeerProcess& dead) const;

 private:
  std::vector<PeerProcess> watched_;
  bool speaker_ = false;
  std::chrono::steady_clock::time_point next_;
};

}  // namespace rf
