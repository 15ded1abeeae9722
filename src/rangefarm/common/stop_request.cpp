#include "rangefarm/common/stop_request.hpp"

#include <atomic>
#include <csignal>

namespace rf {
namespace {

// Lock-free, so safe to set from a signal handler.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // system calls in MPI and file writes carry on
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &action, nullptr);
}

bool stop_requested() {
  return g_stop.load(std::memory_order_relaxed);
}

void request_stop() {
  g_stop.store(true, std::memory_order_relaxed);
}

void clear_stop_request() {
  g_stop.store(false, std::memory_order_relaxed);
}

}  // namespace rf
