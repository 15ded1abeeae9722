#include "stop_deadline.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/progress.hpp"
#include "rangefarm/health/loss_notice.hpp"

namespace rf::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStoppedStatus = 75;
constexpr double kStopGraceS = 0.5;  // inside the second mpirun allows
// Workers end later than rank 0, so that rank 0 has said the line: under
// mpirun the first rank to exit non-zero gets the others killed at once.
constexpr double kWorkerExtraS = 0.3;
constexpr auto kHurryGrace = std::chrono::milliseconds(250);
constexpr auto kLook = std::chrono::milliseconds(20);

std::atomic<bool> g_line_claimed{false};
std::atomic<bool> g_disarmed{false};
std::atomic<bool> g_hurried{false};
std::atomic<int> g_settled{-1};  // the command's status, once decided

double grace_s() {
  const char* v = std::getenv("RANGEFARM_STOP_GRACE");
  const double s = v != nullptr ? std::atof(v) : 0;
  return s > 0 ? s : kStopGraceS;
}

}  // namespace

std::string stop_line(std::uint64_t done, std::uint64_t total, const std::string& journal) {
  return "rangefarm: stopped by a signal with " + std::to_string(done) + " of " +
         std::to_string(total) + " items done; " +
         (journal.empty() ? "not resumable (no --checkpoint FILE was given)"
                          : "resumable: run the same command with --resume to finish it") +
         "\n";
}

bool claim_stop_line() {
  return !g_line_claimed.exchange(true);
}

void hurry_stop_deadline() {
  g_hurried.store(true);
}

void settle_stop_deadline(int status) {
  g_settled.store(status);
}

void disarm_stop_deadline() {
  g_disarmed.store(true);
}

struct StopDeadline::Watch {
  std::mutex mutex;  // guards what follows
  std::condition_variable wake;
  bool armed = false;
  bool speaks = false;
  std::function<void()> leave;
  bool ending = false;
  std::thread thread;

  void run();
  [[noreturn]] void end_now();
};

void StopDeadline::Watch::run() {
  const std::chrono::duration<double> grace(grace_s());
  std::optional<Clock::time_point> stopped_at;
  std::optional<Clock::time_point> hurried_at;
  std::unique_lock lock(mutex);
  while (!wake.wait_for(lock, kLook, [this] { return ending; })) {
    if (!armed || g_disarmed.load()) continue;
    const auto now = Clock::now();
    if (g_hurried.load() && !hurried_at) hurried_at = now;
    if (hurried_at && now - *hurried_at >= kHurryGrace) end_now();
    if (!stop_requested()) continue;
    if (!stopped_at) stopped_at = now;
    const auto extra = std::chrono::duration<double>(speaks ? 0 : kWorkerExtraS);
    if (now - *stopped_at >= grace + extra) end_now();
  }
}

// Called with the mutex held; never returns. The journal lock is held to
// the exit, so no record is torn.
void StopDeadline::Watch::end_now() {
  journal_write_mutex().lock();
  const int settled = g_settled.load();
  if (settled >= 0) {
    if (leave) leave();
    std::_Exit(settled);
  }
  if (speaks && claim_stop_line()) {
    const std::string journal = noted_journal();
    const RunItems items = run_items();
    const std::uint64_t done = journal.empty() ? items.done : journaled_items_noted();
    const std::string line = items.total > 0
                                 ? stop_line(done, items.total, journal)
                                 : "rangefarm: stopped by a signal before its work began\n";
    // One write, so that a launcher's output forwarding never splits it.
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  }
  if (leave) leave();
  std::_Exit(kStoppedStatus);
}

StopDeadline::StopDeadline() : watch_(std::make_unique<Watch>()) {
  watch_->thread = std::thread([w = watch_.get()] { w->run(); });
}

StopDeadline::~StopDeadline() {
  {
    const std::lock_guard lock(watch_->mutex);
    watch_->ending = true;
  }
  watch_->wake.notify_one();
  watch_->thread.join();
}

void StopDeadline::arm(bool speaks) {
  const std::lock_guard lock(watch_->mutex);
  watch_->armed = true;
  watch_->speaks = speaks;
}

StopDeadline::Leave::Leave(StopDeadline& deadline, std::function<void()> leave)
    : deadline_(deadline) {
  const std::lock_guard lock(deadline_.watch_->mutex);
  deadline_.watch_->leave = std::move(leave);
}

StopDeadline::Leave::~Leave() {
  const std::lock_guard lock(deadline_.watch_->mutex);
  deadline_.watch_->leave = nullptr;
}

}  // namespace rf::app
