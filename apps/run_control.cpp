#include "run_control.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/health/health_link.hpp"
#include "rangefarm/health/loss_notice.hpp"

namespace rf::app {
namespace {

// Under mpirun a rank's stderr is a pipe whatever mpirun's own is (and its
// stdout a pseudo-terminal even in a batch job), so there --progress gives
// the plain line every 30 s, which suits a batch log and still works at a
// terminal.
Progress::Style progress_style(const CommonOptions& opts) {
  const bool terminal = isatty(STDERR_FILENO) == 1;
  if (opts.progress) return terminal ? Progress::Style::Terminal : Progress::Style::Batch;
  if (terminal && !opts.quiet && opts.json != "-") return Progress::Style::Terminal;
  return Progress::Style::Off;
}

}  // namespace

RunControl::RunControl(const boost::mpi::communicator& comm, const CommonOptions& opts,
                       nlohmann::json identity, bool with_state_dir,
                       const std::optional<ItemIds>& ids)
    : comm_(comm), opts_(opts) {
  if (opts.resume && opts.checkpoint.empty()) {
    throw UsageError("--resume needs --checkpoint FILE: the journal of the run to continue");
  }
  if (opts.checkpoint.empty()) return;
  note_journal(opts.checkpoint);
  if (with_state_dir) state_dir_ = state_dir_for(opts.checkpoint);
  agree_on_rank0(comm, [&]() -> std::string {
    try {
      journal_.emplace(opts.resume ? Journal::resume(opts.checkpoint, identity, restored_)
                                   : Journal::create(opts.checkpoint, identity));
      if (ids) restore_in_order(*ids);
      if (journal_->restarted()) {
        std::cerr << ("rangefarm: checkpoint '" + opts.checkpoint +
                      "' holds no whole first line (its run died as it began): nothing to "
                      "restore, started afresh\n")
                  << std::flush;
      }
      if (!state_dir_.empty()) std::filesystem::create_directories(state_dir_);
    } catch (const JournalError& e) {
      return e.what();
    } catch (const std::exception& e) {
      return "--checkpoint: " + std::string(e.what());
    }
    return {};
  });
  if (!state_dir_.empty()) store_ = std::make_unique<RankZeroStore>(comm, state_dir_);
}

// The restored records in this run's positions (item_numbering.hpp).
void RunControl::restore_in_order(const ItemIds& ids) {
  numbering_.emplace(ids.numbering(ids.order));
  std::optional<ItemNumbering> then;
  if (const std::string& old = journal_->legacy_order(); !old.empty()) {
    const auto order = parse_order(old);
    if (!order) {
      throw JournalError("checkpoint '" + opts_.checkpoint +
                         "' numbers its items in an unknown order '" + old + "'");
    }
    then.emplace(ids.numbering(*order));
  }
  restored_ = restored_in_order(restored_, *numbering_, then ? &*then : nullptr, opts_.checkpoint);
}

FarmHooks RunControl::hooks() {
  FarmHooks h;
  h.progress = progress_style(opts_);
  h.store = store_.get();
  if (!journal_) return h;
  h.restored = std::move(restored_);
  h.journal = opts_.checkpoint;
  std::uint64_t restored_items = 0;
  for (const JournalRecord& r : h.restored) restored_items += r.chunk.size();
  note_journaled_items(restored_items);
  // A failed write must not throw inside the farm (the other ranks would
  // wait for rank 0 forever): it stops the run, and completed() reports it.
  h.on_chunk = [this](Range chunk, const std::string& partial) {
    if (!write_error_.empty()) return;
    try {
      // The count and the file change together for the lost-rank line.
      const std::lock_guard lock(journal_write_mutex());
      // A rank 0 woken from a freeze in which the deputy named it lost
      // exits here, quietly: the deputy's line counted the journal as is.
      confirm_not_declared_lost();
      if (numbering_) {
        journal_->append_items(numbering_->ids_of(chunk), partial);
      } else {
        journal_->append(chunk, partial);
      }
      note_journaled_items(journaled_items_noted() + chunk.size());
    } catch (const std::exception& e) {
      write_error_ = e.what();
      request_stop();
    }
  };
  return h;
}

nlohmann::json RunControl::report(std::uint64_t restored_items,
                                  std::uint64_t computed_items) const {
  if (opts_.checkpoint.empty()) return nullptr;
  return {{"file", opts_.checkpoint},
          {"resumed", opts_.resume},
          {"restored_items", restored_items},
          {"computed_items", computed_items},
          {"torn_records_dropped", journal_ ? journal_->dropped_torn_records() : 0}};
}

void RunControl::rethrow_write_error() const {
  if (!write_error_.empty()) throw std::runtime_error(write_error_);
  if (store_ && !store_->error().empty()) throw std::runtime_error(store_->error());
}

int RunControl::stopped(std::uint64_t done, std::uint64_t total) {
  if (journal_) journal_->sync();
  if (comm_.rank() != 0) return kStoppedExit;
  rethrow_write_error();
  std::cerr << ("rangefarm: stopped by a signal with " + std::to_string(done) + " of " +
                std::to_string(total) + " items done; " +
                (journal_ ? "resumable: run the same command with --resume to finish it"
                          : "not resumable (no --checkpoint FILE was given)") +
                "\n")
            << std::flush;
  return kStoppedExit;
}

void RunControl::completed() {
  if (!journal_) return;
  journal_->sync();
  rethrow_write_error();
  std::error_code ignored;
  if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_, ignored);
}

void print_checkpoint_summary(std::ostream& out, const nlohmann::json& checkpoint) {
  if (checkpoint.is_null()) return;
  out << "checkpoint " << checkpoint["file"].get<std::string>() << ": "
      << checkpoint["restored_items"] << " items restored, " << checkpoint["computed_items"]
      << " computed";
  if (checkpoint["torn_records_dropped"] != 0) out << " (a torn last record was dropped)";
  out << "\n";
  for (const auto& ll : checkpoint.value("lucas_lehmer_resumed", nlohmann::json::array())) {
    out << "Lucas-Lehmer test of p = " << ll["p"] << " continued from iteration "
        << ll["from_iteration"] << "\n";
  }
}

}  // namespace rf::app
