// StartWatch: a deadline on a run's start, so that a rank that never starts
// is named instead of waited for.
//
// Until the health links exist (health_link.hpp) nothing notices a lost
// rank: a rank that dies in MPI_Init, or just after it, leaves the others
// waiting in MPI_Init's own exchange or in the first one of ours, for ever
// under srun (a job then burns its whole time limit). A rank still inside
// MPI_Init cannot be helped by any MPI call, so the watch is a thread,
// started before MPI_Init, that makes no MPI call. The start is MPI_Init,
// then the health link's first exchange (each worker reports to rank 0,
// polled, so that rank 0 knows who did), then the making of the links; if
// it has not finished within RANGEFARM_START_TIMEOUT seconds (default
// kDefaultStartTimeoutS) of the process's start:
// - rank 0 prints one line: where it waited (in MPI_Init; for which ranks'
//   reports; or for the links), the job size, and what to check; under
//   srun it ends its own job step (launcher.hpp); it exits kStartFailedExit;
// - every other rank waits kSpeakerGrace longer (rank 0's line first: under
//   mpirun the first exit ends the others), then exits kStartFailedExit;
//   rank 1 speaks instead when rank 0 never answered its report, and under
//   srun ends the step when rank 0 has not.
// A stop signal during the start (a user, or mpirun ending the run because a
// rank died starting: it sends SIGTERM, then SIGKILL a second later) gives
// the start kStopWait to finish; if it has not, rank 0 says how far the start
// got, in one line (rank 1 does, for a rank 0 that never answered its
// report), and every rank exits 75, as any stop does.
//
// Test hook: RANGEFARM_TEST_START_FAULT=RANK:exit (that rank exits, status
// 1, right after MPI_Init) or RANK:stop (it stops itself with SIGSTOP there);
// RANK:exit-linked and RANK:stop-linked do the same once the health links
// exist, just before the run's first collectives (the subcommand's checks
// of its output files and journal), which the health link must then end.
#pragma once

#include <memory>

namespace rf {

// The exit status of a run whose start did not finish in time: distinct
// from 75 (stopped) and 76 (a rank lost once the run had started).
inline constexpr int kStartFailedExit = 77;
inline constexpr double kDefaultStartTimeoutS = 300;

class StartWatch {
 public:
  // Before MPI_Init: arms the deadline and starts the thread.
  StartWatch();
  // Ends the thread (a start that finished, or a run that ends early).
  ~StartWatch();
  StartWatch(const StartWatch&) = delete;
  StartWatch& operator=(const StartWatch&) = delete;

  // MPI_Init returned: this rank's place. Runs the test hook.
  void mpi_started(int rank, int size);
  // The first exchange: rank 0 has heard from `rank`; a worker has rank 0's
  // answer. Then the links are made.
  void reported(int rank);
  void answered();
  // For rank 0's exchange loop, which must tell the reporters before it
  // gives up: whether the deadline has passed; then give_up() says the
  // line, ends an srun step and exits kStartFailedExit (or, after a stop
  // signal, says how far the start got and exits 75).
  [[nodiscard]] bool expired() const;
  [[noreturn]] void give_up();
  // A worker whose report rank 0 answered with "the start failed" (rank 0
  // speaks): exits quietly, 75 after a stop signal, else kStartFailedExit.
  [[noreturn]] void leave_quietly();
  // The links exist: the health link watches from here on.
  void finished();
  // The run ends before its start has finished, on a verdict each rank
  // reaches alone (a bad command line, --help): nothing is left to watch,
  // and a SIGTERM from mpirun, sent when another rank exits first with
  // that status, is no stop to speak of.
  void not_needed();

 private:
  void ended();

  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rf
