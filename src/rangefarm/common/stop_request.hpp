// A run's stop request: set by SIGTERM, SIGINT or SIGUSR1 (Slurm sends
// these to every task before a time limit or on scancel), or by the farm
// when another rank reports one. Workloads that run long without finishing
// a chunk (a Lucas-Lehmer test) poll it, save what they have, and throw
// Interrupted; everything else lets its chunk finish.
#pragma once

#include <stdexcept>

namespace rf {

// Thrown out of a workload that gave up its chunk because of a stop request.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted by a stop request") {}
};

// Installs the handlers (idempotent). They only set a flag: the run winds
// down at its next yield, never inside the handler.
void catch_stop_signals();

bool stop_requested();
void request_stop();
// For tests: forget an earlier request.
void clear_stop_request();

}  // namespace rf
