#include "rangefarm/farm/master.hpp"

#include <boost/mpi/nonblocking.hpp>
#include <chrono>

#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/bigint_transport.hpp"
#include "rangefarm/farm/protocol.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"
#include "rangefarm/farm/wait_backoff.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

}  // namespace

Master::Master(const mpi::communicator& comm, const FarmPlan& plan, const RecordFn& sink)
    : comm_(comm),
      plan_(plan),
      sink_(sink),
      policy_(plan.spec, plan.todo.size(), comm.size()),
      active_(comm.size() - 1),
      timings_(static_cast<std::size_t>(comm.size())),
      farewells_(static_cast<std::size_t>(comm.size())) {}

ScheduleOutcome Master::run(const EncodedChunkFn& process) {
  ScheduleOutcome out;
  out.timing.rank = 0;
  out.timing.host = host_name();
  const Yield yield_poll = [this] {
    if (throttle_.due()) poll();
  };
  const DoneFn done = [this](Range chunk, std::string partial, double start, double end) {
    record(chunk, partial, 0);
    if (plan_.trace) {
      plan_.trace->event({TraceEvent::Chunk, 0, chunk, start - plan_.start_s, end - plan_.start_s});
    }
  };
  if (!policy_.is_static()) {
    while (true) {
      poll();
      const std::optional<Range> next = policy_.next_for_rank0();
      if (!next) break;
      run_positions(plan_, *next, process, yield_poll, out.timing, done);
    }
  } else {
    for (Range p : policy_.static_share(0)) {
      poll();
      if (policy_.stopping()) break;
      run_positions(plan_, p, process, yield_poll, out.timing, done);
    }
  }
  {
    Stopwatch wait(out.timing.wait_s);
    wait_until([this] { return active_ == 0; });
    // A stop that came while the last chunks finished stopped nothing.
    out.stopped = policy_.stopping() && recorded_items_ < plan_.todo.size();
    const int end = (out.stopped ? kEndStopped : 0) | (policy_.stopping() ? kEndNoticeSent : 0);
    std::vector<mpi::request> ends;
    for (int w = 1; w < comm_.size(); ++w) ends.push_back(comm_.isend(w, kEndTag, end));
    wait_until([this] { return byes_ == comm_.size() - 1; });
    mpi::wait_all(ends.begin(), ends.end());
    mpi::wait_all(stop_notices_.begin(), stop_notices_.end());
  }
  timings_[0] = out.timing;
  out.timings = std::move(timings_);
  out.farewells = std::move(farewells_);
  return out;
}

bool Master::poll() {
  if (stop_requested() && !policy_.stopping()) begin_stop();
  bool any = false;
  while (const auto status = comm_.iprobe(mpi::any_source, kReportTag)) {
    handle(status->source());
    any = true;
  }
  if (plan_.progress) plan_.progress->tick();
  if (plan_.trace) plan_.trace->tick();
  return any;
}

template <class Done>
void Master::wait_until(const Done& done) {
  WaitBackoff backoff(std::chrono::microseconds(100), std::chrono::microseconds(200));
  while (true) {
    if (poll()) backoff.reset();
    if (done()) return;
    backoff.pause();
  }
}

void Master::handle(int worker) {
  Report r;
  comm_.recv(worker, kReportTag, r);
  switch (r.kind) {
    case Report::Request:
      answer(worker, policy_.on_request(worker));
      break;
    case Report::Ahead:
      answer(worker, policy_.on_ahead(worker));
      break;
    case Report::Idle:
      answer(worker, policy_.on_idle(worker));
      break;
    case Report::Done:
      record(r.chunk, r.partial, worker);
      trace(r.trace, worker);
      break;
    case Report::Stop:
      if (!policy_.stopping()) begin_stop();
      break;
    case Report::Finished:
      trace(r.trace, worker);
      --active_;
      break;
    case Report::Bye:
      farewells_[static_cast<std::size_t>(worker)] = std::move(r.partial);
      comm_.recv(worker, kByeTag, timings_[static_cast<std::size_t>(worker)]);
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

// An empty range: no more work, or stopping.
void Master::answer(int worker, const std::optional<Range>& chunk) {
  if (chunk) comm_.send(worker, kAssignTag, *chunk);
}

void Master::record(Range chunk, const std::string& partial, int rank) {
  sink_(chunk, partial, rank);
  recorded_items_ += chunk.size();
  if (plan_.progress) plan_.progress->add(chunk.size());
}

void Master::trace(const std::vector<TraceEvent>& events, int rank) {
  if (!plan_.trace) return;
  for (TraceEvent e : events) {
    e.rank = rank;
    plan_.trace->event(e);
  }
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
  policy_.stop();
  request_stop();
  for (int w = 1; w < comm_.size(); ++w) stop_notices_.push_back(comm_.isend(w, kStopTag));
}

}  // namespace rf
