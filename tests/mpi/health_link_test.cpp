// The health link's stop relay: a stop signal that reaches one rank sets
// every rank's stop flag, while the others run code that makes no MPI call
// (as the factorial's combine and decimal phases do), so that nothing but
// the health link could tell them.
#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <thread>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/health/health_link.hpp"

namespace {

namespace mpi = boost::mpi;
using Clock = std::chrono::steady_clock;

// Long enough for any loaded machine; the test fails (rather than hangs)
// when the flag never comes.
constexpr auto kGiveUp = std::chrono::seconds(30);

// Spins without any MPI call until this rank's stop flag is set; returns
// the seconds it took from `since`, or -1 past kGiveUp.
double seconds_until_stop(Clock::time_point since) {
  while (!rf::stop_requested()) {
    if (Clock::now() - since > kGiveUp) return -1;
  }
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void stop_reaches_every_rank(int signalled) {
  mpi::communicator world;
  if (world.size() < 2) GTEST_SKIP() << "needs 2 ranks or more";
  rf::clear_stop_request();
  rf::catch_stop_signals();
  double took = 0;
  {
    const rf::HealthLink health(world);
    world.barrier();
    const auto since = Clock::now();
    if (world.rank() == signalled) std::raise(SIGUSR1);  // this rank alone, as `kill -USR1 PID`
    took = seconds_until_stop(since);
    world.barrier();
  }  // every rank says Bye before any flag is cleared: no stale Stop byte
  world.barrier();
  rf::clear_stop_request();
  std::vector<double> all;
  mpi::gather(world, took, all, 0);
  if (world.rank() != 0) return;
  double slowest = 0;
  for (std::size_t r = 0; r < all.size(); ++r) {
    EXPECT_GE(all[r], 0) << "rank " << r << " never saw the stop sent to rank " << signalled;
    slowest = std::max(slowest, all[r]);
  }
  std::printf("  a stop sent to rank %d reached all %d ranks within %.3f s\n", signalled,
              world.size(), slowest);
}

TEST(HealthLinkStopRelay, StopToTheLastWorkerReachesEveryRank) {
  stop_reaches_every_rank(mpi::communicator().size() - 1);
}

TEST(HealthLinkStopRelay, StopToRank0ReachesEveryRank) {
  stop_reaches_every_rank(0);
}

TEST(HealthLinkStopRelay, StopToTheDeputyReachesEveryRank) {
  stop_reaches_every_rank(1);
}

}  // namespace
