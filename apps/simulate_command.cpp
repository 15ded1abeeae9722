// `rangefarm simulate`: predicts a run's wall time at other rank counts,
// schedules, chunk sizes and orders, by replaying the farm's dispatch
// policy in virtual time (sim/simulator.hpp says what the model holds and
// leaves out). Costs come from a trace (--trace, farm/trace_writer.hpp) or
// are given (--costs). Rank 0 alone computes and speaks; no MPI traffic.
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "common_options.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/sim/simulator.hpp"
#include "rangefarm/sim/trace_costs.hpp"

namespace rf::app {
namespace {

// Shared memory on one node (Open MPI's vader transport): the defaults with
// --trace. bench/dispatch_bench at 2 ranks, chunk 1, zero-cost items, moves
// 460,000-650,000 chunks a second through rank 0 (medians of 5 on a loaded
// 2-core machine), about 2 us per chunk, each a Done and an Ahead: about
// 1 us per report served and 1 us each way.
constexpr double kSharedMemoryLatencyS = 1e-6;
constexpr double kSharedMemoryServiceS = 1e-6;
constexpr double kAnswerIntervalS = 200e-6;  // PollThrottle, chunk_runner.hpp
constexpr double kSaturatedShare = 0.8;      // rank 0 serving 80% of the time
constexpr std::uint64_t kMaxRanks = 1'000'000;

struct SimulateOptions {
  std::string trace;
  std::vector<std::string> costs;
  std::vector<std::string> ranks;
  std::vector<std::string> schedules;
  std::vector<std::string> chunks;
  std::vector<std::string> orders;
  std::string latency;
  std::string service;
  std::string answer_interval;
  std::string end;
  std::string json;
};

struct Case {
  int ranks;
  ScheduleSpec spec;
  DispatchOrder order;
};

struct Job {
  ItemCosts costs;  // in the source's item order
  DispatchOrder source_order = DispatchOrder::Given;
  std::vector<Case> cases;
  double latency_s = 0, service_s = 0, answer_interval_s = 0, end_s = -1;
};

double parse_seconds(const std::string& option, const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) {
    throw UsageError(option + ": not a number of seconds, at least 0: '" + text + "'");
  }
  return value;
}

double seconds_or(const std::string& option, const std::string& text, double fallback) {
  return text.empty() ? fallback : parse_seconds(option, text);
}

TracedRun load_trace(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError("--trace: '" + path + "' is a directory, not a trace file");
  }
  std::ifstream in(path);
  if (!in) throw UsageError("--trace: cannot read '" + path + "'");
  try {
    return read_trace(in, path);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

std::vector<ScheduleKind> kinds_from(const std::vector<std::string>& names) {
  std::vector<ScheduleKind> out;
  for (const std::string& n : names) {
    const auto k = parse_schedule(n);
    if (!k) {
      throw UsageError("--schedule: unknown schedule '" + n +
                       "' (use static-block, static-cyclic, dynamic or guided)");
    }
    out.push_back(*k);
  }
  return out;
}

std::vector<DispatchOrder> orders_from(const std::vector<std::string>& names) {
  std::vector<DispatchOrder> out;
  for (const std::string& n : names) {
    const auto o = parse_order(n);
    if (!o) throw UsageError("--order: unknown order '" + n + "' (use given or largest-first)");
    out.push_back(*o);
  }
  return out;
}

// Every combination; a static schedule deals in given order whatever was
// asked, so it is predicted once.
std::vector<Case> cases_from(const SimulateOptions& o, const std::vector<std::string>& schedules,
                             const std::vector<std::string>& chunks,
                             const std::vector<std::string>& orders) {
  std::vector<Case> out;
  for (const std::string& r : o.ranks) {
    const std::uint64_t ranks = parse_number("--ranks", r, 1);
    if (ranks > kMaxRanks) throw UsageError("--ranks: at most 1000000, got '" + r + "'");
    for (ScheduleKind kind : kinds_from(schedules)) {
      for (const std::string& k : chunks) {
        const ScheduleSpec spec{kind, parse_number("--chunk", k, 1)};
        bool static_done = false;
        for (DispatchOrder order : orders_from(orders)) {
          if (is_static(kind) && static_done) continue;
          static_done = true;
          out.push_back({static_cast<int>(ranks), spec, order_used(kind, order)});
        }
      }
    }
  }
  return out;
}

std::vector<double> parse_costs(const std::vector<std::string>& texts) {
  std::vector<double> out;
  for (const std::string& t : texts) out.push_back(parse_seconds("--costs", t));
  return out;
}

Job validate(const SimulateOptions& o) {
  if (o.trace.empty() && o.costs.empty()) {
    throw UsageError(
        "no costs to simulate: give --trace FILE (a run's trace) or --costs "
        "C1,C2,... (see rangefarm simulate --help)");
  }
  if (!o.trace.empty() && !o.costs.empty()) {
    throw UsageError(
        "--trace and --costs: give one, not both (the items' costs come from a "
        "trace or from the list)");
  }
  Job job;
  std::vector<std::string> schedules = o.schedules, chunks = o.chunks, orders = o.orders;
  double latency = 0, service = 0, answer = 0;
  if (!o.trace.empty()) {
    TracedRun run = load_trace(o.trace);
    job.costs = std::move(run.costs);
    job.source_order = parse_order(run.order).value_or(DispatchOrder::Given);
    if (schedules.empty()) schedules = {run.schedule};
    if (chunks.empty()) chunks = {std::to_string(run.chunk)};
    if (orders.empty()) orders = {run.order};
    latency = kSharedMemoryLatencyS;
    service = kSharedMemoryServiceS;
    answer = kAnswerIntervalS;
  } else {
    job.costs = ItemCosts::from_list(parse_costs(o.costs));
    if (schedules.empty()) schedules = {"dynamic"};
    if (chunks.empty()) chunks = {"1"};
    if (orders.empty()) orders = {"given"};
  }
  job.cases = cases_from(o, schedules, chunks, orders);
  job.latency_s = seconds_or("--latency-s", o.latency, latency);
  job.service_s = seconds_or("--service-s", o.service, service);
  job.answer_interval_s = seconds_or("--answer-interval-s", o.answer_interval, answer);
  job.end_s = seconds_or("--end-s", o.end, -1);
  return job;
}

// The items as this case's schedule hands them out. A largest-first trace
// numbers its items by decreasing estimate, and keeps no record of their
// given order.
ItemCosts costs_for(const Job& job, const Case& c) {
  if (job.source_order == c.order) return job.costs;
  if (c.order == DispatchOrder::LargestFirst) {
    return job.costs.in_order(c.spec.kind, c.order);
  }
  throw UsageError(std::string("--trace: the trace was taken largest-first, which keeps no record "
                               "of the items' given order; cannot predict ") +
                   std::string(schedule_name(c.spec.kind)) +
                   " in given order (take the trace with --order given)");
}

nlohmann::json predict(const Job& job, const Case& c) {
  const ItemCosts costs = costs_for(job, c);
  const SimResult r = simulate(
      costs, {c.ranks, c.spec, job.latency_s, job.service_s, job.answer_interval_s, job.end_s});
  double max_busy = 0, sum_busy = 0;
  for (double b : r.busy_s) {
    max_busy = std::max(max_busy, b);
    sum_busy += b;
  }
  const double mean_busy = sum_busy / static_cast<double>(r.busy_s.size());
  const double speedup = r.wall_s > 0 ? costs.total() / r.wall_s : 1.0;
  const double rate = r.wall_s > 0 ? static_cast<double>(r.reports) / r.wall_s : 0.0;
  const bool saturated = r.wall_s > 0 && r.rank0_serving_s >= kSaturatedShare * r.wall_s;
  return {{"ranks", c.ranks},
          {"schedule", schedule_name(c.spec.kind)},
          {"chunk", c.spec.chunk},
          {"order", order_name(c.order)},
          {"wall_s", r.wall_s},
          {"speedup", speedup},
          {"efficiency", speedup / c.ranks},
          {"imbalance", mean_busy > 0 ? max_busy / mean_busy : 1.0},
          {"busy_s", r.busy_s},
          {"rank0_request_rate_hz", rate},
          {"rank0_capacity_hz",
           job.service_s > 0 ? nlohmann::json(1 / job.service_s) : nlohmann::json(nullptr)},
          {"saturated", saturated}};
}

void print_table(const Job& job, const nlohmann::json& predictions) {
  auto& out = std::cout;
  out << strprintf(
      "rangefarm simulate: %s, %.6g in all; latency %.3g s, service %.3g s, answer "
      "interval %.3g s%s\n",
      counted(job.costs.size(), "item").c_str(), job.costs.total(), job.latency_s, job.service_s,
      job.answer_interval_s, job.end_s >= 0 ? strprintf(", end %.3g s", job.end_s).c_str() : "");
  out << strprintf("%7s  %-13s %8s  %-13s %12s %9s %6s %9s %13s %s\n", "ranks", "schedule", "chunk",
                   "order", "wall", "speedup", "eff", "imbalance", "rank0_rate/s", "saturated");
  for (const auto& p : predictions) {
    out << strprintf("%7d  %-13s %8llu  %-13s %12.6g %9.3f %6.3f %9.3f %13.4g %s\n",
                     p["ranks"].get<int>(), p["schedule"].get<std::string>().c_str(),
                     static_cast<unsigned long long>(p["chunk"].get<std::uint64_t>()),
                     p["order"].get<std::string>().c_str(), p["wall_s"].get<double>(),
                     p["speedup"].get<double>(), p["efficiency"].get<double>(),
                     p["imbalance"].get<double>(), p["rank0_request_rate_hz"].get<double>(),
                     p["saturated"].get<bool>() ? "yes" : "no");
  }
}

int run_simulate(const boost::mpi::communicator& comm, const SimulateOptions& o) {
  CommonOptions outputs;
  outputs.json = o.json;
  check_outputs(comm, outputs);
  Job job;
  agree_on_rank0(comm, [&]() -> std::string {
    try {
      job = validate(o);
      for (const Case& c : job.cases) costs_for(job, c);  // every case possible, or say so now
    } catch (const UsageError& e) {
      return e.what();
    }
    return {};
  });
  if (comm.rank() != 0) return 0;
  nlohmann::json predictions = nlohmann::json::array();
  for (const Case& c : job.cases) predictions.push_back(predict(job, c));
  if (o.json != "-") print_table(job, predictions);
  if (!o.json.empty()) {
    const std::string text = nlohmann::json{{"predictions", predictions}}.dump(2) + "\n";
    if (o.json == "-") {
      std::cout << text << std::flush;
    } else {
      write_text_file("--json", o.json, text);
    }
  }
  return 0;
}

}  // namespace

Command add_simulate_command(CLI::App& app) {
  auto opts = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "predict wall time at other rank counts and schedules from a trace or costs");
  cmd->add_option("--trace", opts->trace, "per-item costs from this --trace FILE of a run")
      ->type_name("FILE");
  cmd->add_option("--costs", opts->costs, "per-item costs, in seconds or abstract units")
      ->delimiter(',')
      ->type_name("C1,C2,...");
  cmd->add_option("--ranks", opts->ranks, "rank counts to predict (required)")
      ->delimiter(',')
      ->required()
      ->type_name("LIST");
  cmd->add_option("--schedule", opts->schedules,
                  "schedules to predict (default: the trace's; dynamic for --costs)")
      ->delimiter(',')
      ->type_name("LIST");
  cmd->add_option("--chunk", opts->chunks, "chunk sizes (default: the trace's; 1 for --costs)")
      ->delimiter(',')
      ->type_name("LIST");
  cmd->add_option("--order", opts->orders,
                  "given | largest-first, or both (default: the trace's; given for --costs)")
      ->delimiter(',')
      ->type_name("LIST");
  cmd->add_option("--latency-s", opts->latency,
                  "one-way message latency (default 1e-6 with --trace: shared memory; 0 with "
                  "--costs)")
      ->type_name("S");
  cmd->add_option("--service-s", opts->service,
                  "rank 0's time to serve one report (default 1e-6 with --trace; 0 with --costs)")
      ->type_name("S");
  cmd->add_option("--answer-interval-s", opts->answer_interval,
                  "how often a computing rank 0 answers (default 2e-4 with --trace: its poll "
                  "throttle; 0 with --costs)")
      ->type_name("S");
  cmd->add_option("--end-s", opts->end,
                  "the run's end after the last worker is finished: noticing it, the End/Bye "
                  "handshake (default: 2 latencies and 1 service)")
      ->type_name("S");
  cmd->add_option("--json", opts->json, "write the predictions to FILE, or - for stdout")
      ->type_name("FILE")
      ->check(file_name_check());
  return {cmd, [opts](const boost::mpi::communicator& comm) { return run_simulate(comm, *opts); }};
}

}  // namespace rf::app
