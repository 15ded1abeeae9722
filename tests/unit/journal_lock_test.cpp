// The journal's lock (journal_lock.hpp): one run per journal, a holder named
// in the refusal, a dead holder's lock taken over, a frozen one named as
// such, --break-lock (never from a run alive on this host, and the broken
// run's writes landing nowhere), and the lock file alone as the lock where
// a file system has no fcntl locks. Other holders are child processes
// (fork), since a lock is about processes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/journal_lock.hpp"
#include "rangefarm/farm/stats.hpp"
#include "temp_dir.hpp"

namespace rf {
namespace {

namespace fs = std::filesystem;

const nlohmann::json kIdentity = {{"workload", "perfect"}, {"from", 1}, {"to", 100}};

// The message of the JournalError that f throws ("" if none).
template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const JournalError& e) {
    return e.what();
  }
  return "";
}

std::string holder_record(const std::string& host, long pid) {
  return nlohmann::json{{"host", host}, {"pid", pid}, {"since", 1700000000}, {"command", "x"}}
             .dump() +
         "\n";
}

// A process that holds a journal's lock as another run would: it takes the
// fcntl lock on the lock file, writes `record` there (empty: its own, as a
// run does), keeps the journal open for appending, and on each byte from
// the test writes one line through that descriptor, as a frozen run that
// wakes up would.
class OtherHolder {
 public:
  OtherHolder(const std::string& journal, const std::string& record) {
    int ready[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(go_), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      const std::string lock = lock_path_for(journal);
      const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
      struct flock fl {};
      fl.l_type = F_WRLCK;
      fl.l_whence = SEEK_SET;
      if (fd < 0 || ::fcntl(fd, F_OFD_SETLK, &fl) != 0) ::_exit(3);
      const std::string text = record.empty() ? holder_record(host_name(), ::getpid()) : record;
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) ::_exit(4);
      const int journal_fd = ::open(journal.c_str(), O_WRONLY | O_APPEND);
      if (::write(ready[1], "r", 1) != 1) ::_exit(5);
      char byte = 0;
      while (::read(go_[0], &byte, 1) == 1) {
        const std::string late = "{\"written after the lock was broken\":1}\n";
        if (journal_fd >= 0 && ::write(journal_fd, late.data(), late.size()) < 0) ::_exit(6);
        if (::write(ready[1], "w", 1) != 1) ::_exit(7);
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ready_ = ready[0];
    char byte = 0;
    EXPECT_EQ(::read(ready_, &byte, 1), 1) << "the holder did not take the lock";
  }
  ~OtherHolder() {
    kill(SIGKILL);
    ::close(go_[1]);
    ::close(ready_);
  }
  OtherHolder(const OtherHolder&) = delete;
  OtherHolder& operator=(const OtherHolder&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void write_late_line() {
    ASSERT_EQ(::write(go_[1], "g", 1), 1);
    char byte = 0;
    ASSERT_EQ(::read(ready_, &byte, 1), 1);
  }
  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    if (sig == SIGKILL) {
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int go_[2] = {-1, -1};
  int ready_ = -1;
};

TEST(JournalLock, ASecondRunIsRefusedNamingTheHolder) {
  TempDir dir;
  const std::string path = dir.file("j");
  Journal first = Journal::create(path, kIdentity);
  first.append({1, 11}, "p");
  const std::string before = read_all(path);
  std::vector<JournalRecord> records;
  const std::string pid = std::to_string(::getpid());
  for (const std::string& why : {refusal([&] { Journal::resume(path, kIdentity, records); }),
                                 refusal([&] { Journal::create(path, kIdentity); })}) {
    EXPECT_NE(why.find("checkpoint '" + path + "' is in use by another run (pid " + pid + " on " +
                       host_name() + " since "),
              std::string::npos)
        << why;
    EXPECT_NE(why.find("wait for it to end, or stop it (kill -TERM " + pid + "), then resume"),
              std::string::npos)
        << why;
  }
  EXPECT_EQ(read_all(path), before);
  EXPECT_TRUE(fs::exists(path + ".lock"));
}

TEST(JournalLock, TheLockGoesWithItsRun) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity).append({1, 11}, "p"); }
  EXPECT_FALSE(fs::exists(path + ".lock")) << "a run that ended left its lock file";
  std::vector<JournalRecord> records;
  { Journal::resume(path, kIdentity, records); }
  EXPECT_EQ(records.size(), 1u);
  EXPECT_FALSE(fs::exists(path + ".lock"));
}

// A run killed outright leaves its lock file, but the kernel let its lock
// go with it: the next run takes the journal without being told anything.
TEST(JournalLock, ADeadRunsLockIsTakenOver) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity).append({1, 11}, "p"); }
  OtherHolder dead(path, "");
  std::vector<JournalRecord> records;
  EXPECT_NE(refusal([&] { Journal::resume(path, kIdentity, records); }), "");
  dead.kill(SIGKILL);
  ASSERT_TRUE(fs::exists(path + ".lock"));
  EXPECT_EQ(refusal([&] { Journal::resume(path, kIdentity, records); }), "");
  EXPECT_EQ(records.size(), 1u);
}

// A frozen holder (a rank 0 under SIGSTOP, perhaps named lost by its
// deputy) keeps its lock: no resume starts while it lives, and the line
// says how to end it.
TEST(JournalLock, AFrozenHolderKeepsTheJournalAndIsNamedStopped) {
  TempDir dir;
  const std::string path = dir.file("j");
  { Journal::create(path, kIdentity); }
  OtherHolder frozen(path, "");
  frozen.kill(SIGSTOP);
  // The state letter in /proc changes when the stop is delivered.
  std::string why;
  for (int i = 0; i < 500 && why.find("stopped") == std::string::npos; ++i) {
    std::vector<JournalRecord> records;
    why = refusal([&] { Journal::resume(path, kIdentity, records); });
    if (why.find("stopped") == std::string::npos) ::usleep(10000);
  }
  const std::string pid = std::to_string(frozen.pid());
  EXPECT_NE(why.find("(pid " + pid + " on " + host_name()), std::string::npos) << why;
  EXPECT_NE(why.find("it is stopped (SIGSTOP); end it with kill -KILL " + pid +
                     " or let it go on with kill -CONT " + pid + ", then resume"),
            std::string::npos)
      << why;
  // --break-lock does not take it either: it is alive, here.
  std::vector<JournalRecord> records;
  const std::string broken = refusal([&] {
    Journal::resume(path, kIdentity, records, {OnHeldLock::Break, false});
  });
  EXPECT_NE(broken.find("--break-lock: the run holding checkpoint '" + path +
                        "' is alive on this host (pid " + pid),
            std::string::npos)
      << broken;
  frozen.kill(SIGKILL);
  EXPECT_EQ(refusal([&] { Journal::resume(path, kIdentity, records); }), "");
}

// A run on another host that holds the lock and is gone for good: the line
// says how to break it; --break-lock takes the journal, and whatever the
// old run still writes through its open descriptor lands in a file that no
// name leads to.
TEST(JournalLock, BreakLockTakesAnotherHostsLockAndOrphansItsWriter) {
  TempDir dir;
  const std::string path = dir.file("j");
  {
    Journal j = Journal::create(path, kIdentity);
    j.append({1, 11}, "p");
  }
  const std::string before = read_all(path);
  OtherHolder gone(path, holder_record("rfnode9", 4242));
  std::vector<JournalRecord> records;
  const std::string why = refusal([&] { Journal::resume(path, kIdentity, records); });
  EXPECT_NE(why.find("is in use by another run (pid 4242 on rfnode9 since "), std::string::npos)
      << why;
  EXPECT_NE(why.find("stop it (kill -TERM 4242 on rfnode9), then resume; if that run is gone for "
                     "good and its lock stays, add --break-lock"),
            std::string::npos)
      << why;
  {
    Journal j = Journal::resume(path, kIdentity, records, {OnHeldLock::Break, false});
    EXPECT_EQ(records.size(), 1u);
    gone.write_late_line();
    j.append({11, 21}, "q");
  }
  const std::string after = read_all(path);
  EXPECT_EQ(after.find("written after the lock was broken"), std::string::npos) << after;
  EXPECT_EQ(after.substr(0, before.size()), before);
  EXPECT_FALSE(fs::exists(path + ".lock"));
}

// The run whose journal was taken stops at its next record: the name leads
// to another file (checked once a second, so a woken run checks at once).
TEST(JournalLock, ARunWhoseJournalWasTakenWritesNoMore) {
  TempDir dir;
  const std::string path = dir.file("j");
  Journal old = Journal::create(path, kIdentity);
  old.append({1, 11}, "p");
  const std::string copy = path + ".copy";
  fs::copy_file(path, copy);
  fs::rename(copy, path);  // as --break-lock and --repair replace it
  ::usleep(1100 * 1000);
  try {
    old.append({11, 21}, "q");
    FAIL() << "a run wrote to a journal that is no longer its own";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is no longer this run's journal"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(read_all(path).find("\"q\""), std::string::npos);
}

// Where fcntl locks fail (Lustre without flock, NFS mounted nolock), the
// lock file is the lock: a second run is refused, a dead pid of this host
// is taken over, another host's lock needs --break-lock.
TEST(JournalLock, WithoutFcntlLocksTheLockFileIsTheLock) {
  TempDir dir;
  const std::string path = dir.file("j");
  ASSERT_EQ(::setenv("RANGEFARM_TEST_NO_FCNTL_LOCKS", "1", 1), 0);
  {
    const JournalLock mine = JournalLock::take(path);
    const auto holder = read_lock_holder(path + ".lock");
    ASSERT_TRUE(holder.has_value());
    EXPECT_EQ(holder->pid, ::getpid());
    EXPECT_NE(refusal([&] { JournalLock::take(path); }).find("is in use by another run"),
              std::string::npos);
  }
  EXPECT_FALSE(fs::exists(path + ".lock"));

  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a pid that is dead now
  std::ofstream(path + ".lock") << holder_record(host_name(), child);
  {
    const JournalLock taken = JournalLock::take(path);
    EXPECT_FALSE(taken.broke_a_held_lock());
    EXPECT_EQ(read_lock_holder(path + ".lock")->pid, ::getpid());
  }

  std::ofstream(path + ".lock") << holder_record("rfnode9", 4242);
  EXPECT_NE(refusal([&] { JournalLock::take(path); }).find("add --break-lock"), std::string::npos);
  {
    const JournalLock broken = JournalLock::take(path, OnHeldLock::Break);
    EXPECT_TRUE(broken.broke_a_held_lock());
    EXPECT_EQ(read_lock_holder(path + ".lock")->pid, ::getpid());
  }
  EXPECT_FALSE(fs::exists(path + ".lock"));
  ASSERT_EQ(::unsetenv("RANGEFARM_TEST_NO_FCNTL_LOCKS"), 0);
}

// Two names of one journal (a symbolic link) share its lock.
TEST(JournalLock, ALinkToTheJournalSharesItsLock) {
  TempDir dir;
  const std::string path = dir.file("j");
  const Journal j = Journal::create(path, kIdentity);
  fs::create_symlink(path, dir.file("link"));
  std::vector<JournalRecord> records;
  EXPECT_NE(refusal([&] {
              Journal::resume(dir.file("link"), kIdentity, records);
            }).find("is in use by another run"),
            std::string::npos);
}

// The same file by another name (a hard link; a folder reached through a
// symbolic link) has another FILE.lock: the lock on the file itself keeps
// the runs apart.
TEST(JournalLock, TheSameFileByAnotherNameIsInUseToo) {
  TempDir dir;
  const std::string path = dir.file("j");
  const Journal j = Journal::create(path, kIdentity);
  ASSERT_EQ(::link(path.c_str(), dir.file("other name").c_str()), 0);
  std::vector<JournalRecord> records;
  EXPECT_EQ(refusal([&] { Journal::resume(dir.file("other name"), kIdentity, records); }),
            "checkpoint '" + dir.file("other name") +
                "' is in use by another run that reached it by another name (a hard link, or a "
                "folder reached through a symbolic link): wait for it to end, then resume");
  EXPECT_FALSE(fs::exists(dir.file("other name.lock")));
}

}  // namespace
}  // namespace rf
