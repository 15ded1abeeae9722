#include "rangefarm/farm/journal_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/stats.hpp"

namespace rf {
namespace {

namespace fs = std::filesystem;

// Tries before giving up on a lock file that keeps being replaced under us
// (each try is a few system calls; a real contender settles at once).
constexpr int kTries = 20;

// For tests only: behave as on a file system without fcntl locks.
constexpr const char* kNoLocksHook = "RANGEFARM_TEST_NO_FCNTL_LOCKS";

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

// This process's command line, as the lock file records it for people.
std::string own_command() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

std::string holder_line() {
  return nlohmann::json{{"host", host_name()},
                        {"pid", static_cast<long>(::getpid())},
                        {"since", static_cast<std::int64_t>(std::time(nullptr))},
                        {"command", own_command()}}
             .dump() +
         "\n";
}

bool same_file(int fd, const std::string& path) {
  struct stat open_one {};
  struct stat named {};
  return ::fstat(fd, &open_one) == 0 && ::stat(path.c_str(), &named) == 0 &&
         open_one.st_dev == named.st_dev && open_one.st_ino == named.st_ino;
}

// 0, or the errno of a write lock on the whole file, not waiting. OFD locks
// belong to the open file, not the process, so no other close() in this
// process drops them and two opens in one process exclude each other.
int lock_whole(int fd) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
#ifdef F_OFD_SETLK
  if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
  if (errno != EINVAL) return errno;
#endif
  if (::fcntl(fd, F_SETLK, &fl) == 0) return 0;
  return errno;
}

bool file_system_has_no_locks(int error) {
  return error == ENOLCK || error == ENOSYS || error == EOPNOTSUPP || error == EINVAL;
}

bool alive_here(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// Whether a process of this host is stopped (SIGSTOP, a debugger): its
// state in /proc/PID/stat, the letter after the command's closing bracket.
bool stopped_here(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() &&
         (text[paren + 2] == 'T' || text[paren + 2] == 't');
}

bool on_this_host(const LockHolder& h) {
  return h.host == host_name();
}

// The line for a journal whose lock another run holds.
std::string held_message(const std::string& journal, const std::optional<LockHolder>& holder) {
  std::string line = "checkpoint '" + journal + "' is in use by another run";
  if (!holder) {
    return line + " (its lock file '" + lock_path_for(journal) +
           "' does not yet say which): wait for it to end, then resume";
  }
  const std::string pid = std::to_string(holder->pid);
  line += " (" + holder_text(*holder) + ")";
  if (on_this_host(*holder)) {
    if (stopped_here(holder->pid)) {
      return line + ": it is stopped (SIGSTOP); end it with kill -KILL " + pid +
             " or let it go on with kill -CONT " + pid + ", then resume";
    }
    return line + ": wait for it to end, or stop it (kill -TERM " + pid + "), then resume";
  }
  return line + ": wait for it to end, or stop it (kill -TERM " + pid + " on " + holder->host +
         "), then resume; if that run is gone for good and its lock stays, add --break-lock";
}

// --break-lock never takes a journal from a run that is alive on this host.
void refuse_to_break_a_live_run(const std::string& journal,
                                const std::optional<LockHolder>& holder) {
  if (holder && on_this_host(*holder) && alive_here(holder->pid)) {
    const std::string pid = std::to_string(holder->pid);
    throw JournalError("--break-lock: the run holding checkpoint '" + journal +
                       "' is alive on this host (" + holder_text(*holder) +
                       "): stop it (kill -TERM " + pid + "), then resume without --break-lock");
  }
}

// Writes the holder line to a file of our own beside the lock file.
std::string write_own_record(const std::string& lock_path) {
  const std::string mine = lock_path + "." + host_name() + "." + std::to_string(::getpid());
  const int fd = ::open(mine.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw JournalError(errno_text("--checkpoint: cannot make the lock file", mine));
  const std::string line = holder_line();
  const bool whole = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!whole) {
    ::unlink(mine.c_str());
    throw JournalError("--checkpoint: cannot write the lock file '" + mine + "'");
  }
  return mine;
}

// link(2) of a file of our own to the lock's name: atomic, and it fails if
// the name exists, on NFS too. NFS may report a link that was made as
// failed (a lost reply); the link count says what happened.
bool linked(const std::string& mine, const std::string& lock_path) {
  if (::link(mine.c_str(), lock_path.c_str()) == 0) return true;
  const int error = errno;
  struct stat st {};
  if (::stat(mine.c_str(), &st) == 0 && st.st_nlink == 2) return true;
  errno = error;
  return false;
}

}  // namespace

std::string journal_target(const std::string& journal) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(journal, ec))) {
    const fs::path target = fs::canonical(journal, ec);
    if (!ec) return target.string();
  }
  return journal;
}

std::string lock_path_for(const std::string& journal) {
  return journal_target(journal) + ".lock";
}

std::optional<LockHolder> read_lock_holder(const std::string& lock_path) {
  std::ifstream in(lock_path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  try {
    if (j.is_discarded()) return std::nullopt;
    return LockHolder{j.at("host").get<std::string>(), j.at("pid").get<long>(),
                      j.at("since").get<std::int64_t>(), j.value("command", std::string())};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string holder_text(const LockHolder& holder) {
  const auto since = static_cast<std::time_t>(holder.since);
  std::tm local{};
  char when[64] = "?";
  if (::localtime_r(&since, &local) != nullptr) {
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &local);
  }
  return "pid " + std::to_string(holder.pid) + " on " + holder.host + " since " + when;
}

JournalLock::JournalLock(std::string path, int fd, bool file_is_lock)
    : path_(std::move(path)), fd_(fd), file_is_lock_(file_is_lock) {}

JournalLock::JournalLock(JournalLock&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      file_is_lock_(other.file_is_lock_),
      broke_(other.broke_) {
  other.fd_ = -1;
  other.file_is_lock_ = false;
}

JournalLock::~JournalLock() {
  if (file_is_lock_) {
    // Only while the file is still ours: a run that broke it owns it now.
    const auto holder = read_lock_holder(path_);
    if (holder && on_this_host(*holder) && holder->pid == ::getpid()) ::unlink(path_.c_str());
    return;
  }
  if (fd_ < 0) return;
  // Removed while still locked, so that whoever opened this file since
  // finds, once it has the lock, that the name leads elsewhere.
  if (same_file(fd_, path_)) ::unlink(path_.c_str());
  ::close(fd_);
}

JournalLock JournalLock::take(const std::string& journal, OnHeldLock how) {
  const std::string path = lock_path_for(journal);
  bool broke = false;
  bool no_fcntl_locks = std::getenv(kNoLocksHook) != nullptr;
  for (int attempt = 0; attempt < kTries && !no_fcntl_locks; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw JournalError(errno_text("--checkpoint: cannot make the lock file", path));
    const int error = lock_whole(fd);
    if (error == 0) {
      if (!same_file(fd, path)) {  // its last holder removed it since we opened it
        ::close(fd);
        continue;
      }
      JournalLock lock(path, fd, false);
      lock.broke_ = broke;
      const std::string line = holder_line();
      // Only for messages: a failure here leaves the lock as good.
      if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const ssize_t n = ::pwrite(fd, line.data(), line.size(), 0);
      }
      return lock;
    }
    ::close(fd);
    if (file_system_has_no_locks(error)) {
      no_fcntl_locks = true;
      break;
    }
    if (error != EAGAIN && error != EACCES) {
      errno = error;
      throw JournalError(errno_text("--checkpoint: cannot lock", path));
    }
    const auto holder = read_lock_holder(path);
    if (how == OnHeldLock::Refuse) throw JournalError(held_message(journal, holder));
    refuse_to_break_a_live_run(journal, holder);
    // The held file is set aside; a new one under its name is free.
    ::unlink(path.c_str());
    broke = true;
  }
  if (!no_fcntl_locks) {
    throw JournalError("--checkpoint: cannot take the lock '" + path + "': it keeps changing");
  }

  // No fcntl locks on this file system: the lock file is the lock.
  const std::string mine = write_own_record(path);
  for (int attempt = 0; attempt < kTries; ++attempt) {
    if (linked(mine, path)) {
      ::unlink(mine.c_str());
      JournalLock lock(path, -1, true);
      lock.broke_ = broke;
      return lock;
    }
    if (errno != EEXIST) {
      const std::string why = errno_text("--checkpoint: cannot make the lock file", path);
      ::unlink(mine.c_str());
      throw JournalError(why);
    }
    const auto holder = read_lock_holder(path);
    const bool dead_here = holder && on_this_host(*holder) && !alive_here(holder->pid);
    if (!dead_here) {
      try {
        if (how == OnHeldLock::Refuse) throw JournalError(held_message(journal, holder));
        refuse_to_break_a_live_run(journal, holder);
      } catch (const JournalError&) {
        ::unlink(mine.c_str());
        throw;
      }
      broke = true;
    }
    ::unlink(path.c_str());  // stale (its run died here) or broken
  }
  ::unlink(mine.c_str());
  throw JournalError("--checkpoint: cannot take the lock '" + path + "': it keeps changing");
}

}  // namespace rf
