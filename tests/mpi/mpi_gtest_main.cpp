// A gtest main for tests run under mpiexec: every rank runs every test, only
// rank 0 prints, and the exit status is non-zero on every rank when any rank
// had a failure, so ctest sees a failure whichever rank it came from.
#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <functional>

#if defined(__SANITIZE_ADDRESS__)
// Open MPI unloads the components it does not select in MPI_Init and the
// others in MPI_Finalize, before LeakSanitizer looks at exit: their leaks
// would show as "<unknown module>", which no suppression can name
// (tests/sanitizers/lsan.supp), and what their globals still point to would
// count as leaked. This dlclose, found before libc's, keeps every shared
// object loaded in sanitized test runs; nothing else here unloads any.
extern "C" int dlclose(void*) {
  return 0;
}
#endif

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
