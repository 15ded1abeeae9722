#include "rangefarm/peer_watch.hpp"

#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "rangefarm/stats.hpp"

namespace rf {
namespace {

constexpr int kRankDiedExit = 1;

// Alive: /proc/<pid> exists and its state (the field after the command name
// in parentheses) is not Z (zombie) or X (dead).
bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return true;
  const char state = text[close + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace

PeerWatch::PeerWatch(const boost::mpi::communicator& comm)
    : next_(std::chrono::steady_clock::now()) {
  const PeerProcess me{comm.rank(), host_name(), static_cast<int>(::getpid())};
  std::vector<PeerProcess> all;
  boost::mpi::all_gather(comm, me, all);
  // Rank 0 watches every rank on its host; a worker watches rank 0 only
  // (nobody else is left to say that rank 0 died), and of those, only the
  // lowest rank on rank 0's host speaks, so one line is printed.
  for (const PeerProcess& p : all) {
    if (p.rank == me.rank || p.host != me.host || !alive(p.pid)) continue;
    if (me.rank == 0 || p.rank == 0) watched_.push_back(p);
  }
  speaker_ = me.rank == 0;
  if (me.rank != 0 && all.front().host == me.host) {
    speaker_ = true;
    for (const PeerProcess& p : all) {
      if (p.rank != 0 && p.rank < me.rank && p.host == me.host) speaker_ = false;
    }
  }
}

std::optional<PeerProcess> PeerWatch::dead_peer() {
  if (watched_.empty()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return std::nullopt;
  next_ = now + std::chrono::milliseconds(100);
  for (const PeerProcess& p : watched_) {
    if (!alive(p.pid)) return p;
  }
  return std::nullopt;
}

void PeerWatch::fail(const PeerProcess& dead) const {
  if (speaker_) {
    std::fprintf(stderr,
                 "rangefarm: error: rank %d (pid %d on %s) died; the run cannot finish (with "
                 "--checkpoint, run the same command with --resume)\n",
                 dead.rank, dead.pid, dead.host.c_str());
    std::fflush(stderr);
  }
  std::_Exit(kRankDiedExit);
}

}  // namespace rf
