#include "rangefarm/farm/farm.hpp"

#include <boost/mpi/nonblocking.hpp>
#include <boost/mpi/request.hpp>
#include <boost/serialization/string.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "rangefarm/bigint/bigint.hpp"
#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"

// Two plain integers: sent as a native MPI struct, no serialization cost.
// Declared here, not in range.hpp, so that workloads never see MPI.
BOOST_IS_MPI_DATATYPE(rf::Range)

namespace rf {
namespace {

namespace mpi = boost::mpi;

// Worker -> rank 0: reports; rank 0 -> worker: assignments (dynamic and
// guided), one stop notice when the run is stopping, and the end.
//
// The end is a handshake, so that a worker with no work left still passes
// on a signal it gets: a worker says Finished when it has no more chunks,
// but keeps polling until rank 0 (all workers finished, its own share done)
// sends End with the verdict; the worker answers Bye and leaves. Reports
// from one worker arrive in order, so a Stop that crossed the End arrives
// before the Bye, and no message is left unreceived.
enum Tag : int { kReportTag = 101, kAssignTag = 102, kStopTag = 103, kEndTag = 104 };
// A worker's saved state (rank_zero_store.hpp): a Keep report names it and
// its integer follows on kKeptTag; a Fetch report is answered on kKeptTag.
// Keep is a report, so it reaches rank 0 before the worker's Done and Bye.
constexpr int kKeptTag = 105;
// The End message's bits: the run stopped with work left; stop notices were
// sent (a stop can come too late to stop anything).
constexpr int kEndStopped = 1;
constexpr int kEndNoticeSent = 2;

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
constexpr auto kSpinWait = std::chrono::microseconds(50);

struct Report {
  enum Kind : int { Request, Ahead, Idle, Done, Stop, Finished, Bye, Keep, Fetch };
  int kind = Request;
  Range chunk;          // Done: the real items finished
  std::string partial;  // Done: their encoded result; Keep: name and label; Fetch: name

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& kind& chunk& partial;
  }
};

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

using DoneFn = std::function<void(Range chunk, std::string partial)>;

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
// chunk (Interrupted) leaves it undone.
void run_positions(const FarmPlan& plan, Range positions, const EncodedChunkFn& process,
                   const Yield& yield, RankTiming& t, const DoneFn& done) {
  for (Range chunk : plan.todo.map(positions)) {
    if (stop_requested()) return;
    std::string partial;
    try {
      Stopwatch busy(t.busy_s);
      partial = process(chunk, yield);
    } catch (const Interrupted&) {
      return;
    }
    t.chunks += 1;
    t.items += chunk.size();
    done(chunk, std::move(partial));
  }
}

Range all_positions(const FarmPlan& plan) {
  return {0, plan.todo.size()};
}

// Rank 0: computes its own share, and between chunks and slices of it (a
// yield, at most every 200 us: PollThrottle) takes reports, hands out
// chunks, and notices stop requests.
class Master {
 public:
  Master(const mpi::communicator& comm, const FarmPlan& plan, const RecordFn& sink)
      : comm_(comm),
        plan_(plan),
        sink_(sink),
        deferred_(static_cast<std::size_t>(comm.size()), false),
        active_(comm.size() - 1) {
    if (!is_static(plan.spec.kind)) dispenser_.emplace(plan.spec, all_positions(plan), comm.size());
  }

  ScheduleOutcome run(const EncodedChunkFn& process) {
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

 private:
  void poll() {
    if (stop_requested() && !stopping_) begin_stop();
    while (const auto status = comm_.iprobe(mpi::any_source, kReportTag)) {
      handle(status->source());
    }
    if (plan_.progress) plan_.progress->tick();
  }

  // Polls rather than blocks, so that a signal is noticed and the progress
  // line moves while rank 0 has no work of its own left.
  template <class Done>
  void wait_until(const Done& done) {
    for (poll(); !done(); poll()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }

  void handle(int worker) {
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
  void assign(int worker) {
    std::optional<Range> next;
    if (!stopping_) next = dispenser_->next();
    comm_.send(worker, kAssignTag, next.value_or(Range{}));
  }

  [[nodiscard]] bool ahead_granted() const {
    const std::uint64_t enough = kAheadSlack * static_cast<std::uint64_t>(comm_.size());
    return dispenser_->chunks_left(enough) >= enough;
  }

  void record(Range chunk, const std::string& partial, int rank) {
    sink_(chunk, partial, rank);
    recorded_items_ += chunk.size();
    if (plan_.progress) plan_.progress->add(chunk.size());
  }

  // A worker's save, written here; a worker's load, answered from here.
  void keep(int worker, const std::string& name_and_label) {
    mpz_class x;
    recv_bigint(comm_, worker, kKeptTag, x);
    const std::size_t cut = name_and_label.find('\n');
    plan_.store->save(name_and_label.substr(0, cut), name_and_label.substr(cut + 1), x);
  }

  void fetch(int worker, const std::string& name) {
    const std::optional<SavedInteger> saved = plan_.store->load(name);
    comm_.send(worker, kKeptTag, saved ? 1 : 0);
    if (!saved) return;
    comm_.send(worker, kKeptTag, saved->label);
    send_bigint(comm_, worker, kKeptTag, saved->value);
  }

  // Once: every worker gets a stop notice; a Lucas-Lehmer test in progress
  // anywhere sees the request at its next yield.
  void begin_stop() {
    stopping_ = true;
    request_stop();
    for (int w = 1; w < comm_.size(); ++w) stop_notices_.push_back(comm_.isend(w, kStopTag));
  }

  const mpi::communicator& comm_;
  const FarmPlan& plan_;
  const RecordFn& sink_;
  std::optional<ChunkDispenser> dispenser_;
  std::vector<bool> deferred_;  // by worker: an Ahead request kept for the worker's Idle
  int active_;                  // workers that have not said Finished
  int byes_ = 0;
  bool stopping_ = false;
  std::vector<mpi::request> stop_notices_;
  std::uint64_t recorded_items_ = 0;
  PollThrottle throttle_;
};

class Worker {
 public:
  Worker(const mpi::communicator& comm, const FarmPlan& plan) : comm_(comm), plan_(plan) {}

  ScheduleOutcome run(const EncodedChunkFn& process) {
    ScheduleOutcome out;
    out.timing.rank = comm_.rank();
    out.timing.host = host_name();
    const Yield yield_poll = [this] {
      if (throttle_.due()) poll();
    };
    const DoneFn done = [this](Range chunk, std::string partial) {
      comm_.send(0, kReportTag, Report{Report::Done, chunk, std::move(partial)});
    };
    const StoreConnection store(plan_.store, store_channel());
    if (is_static(plan_.spec.kind)) {
      for (Range p : static_chunks(plan_.spec, all_positions(plan_), comm_.rank(), comm_.size())) {
        poll();
        if (stop_requested()) break;
        run_positions(plan_, p, process, yield_poll, out.timing, done);
      }
    } else {
      run_dynamic(process, yield_poll, done, out.timing);
    }
    poll();
    comm_.send(0, kReportTag, Report{Report::Finished, {}, {}});
    {
      Stopwatch wait(out.timing.wait_s);
      mpi::request end = comm_.irecv(0, kEndTag, end_);
      wait_watching(end, yield_poll);
    }
    comm_.send(0, kReportTag, Report{Report::Bye, {}, {}});
    out.stopped = (end_ & kEndStopped) != 0;
    // Once stopping, rank 0 sent every worker a stop notice; take it if still there.
    if ((end_ & kEndNoticeSent) != 0 && !stop_notice_taken_) comm_.recv(0, kStopTag);
    return out;
  }

 private:
  // An Ahead request is outstanding while a chunk computes, so the next
  // chunk is usually there when the current one ends; if it is not (rank 0
  // keeps Ahead requests in the tail of a run), the worker says Idle. An
  // empty assignment means no more work (rank 0 answers every request,
  // stopping or not).
  void run_dynamic(const EncodedChunkFn& process, const Yield& poll, const DoneFn& done,
                   RankTiming& t) {
    Range current = request_chunk(t);
    while (!current.empty() && !stop_requested()) {
      Range ahead;
      comm_.send(0, kReportTag, Report{Report::Ahead, {}, {}});
      mpi::request pending = comm_.irecv(0, kAssignTag, ahead);
      run_positions(plan_, current, process, poll, t, done);
      {
        Stopwatch wait(t.wait_s);
        if (!pending.test()) {
          comm_.send(0, kReportTag, Report{Report::Idle, {}, {}});
          wait_watching(pending, nothing_);
        }
      }
      current = ahead;
    }
  }

  Range request_chunk(RankTiming& t) {
    Range chunk;
    comm_.send(0, kReportTag, Report{Report::Request, {}, {}});
    mpi::request reply = comm_.irecv(0, kAssignTag, chunk);
    Stopwatch wait(t.wait_s);
    wait_watching(reply, nothing_);
    return chunk;
  }

  // Waits for rank 0's answer (a dead rank 0 ends this process through
  // the health link, health_link.hpp); `also` runs between looks. It spins for the first kSpinWait
  // (an answer to a short chunk's request takes a few microseconds, far less than waking from a
  // sleep), then sleeps between looks so as not to take a shared core.
  void wait_watching(mpi::request& r, const Yield& also) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpinWait;
    while (!r.test()) {
      also();
      if (std::chrono::steady_clock::now() > spin_until) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
    }
  }

  // How a workload's saves and loads reach rank 0 from this worker.
  RankZeroStore::Channel store_channel() {
    const auto save = [this](const std::string& name, const std::string& label,
                             const mpz_class& x) {
      comm_.send(0, kReportTag, Report{Report::Keep, {}, name + '\n' + label});
      send_bigint(comm_, 0, kKeptTag, x);
    };
    const auto load = [this](const std::string& name) {
      comm_.send(0, kReportTag, Report{Report::Fetch, {}, name});
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
  void poll() {
    if (!stop_notice_taken_ && comm_.iprobe(0, kStopTag)) {
      comm_.recv(0, kStopTag);
      stop_notice_taken_ = true;
      request_stop();
    }
    if (stop_requested() && !stop_told_) {
      stop_told_ = true;
      if (!stop_notice_taken_) comm_.send(0, kReportTag, Report{Report::Stop, {}, {}});
    }
  }

  const mpi::communicator& comm_;
  const FarmPlan& plan_;
  const Yield nothing_ = [] {};
  bool stop_notice_taken_ = false;
  PollThrottle throttle_;
  int end_ = 0;  // rank 0's End: kEndStopped | kEndNoticeSent
  bool stop_told_ = false;
};

}  // namespace

ScheduleOutcome run_plan(const mpi::communicator& comm, const FarmPlan& plan,
                         const EncodedChunkFn& process, const RecordFn& sink) {
  if (comm.rank() == 0) return Master(comm, plan, sink).run(process);
  return Worker(comm, plan).run(process);
}

RankTiming run_schedule(const mpi::communicator& comm, Range range, const ScheduleSpec& spec,
                        const ChunkFn& process) {
  const FarmPlan plan{RangeList(subtract(range, {})), spec, nullptr};
  const auto encoded = [&process](Range chunk, const Yield& yield) {
    process(chunk, yield);
    return std::string();
  };
  return run_plan(comm, plan, encoded, [](Range, const std::string&, int) {}).timing;
}

}  // namespace rf
