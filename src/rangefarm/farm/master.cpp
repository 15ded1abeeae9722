#include "rangefarm/farm/master.hpp"

#include <boost/mpi/nonblocking.hpp>
#include <chrono>
#include <thread>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/bigint_transport.hpp"
#include "rangefarm/farm/protocol.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

// Dynamic and guided: a worker asks for its next chunk as it starts the
// current one (Ahead), so that with short chunks it never waits on rank 0.
// But a chunk promised early is one an idle rank cannot take, which in the
// tail of a run is what decides the makespan: so rank 0 grants an Ahead at
// once only while at least kAheadSlack chunks per rank are left, and
// otherwise keeps it until the worker says it is Idle (its chunk done, no
// answer yet). The tail is then handed out strictly to idle ranks, as in
// textbook self-scheduling, and with few long tasks (10 tasks on 5 ranks)
// every chunk is.
constexpr std::uint64_t kAheadSlack = 2;

}  // namespace

Master::Master(const mpi::communicator& comm, const FarmPlan& plan, const RecordFn& sink)
    : comm_(comm),
      plan_(plan),
      sink_(sink),
      deferred_(static_cast<std::size_t>(comm.size()), false),
      active_(comm.size() - 1) {
  if (!is_static(plan.spec.kind)) dispenser_.emplace(plan.spec, all_positions(plan), comm.size());
}

ScheduleOutcome Master::run(const EncodedChunkFn& process) {
  ScheduleOutcome out;
  out.timing.rank = 0;
  out.timing.host = host_name();
  const Yield yield_poll = [this] {
    if (throttle_.due()) poll();
  };
  const DoneFn done = [this](Range chunk, std::string partial) { record(chunk, partial, 0); };
  if (dispenser_) {
    while (true) {
      poll();
      const std::optional<Range> next = stopping_ ? std::nullopt : dispenser_->next();
      if (!next) break;
      run_positions(plan_, *next, process, yield_poll, out.timing, done);
    }
  } else {
    for (Range p : static_chunks(plan_.spec, all_positions(plan_), 0, comm_.size())) {
      poll();
      if (stopping_) break;
      run_positions(plan_, p, process, yield_poll, out.timing, done);
    }
  }
  {
    Stopwatch wait(out.timing.wait_s);
    wait_until([this] { return active_ == 0; });
    // A stop that came while the last chunks finished stopped nothing.
    out.stopped = stopping_ && recorded_items_ < plan_.todo.size();
    const int end = (out.stopped ? kEndStopped : 0) | (stopping_ ? kEndNoticeSent : 0);
    std::vector<mpi::request> ends;
    for (int w = 1; w < comm_.size(); ++w) ends.push_back(comm_.isend(w, kEndTag, end));
    wait_until([this] { return byes_ == comm_.size() - 1; });
    mpi::wait_all(ends.begin(), ends.end());
    mpi::wait_all(stop_notices_.begin(), stop_notices_.end());
  }
  return out;
}

void Master::poll() {
  if (stop_requested() && !stopping_) begin_stop();
  while (const auto status = comm_.iprobe(mpi::any_source, kReportTag)) {
    handle(status->source());
  }
  if (plan_.progress) plan_.progress->tick();
}

template <class Done>
void Master::wait_until(const Done& done) {
  for (poll(); !done(); poll()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void Master::handle(int worker) {
  Report r;
  comm_.recv(worker, kReportTag, r);
  switch (r.kind) {
    case Report::Request:
      assign(worker);
      break;
    case Report::Ahead:
      if (stopping_ || ahead_granted()) {
        assign(worker);
      } else {
        deferred_[static_cast<std::size_t>(worker)] = true;
      }
      break;
    case Report::Idle:  // may cross the answer to its Ahead: then nothing to do
      if (deferred_[static_cast<std::size_t>(worker)]) {
        deferred_[static_cast<std::size_t>(worker)] = false;
        assign(worker);
      }
      break;
    case Report::Done:
      record(r.chunk, r.partial, worker);
      break;
    case Report::Stop:
      if (!stopping_) begin_stop();
      break;
    case Report::Finished:
      --active_;
      break;
    case Report::Bye:
      ++byes_;
      break;
    case Report::Keep:
      keep(worker, r.partial);
      break;
    case Report::Fetch:
      fetch(worker, r.partial);
      break;
    default:
      break;
  }
}

// The next chunk, or an empty range: no more work, or stopping.
void Master::assign(int worker) {
  std::optional<Range> next;
  if (!stopping_) next = dispenser_->next();
  comm_.send(worker, kAssignTag, next.value_or(Range{}));
}

bool Master::ahead_granted() const {
  const std::uint64_t enough = kAheadSlack * static_cast<std::uint64_t>(comm_.size());
  return dispenser_->chunks_left(enough) >= enough;
}

void Master::record(Range chunk, const std::string& partial, int rank) {
  sink_(chunk, partial, rank);
  recorded_items_ += chunk.size();
  if (plan_.progress) plan_.progress->add(chunk.size());
}

// A worker's save, written here; a worker's load, answered from here.
void Master::keep(int worker, const std::string& name_and_label) {
  mpz_class x;
  recv_bigint(comm_, worker, kKeptTag, x);
  const std::size_t cut = name_and_label.find('\n');
  plan_.store->save(name_and_label.substr(0, cut), name_and_label.substr(cut + 1), x);
}

void Master::fetch(int worker, const std::string& name) {
  const std::optional<SavedInteger> saved = plan_.store->load(name);
  comm_.send(worker, kKeptTag, saved ? 1 : 0);
  if (!saved) return;
  comm_.send(worker, kKeptTag, saved->label);
  send_bigint(comm_, worker, kKeptTag, saved->value);
}

// Once: every worker gets a stop notice; a Lucas-Lehmer test in progress
// anywhere sees the request at its next yield.
void Master::begin_stop() {
  stopping_ = true;
  request_stop();
  for (int w = 1; w < comm_.size(); ++w) stop_notices_.push_back(comm_.isend(w, kStopTag));
}

}  // namespace rf
