#include "run_control.hpp"

#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/health/health_link.hpp"
#include "rangefarm/health/loss_notice.hpp"
#include "stop_deadline.hpp"

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
  if (opts.repair && !opts.resume) {
    throw UsageError("--repair needs --checkpoint FILE --resume: it mends the journal it resumes");
  }
  if (opts.break_lock && opts.checkpoint.empty()) {
    throw UsageError("--break-lock needs --checkpoint FILE: the journal whose lock to take");
  }
  if (opts.checkpoint.empty()) return;
  note_journal(opts.checkpoint);
  if (with_state_dir) state_dir_ = state_dir_for(opts.checkpoint);
  const JournalOptions how{opts.break_lock ? OnHeldLock::Break : OnHeldLock::Refuse, opts.repair};
  agree_on_rank0(comm, [&]() -> std::string {
    try {
      journal_.emplace(opts.resume ? Journal::resume(opts.checkpoint, identity, restored_, how)
                                   : Journal::create(opts.checkpoint, identity, how));
      if (const auto& repaired = journal_->repaired()) print_repair(*repaired);
      if (journal_->finished()) return {};  // replay_finished() prints its report
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
  finished_run_ = comm.rank() == 0 && journal_->finished().has_value();
  boost::mpi::broadcast(comm, finished_run_, 0);
  if (finished_run_) return;
  if (!state_dir_.empty()) store_ = std::make_unique<RankZeroStore>(comm, state_dir_);
}

void RunControl::print_repair(const RepairSummary& r) const {
  std::string line = "rangefarm: checkpoint '" + opts_.checkpoint + "' ";
  if (r.kept_as.empty()) {
    line += "needed no repair";
  } else {
    line += "repaired: " + std::to_string(r.kept) + " of its " + std::to_string(r.records) +
            " records kept";
    const auto dropped = [&](std::size_t n, const std::string& what) {
      if (n > 0) line += ", " + std::to_string(n) + " " + what;
    };
    dropped(r.duplicates, "duplicates dropped");
    dropped(r.overlapping, "overlapping records dropped (their items are computed again)");
    dropped(r.unreadable, "unreadable lines dropped (their items are computed again)");
    line += "; the file as it was is kept as '" + r.kept_as + "'";
  }
  std::cerr << (line + "\n") << std::flush;
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
  if (comm_.rank() != 0) return kStoppedExit;
  rethrow_write_error();
  // The stop deadline (stop_deadline.hpp) may have printed it already. The
  // line comes before the flush to disk: every record is in the file (the
  // kernel's) already, and after a signal to mpirun a rank that lingers is
  // killed a second later.
  if (claim_stop_line()) {
    std::cerr << stop_line(done, total, journal_ ? opts_.checkpoint : std::string()) << std::flush;
  }
  if (journal_) journal_->sync();
  // Only rank 0 hurries: a worker that left first would get rank 0 killed
  // by mpirun before its line.
  hurry_stop_deadline();
  return kStoppedExit;
}

void RunControl::completed() {
  disarm_stop_deadline();  // a stop from now on stops nothing
  if (!journal_) return;
  journal_->sync();
  rethrow_write_error();
  std::error_code ignored;
  if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_, ignored);
}

namespace {

// What print(quiet) writes to std::cout, as text. The commands print their
// summaries to std::cout; the end record keeps both forms of it.
std::string printed(const std::function<void(bool quiet)>& print, bool quiet) {
  std::ostringstream text;
  std::streambuf* const out = std::cout.rdbuf(text.rdbuf());
  try {
    print(quiet);
  } catch (...) {
    std::cout.rdbuf(out);
    throw;
  }
  std::cout.rdbuf(out);
  return text.str();
}

std::string local_time(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm local{};
  char text[64] = "?";
  if (::localtime_r(&t, &local) != nullptr) {
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z", &local);
  }
  return text;
}

}  // namespace

void RunControl::finish(const RunReport& report, const std::function<void(bool quiet)>& print) {
  const std::string text =
      human_output_wanted(opts_) || journal_ ? printed(print, opts_.quiet) : std::string();
  if (human_output_wanted(opts_)) std::cout << text << std::flush;
  write_json(opts_, report);
  if (!journal_) return;
  const bool quiet = opts_.quiet;
  journal_->finish({{"at", static_cast<std::int64_t>(std::time(nullptr))},
                    {"report", report.to_json()},
                    {"text", quiet ? printed(print, false) : text},
                    {"quiet_text", quiet ? text : printed(print, true)}});
}

bool RunControl::replay_finished() {
  if (!finished_run_) return false;
  if (comm_.rank() != 0) return true;
  const nlohmann::json& end = *journal_->finished();
  nlohmann::json report = end.value("report", nlohmann::json::object());
  if (auto& c = report["checkpoint"]; c.is_object()) {
    const std::uint64_t items =
        c.value("restored_items", std::uint64_t{0}) + c.value("computed_items", std::uint64_t{0});
    c["file"] = opts_.checkpoint;
    c["resumed"] = true;
    c["restored_items"] = items;
    c["computed_items"] = 0;
    c["torn_records_dropped"] = journal_->dropped_torn_records();
    c["replayed"] = true;
    c["finished_at"] = end.value("at", std::int64_t{0});
    for (const char* continued : {"lucas_lehmer_resumed", "trial_factoring_resumed"}) {
      if (c.contains(continued)) c[continued] = nlohmann::json::array();
    }
  }
  if (human_output_wanted(opts_)) {
    if (!opts_.quiet) {
      std::cout << "checkpoint " << opts_.checkpoint << ": this run finished "
                << local_time(end.value("at", std::int64_t{0}))
                << "; its report, read back from the journal (nothing is computed again):\n";
    }
    std::cout << end.value(opts_.quiet ? "quiet_text" : "text", std::string()) << std::flush;
  }
  write_json(opts_, report);
  return true;
}

void print_checkpoint_summary(std::ostream& out, const nlohmann::json& checkpoint) {
  if (checkpoint.is_null()) return;
  out << "checkpoint " << checkpoint["file"].get<std::string>() << ": "
      << checkpoint["restored_items"] << " items restored, " << checkpoint["computed_items"]
      << " computed";
  if (checkpoint["torn_records_dropped"] != 0) out << " (a torn last record was dropped)";
  out << "\n";
  for (const auto& tf : checkpoint.value("trial_factoring_resumed", nlohmann::json::array())) {
    out << "trial factoring of p = " << tf["p"] << " continued from k = " << tf["from_k"]
        << strprintf(" (2^%.1f)\n", tf["from_bits"].get<double>());
  }
  for (const auto& ll : checkpoint.value("lucas_lehmer_resumed", nlohmann::json::array())) {
    out << "Lucas-Lehmer test of p = " << ll["p"] << " continued from iteration "
        << ll["from_iteration"] << "\n";
  }
}

}  // namespace rf::app
