#include "rangefarm/health/start_watch.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/stats.hpp"
#include "rangefarm/health/launcher.hpp"

namespace rf {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kStoppedExit = 75;  // as every stop (run_control.hpp)
constexpr auto kLook = milliseconds(100);
// The other ranks give rank 0 this long to speak first.
constexpr auto kSpeakerGrace = milliseconds(5000);
// Rank 0's exchange loop acts on the deadline itself; the thread steps in
// only if it has not, this much later.
constexpr auto kBackstop = milliseconds(2000);
// A stop during the start: the start's time to finish before the rank
// leaves (mpirun's SIGKILL follows its SIGTERM a second later).
constexpr auto kStopWait = milliseconds(150);
constexpr auto kStepEndWait = milliseconds(5000);
// The thread looks every kLook; a gap this long means this process was
// stopped (SIGSTOP, a stalled node), and the others may have spoken of it.
constexpr auto kFrozenGap = milliseconds(2000);
constexpr auto kLookCurrent = milliseconds(1000);
// How far apart the ranks' deadlines may be (they start at slightly
// different times, on different nodes).
constexpr auto kSpeakerSkew = milliseconds(2000);

milliseconds start_timeout() {
  const char* v = std::getenv("RANGEFARM_START_TIMEOUT");
  const double s = v != nullptr ? std::atof(v) : 0;
  return milliseconds(static_cast<long>(1000 * (s > 0 ? s : kDefaultStartTimeoutS)));
}

std::string seconds_text(milliseconds t) {
  const double s = static_cast<double>(t.count()) / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, s == static_cast<double>(static_cast<long>(s)) ? "%.0f" : "%.1f",
                s);
  return buf;
}

// "rank 2", "ranks 2 and 5", "ranks 2-5, 9 and 11" (runs folded; a long
// list cut after 12 runs, with how many more).
std::string rank_list(const std::vector<int>& ranks) {
  std::vector<std::string> runs;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    runs.push_back(j == i ? std::to_string(ranks[i])
                          : std::to_string(ranks[i]) + "-" + std::to_string(ranks[j]));
    i = j + 1;
  }
  constexpr std::size_t kMostRuns = 12;
  std::size_t more = 0;
  if (runs.size() > kMostRuns) {
    more = runs.size() - kMostRuns;
    runs.resize(kMostRuns);
  }
  std::string out = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (k > 0) out += k + 1 == runs.size() && more == 0 ? " and " : ", ";
    out += runs[k];
  }
  if (more > 0) out += " and " + std::to_string(more) + " more runs of ranks";
  return out;
}

void say(const std::string& line) {
  // One write, so that a launcher's output forwarding never splits it.
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

// RANGEFARM_TEST_START_FAULT=RANK:WHAT, at `where` ("" right after
// MPI_Init, "-linked" once the health links exist).
void run_test_hook(int rank, const std::string& where) {
  const char* hook = std::getenv("RANGEFARM_TEST_START_FAULT");
  if (hook == nullptr) return;
  const std::string text = hook;
  const auto colon = text.find(':');
  if (colon == std::string::npos || std::atoi(text.substr(0, colon).c_str()) != rank) return;
  const std::string what = text.substr(colon + 1);
  if (what == "exit" + where) std::_Exit(1);
  if (what == "stop" + where) std::raise(SIGSTOP);
}

}  // namespace

struct StartWatch::State {
  enum class Phase { InInit, Exchange, Linking, Done };

  mutable std::mutex m;
  std::condition_variable cv;
  Phase phase = Phase::InInit;
  int rank = launch_facts().rank;
  int size = launch_facts().size;
  std::vector<char> heard;  // rank 0, in the exchange: who reported
  bool answered = false;    // a worker: rank 0 answered
  Clock::time_point began = Clock::now();
  Clock::time_point looked = began;  // the thread's last look
  bool frozen = false;               // this process was stopped for a while
  milliseconds timeout = start_timeout();
  std::optional<Clock::time_point> stop_seen;
  std::thread thread;

  void run();
  [[nodiscard]] std::string me() const;
  [[nodiscard]] std::string size_text() const;
  [[nodiscard]] std::vector<int> silent() const;
  [[nodiscard]] std::string timeout_line() const;
  [[nodiscard]] std::string stop_line() const;
  [[noreturn]] void give_up(std::unique_lock<std::mutex>& lock);
  [[noreturn]] void leave_stopped(std::unique_lock<std::mutex>& lock);
  [[nodiscard]] bool speaks_for_rank0() const;
};

std::string StartWatch::State::me() const {
  return "rank " + std::to_string(rank) + " (pid " + std::to_string(::getpid()) + " on " +
         host_name() + ")";
}

std::string StartWatch::State::size_text() const {
  return size > 0 ? std::to_string(size) + " ranks in all" : "the job's ranks";
}

std::vector<int> StartWatch::State::silent() const {
  std::vector<int> out;
  for (int r = 1; r < static_cast<int>(heard.size()); ++r) {
    if (heard[static_cast<std::size_t>(r)] == 0) out.push_back(r);
  }
  return out;
}

// Where the start stopped, as rank 0 (or rank 1, for a silent rank 0) saw it.
std::string StartWatch::State::timeout_line() const {
  const std::string head = "rangefarm: error: the run did not start within " +
                           seconds_text(timeout) + " s (RANGEFARM_START_TIMEOUT): ";
  const std::string check =
      ". Check the launcher's messages for a task that failed (mpirun without -q, or srun, "
      "names it) and that node; nothing was computed\n";
  if (rank != 0) {
    return head + "rank 0 never answered " + me() + " after MPI_Init, with " + size_text() +
           ": it died or hangs" + check;
  }
  switch (phase) {
    case Phase::InInit:
      return head + me() + " was still in MPI_Init, waiting for " + size_text() +
             ": a rank did not start, or died or hangs in MPI_Init" + check;
    case Phase::Exchange: {
      const std::vector<int> missing = silent();
      return head + rank_list(missing) + " of " + std::to_string(size) + " never reported to " +
             me() + ", which had finished MPI_Init: " +
             (missing.size() == 1 ? "it died or hangs" : "they died or hang") +
             ", in MPI_Init or after it" + check;
    }
    default:
      return head + "all " + std::to_string(size) + " ranks reported to " + me() +
             ", but the health links between them were not made: a rank died or hangs, or "
             "the ranks cannot reach each other's TCP ports" +
             check;
  }
}

std::string StartWatch::State::stop_line() const {
  std::string where;
  std::string who = "a rank";
  if (rank != 0 && phase == Phase::InInit) {
    where = "while " + me() + " was in MPI_Init, waiting for " + size_text() +
            ", and rank 0 said nothing";
  } else if (rank != 0) {
    who = "rank 0";
    where = "before rank 0 had answered " + me() + ", with " + size_text();
  } else if (phase == Phase::InInit) {
    where = "while " + me() + " was in MPI_Init, waiting for " + size_text();
  } else if (phase == Phase::Exchange) {
    const std::vector<int> missing = silent();
    who = rank_list(missing);
    where = "before " + who + " of " + std::to_string(size) + " had reported to " + me();
  } else {
    where = "while " + me() + " made the health links (" + size_text() + ")";
  }
  return "rangefarm: stopped by a signal during start-up, " + where +
         ": nothing was computed. If no one stopped the run, " + who +
         " failed to start and the launcher ended the run (mpirun -q hides which; srun and "
         "mpirun without -q name it); run the same command again\n";
}

void StartWatch::State::give_up(std::unique_lock<std::mutex>& lock) {
  // A rank woken from a freeze past its deadline may have been spoken of
  // already (rank 1 speaks for a silent rank 0): it leaves quietly.
  const bool speaks =
      !frozen && (rank == 0 || (rank == 1 && phase == Phase::Exchange && !answered));
  const std::string line = speaks ? timeout_line() : std::string();
  lock.unlock();
  if (!line.empty()) say(line);
  // A rank that spoke ends an srun step, and so does rank 1 for a rank 0
  // that never got to it (else a frozen task would hold srun).
  if (rank <= 1) end_own_srun_step(kStepEndWait);
  std::_Exit(kStartFailedExit);
}

// Whether rank 1 says the stop line, rank 0 being silent: when rank 0
// never answered its report; and under mpirun in MPI_Init too, since there
// a rank 0 that spoke has exited, and mpirun kills every other rank the
// moment one exits after its SIGTERM (seen with Open MPI 4.1), so a rank 1
// still alive by then has heard nothing from a live rank 0.
bool StartWatch::State::speaks_for_rank0() const {
  if (rank != 1 || answered) return false;
  if (phase == Phase::Exchange) return true;
  // A stop near the deadline is mpirun ending the run after rank 0 gave up
  // (and spoke) there: rank 0 exited before any SIGTERM, so no early
  // SIGKILL follows, and rank 1 must keep quiet.
  const bool before_deadline = stop_seen && *stop_seen + kSpeakerSkew < began + timeout;
  return phase == Phase::InInit && launch_facts().under_mpirun && before_deadline;
}

// A stop during the start that the start did not outlive. Rank 0 says how
// far the start got; rank 1 does for a rank 0 that never answered it (rank
// 0 answers every reporter before it speaks: exchange in health_link.cpp).
void StartWatch::State::leave_stopped(std::unique_lock<std::mutex>& lock) {
  const bool speaks = !frozen && (rank == 0 || speaks_for_rank0());
  const std::string line = speaks ? stop_line() : std::string();
  lock.unlock();
  if (!line.empty()) say(line);
  std::_Exit(kStoppedExit);
}

void StartWatch::State::run() {
  std::unique_lock lock(m);
  while (phase != Phase::Done) {
    cv.wait_for(lock, kLook);
    if (phase == Phase::Done) break;
    const auto now = Clock::now();
    if (now - looked >= kFrozenGap) frozen = true;
    looked = now;
    if (stop_requested()) {
      if (!stop_seen) stop_seen = now;
      // Rank 0 speaks first; rank 1 then, for a rank 0 that never
      // answered it; the others leave last, since under mpirun the first
      // rank to exit after its SIGTERM brings SIGKILL to the rest at once.
      const int turn = rank == 0 ? 1 : speaks_for_rank0() ? 2 : 3;
      if (now >= *stop_seen + turn * kStopWait) leave_stopped(lock);
    }
    auto limit = began + timeout;
    if (rank != 0) limit += kSpeakerGrace;
    if (rank == 0 && phase == Phase::Exchange) limit += kBackstop;
    if (now >= limit) give_up(lock);
  }
}

StartWatch::StartWatch() : state_(std::make_unique<State>()) {
  state_->thread = std::thread([s = state_.get()] { s->run(); });
}

StartWatch::~StartWatch() {
  ended();
  if (state_->thread.joinable()) state_->thread.join();
}

void StartWatch::mpi_started(int rank, int size) {
  {
    const std::lock_guard lock(state_->m);
    state_->rank = rank;
    state_->size = size;
    state_->phase = State::Phase::Exchange;
    if (rank == 0) state_->heard.assign(static_cast<std::size_t>(size), 0);
  }
  run_test_hook(rank, "");
}

void StartWatch::reported(int rank) {
  const std::lock_guard lock(state_->m);
  if (rank >= 0 && rank < static_cast<int>(state_->heard.size())) {
    state_->heard[static_cast<std::size_t>(rank)] = 1;
  }
  if (state_->silent().empty()) state_->phase = State::Phase::Linking;
}

void StartWatch::answered() {
  const std::lock_guard lock(state_->m);
  state_->answered = true;
  state_->phase = State::Phase::Linking;
}

void StartWatch::finished() {
  ended();
  run_test_hook(state_->rank, "-linked");
}

void StartWatch::not_needed() {
  ended();
}

void StartWatch::ended() {
  {
    const std::lock_guard lock(state_->m);
    state_->phase = State::Phase::Done;
  }
  state_->cv.notify_all();
}

bool StartWatch::expired() const {
  const std::lock_guard lock(state_->m);
  const auto now = Clock::now();
  // After a freeze the thread must look first (it notes the freeze).
  if (now - state_->looked >= kLookCurrent) return false;
  return now >= state_->began + state_->timeout;
}

void StartWatch::give_up() {
  std::unique_lock lock(state_->m);
  if (stop_requested()) state_->leave_stopped(lock);
  state_->give_up(lock);
}

void StartWatch::leave_quietly() {
  answered();  // rank 0 spoke: rank 1 must not speak for it
  // After rank 0 has had time to speak: under mpirun the first exit ends
  // the others (rank 0 included) at once.
  const bool stopped = stop_requested();
  std::this_thread::sleep_for(stopped ? 3 * kStopWait : kSpeakerGrace);
  std::_Exit(stopped ? kStoppedExit : kStartFailedExit);
}

}  // namespace rf
