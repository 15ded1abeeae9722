// A run's stop request: set by SIGTERM, SIGINT or SIGUSR1 (Slurm sends
// these to every task before a time limit or on scancel; mpirun sends
// SIGTERM to every rank when it gets SIGINT or SIGTERM itself, and SIGKILL
// a second later), or by the farm when another rank reports one.
//
// Every kernel polls it at least every few milliseconds, in every phase, so
// that a stop is honoured within the second mpirun allows. A kernel that
// can say what it finished of its chunk (the sieve's blocks, the exponents
// a Mersenne chunk tested) throws StoppedPartway with that much, and the
// farm keeps it; one that cannot throws Interrupted, and saves what it can
// first (a Lucas-Lehmer residue, a trial-factoring depth).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace rf {

// Thrown out of a workload that gave up its chunk because of a stop request.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted by a stop request") {}
};

// Thrown out of a workload that stopped partway through its chunk [lo, hi)
// and finished the items [lo, done_hi), whose result is `partial`. The farm
// records that much as a finished chunk, so a resumed run does only the rest.
template <class Partial>
struct StoppedPartway : Interrupted {
  StoppedPartway(std::uint64_t done_until, Partial done_partial)
      : done_hi(done_until), partial(std::move(done_partial)) {}
  std::uint64_t done_hi;
  Partial partial;
};

// Installs the handlers (idempotent). They only set a flag: the run winds
// down at its next yield, never inside the handler.
void catch_stop_signals();

bool stop_requested();
void request_stop();
// For tests: forget an earlier request.
void clear_stop_request();

}  // namespace rf
