#include "rangefarm/sim/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <queue>

#include "rangefarm/farm/dispatch_policy.hpp"

namespace rf {
namespace {

enum class Msg { Request, Ahead, Idle, Done, Finished };

struct Event {
  enum Kind {
    ReportArrives,
    AnswerArrives,
    WorkerChunkEnds,
    Rank0ChunkEnds,
    Rank0Yields,
    Rank0Served
  };
  double t;
  std::uint64_t seq;  // ties in the order scheduled
  Kind kind;
  int rank;
  Msg msg;            // ReportArrives
  Range chunk;        // AnswerArrives
  std::uint64_t gen;  // Rank0*: stale when rank 0's plans changed since

  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

struct WorkerState {
  bool waiting = false;        // for an answer, not computing
  std::optional<Range> ahead;  // the answer to its Ahead, come while computing
  StaticShare share;           // static
  std::uint64_t next_static = 0;
};

class Simulation {
 public:
  Simulation(const ItemCosts& costs, const SimConfig& c)
      : costs_(costs),
        c_(c),
        policy_(c.spec, costs.size(), c.ranks),
        workers_(static_cast<std::size_t>(c.ranks)),
        active_(c.ranks - 1) {
    result_.busy_s.assign(static_cast<std::size_t>(c.ranks), 0);
    result_.chunks.assign(static_cast<std::size_t>(c.ranks), 0);
    if (policy_.is_static()) rank0_share_ = policy_.static_share(0);
  }

  SimResult run() {
    for (int w = 1; w < c_.ranks; ++w) start_worker(w);
    rank0_poll(0);
    while (!events_.empty()) {
      const Event e = events_.top();
      events_.pop();
      dispatch(e);
    }
    return result_;
  }

 private:
  void at(double t, Event e) {
    e.t = t;
    e.seq = seq_++;
    events_.push(e);
  }
  void send_report(double t, int from, Msg m) {
    at(t + c_.latency_s, {0, 0, Event::ReportArrives, from, m, {}, 0});
  }
  void send_answer(double t, int to, Range chunk) {
    at(t + c_.latency_s, {0, 0, Event::AnswerArrives, to, Msg::Done, chunk, 0});
  }

  void dispatch(const Event& e) {
    switch (e.kind) {
      case Event::ReportArrives:
        report_arrives(e.t, e.rank, e.msg);
        break;
      case Event::AnswerArrives:
        answer_arrives(e.t, e.rank, e.chunk);
        break;
      case Event::WorkerChunkEnds:
        worker_chunk_ends(e.t, e.rank);
        break;
      case Event::Rank0ChunkEnds:
        if (e.gen == gen_) rank0_chunk_ends(e.t);
        break;
      case Event::Rank0Yields:
        if (e.gen == gen_) rank0_yields(e.t);
        break;
      case Event::Rank0Served:
        rank0_served(e.t);
        break;
    }
  }

  // ---- workers ----
  WorkerState& worker(int w) { return workers_[static_cast<std::size_t>(w)]; }

  void start_worker(int w) {
    if (policy_.is_static()) {
      worker(w).share = policy_.static_share(w);
      next_static(0, w);
      return;
    }
    send_report(0, w, Msg::Request);
    worker(w).waiting = true;
  }

  void next_static(double t, int w) {
    WorkerState& s = worker(w);
    if (s.next_static == s.share.size()) {
      send_report(t, w, Msg::Finished);
      return;
    }
    compute(t, w, s.share[s.next_static++]);
  }

  void compute(double t, int w, Range chunk) {
    const double d = costs_.cost(chunk);
    result_.busy_s[static_cast<std::size_t>(w)] += d;
    ++result_.chunks[static_cast<std::size_t>(w)];
    at(t + d, {0, 0, Event::WorkerChunkEnds, w, Msg::Done, chunk, 0});
  }

  void start_dynamic_chunk(double t, int w, Range chunk) {
    if (chunk.empty()) {
      send_report(t, w, Msg::Finished);
      return;
    }
    send_report(t, w, Msg::Ahead);
    compute(t, w, chunk);
  }

  void answer_arrives(double t, int w, Range chunk) {
    WorkerState& s = worker(w);
    if (!s.waiting) {
      s.ahead = chunk;
      return;
    }
    s.waiting = false;
    start_dynamic_chunk(t, w, chunk);
  }

  void worker_chunk_ends(double t, int w) {
    send_report(t, w, Msg::Done);
    if (policy_.is_static()) {
      next_static(t, w);
      return;
    }
    WorkerState& s = worker(w);
    if (s.ahead) {
      const Range next = *s.ahead;
      s.ahead.reset();
      start_dynamic_chunk(t, w, next);
      return;
    }
    send_report(t, w, Msg::Idle);
    s.waiting = true;
  }

  // ---- rank 0 ----
  void report_arrives(double t, int from, Msg m) {
    inbox_.push_back({from, m});
    if (phase_ == Phase::Idle) {
      rank0_poll(t);
    } else if (phase_ == Phase::Computing && !yield_pending_) {
      schedule_yield(t);
    }
  }

  // The first yield at or after t: every answer_interval of computing since
  // the chunk resumed (not before one has passed), or at once.
  void schedule_yield(double t) {
    double yield_t = t;
    if (c_.answer_interval_s > 0) {
      const double k = std::max(1.0, std::ceil((t - since_) / c_.answer_interval_s));
      yield_t = since_ + k * c_.answer_interval_s;
    }
    if (yield_t - since_ >= remaining_) return;  // the chunk's end comes first
    yield_pending_ = true;
    at(yield_t, {0, 0, Event::Rank0Yields, 0, Msg::Done, {}, gen_});
  }

  void rank0_yields(double t) {
    remaining_ -= t - since_;
    ++gen_;  // the planned chunk end is void
    yield_pending_ = false;
    rank0_poll(t);
  }

  void rank0_chunk_ends(double t) {
    remaining_ = 0;
    ++gen_;
    yield_pending_ = false;
    rank0_poll(t);
  }

  // Serves every report there, one at a time, then goes on.
  void rank0_poll(double t) {
    if (inbox_.empty()) {
      rank0_resume(t);
      return;
    }
    phase_ = Phase::Serving;
    at(t + c_.service_s, {0, 0, Event::Rank0Served, 0, Msg::Done, {}, 0});
  }

  void rank0_served(double t) {
    const auto [from, m] = inbox_.front();
    inbox_.pop_front();
    ++result_.reports;
    result_.rank0_serving_s += c_.service_s;
    std::optional<Range> answer;
    switch (m) {
      case Msg::Request:
        answer = policy_.on_request(from);
        break;
      case Msg::Ahead:
        answer = policy_.on_ahead(from);
        break;
      case Msg::Idle:
        answer = policy_.on_idle(from);
        break;
      case Msg::Done:
        break;
      case Msg::Finished:
        --active_;
        break;
    }
    if (answer) send_answer(t, from, *answer);
    rank0_poll(t);
  }

  void rank0_resume(double t) {
    if (remaining_ <= 0) {
      const std::optional<Range> next = rank0_next();
      if (!next) {
        phase_ = Phase::Idle;
        if (active_ == 0) finish(t);
        return;
      }
      remaining_ = costs_.cost(*next);
      result_.busy_s[0] += remaining_;
      ++result_.chunks[0];
    }
    phase_ = Phase::Computing;
    since_ = t;
    at(t + remaining_, {0, 0, Event::Rank0ChunkEnds, 0, Msg::Done, {}, gen_});
    if (!inbox_.empty()) schedule_yield(t);
  }

  std::optional<Range> rank0_next() {
    if (!policy_.is_static()) return policy_.next_for_rank0();
    if (rank0_next_static_ == rank0_share_.size()) return std::nullopt;
    return rank0_share_[rank0_next_static_++];
  }

  void finish(double t) {
    if (finished_) return;
    finished_ = true;
    double end = 0;
    if (c_.ranks > 1) end = c_.end_s >= 0 ? c_.end_s : 2 * c_.latency_s + c_.service_s;
    result_.wall_s = t + end;
  }

  enum class Phase { Computing, Serving, Idle };
  struct Inbound {
    int from;
    Msg msg;
  };

  const ItemCosts& costs_;
  SimConfig c_;
  DispatchPolicy policy_;
  std::vector<WorkerState> workers_;
  int active_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  std::deque<Inbound> inbox_;
  Phase phase_ = Phase::Idle;
  double since_ = 0;      // when rank 0's current chunk last resumed
  double remaining_ = 0;  // its computing left at since_
  std::uint64_t gen_ = 0;
  bool yield_pending_ = false;
  StaticShare rank0_share_;  // static
  std::uint64_t rank0_next_static_ = 0;
  bool finished_ = false;
  SimResult result_;
};

}  // namespace

SimResult simulate(const ItemCosts& costs, const SimConfig& config) {
  SimConfig c = config;
  c.ranks = std::max(c.ranks, 1);
  return Simulation(costs, c).run();
}

}  // namespace rf
