// A gtest main for tests run under mpiexec: every rank runs every test, only
// rank 0 prints, and the exit status is non-zero on every rank when any rank
// had a failure, so ctest sees a failure whichever rank it came from.
#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <functional>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  boost::mpi::communicator world;
  ::testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int local_failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  boost::mpi::all_reduce(world, local_failed, any_failed, std::plus<int>());
  if (world.rank() == 0 && any_failed != local_failed) {
    std::fprintf(stderr, "%d rank(s) failed\n", any_failed);
  }
  return any_failed != 0 ? 1 : 0;
}
