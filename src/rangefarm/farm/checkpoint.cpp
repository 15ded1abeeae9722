#include "rangefarm/farm/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "rangefarm/farm/range_list.hpp"

namespace rf {
namespace {

constexpr int kFormat = 1;
constexpr double kSyncEvery_s = 1.0;

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
                           std::to_string(number) + " (not a record rangefarm wrote)");
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
                       " (not a chunk record)");
  }
  if (!intact) {
    throw JournalError("checkpoint '" + path + "' is corrupt at line " + std::to_string(number) +
                       " (its checksum does not match)");
  }
  return r;
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

// Returns the journal's legacy item order (legacy_order_of).
std::string check_identity(const nlohmann::json& header, const nlohmann::json& identity,
                           const std::string& path) {
  if (!header.contains("rangefarm_journal")) {
    throw JournalError("checkpoint '" + path + "' is not a rangefarm journal");
  }
  if (header["rangefarm_journal"] != kFormat) {
    throw JournalError("checkpoint '" + path + "' has an unknown format version " +
                       header["rangefarm_journal"].dump());
  }
  nlohmann::json run = header.value("run", nlohmann::json());
  const std::string legacy = legacy_order_of(run, identity);
  if (run == identity) return legacy;
  // Name the first parameter that differs: the user wants to know which.
  std::string diff;
  for (const auto& [key, value] : identity.items()) {
    const nlohmann::json theirs = run.contains(key) ? run[key] : nlohmann::json();
    if (theirs != value) {
      diff = key + " " + theirs.dump() + " there, " + value.dump() + " here";
      break;
    }
  }
  if (diff.empty()) diff = "the journal has " + run.dump();
  throw JournalError("checkpoint '" + path + "' belongs to another run (" + diff +
                     "); resume with the same parameters, or use another file");
}

// What a run that died while writing its header leaves: the start (maybe
// none) of the very header this run writes. Nothing was recorded yet.
bool torn_header_of(const std::string& text, const nlohmann::json& identity) {
  const std::string header = header_of(identity).dump() + '\n';
  return text.size() < header.size() && header.compare(0, text.size(), text) == 0;
}

}  // namespace

Journal::Journal(std::string path, int fd) : path_(std::move(path)), fd_(fd), last_sync_(now_s()) {}

Journal::Journal(Journal&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      last_sync_(other.last_sync_),
      dirty_(other.dirty_),
      torn_(other.torn_),
      restarted_(other.restarted_),
      legacy_order_(std::move(other.legacy_order_)) {
  other.fd_ = -1;
}

Journal::~Journal() {
  if (fd_ < 0) return;
  if (dirty_) ::fsync(fd_);
  ::close(fd_);
}

Journal Journal::create(const std::string& path, const nlohmann::json& identity) {
  // O_EXCL: never truncate an existing journal, even one created since we looked.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      throw JournalError("--checkpoint: '" + path +
                         "' already exists; add --resume to continue that run, or remove it");
    }
    throw JournalError(system_error("--checkpoint: cannot create", path));
  }
  Journal j(path, fd);
  j.write_line(header_of(identity).dump());
  j.sync();
  return j;
}

Journal Journal::resume(const std::string& path, const nlohmann::json& identity,
                        std::vector<JournalRecord>& records) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw JournalError("--resume: no checkpoint '" + path +
                       "' to resume (run without --resume to start one)");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const Parsed parsed = parse_lines(text, path);
  records.clear();
  if (parsed.lines.empty()) {
    if (torn_header_of(text, identity)) return restart(path, identity);
    throw JournalError("checkpoint '" + path +
                       "' is empty or not a rangefarm journal (or its first line is torn): "
                       "nothing in it can be resumed; remove it and run without --resume");
  }
  const std::string legacy = check_identity(parsed.lines.front(), identity, path);
  for (std::size_t i = 1; i < parsed.lines.size(); ++i) {
    records.push_back(record_of(parsed.lines[i], i + 1, path));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw JournalError(system_error("--checkpoint: cannot open", path));
  Journal j(path, fd);
  j.torn_ = parsed.torn ? 1 : 0;
  j.legacy_order_ = legacy;
  // Cut a torn tail off so that new records start on a line of their own.
  if (parsed.torn && ::ftruncate(fd, static_cast<off_t>(parsed.good_bytes)) != 0) {
    throw JournalError(system_error("--checkpoint: cannot repair", path));
  }
  return j;
}

Journal Journal::restart(const std::string& path, const nlohmann::json& identity) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw JournalError(system_error("--checkpoint: cannot open", path));
  Journal j(path, fd);
  if (::ftruncate(fd, 0) != 0)
    throw JournalError(system_error("--checkpoint: cannot repair", path));
  j.write_line(header_of(identity).dump());
  j.sync();
  j.restarted_ = true;
  return j;
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

void Journal::write_line(const std::string& line) {
  const std::string text = line + '\n';
  const std::lock_guard lock(journal_write_mutex());
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
      throw corrupt_record(path, r,
                           items + " overlaps line " + std::to_string(sorted[i - 1]->line));
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
