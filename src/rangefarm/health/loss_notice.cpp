#include "rangefarm/health/loss_notice.hpp"

#include <atomic>
#include <mutex>

#include "rangefarm/farm/checkpoint.hpp"

namespace rf {
namespace {

std::mutex g_mutex;
std::vector<std::string> g_args;  // guarded by g_mutex
std::string g_journal;            // guarded by g_mutex
std::atomic<std::uint64_t> g_items{0};

// An argument as a POSIX shell reads it back.
std::string shell_quoted(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789@%+=:,./_-") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string peer_text(const PeerProcess& p) {
  return "rank " + std::to_string(p.rank) + " (pid " + std::to_string(p.pid) + " on " + p.host +
         ")";
}

std::string joined(const std::vector<PeerProcess>& lost) {
  std::string out;
  for (std::size_t i = 0; i < lost.size(); ++i) {
    if (i > 0) out += i + 1 == lost.size() ? " and " : ", ";
    out += peer_text(lost[i]);
  }
  return out;
}

}  // namespace

void note_command_line(int argc, char** argv) {
  const std::lock_guard lock(g_mutex);
  g_args.assign(argv, argv + argc);
  if (!g_args.empty()) g_args[0] = "rangefarm";
}

void note_journal(const std::string& path) {
  const std::lock_guard lock(g_mutex);
  g_journal = path;
}

std::string noted_journal() {
  const std::lock_guard lock(g_mutex);
  return g_journal;
}

void note_journaled_items(std::uint64_t items) {
  g_items.store(items, std::memory_order_relaxed);
}

std::uint64_t journaled_items_noted() {
  return g_items.load(std::memory_order_relaxed);
}

std::optional<std::uint64_t> journaled_items_in_file() {
  std::string journal;
  {
    const std::lock_guard lock(g_mutex);
    journal = g_journal;
  }
  if (journal.empty()) return std::nullopt;
  return journal_items(journal);
}

std::string resume_command() {
  const std::lock_guard lock(g_mutex);
  std::string out;
  bool has_resume = false;
  for (const std::string& a : g_args) {
    if (!out.empty()) out += ' ';
    out += shell_quoted(a);
    has_resume = has_resume || a == "--resume";
  }
  if (!has_resume) out += " --resume";
  return out;
}

std::string loss_line(const std::vector<PeerProcess>& lost, const PeerProcess* seen_from,
                      std::optional<std::uint64_t> safe_items) {
  std::string journal;
  {
    const std::lock_guard lock(g_mutex);
    journal = g_journal;
  }
  std::string line = "rangefarm: error: lost " + joined(lost);
  if (seen_from != nullptr) line += ", as seen from " + peer_text(*seen_from);
  line += ": the run cannot finish; ";
  if (journal.empty()) {
    return line +
           "nothing was saved (no --checkpoint FILE was given; add one to make a long run "
           "resumable)\n";
  }
  if (safe_items) {
    line += std::to_string(*safe_items) + " finished items are safe in the journal " + journal;
  } else {
    line += "the finished items are safe in the journal " + journal + " on rank 0's storage";
  }
  return line + "; resume on any nodes and rank count with: " + resume_command() + "\n";
}

}  // namespace rf
