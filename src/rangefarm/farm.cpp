#include "rangefarm/farm.hpp"

#include <boost/mpi/nonblocking.hpp>
#include <boost/mpi/request.hpp>
#include <optional>

// Two plain integers: sent as a native MPI struct, no serialization cost.
// Declared here, not in range.hpp, so that workloads never see MPI.
BOOST_IS_MPI_DATATYPE(rf::Range)

namespace rf {
namespace {

namespace mpi = boost::mpi;

enum Tag : int { kRequestTag = 101, kAssignTag = 102 };

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

void run_chunk(const ChunkFn& process, Range chunk, const Yield& yield, RankTiming& t) {
  {
    Stopwatch busy(t.busy_s);
    process(chunk, yield);
  }
  t.chunks += 1;
  t.items += chunk.size();
}

RankTiming run_static(const mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                      const ChunkFn& process) {
  RankTiming t{comm.rank()};
  const Yield nothing = [] {};
  for (Range chunk : static_chunks(spec, range, comm.rank(), comm.size())) {
    run_chunk(process, chunk, nothing, t);
  }
  Stopwatch wait(t.wait_s);
  comm.barrier();
  return t;
}

// Rank 0 under dynamic/guided: one reply per request, an empty range meaning
// "no more work"; done when every worker has been told so.
class Master {
 public:
  Master(const mpi::communicator& comm, ChunkDispenser& dispenser)
      : comm_(comm), dispenser_(dispenser), active_(comm.size() - 1) {}

  void serve_pending() {
    while (active_ > 0) {
      const auto status = comm_.iprobe(mpi::any_source, kRequestTag);
      if (!status) return;
      serve(status->source());
    }
  }
  void serve_until_all_done() {
    while (active_ > 0) serve(comm_.probe(mpi::any_source, kRequestTag).source());
  }

 private:
  void serve(int worker) {
    comm_.recv(worker, kRequestTag);
    const Range chunk = dispenser_.next().value_or(Range{});
    comm_.send(worker, kAssignTag, chunk);
    if (chunk.empty()) --active_;
  }

  const mpi::communicator& comm_;
  ChunkDispenser& dispenser_;
  int active_;
};

RankTiming run_master(const mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                      const ChunkFn& process) {
  RankTiming t{0};
  ChunkDispenser dispenser(spec, range, comm.size());
  Master master(comm, dispenser);
  const Yield serve = [&] { master.serve_pending(); };
  while (true) {
    master.serve_pending();
    const std::optional<Range> chunk = dispenser.next();
    if (!chunk) break;
    run_chunk(process, *chunk, serve, t);
  }
  Stopwatch wait(t.wait_s);
  master.serve_until_all_done();
  return t;
}

// A worker keeps exactly one request outstanding while it computes, so the
// next chunk is usually already there when the current one ends.
RankTiming run_worker(const mpi::communicator& comm, const ChunkFn& process) {
  RankTiming t{comm.rank()};
  const Yield nothing = [] {};
  Range current;
  comm.send(0, kRequestTag);
  {
    Stopwatch wait(t.wait_s);
    comm.recv(0, kAssignTag, current);
  }
  while (!current.empty()) {
    Range ahead;
    comm.send(0, kRequestTag);
    mpi::request pending = comm.irecv(0, kAssignTag, ahead);
    run_chunk(process, current, nothing, t);
    {
      Stopwatch wait(t.wait_s);
      pending.wait();
    }
    current = ahead;
  }
  return t;
}

}  // namespace

RankTiming run_schedule(const mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                        const ChunkFn& process) {
  if (is_static(spec.kind)) return run_static(comm, range, spec, process);
  return comm.rank() == 0 ? run_master(comm, range, spec, process) : run_worker(comm, process);
}

}  // namespace rf
