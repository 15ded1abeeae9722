// A workload's saves and loads through a RankZeroStore inside farm(), at
// whatever rank count mpiexec gave us, under every schedule: every item's
// save lands in rank 0's folder, whichever rank made it, and every item
// finds the integer rank 0's folder held for it at the start. The workers
// are given a folder that does not exist: they must never touch it.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "rangefarm/farm/farm.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;
namespace fs = std::filesystem;

// Item i saves "out-i" = i^2 + the "in-i" it loads (0 where none is
// saved); the partial lists what it loaded.
struct StoringWork {
  struct Partial {
    std::vector<long> loaded;  // by item, -1 where nothing was there
    template <class Archive>
    void serialize(Archive& ar, unsigned /*version*/) {
      ar& loaded;
    }
  };
  IntegerStore* store;

  [[nodiscard]] Partial process(Range chunk, const Yield& /*yield*/) const {
    Partial p;
    for (std::uint64_t i = chunk.lo; i < chunk.hi; ++i) {
      const auto saved = store->load("in-" + std::to_string(i));
      const long in = saved ? saved->value.get_si() : -1;
      const mpz_class out = mpz_class(i * i) + (saved ? saved->value : mpz_class(0));
      store->save("out-" + std::to_string(i), "item " + std::to_string(i), out);
      p.loaded.push_back(in);
    }
    return p;
  }
  static void merge(Partial& into, const Partial& from) {
    into.loaded.insert(into.loaded.end(), from.loaded.begin(), from.loaded.end());
  }
};

class RankZeroStoreFarm : public ::testing::TestWithParam<ScheduleKind> {};

TEST_P(RankZeroStoreFarm, SavesLandOnRankZeroAndLoadsComeFromIt) {
  mpi::communicator comm;
  constexpr std::uint64_t kItems = 40;
  std::string dir = "/nonexistent/rangefarm-not-for-workers";
  if (comm.rank() == 0) {
    std::string templ = (fs::temp_directory_path() / "rangefarm-store-XXXXXX").string();
    dir = ::mkdtemp(templ.data());
    FolderStore folder(dir);
    for (std::uint64_t i = 0; i < kItems; i += 3) {
      folder.save("in-" + std::to_string(i), "seed", mpz_class(1000 + i));
    }
  }
  RankZeroStore store(comm, dir);
  const StoringWork work{&store};
  FarmHooks hooks;
  hooks.store = &store;
  hooks.on_chunk = [](Range, const std::string&) {};  // partials travel to rank 0
  const auto out = farm(comm, work, {0, kItems}, {GetParam(), 2}, hooks);
  EXPECT_FALSE(out.stopped);
  if (comm.rank() != 0) return;
  std::vector<long> loaded = out.result.loaded;
  std::sort(loaded.begin(), loaded.end());
  std::vector<long> want;
  for (std::uint64_t i = 0; i < kItems; ++i) want.push_back(i % 3 == 0 ? 1000 + i : -1);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(loaded, want);
  FolderStore folder(dir);
  for (std::uint64_t i = 0; i < kItems; ++i) {
    const auto saved = folder.load("out-" + std::to_string(i));
    ASSERT_TRUE(saved.has_value()) << i;
    EXPECT_EQ(saved->label, "item " + std::to_string(i));
    EXPECT_EQ(saved->value, mpz_class(i * i + (i % 3 == 0 ? 1000 + i : 0))) << i;
  }
  EXPECT_TRUE(store.error().empty()) << store.error();
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(EverySchedule, RankZeroStoreFarm,
                         ::testing::Values(ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic,
                                           ScheduleKind::Dynamic, ScheduleKind::Guided),
                         [](const auto& info) {
                           std::string name(schedule_name(info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace rf
