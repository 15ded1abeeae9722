#include "rangefarm/farm/worker.hpp"

#include <chrono>
#include <optional>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/bigint_transport.hpp"
#include "rangefarm/farm/dispatch_policy.hpp"
#include "rangefarm/farm/protocol.hpp"
#include "rangefarm/farm/wait_backoff.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

constexpr auto kSpinWait = std::chrono::microseconds(50);

}  // namespace

ScheduleOutcome Worker::run(const EncodedChunkFn& process, const FarewellFn& farewell) {
  ScheduleOutcome out;
  out.timing.rank = comm_.rank();
  out.timing.host = host_name();
  const Yield yield_poll = [this] {
    if (throttle_.due()) poll();
  };
  const DoneFn done = [this](Range chunk, std::string partial, double start, double end) {
    Report r{Report::Done, chunk, std::move(partial), {}};
    if (plan_.tracing) {
      notes_.push_back({TraceEvent::Chunk, 0, chunk, start - plan_.start_s, end - plan_.start_s});
      r.trace = take_notes();
    }
    comm_.send(0, kReportTag, r);
  };
  const StoreConnection store(plan_.store, store_channel());
  if (is_static(plan_.spec.kind)) {
    const DispatchPolicy policy(plan_.spec, plan_.todo.size(), comm_.size());
    for (Range p : policy.static_share(comm_.rank())) {
      poll();
      if (stop_requested()) break;
      run_positions(plan_, p, process, yield_poll, out.timing, done);
    }
  } else {
    run_dynamic(process, yield_poll, done, out.timing);
  }
  poll();
  comm_.send(0, kReportTag, Report{Report::Finished, {}, {}, take_notes()});
  {
    Stopwatch wait(out.timing.wait_s);
    mpi::request end = comm_.irecv(0, kEndTag, end_);
    wait_watching(end, yield_poll);
  }
  comm_.send(0, kReportTag, Report{Report::Bye, {}, farewell ? farewell() : std::string(), {}});
  comm_.send(0, kByeTag, out.timing);
  out.stopped = (end_ & kEndStopped) != 0;
  // Once stopping, rank 0 sent every worker a stop notice; take it if still there.
  if ((end_ & kEndNoticeSent) != 0 && !stop_notice_taken_) comm_.recv(0, kStopTag);
  return out;
}

// An Ahead request is outstanding while a chunk computes, so the next
// chunk is usually there when the current one ends; if it is not (rank 0
// keeps Ahead requests in the tail of a run), the worker says Idle. An
// empty assignment means no more work (rank 0 answers every request,
// stopping or not).
void Worker::run_dynamic(const EncodedChunkFn& process, const Yield& poll, const DoneFn& done,
                         RankTiming& t) {
  Range current = request_chunk(t);
  while (!current.empty() && !stop_requested()) {
    Range ahead;
    note_request();
    comm_.send(0, kReportTag, Report{Report::Ahead, {}, {}, {}});
    mpi::request pending = comm_.irecv(0, kAssignTag, ahead);
    run_positions(plan_, current, process, poll, t, done);
    {
      Stopwatch wait(t.wait_s);
      if (!pending.test()) {
        comm_.send(0, kReportTag, Report{Report::Idle, {}, {}, {}});
        wait_watching(pending, nothing_);
      }
    }
    note_assignment(ahead);
    current = ahead;
  }
}

Range Worker::request_chunk(RankTiming& t) {
  Range chunk;
  note_request();
  comm_.send(0, kReportTag, Report{Report::Request, {}, {}, {}});
  mpi::request reply = comm_.irecv(0, kAssignTag, chunk);
  Stopwatch wait(t.wait_s);
  wait_watching(reply, nothing_);
  note_assignment(chunk);
  return chunk;
}

void Worker::note_request() {
  if (plan_.tracing) notes_.push_back({TraceEvent::Request, 0, {}, MPI_Wtime() - plan_.start_s, 0});
}

// The real items behind the positions, as one hull [first, last].
void Worker::note_assignment(Range positions) {
  if (!plan_.tracing || positions.empty()) return;
  const std::vector<Range> real = plan_.todo.map(positions);
  notes_.push_back(
      {TraceEvent::Assign, 0, {real.front().lo, real.back().hi}, MPI_Wtime() - plan_.start_s, 0});
}

std::vector<TraceEvent> Worker::take_notes() {
  std::vector<TraceEvent> out;
  out.swap(notes_);
  return out;
}

// Waits for rank 0's answer (a dead rank 0 ends this process through
// the health link, health_link.hpp); `also` runs between looks. It spins for the first kSpinWait
// (an answer to a short chunk's request takes a few microseconds, far less than waking from a
// sleep), then sleeps between looks, longer and longer (wait_backoff.hpp), so as not to take a
// shared core.
void Worker::wait_watching(mpi::request& r, const Yield& also) {
  const auto spin_until = std::chrono::steady_clock::now() + kSpinWait;
  WaitBackoff backoff(std::chrono::microseconds(20), std::chrono::microseconds(500));
  while (!r.test()) {
    also();
    if (std::chrono::steady_clock::now() > spin_until) backoff.pause();
  }
}

// How a workload's saves and loads reach rank 0 from this worker.
RankZeroStore::Channel Worker::store_channel() {
  const auto save = [this](const std::string& name, const std::string& label, const mpz_class& x) {
    comm_.send(0, kReportTag, Report{Report::Keep, {}, name + '\n' + label, {}});
    send_bigint(comm_, 0, kKeptTag, x);
  };
  const auto load = [this](const std::string& name) {
    comm_.send(0, kReportTag, Report{Report::Fetch, {}, name, {}});
    int found = 0;
    mpi::request reply = comm_.irecv(0, kKeptTag, found);
    wait_watching(reply, nothing_);
    std::optional<SavedInteger> saved;
    if (found == 0) return saved;
    saved.emplace();
    comm_.recv(0, kKeptTag, saved->label);
    recv_bigint(comm_, 0, kKeptTag, saved->value);
    return saved;
  };
  return {save, load};
}

// The worker's yield: a stop notice from rank 0 becomes a local stop
// request; a local one (a signal to this rank) is told to rank 0, once.
void Worker::poll() {
  if (!stop_notice_taken_ && comm_.iprobe(0, kStopTag)) {
    comm_.recv(0, kStopTag);
    stop_notice_taken_ = true;
    request_stop();
  }
  if (stop_requested() && !stop_told_) {
    stop_told_ = true;
    if (!stop_notice_taken_) comm_.send(0, kReportTag, Report{Report::Stop, {}, {}, {}});
  }
}

}  // namespace rf
