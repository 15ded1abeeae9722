// The farm's side of checkpointing, at whatever rank count mpiexec gave us:
// the chunks rank 0 journals, a run resumed from any part of them, and a
// stop requested on one rank, under every schedule. Each result is compared
// with a serial computation of the whole range.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/work/perfect.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

const std::vector<ScheduleKind> kAllKinds{ScheduleKind::StaticBlock, ScheduleKind::StaticCyclic,
                                          ScheduleKind::Dynamic, ScheduleKind::Guided};

// Rank 0's journal, in memory.
struct Recorder {
  std::vector<JournalRecord> records;
  FarmHooks hooks(std::vector<JournalRecord> restored = {}) {
    FarmHooks h;
    h.restored = std::move(restored);
    h.on_chunk = [this](Range chunk, const std::string& partial) {
      records.push_back({chunk, partial});
    };
    return h;
  }
};

std::uint64_t items_in(const std::vector<JournalRecord>& records) {
  std::uint64_t n = 0;
  for (const auto& r : records) n += r.chunk.size();
  return n;
}

class CheckpointFarm : public ::testing::TestWithParam<ScheduleKind> {};

TEST_P(CheckpointFarm, ResumedFromAnySubsetOfTheJournalGivesTheSameResult) {
  mpi::communicator comm;
  const Range range{1, 200001};
  const PerfectSearch search(PerfectMethod::Sieve, range.hi - 1);
  const PerfectPartial serial = search.process(range, [] {});
  Recorder first;
  const auto full = farm(comm, search, range, {GetParam(), 7000}, first.hooks());
  if (comm.rank() == 0) {
    EXPECT_EQ(full.result, serial);
    EXPECT_EQ(items_in(first.records), range.size()) << "every chunk journaled once";
  }
  // Every other record, then all of them: only the rest is computed, on
  // another schedule and chunk size, and the merged result is unchanged.
  for (int keep_every : {2, 1}) {
    std::vector<JournalRecord> kept;
    for (std::size_t i = 0; i < first.records.size(); i += keep_every) {
      kept.push_back(first.records[i]);
    }
    Recorder second;
    const auto resumed =
        farm(comm, search, range, {ScheduleKind::Guided, 3001}, second.hooks(kept));
    if (comm.rank() != 0) continue;
    EXPECT_EQ(resumed.result, serial) << "keeping every " << keep_every;
    EXPECT_EQ(resumed.restored_items, items_in(kept));
    EXPECT_EQ(items_total(resumed.timings) + resumed.restored_items, range.size());
    EXPECT_EQ(items_in(second.records), range.size() - items_in(kept));
  }
}

// A workload whose rank `stopper` requests a stop in its `after`-th chunk,
// as a signal to that rank would.
class StoppingSearch {
 public:
  using Partial = PerfectPartial;
  StoppingSearch(const PerfectSearch& inner, int stopper, int after, int rank)
      : inner_(inner), stop_here_(rank == stopper), after_(after) {}
  [[nodiscard]] Partial process(Range chunk, const Yield& yield) const {
    if (stop_here_ && ++seen_ == after_) request_stop();
    // A millisecond a chunk: the stop must travel while most chunks are
    // still to do, even on a loaded machine.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return inner_.process(chunk, yield);
  }
  static void merge(Partial& into, const Partial& from) { PerfectSearch::merge(into, from); }

 private:
  const PerfectSearch& inner_;
  bool stop_here_;
  int after_;
  mutable int seen_ = 0;
};

TEST_P(CheckpointFarm, AStopOnAnyRankEndsTheRunEverywhereAndLosesNoFinishedChunk) {
  mpi::communicator comm;
  const Range range{1, 400001};
  const PerfectSearch search(PerfectMethod::Sieve, range.hi - 1);
  const PerfectPartial serial = search.process(range, [] {});
  for (int stopper = 0; stopper < comm.size(); ++stopper) {
    SCOPED_TRACE("stop requested on rank " + std::to_string(stopper));
    Recorder journal;
    const StoppingSearch stopping(search, stopper, 1, comm.rank());
    const auto stopped = farm(comm, stopping, range, {GetParam(), 1000}, journal.hooks());
    clear_stop_request();
    // Every rank agrees the run stopped; the stopper's first chunk comes
    // while most of the range is still to hand out, under every schedule.
    EXPECT_TRUE(stopped.stopped);
    if (comm.rank() == 0) {
      EXPECT_LT(items_in(journal.records), range.size()) << "a stop leaves work undone";
      EXPECT_EQ(items_in(journal.records), items_total(stopped.timings))
          << "every finished chunk was reported and journaled";
    }
    Recorder rest;
    const auto resumed = farm(comm, search, range, {GetParam(), 1000}, rest.hooks(journal.records));
    EXPECT_FALSE(resumed.stopped);
    if (comm.rank() == 0) {
      EXPECT_EQ(resumed.result, serial);
      EXPECT_EQ(items_in(journal.records) + items_in(rest.records), range.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllSchedules, CheckpointFarm, ::testing::ValuesIn(kAllKinds),
                         [](const auto& info) {
                           std::string name(schedule_name(info.param));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace rf
