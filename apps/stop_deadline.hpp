// The deadline on a stop. Once this rank's stop flag is set (a signal to
// it, or one another rank passed on: stop_request.hpp, health_link.hpp),
// the run has a grace (0.5 s; workers 0.3 s more, so that rank 0 speaks
// first) to wind down in order: every kernel
// cuts its chunk at its next poll, a few milliseconds away, the finished
// part is journaled, rank 0 prints the one line and the run exits 75.
//
// Some steps cannot be cut: one GMP multiplication of a huge factorial's
// halves takes seconds, and a collective waits on a rank that is inside
// one. mpirun, which passes SIGTERM on to the ranks when it gets SIGINT or
// SIGTERM, sends SIGKILL one second later (odls_base_sigkill_timeout), and
// a killed run prints nothing. So a watcher thread, which makes no MPI
// call, ends the process at the grace's end instead: it takes the journal's
// write lock (no record is torn), rank 0 prints the same one line, with the
// items safe in the journal, the health links are told this rank leaves
// (so no peer names it lost), and the process exits 75. Everything a run
// finished is in the journal already, and bulky state in its folder, so a
// stop at the deadline loses only the work in flight.
//
// A run that stopped in order hurries it (hurry_stop_deadline); a run that
// completed disarms it: a signal that comes as the report is written
// changes nothing. RANGEFARM_STOP_GRACE (seconds) sets the grace,
// for storage so slow that a journal flush takes longer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace rf::app {

// The line of a stopped run: how much is done, and whether it resumes.
// journal: the --checkpoint file, empty for none.
std::string stop_line(std::uint64_t done, std::uint64_t total, const std::string& journal);

// Claims the stop line for this process: true the first time only, so that
// the orderly end and the deadline never both print it.
bool claim_stop_line();

class StopDeadline {
 public:
  // Made before MPI_Init, so that it outlives MPI_Finalize: after a signal
  // to mpirun, MPI_Finalize waits on an mpirun that is tearing the job
  // down, until its SIGKILL.
  StopDeadline();
  ~StopDeadline();
  StopDeadline(const StopDeadline&) = delete;
  StopDeadline& operator=(const StopDeadline&) = delete;

  // Arms it, once MPI has started: speaks is true on rank 0.
  void arm(bool speaks);

  // While one lives, the deadline calls `leave` just before it ends the
  // process: it tells the health links that this rank leaves, not is lost.
  class Leave {
   public:
    Leave(StopDeadline& deadline, std::function<void()> leave);
    ~Leave();
    Leave(const Leave&) = delete;
    Leave& operator=(const Leave&) = delete;

   private:
    StopDeadline& deadline_;
  };

  struct Watch;

 private:
  std::unique_ptr<Watch> watch_;
};

// The run has stopped in order (its line is out, on rank 0): what is left
// is MPI_Finalize, which takes milliseconds, except after a signal to
// mpirun, which has it wait for mpirun's SIGKILL. So the process ends at
// most kHurryGrace from now.
void hurry_stop_deadline();

// The command's outcome is decided (status, e.g. 2 for bad input): a stop
// from now on (mpirun sends SIGTERM to the other ranks when one exits
// non-zero) must not add a line of its own. If MPI_Finalize has not ended
// the process by the deadline, it ends with this status, quietly.
void settle_stop_deadline(int status);

// The run completed (its results are out): a stop from now on is too late
// to stop anything, and must not turn a finished run into a stopped one.
void disarm_stop_deadline();

}  // namespace rf::app
