// What makes a long run safe to interrupt, seen from a subcommand: the
// checkpoint journal (rank 0 writes it; --resume reads it back), the folder
// for bulky state beside it, the progress line, and how a run that a signal
// stopped ends: one line on stderr and exit status 75 (EX_TEMPFAIL, "try
// again"), resumable when there is a journal.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common_options.hpp"
#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/farm/item_numbering.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"

namespace rf::app {

inline constexpr int kStoppedExit = 75;

// A workload that hands its items out in an order of its own (mersenne's
// exponents, synthetic's tasks largest-first) journals the items' ids, so
// that a run in any schedule and order resumes any journal of its run.
// numbering(order): the ids of the positions when the items are numbered
// in that order; rank 0 asks for this run's order, and for the one an old
// journal (records of positions) was numbered in.
struct ItemIds {
  DispatchOrder order;
  std::function<ItemNumbering(DispatchOrder)> numbering;
};

class RunControl {
 public:
  // identity: the workload and every parameter that changes the result; a
  // journal from another identity is refused (a UsageError on every rank).
  // with_state_dir: the workload keeps bulky state beside the journal.
  // ids: the workload journals its items' ids (ItemIds).
  RunControl(const boost::mpi::communicator& comm, const CommonOptions& opts,
             nlohmann::json identity, bool with_state_dir = false,
             const std::optional<ItemIds>& ids = std::nullopt);

  // Rank 0's hooks for farm(): restored chunks, the journal, progress; and
  // on every rank the store. Call once: the restored records move into them.
  [[nodiscard]] FarmHooks hooks();
  // Where the workload keeps bulky state: "<journal>.state", created on
  // rank 0, which alone reads and writes it (rank_zero_store.hpp). Null
  // without --checkpoint or with_state_dir.
  [[nodiscard]] RankZeroStore* store() const { return store_.get(); }

  // The report's "checkpoint" object (null without --checkpoint).
  [[nodiscard]] nlohmann::json report(std::uint64_t restored_items,
                                      std::uint64_t computed_items) const;
  // A run that stopped early: flushes the journal, says so on rank 0, and
  // returns the exit status. done/total are in items.
  int stopped(std::uint64_t done, std::uint64_t total);
  // A run that completed: flushes the journal and removes the state folder
  // (rank 0). Throws if a journal write failed during the run.
  void completed();
  // Rank 0, once the run completed and checked itself: prints the report
  // (print(quiet) writes the command's summary to std::cout; --json gets
  // the report) and ends the journal with both, so that --resume of the
  // finished run can print them again (replay_finished()).
  void finish(const RunReport& report, const std::function<void(bool quiet)>& print);
  // --resume of a journal whose run completed: rank 0 prints the report
  // stored in its end record (text and --json; the checkpoint object says
  // "replayed") and every rank returns true: the command returns 0 without
  // computing anything. False for any other run.
  [[nodiscard]] bool replay_finished();

 private:
  void rethrow_write_error() const;
  void print_repair(const RepairSummary& r) const;
  void restore_in_order(const ItemIds& ids);

  const boost::mpi::communicator& comm_;
  CommonOptions opts_;
  std::optional<Journal> journal_;  // rank 0
  bool finished_run_ = false;       // every rank: --resume found the run completed
  std::vector<JournalRecord> restored_;
  std::optional<ItemNumbering> numbering_;  // rank 0, with ItemIds
  std::string state_dir_;
  std::unique_ptr<RankZeroStore> store_;
  std::string write_error_;
};

// "checkpoint FILE: R items restored, C computed" for a report's
// checkpoint object; nothing for null.
void print_checkpoint_summary(std::ostream& out, const nlohmann::json& checkpoint);

}  // namespace rf::app
