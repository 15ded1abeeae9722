// One run per journal: the lock a run holds on its journal from the moment it
// opens it until it ends, so that a second run of the same journal (a user
// who retries too soon, a requeued Slurm job that overlaps its predecessor, a
// resume while a frozen rank 0 still lives) is refused instead of writing the
// same chunks twice.
//
// The lock is an fcntl record lock (an open file description lock, F_OFD_*,
// where the kernel has them) on a file beside the journal, "<journal>.lock".
// Why fcntl and not a lock file alone: the kernel drops the lock when its
// holder dies, however it dies, and NFSv4 and Lustre (mounted with `flock`)
// honour fcntl locks across nodes and drop a lost node's locks when its lease
// lapses; so a killed run, a lost node or a requeue onto another node never
// meets a stale lock, where a file naming a pid could only be judged on its
// own host. A frozen holder (SIGSTOP) keeps its lock: no resume can start
// while it lives. Why a file of its own: the journal is created only once
// the lock is held (never truncated under a live run), and is replaced whole
// by --repair and --break-lock, which a lock on the journal's inode would not
// survive.
//
// The lock file holds the holder's host, pid, start time and command (one
// JSON line), only so that a refused run can name it: fcntl gives no host,
// and on NFS no pid. A run that ends removes the file (while it still holds
// the lock; a run that opened the old file sees it is gone and starts over).
//
// Where the file system gives no locks at all (Lustre without `flock`, NFS
// mounted `nolock`: ENOLCK, ENOSYS, EOPNOTSUPP), the lock file itself is the
// lock: made with link(2), atomic on NFS too, and judged stale only when it
// names a dead pid on this host. A lock whose holder is gone for good but
// that stays held (NFSv3 locks of a client that never comes back; a lock
// file of a run killed on another host) is broken by --break-lock
// (OnHeldLock::Break), which refuses a holder alive on this host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rf {

// Who holds a journal's lock, as its lock file says.
struct LockHolder {
  std::string host;
  long pid = 0;
  std::int64_t since = 0;  // seconds since the epoch
  std::string command;
};

enum class OnHeldLock {
  Refuse,  // a JournalError naming the holder
  Break,   // --break-lock: the holder is taken to be gone (unless alive on this host)
};

class JournalLock {
 public:
  // Takes the lock of the journal at `journal`, or throws JournalError:
  // held by another run (the line names it and what to do), or the lock
  // file cannot be made.
  static JournalLock take(const std::string& journal, OnHeldLock how = OnHeldLock::Refuse);

  JournalLock(JournalLock&& other) noexcept;
  JournalLock& operator=(JournalLock&&) = delete;
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;
  ~JournalLock();  // removes the lock file, then lets the lock go

  // A held lock was broken to take this one: another process may still
  // hold the journal open, so the caller gives the journal a new inode.
  [[nodiscard]] bool broke_a_held_lock() const { return broke_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  JournalLock(std::string path, int fd, bool file_is_lock);

  std::string path_;
  int fd_ = -1;                // the fcntl lock's open file; -1 where the file is the lock
  bool file_is_lock_ = false;  // no fcntl locks here: the file's existence is the lock
  bool broke_ = false;
};

// The file a journal's path leads to (symbolic links followed): what the
// lock guards and what --repair and --break-lock replace.
std::string journal_target(const std::string& journal);

// "<journal>.lock", beside journal_target(journal), so that two names of
// one journal share one lock.
std::string lock_path_for(const std::string& journal);

// The holder a lock file names; nothing if it names none (being written, or
// not a lock file).
std::optional<LockHolder> read_lock_holder(const std::string& lock_path);

// "pid 812 on node2 since 2025-01-12 14:03:05 UTC": the holder, for messages.
std::string holder_text(const LockHolder& holder);

}  // namespace rf
