#include "rangefarm/farm/checkpoint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "rangefarm/farm/range_list.hpp"

namespace rf {
namespace {

constexpr int kFormat = 1;
constexpr double kSyncEvery_s = 1.0;
// How often a writer makes sure the journal's name still leads to the file
// it writes (a stat(2)): after a freeze too, since the clock runs on.
constexpr double kCheckEvery_s = 1.0;

// What the user can do about a damaged journal, after its "corrupt" line.
const std::string kTwoRunsHint =
    "; if two runs wrote to it at once, add --repair to keep its distinct records";
const std::string kUnusableHint =
    "; add --repair to drop what cannot be used (its items are computed again)";

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string system_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

nlohmann::json header_of(const nlohmann::json& identity) {
  return {{"rangefarm_journal", kFormat}, {"run", identity}};
}

// The parsed lines of a journal; `good_bytes` is where its last whole,
// valid record ends.
struct Parsed {
  std::vector<nlohmann::json> lines;
  std::size_t good_bytes = 0;
  bool torn = false;
};

Parsed parse_lines(const std::string& text, const std::string& path) {
  Parsed out;
  std::size_t at = 0;
  std::size_t number = 0;
  while (at < text.size()) {
    ++number;
    const std::size_t end = text.find('\n', at);
    const bool last = end == std::string::npos || end + 1 == text.size();
    const std::string line = text.substr(at, end == std::string::npos ? end : end - at);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool whole = end != std::string::npos && !j.is_discarded() && j.is_object();
    if (!whole) {
      if (!last) {
        throw JournalError("checkpoint '" + path + "' is corrupt at line " +
                           std::to_string(number) + " (not a record rangefarm wrote)" +
                           (number > 1 ? kUnusableHint : std::string()));
      }
      out.torn = true;  // the process died while writing it
      break;
    }
    out.lines.push_back(std::move(j));
    at = end + 1;
    out.good_bytes = at;
  }
  return out;
}

std::uint32_t crc_of(Range chunk, const std::string& partial) {
  boost::crc_32_type crc;
  const std::string head = std::to_string(chunk.lo) + ' ' + std::to_string(chunk.hi) + ' ';
  crc.process_bytes(head.data(), head.size());
  crc.process_bytes(partial.data(), partial.size());
  return crc.checksum();
}

std::uint32_t crc_of(const std::string& items, const std::string& partial) {
  boost::crc_32_type crc;
  const std::string head = items + ' ';
  crc.process_bytes(head.data(), head.size());
  crc.process_bytes(partial.data(), partial.size());
  return crc.checksum();
}

std::uint32_t crc_of(const std::string& text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  return crc.checksum();
}

nlohmann::json items_json(const std::vector<Range>& ids) {
  nlohmann::json out = nlohmann::json::array();
  for (const Range r : ids) out.push_back({r.lo, r.hi});
  return out;
}

// The runs [lo, hi) of a record's "items": non-empty, sorted, disjoint.
std::vector<Range> items_of(const nlohmann::json& j) {
  std::vector<Range> ids;
  for (const auto& run : j.get<std::vector<std::vector<std::uint64_t>>>()) {
    if (run.size() != 2 || run[0] >= run[1] || (!ids.empty() && run[0] < ids.back().hi)) {
      throw std::invalid_argument("bad run of items");
    }
    ids.push_back({run[0], run[1]});
  }
  if (ids.empty()) throw std::invalid_argument("no items");
  return ids;
}

JournalRecord record_of(const nlohmann::json& j, std::size_t number, const std::string& path) {
  JournalRecord r;
  bool intact = false;
  try {
    r.partial = j.at("partial").get<std::string>();
    r.line = number;
    if (j.contains("items")) {
      r.items = items_of(j["items"]);
      intact = j.at("crc").get<std::uint32_t>() == crc_of(j["items"].dump(), r.partial);
    } else {
      r.chunk = {j.at("lo").get<std::uint64_t>(), j.at("hi").get<std::uint64_t>()};
      intact = j.at("crc").get<std::uint32_t>() == crc_of(r.chunk, r.partial);
    }
    // An empty partial stands for "merged elsewhere" inside the farm only.
    if (r.partial.empty()) throw std::invalid_argument("no partial");
  } catch (const std::exception&) {
    throw JournalError("checkpoint '" + path + "' is corrupt at line " + std::to_string(number) +
                       " (not a chunk record)" + kUnusableHint);
  }
  if (!intact) {
    throw JournalError("checkpoint '" + path + "' is corrupt at line " + std::to_string(number) +
                       " (its checksum does not match)" + kUnusableHint);
  }
  return r;
}

bool is_end_record(const nlohmann::json& j) {
  return j.is_object() && j.contains("end");
}

// The content of an end record, checked against its CRC-32.
nlohmann::json end_of(const nlohmann::json& j, std::size_t number, const std::string& path) {
  try {
    if (j.at("crc").get<std::uint32_t>() == crc_of(j.at("end").dump()) && j["end"].is_object()) {
      return j["end"];
    }
  } catch (const std::exception&) {
  }
  throw JournalError("checkpoint '" + path + "' is corrupt at line " + std::to_string(number) +
                     " (its end record's checksum does not match)" + kUnusableHint);
}

// A record's items: its chunk of positions, or the runs of ids it names.
std::vector<Range> spans_of(const JournalRecord& r) {
  return r.items.empty() ? std::vector<Range>{r.chunk} : r.items;
}

// Two runs that wrote one journal at once leave copies of records, or
// records over the same items: refused here, with the way out (--repair).
// Positions and ids are numbered apart (an old journal of positions may go
// on with records of ids), so each kind is checked on its own; the farm
// checks all of them again in this run's positions (items_left).
void check_disjoint(const std::vector<JournalRecord>& records, const std::string& path) {
  for (const bool named : {false, true}) {
    std::vector<std::pair<Range, const JournalRecord*>> spans;
    for (const JournalRecord& r : records) {
      if (r.items.empty() == named) continue;
      for (const Range s : spans_of(r)) {
        if (!s.empty()) spans.emplace_back(s, &r);  // an empty one: items_left says so
      }
    }
    std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
      return a.first.lo != b.first.lo ? a.first.lo < b.first.lo : a.second->line < b.second->line;
    });
    const std::pair<Range, const JournalRecord*>* reach = nullptr;  // the span reaching furthest
    for (const auto& span : spans) {
      if (reach != nullptr && span.first.lo < reach->first.hi && span.second != reach->second) {
        const JournalRecord& a = *reach->second;
        const JournalRecord& b = *span.second;
        const JournalRecord& later = a.line > b.line ? a : b;
        const JournalRecord& earlier = a.line > b.line ? b : a;
        const bool copy = a.partial == b.partial && spans_of(a) == spans_of(b);
        const std::string why = copy ? "it repeats line " + std::to_string(earlier.line)
                                     : "items [" + std::to_string(span.first.lo) + ", " +
                                           std::to_string(span.first.hi) + ") overlaps line " +
                                           std::to_string(earlier.line);
        throw JournalError("checkpoint '" + path + "' is corrupt at line " +
                           std::to_string(later.line) + " (" + why + ")" + kTwoRunsHint);
      }
      if (reach == nullptr || span.first.hi > reach->first.hi) reach = &span;
    }
  }
}

// A journal written before records named their items kept the order they
// were numbered in as the run's item_order; such a run now names "items".
// Returns that order ("" if none) and the run as it would be named today.
std::string legacy_order_of(nlohmann::json& run, const nlohmann::json& identity) {
  if (!run.is_object() || !run.contains("item_order") || run.contains("items") ||
      !identity.contains("items") || !run["item_order"].is_string()) {
    return {};
  }
  const std::string order = run["item_order"].get<std::string>();
  run.erase("item_order");
  run["items"] = identity["items"];
  return order;
}

// A parameter's value in a message: strings bare (perfect, sieve).
std::string value_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "perfect there, mersenne here", "to 100 there, 1000 here": the first
// parameter in which a journal's run differs from this one, the workload
// before all (a journal of another workload differs in everything), or ""
// when they are the same run.
std::string identity_difference(const nlohmann::json& run, const nlohmann::json& identity) {
  if (run == identity) return {};
  const auto theirs = [&](const std::string& key) {
    return run.is_object() && run.contains(key) ? run[key] : nlohmann::json();
  };
  if (identity.contains("workload") && theirs("workload") != identity["workload"]) {
    const nlohmann::json there = theirs("workload");
    return (there.is_null() ? std::string("no workload") : value_text(there)) + " there, " +
           value_text(identity["workload"]) + " here";
  }
  for (const auto& [key, value] : identity.items()) {
    if (theirs(key) != value) {
      return key + " " + value_text(theirs(key)) + " there, " + value_text(value) + " here";
    }
  }
  return "the journal has " + run.dump();
}

void check_header(const nlohmann::json& header, const std::string& path) {
  if (!header.contains("rangefarm_journal")) {
    throw JournalError("checkpoint '" + path + "' is not a rangefarm journal");
  }
  if (header["rangefarm_journal"] != kFormat) {
    throw JournalError("checkpoint '" + path + "' has an unknown format version " +
                       header["rangefarm_journal"].dump());
  }
}

// Returns the journal's legacy item order (legacy_order_of).
std::string check_identity(const nlohmann::json& header, const nlohmann::json& identity,
                           const std::string& path) {
  check_header(header, path);
  nlohmann::json run = header.value("run", nlohmann::json());
  const std::string legacy = legacy_order_of(run, identity);
  const std::string diff = identity_difference(run, identity);
  if (diff.empty()) return legacy;
  throw JournalError("checkpoint '" + path + "' belongs to another run (" + diff +
                     "); resume with the same parameters, or use another file");
}

// What a run that died while writing its header leaves: the start (maybe
// none) of the very header this run writes. Nothing was recorded yet.
bool torn_header_of(const std::string& text, const nlohmann::json& identity) {
  const std::string header = header_of(identity).dump() + '\n';
  return text.size() < header.size() && header.compare(0, text.size(), text) == 0;
}

// "a character device": what a path that is no regular file is.
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// A journal is a regular file, or absent (to be created): a device, a
// FIFO or a directory is refused before anything opens it (opening a FIFO
// to read it would wait for a writer forever). True when it exists.
bool regular_or_absent(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    throw JournalError(system_error("--checkpoint: cannot use", path));
  }
  if (!S_ISREG(st.st_mode)) {
    throw JournalError("--checkpoint: '" + path + "' is " + kind_of(st.st_mode) +
                       ", not a journal file; name a regular file (or one to be created)");
  }
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JournalError(system_error("--checkpoint: cannot read", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Why a run without --resume may not start a journal where one exists: it
// is this run's and finished, this run's and unfinished, or another's.
std::string existing_journal_problem(const std::string& path, const nlohmann::json& identity) {
  const std::string start = "--checkpoint: '" + path + "' already exists";
  const std::string plain = start + "; add --resume to continue that run, or remove it";
  try {
    const Parsed parsed = parse_lines(read_text(path), path);
    if (parsed.lines.empty()) return plain;
    const nlohmann::json& header = parsed.lines.front();
    check_header(header, path);
    nlohmann::json run = header.value("run", nlohmann::json());
    legacy_order_of(run, identity);
    const std::string diff = identity_difference(run, identity);
    if (!diff.empty()) {
      return start + " and belongs to another run (" + diff +
             "); use another file, or remove that one";
    }
    if (parsed.lines.size() > 1 && is_end_record(parsed.lines.back())) {
      return "--checkpoint: '" + path +
             "' holds this run, finished: add --resume to print its result, or remove the file "
             "to run it again";
    }
  } catch (const JournalError&) {
  }
  return plain;
}

std::string backup_name(const std::string& target) {
  std::string name = target + ".damaged";
  for (int n = 2; ::access(name.c_str(), F_OK) == 0; ++n) {
    name = target + ".damaged." + std::to_string(n);
  }
  return name;
}

// Writes text to a new file beside target and renames it over target, so
// that target is the new text whole and a new inode: a process that still
// holds the old one open (a run whose lock was broken) writes into a file
// no name leads to. The old file stays under `keep_as`, when given.
void replace_file(const std::string& target, const std::string& text,
                  const std::string& keep_as = {}) {
  struct stat st {};
  const mode_t mode = ::stat(target.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  const std::string tmp = target + ".new." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw JournalError(system_error("--checkpoint: cannot write", tmp));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool written = done == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    throw JournalError("--checkpoint: cannot write '" + tmp + "' (disk full?)");
  }
  // A second name for the old file: the rename below then replaces only
  // the name, and at no moment is there no journal.
  if (!keep_as.empty() && ::link(target.c_str(), keep_as.c_str()) != 0) {
    const std::string why = system_error("--repair: cannot keep the journal as it was in", keep_as);
    ::unlink(tmp.c_str());
    throw JournalError(why);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = system_error("--checkpoint: cannot replace", target);
    ::unlink(tmp.c_str());
    throw JournalError(why);
  }
}

// --repair: keeps the header and one copy of each intact record whose
// items no different record covers; drops the rest (listed in the
// summary). Rewrites the file only when something is dropped.
RepairSummary repair(const std::string& path, const nlohmann::json& identity) {
  const std::string text = read_text(path);
  std::vector<std::string> lines;  // whole lines: a torn tail is left out
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) break;
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  const nlohmann::json header =
      lines.empty() ? nlohmann::json()
                    : nlohmann::json::parse(lines[0], nullptr, /*allow_exceptions=*/false);
  RepairSummary out;
  if (!header.is_object()) {
    if (torn_header_of(text, identity)) return out;  // the resume starts it afresh
    throw JournalError("--repair: checkpoint '" + path +
                       "' has no whole first line: there is nothing to repair it from");
  }
  check_identity(header, identity, path);

  std::size_t end_records = 0;
  bool ends_with_end = false;
  std::vector<JournalRecord> records;  // line: the index in `lines`
  std::set<std::string> seen;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    ends_with_end = is_end_record(j);
    if (ends_with_end) {
      ++end_records;  // a report of records being repaired: the resume makes a new one
      continue;
    }
    ++out.records;
    try {
      JournalRecord r = record_of(j, i + 1, path);
      if (!seen.insert(j.dump()).second) {
        ++out.duplicates;
        continue;
      }
      r.line = i;
      records.push_back(std::move(r));
    } catch (const JournalError&) {
      ++out.unreadable;
    }
  }
  // Distinct records over shared items: every record of such a cluster goes.
  std::vector<std::size_t> group(records.size());
  std::iota(group.begin(), group.end(), 0);
  const auto root = [&](std::size_t k) {
    while (group[k] != k) k = group[k] = group[group[k]];
    return k;
  };
  for (const bool named : {false, true}) {
    std::vector<std::pair<Range, std::size_t>> spans;
    for (std::size_t k = 0; k < records.size(); ++k) {
      if (records[k].items.empty() == named) continue;
      for (const Range s : spans_of(records[k])) spans.emplace_back(s, k);
    }
    std::sort(spans.begin(), spans.end(),
              [](const auto& a, const auto& b) { return a.first.lo < b.first.lo; });
    std::uint64_t reach = 0;
    std::size_t reacher = 0;
    for (std::size_t n = 0; n < spans.size(); ++n) {
      if (n > 0 && spans[n].first.lo < reach) group[root(spans[n].second)] = root(reacher);
      if (n == 0 || spans[n].first.hi > reach) {
        reach = spans[n].first.hi;
        reacher = spans[n].second;
      }
    }
  }
  std::map<std::size_t, std::size_t> cluster_size;
  for (std::size_t k = 0; k < records.size(); ++k) ++cluster_size[root(k)];
  std::string kept = lines[0] + '\n';
  for (std::size_t k = 0; k < records.size(); ++k) {
    if (cluster_size[root(k)] > 1) {
      ++out.overlapping;
      continue;
    }
    ++out.kept;
    kept += lines[records[k].line] + '\n';
  }
  // A torn tail alone the resume drops itself; one end record, last, is a
  // finished run's report, kept unless something else needs repair.
  const bool one_end_last = end_records == 0 || (end_records == 1 && ends_with_end);
  if (out.kept == out.records && one_end_last) return out;
  const std::string target = journal_target(path);
  out.kept_as = backup_name(target);
  replace_file(target, kept, out.kept_as);
  return out;
}

// The journal's own file, opened for appending and locked as FILE.lock is
// (journal_lock.hpp). FILE.lock keeps apart the runs that name the journal
// alike; this keeps apart those that reach one file by two names (a hard
// link, a folder reached through a symbolic link). Where the file system
// has no locks, FILE.lock alone does.
int open_locked(const std::string& path, int flags = O_WRONLY | O_APPEND | O_CLOEXEC) {
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return fd;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  int got = ::fcntl(fd, F_OFD_SETLK, &fl);
  if (got != 0 && errno == EINVAL) got = ::fcntl(fd, F_SETLK, &fl);
  if (got != 0 && (errno == EAGAIN || errno == EACCES)) {
    ::close(fd);
    throw JournalError("checkpoint '" + path +
                       "' is in use by another run that reached it by another name (a hard link, "
                       "or a folder reached through a symbolic link): wait for it to end, then "
                       "resume");
  }
  return fd;
}

}  // namespace

Journal::Journal(std::string path, int fd, JournalLock lock)
    : path_(std::move(path)),
      fd_(fd),
      lock_(std::move(lock)),
      last_sync_(now_s()),
      last_check_(now_s()) {}

Journal::Journal(Journal&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      lock_(std::move(other.lock_)),
      last_sync_(other.last_sync_),
      last_check_(other.last_check_),
      dirty_(other.dirty_),
      torn_(other.torn_),
      restarted_(other.restarted_),
      legacy_order_(std::move(other.legacy_order_)),
      finished_(std::move(other.finished_)),
      repaired_(std::move(other.repaired_)) {
  other.fd_ = -1;
}

Journal::~Journal() {
  if (fd_ < 0) return;
  if (dirty_) ::fsync(fd_);
  ::close(fd_);
}  // then lock_ lets the journal go

Journal Journal::create(const std::string& path, const nlohmann::json& identity,
                        const JournalOptions& options) {
  regular_or_absent(path);
  JournalLock lock = JournalLock::take(path, options.on_held_lock);
  // O_EXCL: never truncate an existing journal, even one created since we looked.
  const int fd = open_locked(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EEXIST) throw JournalError(existing_journal_problem(path, identity));
    throw JournalError(system_error("--checkpoint: cannot create", path));
  }
  Journal j(path, fd, std::move(lock));
  j.write_line(header_of(identity).dump());
  j.sync();
  return j;
}

Journal Journal::resume(const std::string& path, const nlohmann::json& identity,
                        std::vector<JournalRecord>& records, const JournalOptions& options) {
  if (!regular_or_absent(path)) {
    throw JournalError("--resume: no checkpoint '" + path +
                       "' to resume (run without --resume to start one)");
  }
  JournalLock lock = JournalLock::take(path, options.on_held_lock);
  // The run whose lock was broken may still hold the journal open (frozen,
  // or on a node that lost its file server): from now on it writes into a
  // file that no name leads to.
  if (lock.broke_a_held_lock()) replace_file(journal_target(path), read_text(path));
  const int fd = open_locked(path);
  if (fd < 0) throw JournalError(system_error("--checkpoint: cannot open", path));
  Journal j(path, fd, std::move(lock));
  if (options.repair) {
    j.repaired_ = repair(path, identity);
    if (!j.repaired_->kept_as.empty()) j.reopen();  // the repaired journal is a new file
  }
  const std::string text = read_text(path);
  const Parsed parsed = parse_lines(text, path);
  records.clear();
  if (parsed.lines.empty()) {
    if (!torn_header_of(text, identity)) {
      throw JournalError("checkpoint '" + path +
                         "' is empty or not a rangefarm journal (or its first line is torn): "
                         "nothing in it can be resumed; remove it and run without --resume");
    }
    j.start_afresh(identity);
    return j;
  }
  j.legacy_order_ = check_identity(parsed.lines.front(), identity, path);
  for (std::size_t i = 1; i < parsed.lines.size(); ++i) {
    if (j.finished_) {
      throw JournalError("checkpoint '" + path + "' is corrupt at line " + std::to_string(i + 1) +
                         " (a record after the run's end record)" + kTwoRunsHint);
    }
    if (is_end_record(parsed.lines[i])) {
      j.finished_ = end_of(parsed.lines[i], i + 1, path);
    } else {
      records.push_back(record_of(parsed.lines[i], i + 1, path));
    }
  }
  check_disjoint(records, path);
  j.torn_ = parsed.torn ? 1 : 0;
  // Cut a torn tail off so that new records start on a line of their own.
  if (parsed.torn && ::ftruncate(fd, static_cast<off_t>(parsed.good_bytes)) != 0) {
    throw JournalError(system_error("--checkpoint: cannot repair", path));
  }
  return j;
}

void Journal::reopen() {
  ::close(fd_);
  fd_ = -1;
  const int fd = open_locked(path_);
  if (fd < 0) throw JournalError(system_error("--checkpoint: cannot open", path_));
  fd_ = fd;
}

void Journal::start_afresh(const nlohmann::json& identity) {
  if (::ftruncate(fd_, 0) != 0) {
    throw JournalError(system_error("--checkpoint: cannot repair", path_));
  }
  write_line(header_of(identity).dump());
  sync();
  restarted_ = true;
}

void Journal::append(Range chunk, const std::string& partial) {
  write_line(nlohmann::json{
      {"lo", chunk.lo}, {"hi", chunk.hi}, {"partial", partial}, {"crc", crc_of(chunk, partial)}}
                 .dump());
  if (now_s() - last_sync_ >= kSyncEvery_s) sync();
}

void Journal::append_items(const std::vector<Range>& ids, const std::string& partial) {
  const nlohmann::json items = items_json(ids);
  write_line(
      nlohmann::json{{"items", items}, {"partial", partial}, {"crc", crc_of(items.dump(), partial)}}
          .dump());
  if (now_s() - last_sync_ >= kSyncEvery_s) sync();
}

void Journal::finish(const nlohmann::json& end) {
  last_check_ = 0;  // the last record of all: make sure it lands in this run's journal
  write_line(nlohmann::json{{"end", end}, {"crc", crc_of(end.dump())}}.dump());
  sync();
}

// A run whose lock was broken (--break-lock) or whose journal was repaired
// under it must write no more: the journal's name leads to another file now.
void Journal::check_still_ours() {
  const double now = now_s();
  if (now - last_check_ < kCheckEvery_s) return;
  struct stat open_one {};
  struct stat named {};
  if (::fstat(fd_, &open_one) != 0 || ::stat(path_.c_str(), &named) != 0 ||
      open_one.st_dev != named.st_dev || open_one.st_ino != named.st_ino) {
    throw std::runtime_error("checkpoint '" + path_ +
                             "' is no longer this run's journal (another run took it with "
                             "--break-lock or --repair, or it was moved): this run writes no "
                             "more to it");
  }
  last_check_ = now;
}

void Journal::write_line(const std::string& line) {
  const std::string text = line + '\n';
  const std::lock_guard lock(journal_write_mutex());
  check_still_ours();
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(system_error("cannot write checkpoint", path_));
    done += static_cast<std::size_t>(n);
  }
  dirty_ = true;
}

void Journal::sync() {
  if (::fsync(fd_) != 0) throw std::runtime_error(system_error("cannot sync checkpoint", path_));
  dirty_ = false;
  last_sync_ = now_s();
}

JournalError corrupt_record(const std::string& path, const JournalRecord& r,
                            const std::string& why) {
  return JournalError("checkpoint '" + path + "' is corrupt at line " + std::to_string(r.line) +
                      " (" + why + ")");
}

std::vector<Range> items_left(Range whole, const std::vector<JournalRecord>& records,
                              const std::string& path) {
  std::vector<const JournalRecord*> sorted;
  for (const JournalRecord& r : records) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [](const JournalRecord* a, const JournalRecord* b) {
    return a->chunk.lo < b->chunk.lo;
  });
  std::vector<Range> done;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const JournalRecord& r = *sorted[i];
    const std::string items =
        "items [" + std::to_string(r.chunk.lo) + ", " + std::to_string(r.chunk.hi) + ")";
    if (r.chunk.empty()) throw corrupt_record(path, r, items + " is empty");
    if (r.chunk.lo < whole.lo || r.chunk.hi > whole.hi) {
      throw corrupt_record(path, r, items + " is outside the run's range");
    }
    if (i > 0 && r.chunk.lo < sorted[i - 1]->chunk.hi) {
      throw JournalError(
          corrupt_record(path, r, items + " overlaps line " + std::to_string(sorted[i - 1]->line))
              .what() +
          kTwoRunsHint);
    }
    done.push_back(r.chunk);
  }
  return subtract(whole, done);
}

std::recursive_mutex& journal_write_mutex() {
  static std::recursive_mutex m;
  return m;
}

std::optional<std::uint64_t> journal_items(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    const Parsed parsed = parse_lines(buffer.str(), path);
    if (parsed.lines.empty() || !parsed.lines.front().contains("rangefarm_journal")) {
      return std::nullopt;
    }
    std::uint64_t items = 0;
    for (std::size_t i = 1; i < parsed.lines.size(); ++i) {
      if (is_end_record(parsed.lines[i])) continue;
      const JournalRecord r = record_of(parsed.lines[i], i + 1, path);
      items += r.chunk.size();
      for (const Range ids : r.items) items += ids.size();
    }
    return items;
  } catch (const JournalError&) {
    return std::nullopt;
  }
}

std::string state_dir_for(const std::string& journal_path) {
  return journal_path + ".state";
}

}  // namespace rf
