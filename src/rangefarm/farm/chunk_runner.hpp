// What master and worker share to run their chunks: a stopwatch for the
// busy and wait times, the throttle on looks at MPI from inside a chunk,
// and the loop that runs the real ranges behind a chunk of positions.
#pragma once

#include <mpi.h>

#include <chrono>
#include <functional>
#include <string>

#include "rangefarm/common/range.hpp"
#include "rangefarm/farm/farm.hpp"

namespace rf {

// Accumulates wall time into a counter for the lifetime of a scope.
class Stopwatch {
 public:
  explicit Stopwatch(double& into) : into_(into), start_(MPI_Wtime()) {}
  ~Stopwatch() { into_ += MPI_Wtime() - start_; }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  double& into_;
  double start_;
};

// A finished chunk, its partial, and its start and end (MPI_Wtime).
using DoneFn = std::function<void(Range chunk, std::string partial, double start, double end)>;

// A workload yields every small block of work (0.1 ms of sieving); a look
// at MPI costs microseconds (iprobe runs Open MPI's progress engine), which
// at every yield cost the sieve 2-3% at 2 ranks. So inside a chunk the farm
// looks at most every kYieldPoll; between chunks it always looks.
class PollThrottle {
 public:
  bool due() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return false;
    next_ = now + kYieldPoll;
    return true;
  }

 private:
  static constexpr auto kYieldPoll = std::chrono::microseconds(200);
  std::chrono::steady_clock::time_point next_{};
};

// Runs the real ranges behind a chunk of positions, each as its own chunk.
// Starts nothing once a stop is requested; a workload that gives up its
// chunk (Interrupted) leaves it undone, and one that stops partway
// (ChunkCut) has the part it finished recorded as a chunk of its own.
void run_positions(const FarmPlan& plan, Range positions, const EncodedChunkFn& process,
                   const Yield& yield, RankTiming& t, const DoneFn& done);

}  // namespace rf
