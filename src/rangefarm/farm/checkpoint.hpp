// Journal: rank 0's append-only record of finished chunks, so that a run
// stopped by a signal, a time limit or a dead node can be resumed.
//
// One JSON object per line. The first holds the run's identity (workload
// and every parameter that changes the result); a resumed run must present
// the same identity or is refused. Each further line is one finished chunk
// {"lo", "hi", "partial", "crc"} with its encoded partial result and a
// CRC-32 of the three, so that a changed byte is caught, not merged. A
// workload that hands its items out in an order of its own names the items
// instead, {"items": [[lo, hi], ...], ...} (ids such as exponents, as runs;
// item_numbering.hpp), so that a run in any order can resume it.
//
// Durability: each record goes to the kernel in one write(2) as soon as it
// is known, so killing the process loses nothing; fsync(2) runs at most once
// a second (and when the journal closes), which bounds what a power cut can
// lose and keeps journaling far below 1% of the run. A process killed in the
// middle of a write leaves a torn last line: resume drops it (its chunk is
// recomputed) and cuts the file back to the last whole record. A bad line
// anywhere else means the file is not what we wrote, and is refused.
//
// One run per journal: create and resume take the journal's lock first
// (journal_lock.hpp) and hold it as long as the Journal lives. A journal
// that two runs wrote at once before there was a lock (copies of records,
// records over the same items) is refused, and mended by --repair: it keeps
// one copy of each record and drops the records that overlap a different
// one (their items are computed again), and any line that is no intact
// record. Dropping is always safe, merging overlapping records never is
// (two partial results over shared items would count them twice), so
// repair only drops.
//
// A run that completes appends an end record {"end": {...}, "crc"}: its
// report, as JSON and as the text it printed, so that --resume of a
// finished run prints that report at once instead of computing it again
// (a factorial's pieces are gone by then), and a plain re-run is told so.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/journal_lock.hpp"

namespace rf {

// A journal that cannot be used: missing, corrupt, or from another run.
struct JournalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct JournalRecord {
  Range chunk;  // positions; unused where items are named
  std::string partial;
  std::size_t line = 0;           // in the journal file, for messages
  std::vector<Range> items = {};  // the items' ids, where the record names them
};

// The items of `whole` that the records leave to do. Throws JournalError if
// a record is empty, reaches outside `whole`, or overlaps another: such a
// journal was not written by this run. `path` names the journal in messages.
std::vector<Range> items_left(Range whole, const std::vector<JournalRecord>& records,
                              const std::string& path);

// "checkpoint 'PATH' is corrupt at line N (WHY)", the error for a bad record.
JournalError corrupt_record(const std::string& path, const JournalRecord& r,
                            const std::string& why);

// Held while a record is written (and by a caller that must keep a count
// in step with the file, hence recursive): a rank that must exit at once
// (a lost peer, health_link.hpp) takes it first, so no record is torn.
std::recursive_mutex& journal_write_mutex();

// The items that the whole records of the journal at path cover (a torn
// last record left out); nothing if it cannot be read or is not a journal.
std::optional<std::uint64_t> journal_items(const std::string& path);

// How a run opens its journal.
struct JournalOptions {
  OnHeldLock on_held_lock = OnHeldLock::Refuse;  // --break-lock: Break
  bool repair = false;                           // --repair (with --resume)
};

// What --repair did to a journal.
struct RepairSummary {
  std::size_t records = 0;      // record lines it held (torn tail and end records apart)
  std::size_t kept = 0;         // distinct records kept
  std::size_t duplicates = 0;   // copies of a kept record
  std::size_t overlapping = 0;  // records over items that a different record also covers
  std::size_t unreadable = 0;   // lines that are no intact record
  std::string kept_as;          // the file as it was; empty when nothing needed repair
};

class Journal {
 public:
  // Starts a journal at path; refuses to replace one that exists (that
  // would throw away finished work: use --resume, or remove it), and
  // anything that is not a regular file.
  static Journal create(const std::string& path, const nlohmann::json& identity,
                        const JournalOptions& options = {});
  // Reopens a journal to continue it, after checking its identity; returns
  // its records (a torn last one dropped) through `records`. A journal
  // that holds only the start of this run's header (the run died as it
  // began) is started afresh: restarted() says so. With options.repair the
  // journal is repaired first (repaired() says how).
  static Journal resume(const std::string& path, const nlohmann::json& identity,
                        std::vector<JournalRecord>& records, const JournalOptions& options = {});

  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&&) = delete;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  void append(Range chunk, const std::string& partial);
  void append_items(const std::vector<Range>& ids, const std::string& partial);
  // The run completed: its end record (what finished() gives back), synced.
  void finish(const nlohmann::json& end);
  void sync();  // fsync now
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::size_t dropped_torn_records() const { return torn_; }
  [[nodiscard]] bool restarted() const { return restarted_; }
  // The end record of a resumed journal whose run completed.
  [[nodiscard]] const std::optional<nlohmann::json>& finished() const { return finished_; }
  [[nodiscard]] const std::optional<RepairSummary>& repaired() const { return repaired_; }
  // The item_order of a journal written before records named their items
  // (its records are positions in that order); empty for any other.
  [[nodiscard]] const std::string& legacy_order() const { return legacy_order_; }

 private:
  Journal(std::string path, int fd, JournalLock lock);
  void start_afresh(const nlohmann::json& identity);  // a torn header of this run
  void reopen();                                      // its file was replaced
  void write_line(const std::string& line);
  void check_still_ours();

  std::string path_;
  int fd_ = -1;
  JournalLock lock_;
  double last_sync_ = 0;
  double last_check_ = 0;
  bool dirty_ = false;
  std::size_t torn_ = 0;
  bool restarted_ = false;
  std::string legacy_order_;
  std::optional<nlohmann::json> finished_;
  std::optional<RepairSummary> repaired_;
};

// The folder beside a journal for bulky state (Lucas-Lehmer residues,
// factorial pieces): "<journal>.state".
std::string state_dir_for(const std::string& journal_path);

}  // namespace rf
