// HealthLink: notices a lost rank or node on any host, under any launcher,
// and ends the run within a second with one line that names it.
//
// Why not MPI: when a rank dies, the others learn nothing from MPI until
// they talk to it, and then Open MPI aborts them (or mpirun tears the job
// down, silently under -q); a rank blocked in a collective would wait for a
// dead peer forever. So beside MPI every rank holds plain TCP links
// (net_socket.hpp) in a star: every worker to rank 0, and every worker to a
// deputy (the lowest rank on a host other than rank 0's, else rank 1), which
// watches for rank 0. A background thread on each rank, which makes no MPI
// call, watches its links:
// - a peer process that dies for any reason (SIGKILL, the OOM killer, a
//   node's processes killed) closes its sockets, which the kernel does at
//   once: the link reads end of file without the peer's Bye;
// - a node that vanishes without closing anything (power, network) stops
//   its heartbeats (one byte a second): after RANGEFARM_HEARTBEAT_TIMEOUT
//   seconds (default 30) of silence the peer counts as lost.
// After the first loss the watcher waits kGrace to see who else went with
// it (a whole node), then the one rank that speaks (rank 0; for a lost
// rank 0, the deputy) tells every survivor to Quit quietly, prints one line
// (loss_notice.hpp: the lost ranks with pid and host, the items safe in the
// journal, the resume command), and every survivor exits with status
// kRankLostExit. A rank that sees rank 0 go waits for the deputy's Quit, so
// only one line is printed. The journal write lock is taken first, so no
// record is torn by the exit.
//
// The links use the interfaces that RANGEFARM_HEALTH_IF names, else those
// of Open MPI's out-of-band channel (OMPI_MCA_oob_tcp_if_include), else
// every interface but loopback; a peer on rank 0's own host uses loopback.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <memory>
#include <string>
#include <vector>

namespace rf {

// The exit status of a run that lost a rank or node: distinct from 75 (a
// clean, resumable stop) and from 2 (bad input).
inline constexpr int kRankLostExit = 76;

struct PeerProcess {
  int rank = 0;
  std::string host;
  int pid = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& rank& host& pid;
  }
};

class HealthLink {
 public:
  // Collective over comm; a single rank makes no link. Throws nothing: a
  // link that cannot be made is named in a warning and left unwatched.
  explicit HealthLink(const boost::mpi::communicator& comm);
  // A clean end: says Bye on every link, so that the peers do not count
  // this rank as lost when it exits.
  ~HealthLink();
  HealthLink(const HealthLink&) = delete;
  HealthLink& operator=(const HealthLink&) = delete;

  // Every rank's process, by rank (empty for a single rank).
  [[nodiscard]] const std::vector<PeerProcess>& peers() const;

 private:
  struct Watch;
  std::unique_ptr<Watch> watch_;
};

}  // namespace rf
