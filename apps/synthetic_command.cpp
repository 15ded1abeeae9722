// `rangefarm synthetic`: T tasks of a chosen cost profile, run by sleeping
// or spinning, for studying the schedules themselves.
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>

#include "command.hpp"
#include "common_options.hpp"
#include "journal_guard.hpp"
#include "rangefarm/common/fmt_util.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/work/synthetic.hpp"
#include "run_control.hpp"
#include "run_trace.hpp"

namespace rf::app {
namespace {

// Largest-first keeps the dispatch order in memory on every rank.
constexpr std::uint64_t kMaxOrderedTasks = 10'000'000;
constexpr std::uint64_t kMaxTasks = 1'000'000'000'000;
constexpr double kMaxUnitMs = 3'600'000;  // an hour

struct SyntheticOptions {
  std::string tasks;
  std::string cost;
  std::string unit_ms;
  bool sleep = false;
  bool spin = false;
  std::string seed = "1";
  CommonOptions common;
};

struct SyntheticJob {
  SyntheticSpec spec;
  ScheduleSpec schedule;
  DispatchOrder order = DispatchOrder::LargestFirst;
};

double parse_unit_ms(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty() || !std::isfinite(value)) {
    throw UsageError("--unit-ms: not a number of milliseconds: '" + text + "'");
  }
  if (value < 0 || value > kMaxUnitMs) {
    throw UsageError("--unit-ms: must be between 0 and 3600000 (an hour), got '" + text + "'");
  }
  return value + 0.0;  // -0 becomes 0
}

SyntheticJob validate(const SyntheticOptions& o) {
  SyntheticJob job;
  job.spec.tasks = parse_number("--tasks", o.tasks, 1);
  if (job.spec.tasks > kMaxTasks) {
    throw UsageError("--tasks: at most 1e12, got '" + o.tasks + "'");
  }
  const auto profile = parse_cost_profile(o.cost);
  if (!profile) {
    throw UsageError("--cost: unknown profile '" + o.cost +
                     "' (use uniform, linear, random or heavy)");
  }
  job.spec.profile = *profile;
  job.spec.unit_ms = parse_unit_ms(o.unit_ms);
  if (o.sleep && o.spin) throw UsageError("--sleep and --spin: choose one");
  job.spec.mode = o.spin ? TaskMode::Spin : TaskMode::Sleep;
  job.spec.seed = parse_number("--seed", o.seed, 0);
  const DispatchOrder asked = order_from(o.common, "synthetic", DispatchOrder::LargestFirst);
  job.schedule = schedule_from(o.common, 1);
  job.order = order_used(job.schedule.kind, asked);  // what the header and report say
  return job;
}

bool reorders(const SyntheticJob& job) {
  return job.order == DispatchOrder::LargestFirst && job.spec.profile != CostProfile::Uniform;
}

// The task at each position the farm hands out (empty: in task order).
std::vector<std::uint64_t> task_order(const SyntheticJob& job) {
  if (!reorders(job)) return {};
  if (job.spec.tasks > kMaxOrderedTasks) {
    throw UsageError(
        "--order largest-first: at most 1e7 tasks (the order is held on every "
        "rank); use --order given for more");
  }
  std::vector<double> costs(job.spec.tasks);
  for (std::uint64_t k = 1; k <= job.spec.tasks; ++k) costs[k - 1] = task_cost(job.spec, k);
  std::vector<std::uint64_t> order = dispatch_order(ScheduleKind::Dynamic, job.order, costs);
  for (auto& i : order) i += 1;
  return order;
}

// A sum of micro-units in units, for the report. Up to 2^53 micro-units the
// quotient of the exact integer (what a test's Python computes); above, the
// whole units and the fraction apart, so that 24500003500000 units stay
// whole instead of gaining .004 from the double of 2.45e19 micro-units.
double units(MicroUnits micro) {
  constexpr MicroUnits kExact = MicroUnits{1} << 53;
  if (micro < kExact) return static_cast<double>(micro) / 1e6;
  return static_cast<double>(micro / 1'000'000) + static_cast<double>(micro % 1'000'000) / 1e6;
}

// A sum of micro-units in units with 3 decimals. Past 2^53 micro-units a
// double no longer holds every micro-unit (nor, from 2^53 units, every
// unit): there the text is worked out on the integer, rounded half up.
std::string units_text(MicroUnits micro) {
  if (micro < (MicroUnits{1} << 53)) return strprintf("%.3f", units(micro));
  MicroUnits milli = (micro + 500) / 1000;
  const auto decimals = static_cast<unsigned>(milli % 1000);
  milli /= 1000;
  std::string whole;
  do {
    whole.insert(whole.begin(), static_cast<char>('0' + static_cast<int>(milli % 10)));
    milli /= 10;
  } while (milli > 0);
  return whole + strprintf(".%03u", decimals);
}

nlohmann::json result_json(const SyntheticPartial& r) {
  return {{"tasks", r.tasks},
          {"units", units(r.micro_units)},
          {"longest_task_units", units(r.longest_micro_units)},
          {"task_checksum", strprintf("%016llX", static_cast<unsigned long long>(r.tag_sum))}};
}

// The run's length in units, and the least any schedule could do: the work
// spread evenly, but never less than the longest task. Not for a resumed
// run: r holds the restored tasks too, which this run's wall never saw
// (the bound came out above the makespan).
nlohmann::json makespan_json(const SyntheticJob& job, const SyntheticPartial& r, double wall_s,
                             std::size_t ranks, std::uint64_t restored_items) {
  if (job.spec.unit_ms <= 0 || restored_items > 0) return nullptr;
  const double even = units(r.micro_units) / static_cast<double>(ranks);
  return {{"makespan_units", wall_s * 1e3 / job.spec.unit_ms},
          {"lower_bound_units", std::max(even, units(r.longest_micro_units))}};
}

// The header line, printed by rank 0 before the run starts.
void print_header(const SyntheticJob& job, const CommonOptions& opts, int ranks) {
  if (!human_output_wanted(opts) || opts.quiet) return;
  std::cout << "rangefarm synthetic: " << counted(job.spec.tasks, "task") << ", "
            << cost_profile_name(job.spec.profile) << " cost, " << job.spec.unit_ms
            << " ms per unit, " << task_mode_name(job.spec.mode) << "; schedule "
            << schedule_name(job.schedule.kind) << " (chunk " << job.schedule.chunk << ", "
            << order_text(opts, job.schedule.kind, job.order) << "), " << counted(ranks, "rank")
            << "\n"
            << std::flush;
}

void print_summary(const RunReport& report, const SyntheticPartial& r, bool quiet) {
  auto& out = std::cout;
  out << strprintf("tasks %llu, %s units in all, longest %s units; every task ran once\n",
                   static_cast<unsigned long long>(r.tasks), units_text(r.micro_units).c_str(),
                   units_text(r.longest_micro_units).c_str());
  if (quiet) return;
  out << strprintf("wall %.3f s", report.wall_s);
  if (!report.timing_extra.is_null()) {
    out << strprintf(" = %.2f units; lower bound %.2f units (even spread or longest task)",
                     report.timing_extra["makespan_units"].get<double>(),
                     report.timing_extra["lower_bound_units"].get<double>());
  }
  out << "\n";
  print_checkpoint_summary(out, report.checkpoint);
  report.print_timing_table(out);
}

int run_synthetic(const boost::mpi::communicator& comm, const SyntheticOptions& o) {
  const SyntheticJob job = validate(o);
  const std::vector<std::uint64_t> order = task_order(job);
  check_outputs(comm, o.common);
  check_journal_fits(comm, o.common, job.spec.tasks, job.schedule);
  // Neither the unit nor the mode changes a result, so a journal may be
  // resumed with others; it names the tasks, so any schedule and order may.
  const auto numbering = [&job](DispatchOrder in) {
    SyntheticJob then = job;
    then.order = in;
    std::vector<std::uint64_t> tasks = task_order(then);
    return tasks.empty() ? ItemNumbering::consecutive(job.spec.tasks, 1)
                         : ItemNumbering(std::move(tasks));
  };
  RunControl control(comm, o.common,
                     {{"workload", "synthetic"},
                      {"tasks", job.spec.tasks},
                      {"cost", cost_profile_name(job.spec.profile)},
                      {"seed", job.spec.seed},
                      {"items", "tasks"}},
                     /*with_state_dir=*/false, ItemIds{job.order, numbering});
  if (control.replay_finished()) return 0;  // a finished run: its stored report
  // A chunk's cost: the sum of its tasks' costs, in units.
  const auto chunk_cost = [&](Range positions) -> std::optional<double> {
    double units = 0;
    for (std::uint64_t i = positions.lo; i < positions.hi; ++i) {
      units += task_cost(job.spec, order.empty() ? i + 1 : order[i]);
    }
    return units;
  };
  RunTrace trace(comm, o.common, "synthetic", job.schedule, job.order, "units", chunk_cost);
  const SyntheticTasks tasks(job.spec, order);
  FarmHooks hooks = control.hooks();
  hooks.on_start = [&] { print_header(job, o.common, comm.size()); };
  hooks.trace = trace.sink();
  const auto outcome = farm(comm, tasks, Range{0, job.spec.tasks}, job.schedule, hooks);
  trace.finish(outcome.wall_s, outcome.stopped);
  const std::uint64_t computed = items_total(outcome.timings);
  if (outcome.stopped) return control.stopped(outcome.restored_items + computed, job.spec.tasks);
  control.completed();
  if (comm.rank() != 0) return 0;

  RunReport report{"synthetic",
                   {{"tasks", job.spec.tasks},
                    {"cost", cost_profile_name(job.spec.profile)},
                    {"unit_ms", job.spec.unit_ms},
                    {"mode", task_mode_name(job.spec.mode)},
                    {"seed", job.spec.seed},
                    {"schedule", schedule_name(job.schedule.kind)},
                    {"chunk", job.schedule.chunk},
                    {"order", order_name(job.order)}},
                   result_json(outcome.result),
                   outcome.timings,
                   outcome.wall_s};
  report.timing_extra = makespan_json(job, outcome.result, outcome.wall_s, outcome.timings.size(),
                                      outcome.restored_items);
  report.checkpoint = control.report(outcome.restored_items, computed);
  if (!(outcome.result == expected_totals(job.spec))) {
    std::cerr << "rangefarm: internal error: the tasks run do not add up to the " << job.spec.tasks
              << " tasks asked for\n";
    return 70;
  }
  control.finish(report, [&](bool quiet) { print_summary(report, outcome.result, quiet); });
  return 0;
}

}  // namespace

Command add_synthetic_command(CLI::App& app) {
  auto opts = std::make_shared<SyntheticOptions>();
  CLI::App* cmd = app.add_subcommand(
      "synthetic", "T tasks of a chosen cost profile, slept or spun, for scheduler studies");
  cmd->add_option("--tasks", opts->tasks, "number of tasks (required)")->required()->type_name("T");
  cmd->add_option("--cost", opts->cost,
                  "uniform (1 unit each) | linear (task k costs k) | random (uniform on [0, 2)) "
                  "| heavy (Pareto, shape 1.5, mean 1) (required)")
      ->required()
      ->type_name("PROFILE");
  cmd->add_option("--unit-ms", opts->unit_ms,
                  "milliseconds per cost unit (required; 0: zero-cost tasks, to time the farm)")
      ->required()
      ->type_name("M");
  cmd->add_flag("--sleep", opts->sleep, "tasks sleep, like I/O (the default)");
  cmd->add_flag("--spin", opts->spin, "tasks spin on a core, CPU-bound");
  cmd->add_option("--seed", opts->seed, "seed of the random and heavy profiles (default 1)")
      ->type_name("S");
  add_common_options(*cmd, opts->common, "1 task", /*has_cost_model=*/true);
  return {cmd, [opts](const boost::mpi::communicator& comm) { return run_synthetic(comm, *opts); }};
}

}  // namespace rf::app
