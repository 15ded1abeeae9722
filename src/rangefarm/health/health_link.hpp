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
// A rank lost by silence may still live: frozen (SIGSTOP, a stalled node)
// rather than dead. So the Quit goes to it too, to be read when it wakes,
// and a rank whose own watcher loop was stalled for half the heartbeat
// timeout knows the others may have named it: it decides nothing, and its
// journal writes wait (confirm_not_declared_lost), until it has either read
// a Quit (it then exits quietly: a rank 0 woken after the deputy named it
// neither prints a second line nor adds to the journal the deputy counted)
// or kDeputyWait has passed without one.
//
// Under srun the speaker then ends its own job step (launcher.hpp): srun
// waits for every task, so a frozen one would hold the job to its time
// limit, and a dead node's tasks until Slurm declares the node down
// (SlurmdTimeout, often minutes); after the scancel srun ends within
// Slurm's KillWait.
//
// Stops travel on the links too: a watcher that sees this rank's stop flag
// set (a signal to this rank alone) sends a Stop byte; rank 0 and the
// deputy set their own flag on it and pass it on to every worker, so that
// every rank's stop flag is set within a few tenths of a second, also in
// phases that make no MPI call (the factorial's combine and decimal).
// Nothing else is needed from the farm or the kernels: the flag
// (stop_request.hpp) is the interface. A rank that stops says Bye as it
// exits, so a stop is never taken for a loss.
//
// The first exchange (who is where) is polled, with a deadline from the
// StartWatch (start_watch.hpp), so that rank 0 knows which ranks reported
// when a rank never started.
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

class StartWatch;

class HealthLink {
 public:
  // Collective over comm; a single rank makes no link. Throws nothing: a
  // link that cannot be made is named in a warning and left unwatched.
  // start: the run's StartWatch, told who reported and when the links
  // exist (a rank that never reports is then named at its deadline).
  explicit HealthLink(const boost::mpi::communicator& comm, StartWatch* start = nullptr);
  // A clean end: says Bye on every link, so that the peers do not count
  // this rank as lost when it exits; a worker then waits, still watching,
  // for rank 0's Bye (rank 0 comes last, after writing the results), so
  // that a rank 0 lost at the very end is still named.
  ~HealthLink();
  HealthLink(const HealthLink&) = delete;
  HealthLink& operator=(const HealthLink&) = delete;

  // Every rank's process, by rank (empty for a single rank).
  [[nodiscard]] const std::vector<PeerProcess>& peers() const;

  // Says Bye on every link, from any thread, for a process about to end at
  // once (_Exit) rather than through the destructor: a run that a stop
  // ends at its deadline (apps/stop_deadline.hpp). Joins nothing, so it
  // cannot wait on a watcher that waits on a lock the caller holds.
  void leave() const;

  struct Watch;  // the links and their thread (health_link.cpp)

 private:
  std::unique_ptr<Watch> watch_;
};

// For rank 0's journal writer, under journal_write_mutex(), before each
// record: returns at once while this process's health watcher is current.
// After this process was frozen long enough that the others may have named
// it lost, it waits until the watcher has heard their word: if they did, the
// process exits quietly (kRankLostExit) and writes nothing more, so the line
// the deputy printed stays true. Does nothing where no HealthLink runs.
void confirm_not_declared_lost();

}  // namespace rf
